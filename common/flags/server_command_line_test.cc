#include "common/flags/server_command_line.h"

#include <sstream>

#include "common/version.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace postern::flags {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

const std::vector<FlagSpec> kFlags = {
    {.name = "config", .value_name = "FILE", .help = "config file"},
    {.name = "address", .value_name = "ADDR", .help = "listen address"},
    {.name = "help", .help = "print this help"},
    {.name = "version", .help = "print the version"},
};
constexpr char kUsage[] = "usage: postern-test --config FILE";

class ServerCommandLineTest : public testing::Test {
 protected:
  Invocation Parse(const std::vector<std::string>& args) {
    return ParseServerCommandLine({.program = "postern-test", .usage = kUsage, .flags = kFlags},
                                  args, out_, err_);
  }
  std::ostringstream out_;
  std::ostringstream err_;
};

TEST_F(ServerCommandLineTest, ConfigGivenServes) {
  Invocation run = Parse({"--config", "c.yaml", "--address", ":1"});
  ASSERT_TRUE(run.command_line.has_value());
  EXPECT_EQ(run.command_line->Value("config"), "c.yaml");
  EXPECT_EQ(run.command_line->Value("address"), ":1");
  EXPECT_EQ(out_.str(), "");
  EXPECT_EQ(err_.str(), "");
}

TEST_F(ServerCommandLineTest, HelpPrintsUsageAndFlagsAndExitsZero) {
  Invocation run = Parse({"--help"});
  EXPECT_FALSE(run.command_line.has_value());
  EXPECT_EQ(run.exit_status, 0);
  EXPECT_THAT(out_.str(), StartsWith(kUsage));
  EXPECT_THAT(out_.str(), HasSubstr("--address"));
}

TEST_F(ServerCommandLineTest, VersionPrintsProgramAndVersion) {
  Invocation run = Parse({"--version"});
  EXPECT_FALSE(run.command_line.has_value());
  EXPECT_EQ(run.exit_status, 0);
  EXPECT_EQ(out_.str(), std::string("postern-test ") + kVersion + "\n");
}

TEST_F(ServerCommandLineTest, UnknownFlagIsUsageError) {
  Invocation run = Parse({"--config", "c.yaml", "--bogus"});
  EXPECT_FALSE(run.command_line.has_value());
  EXPECT_EQ(run.exit_status, 2);
  EXPECT_THAT(err_.str(), StartsWith("postern-test: "));
  EXPECT_THAT(err_.str(), HasSubstr("bogus"));
  EXPECT_THAT(err_.str(), HasSubstr(kUsage));
}

TEST_F(ServerCommandLineTest, StrayArgumentIsUsageError) {
  Invocation run = Parse({"--config", "c.yaml", "extra"});
  EXPECT_EQ(run.exit_status, 2);
  EXPECT_THAT(err_.str(), StartsWith("postern-test: unexpected argument \"extra\"\n"));
}

TEST_F(ServerCommandLineTest, MissingConfigIsUsageError) {
  Invocation run = Parse({});
  EXPECT_FALSE(run.command_line.has_value());
  EXPECT_EQ(run.exit_status, 2);
  EXPECT_EQ(err_.str(), std::string("postern-test: --config FILE is required\n") + kUsage + "\n");
}

}  // namespace
}  // namespace postern::flags
