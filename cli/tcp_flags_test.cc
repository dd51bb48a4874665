#include "cli/tcp_flags.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace postern::cli {
namespace {

using ::testing::HasSubstr;

absl::StatusOr<TcpSettings> Parse(std::vector<std::string> args) { return ParseTcpFlags(args); }

std::string Error(std::vector<std::string> args) {
  absl::StatusOr<TcpSettings> settings = ParseTcpFlags(args);
  EXPECT_FALSE(settings.ok());
  if (settings.ok()) return "";
  EXPECT_EQ(settings.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(settings.status().message());
}

TEST(TcpFlagsTest, DefaultsListenOnLoopbackWithAFreePort) {
  absl::StatusOr<TcpSettings> s = Parse({"redis.corp.example.com:6379"});
  ASSERT_TRUE(s.ok()) << s.status();
  ASSERT_TRUE(s->listen.has_value());
  EXPECT_EQ(s->listen->ToString(), "127.0.0.1:0");
  EXPECT_EQ(s->destination.proxy.ToString(), "redis.corp.example.com:443");
  EXPECT_EQ(s->destination.target.ToString(), "redis.corp.example.com:6379");
  EXPECT_FALSE(s->disable_tls_verification);
  EXPECT_EQ(s->log_level, log::Level::kInfo);
  EXPECT_TRUE(s->service_account.empty());
}

TEST(TcpFlagsTest, ListenDashMeansStdio) {
  absl::StatusOr<TcpSettings> s = Parse({"--listen", "-", "ssh.corp:22"});
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_FALSE(s->listen.has_value());
  absl::StatusOr<TcpSettings> equals = Parse({"--listen=-", "ssh.corp:22"});
  ASSERT_TRUE(equals.ok()) << equals.status();
  EXPECT_FALSE(equals->listen.has_value());
}

TEST(TcpFlagsTest, EveryFlagAndPomeriumCliAliases) {
  absl::StatusOr<TcpSettings> s =
      Parse({"--listen", "[::1]:0", "--pomerium-url", "https://proxy.example.com:8443",
             "--alternate-ca-path", "ca.pem", "--service-account-file", "sa.jwt", "--browser-cmd",
             "firefox", "--no-browser", "--log-level", "debug", "db:5432"});
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->listen->ToString(), "[::1]:0");
  EXPECT_EQ(s->destination.proxy.ToString(), "proxy.example.com:8443");
  EXPECT_EQ(s->destination.target.ToString(), "db:5432");
  EXPECT_EQ(s->ca_cert_file, "ca.pem");
  EXPECT_EQ(s->service_account_file, "sa.jwt");
  EXPECT_EQ(s->browser_cmd, "firefox");
  EXPECT_TRUE(s->no_browser);
  EXPECT_EQ(s->log_level, log::Level::kDebug);

  absl::StatusOr<TcpSettings> go_style =
      Parse({"-proxy-url=https://p.example.com", "-disable-tls-verification", "-service-account",
             "a.b.c", "db:5432"});
  ASSERT_TRUE(go_style.ok()) << go_style.status();
  EXPECT_EQ(go_style->destination.proxy.ToString(), "p.example.com:443");
  EXPECT_TRUE(go_style->disable_tls_verification);
  EXPECT_EQ(go_style->service_account, "a.b.c");
}

TEST(TcpFlagsTest, HelpNeedsNothingElse) {
  absl::StatusOr<TcpSettings> s = Parse({"--help"});
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(s->help);
  EXPECT_THAT(TcpUsage(), HasSubstr("--pomerium-url"));
  EXPECT_THAT(TcpUsage(), HasSubstr("--alternate-ca-path"));
  EXPECT_THAT(TcpUsage(), HasSubstr("ProxyCommand"));
}

TEST(TcpFlagsTest, UsageErrorsNameTheProblem) {
  EXPECT_THAT(Error({"--bogus", "db:1"}), HasSubstr("unknown flag --bogus"));
  EXPECT_THAT(Error({"--listen"}), HasSubstr("--listen needs a value"));
  EXPECT_THAT(Error({}), HasSubstr("DEST required"));
  EXPECT_THAT(Error({"db:1", "db:2"}), HasSubstr("one DEST expected, got 2"));
  EXPECT_THAT(Error({"db"}), HasSubstr("port required"));
  EXPECT_THAT(Error({"--listen", "127.0.0.1", "db:1"}), HasSubstr("--listen"));
  EXPECT_THAT(Error({"--proxy-url", "http://p", "db:1"}), HasSubstr("use https://"));
  EXPECT_THAT(Error({"--log-level", "loud", "db:1"}), HasSubstr("--log-level \"loud\""));
  EXPECT_THAT(Error({"--service-account", "a.b.c", "--service-account-file", "f", "db:1"}),
              HasSubstr("choose one"));
  EXPECT_THAT(Error({"--ca-cert-file", "ca.pem", "--disable-tls-verification", "db:1"}),
              HasSubstr("contradict"));
  EXPECT_THAT(Error({"--listen", "-", "--listen", "-", "db:1"}), HasSubstr("given twice"));
  EXPECT_THAT(Error({"--no-browser=yes", "db:1"}), HasSubstr("takes no value"));
  EXPECT_THAT(Error({"--service-account=", "db:1"}), HasSubstr("needs a token"));
}

}  // namespace
}  // namespace postern::cli
