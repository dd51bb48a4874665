#include "proxy/service_account.h"

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/time/clock.h"
#include "common/session/session.h"
#include "gtest/gtest.h"

namespace postern::proxy {
namespace {

// 32 bytes, base64: what `shared_secret` holds in a config file.
constexpr char kSecretBase64[] = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

std::string SecretBytes() {
  std::string bytes;
  for (int i = 0; i < 32; ++i) bytes.push_back(static_cast<char>(i));
  return bytes;
}

std::string WriteConfig(const std::string& name, const std::string& text) {
  const std::string path = std::string(std::getenv("TEST_TMPDIR")) + "/" + name;
  std::ofstream(path) << text;
  return path;
}

struct Outcome {
  int status;
  std::string out;
  std::string err;
};

Outcome RunCommand(std::vector<std::string> args) {
  std::ostringstream out, err;
  const int status = RunServiceAccount(args, out, err);
  return {status, out.str(), err.str()};
}

TEST(ServiceAccountTest, PrintsASessionTokenTheProxyAccepts) {
  const std::string config =
      WriteConfig("ok.yaml", std::string("shared_secret: ") + kSecretBase64 + "\n");
  const Outcome outcome = RunCommand(
      {"--config", config, "--email", "ci@example.com", "--groups", "ci,deploy", "--ttl", "30m"});
  ASSERT_EQ(outcome.status, 0) << outcome.err;
  ASSERT_EQ(outcome.out.back(), '\n');
  const std::string token = outcome.out.substr(0, outcome.out.size() - 1);
  absl::StatusOr<session::Session> session = session::VerifySessionToken(
      token, session::AsSecret(SecretBytes()), absl::Now(), session::kDefaultSessionAudience);
  ASSERT_TRUE(session.ok()) << session.status();
  EXPECT_EQ(session->subject, "ci@example.com") << "subject defaults to the email";
  EXPECT_EQ(session->email, "ci@example.com");
  EXPECT_EQ(session->groups, (std::vector<std::string>{"ci", "deploy"}));
  EXPECT_GT(session->expires_at, absl::Now() + absl::Minutes(29));
  EXPECT_LE(session->expires_at, absl::Now() + absl::Minutes(30));
}

TEST(ServiceAccountTest, UserFlagSetsTheSubject) {
  const std::string config =
      WriteConfig("user.yaml", std::string("shared_secret: ") + kSecretBase64 + "\n");
  const Outcome outcome =
      RunCommand({"--config", config, "--email", "a@example.com", "--user", "u-17"});
  ASSERT_EQ(outcome.status, 0) << outcome.err;
  absl::StatusOr<session::Session> session = session::VerifySessionToken(
      outcome.out.substr(0, outcome.out.size() - 1), session::AsSecret(SecretBytes()), absl::Now(),
      session::kDefaultSessionAudience);
  ASSERT_TRUE(session.ok()) << session.status();
  EXPECT_EQ(session->subject, "u-17");
  EXPECT_TRUE(session->groups.empty());
}

TEST(ServiceAccountTest, BadUsageExits2WithTheReason) {
  const std::string config =
      WriteConfig("usage.yaml", std::string("shared_secret: ") + kSecretBase64 + "\n");
  for (const auto& [args, message] : std::vector<std::pair<std::vector<std::string>, std::string>>{
           {{"--email", "a@example.com"}, "--config FILE is required"},
           {{"--config", config}, "--email EMAIL is required"},
           {{"--config", config, "--email", "a@example.com", "--ttl", "soon"}, "--ttl"},
           {{"--config", config, "--email", "a@example.com", "--ttl", "-1h"}, "positive"},
           {{"--config", config, "--email", "a@example.com", "extra"}, "unexpected argument"},
           {{"--bogus"}, "unknown flag --bogus"},
       }) {
    const Outcome outcome = RunCommand(args);
    EXPECT_EQ(outcome.status, 2) << message;
    EXPECT_NE(outcome.err.find(message), std::string::npos) << outcome.err;
    EXPECT_EQ(outcome.out, "") << "no token on failure";
  }
}

TEST(ServiceAccountTest, ConfigWithoutSecretOrUnreadableExits2) {
  const std::string no_secret = WriteConfig("nosecret.yaml", "routes: []\n");
  Outcome outcome = RunCommand({"--config", no_secret, "--email", "a@example.com"});
  EXPECT_EQ(outcome.status, 2);
  EXPECT_NE(outcome.err.find("shared_secret"), std::string::npos) << outcome.err;
  outcome = RunCommand({"--config", "/nonexistent/config.yaml", "--email", "a@example.com"});
  EXPECT_EQ(outcome.status, 2);
  EXPECT_NE(outcome.err.find("/nonexistent/config.yaml"), std::string::npos) << outcome.err;
}

}  // namespace
}  // namespace postern::proxy
