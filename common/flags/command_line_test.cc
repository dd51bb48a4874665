#include "common/flags/command_line.h"

#include <sstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace postern::flags {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

const std::vector<FlagSpec> kSpecs = {
    {.name = "listen", .value_name = "ADDR", .help = "where to listen"},
    {.name = "proxy-url", .aliases = {"pomerium-url"}, .value_name = "URL", .help = "proxy"},
    {.name = "no-browser", .help = "do not open a browser"},
};

TEST(CommandLineTest, ParsesEveryForm) {
  auto cl = CommandLine::Parse(
      {"tcp", "--listen", "-", "-pomerium-url=https://p:8443", "--no-browser", "host:22"}, kSpecs);
  ASSERT_TRUE(cl.ok()) << cl.status();
  EXPECT_EQ(cl->Value("listen"), "-");
  EXPECT_EQ(cl->Value("proxy-url"), "https://p:8443");
  EXPECT_TRUE(cl->Has("no-browser"));
  EXPECT_THAT(cl->positional(), ElementsAre("tcp", "host:22"));
}

TEST(CommandLineTest, DoubleDashEndsFlags) {
  auto cl = CommandLine::Parse({"--", "--listen", "x"}, kSpecs);
  ASSERT_TRUE(cl.ok());
  EXPECT_FALSE(cl->Has("listen"));
  EXPECT_THAT(cl->positional(), ElementsAre("--listen", "x"));
}

TEST(CommandLineTest, FallbackWhenAbsent) {
  auto cl = CommandLine::Parse({}, kSpecs);
  ASSERT_TRUE(cl.ok());
  EXPECT_EQ(cl->Value("listen", "127.0.0.1:0"), "127.0.0.1:0");
}

struct BadCase {
  std::vector<std::string> args;
  std::string message;
};

TEST(CommandLineTest, RejectsBadUsageWithPreciseMessages) {
  const std::vector<BadCase> cases = {
      {{"--lisen", "x"}, "unknown flag --lisen"},
      {{"--listen"}, "flag --listen needs a value (ADDR)"},
      {{"--no-browser=yes"}, "flag --no-browser takes no value (got \"yes\")"},
      {{"--proxy-url", "a", "--pomerium-url", "b"}, "flag --proxy-url given twice"},
  };
  for (const BadCase& c : cases) {
    auto cl = CommandLine::Parse(c.args, kSpecs);
    ASSERT_FALSE(cl.ok()) << c.message;
    EXPECT_EQ(cl.status().message(), c.message);
  }
}

TEST(CommandLineTest, HelpListsFlagsAndAliases) {
  std::string help = Help("usage: postern tcp DEST", kSpecs);
  EXPECT_THAT(help, HasSubstr("--proxy-url, --pomerium-url URL\n      proxy\n"));
  EXPECT_THAT(help, HasSubstr("--no-browser\n"));
}

// The answers every program gives through ParseProgramCommandLine.
class ProgramCommandLineTest : public ::testing::Test {
 protected:
  Invocation Parse(const std::vector<std::string>& args) {
    return ParseProgramCommandLine({.program = "tool", .usage = kUsage, .flags = flags_}, args,
                                   out_, err_);
  }
  static constexpr char kUsage[] = "usage: tool [--listen ADDR]";
  std::vector<FlagSpec> flags_ = {
      {.name = "listen", .value_name = "ADDR", .help = "where to listen"},
      {.name = "help", .help = "print this help"},
  };
  std::ostringstream out_;
  std::ostringstream err_;
};

TEST_F(ProgramCommandLineTest, GoodFlagsAreTheProgramsToUseAndNothingIsWritten) {
  Invocation run = Parse({"--listen", ":1", "extra"});
  ASSERT_TRUE(run.command_line.has_value());
  EXPECT_EQ(run.command_line->Value("listen"), ":1");
  EXPECT_THAT(run.command_line->positional(), ElementsAre("extra"));
  EXPECT_EQ(out_.str(), "");
  EXPECT_EQ(err_.str(), "");
}

TEST_F(ProgramCommandLineTest, HelpGoesToOutAndExitsZero) {
  Invocation run = Parse({"--listen", ":1", "--help"});
  EXPECT_FALSE(run.command_line.has_value());
  EXPECT_EQ(run.exit_status, 0);
  EXPECT_EQ(out_.str(), Help(kUsage, flags_));
  EXPECT_EQ(err_.str(), "");
}

TEST_F(ProgramCommandLineTest, BadFlagNamesTheProgramAndTheFlagThenTheUsageAndExitsTwo) {
  Invocation run = Parse({"--lisen", ":1"});
  EXPECT_FALSE(run.command_line.has_value());
  EXPECT_EQ(run.exit_status, 2);
  EXPECT_EQ(err_.str(), std::string("tool: unknown flag --lisen\n") + kUsage + "\n");
  EXPECT_EQ(out_.str(), "");
}

TEST_F(ProgramCommandLineTest, AProgramTakingFlagsOnlyRefusesAStrayArgument) {
  Invocation run = ParseProgramCommandLine(
      {.program = "tool", .usage = kUsage, .flags = flags_, .takes_arguments = false},
      {"--listen", ":1", "extra"}, out_, err_);
  EXPECT_FALSE(run.command_line.has_value());
  EXPECT_EQ(run.exit_status, 2);
  EXPECT_EQ(err_.str(), std::string("tool: unexpected argument \"extra\"\n") + kUsage + "\n");
  EXPECT_EQ(out_.str(), "");
}

TEST_F(ProgramCommandLineTest, UsageErrorWritesTheSameWay) {
  Invocation run = UsageError({.program = "tool", .usage = kUsage, .flags = flags_},
                              "--listen must be host:port", err_);
  EXPECT_FALSE(run.command_line.has_value());
  EXPECT_EQ(run.exit_status, 2);
  EXPECT_THAT(err_.str(), StartsWith("tool: --listen must be host:port\nusage: tool"));
}

}  // namespace
}  // namespace postern::flags
