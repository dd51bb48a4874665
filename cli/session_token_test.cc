#include "cli/session_token.h"

#include <cstdlib>
#include <fstream>
#include <string>

#include "cli/test_tokens.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace postern::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

const tunnel::Authority kProxy{.host = "proxy.example.com", .port = 443};

std::string TempPath(const std::string& name) {
  return std::string(getenv("TEST_TMPDIR")) + "/" + name;
}

TcpSettings Settings() {
  TcpSettings settings;
  settings.destination.proxy = kProxy;
  settings.destination.target = {.host = "db", .port = 5432};
  return settings;
}

class SessionTokenTest : public ::testing::Test {
 protected:
  const absl::Time now_ = absl::Now();
  const std::string fresh_ = TokenExpiringAt(now_ + absl::Hours(1));
  const std::string cached_ = TokenExpiringAt(now_ + absl::Hours(2));
  TokenCache cache_{TempPath("cache")};
};

TEST_F(SessionTokenTest, ServiceAccountFlagComesFirst) {
  ASSERT_TRUE(cache_.Store(kProxy, cached_).ok());
  TcpSettings settings = Settings();
  settings.service_account = fresh_;
  absl::StatusOr<ChosenToken> chosen = ChooseSessionToken(settings, &cache_, now_);
  ASSERT_TRUE(chosen.ok()) << chosen.status();
  EXPECT_EQ(chosen->token, fresh_);
  EXPECT_EQ(chosen->source, TokenSource::kServiceAccount);
  EXPECT_THAT(chosen->warnings, IsEmpty());
}

TEST_F(SessionTokenTest, ServiceAccountFileIsReadAndTrimmed) {
  const std::string path = TempPath("sa.jwt");
  std::ofstream(path) << fresh_ << "\n";
  TcpSettings settings = Settings();
  settings.service_account_file = path;
  absl::StatusOr<ChosenToken> chosen = ChooseSessionToken(settings, &cache_, now_);
  ASSERT_TRUE(chosen.ok()) << chosen.status();
  EXPECT_EQ(chosen->token, fresh_);
  EXPECT_EQ(chosen->source, TokenSource::kServiceAccount);
}

TEST_F(SessionTokenTest, CachedTokenWhenNoFlag) {
  ASSERT_TRUE(cache_.Store(kProxy, cached_).ok());
  absl::StatusOr<ChosenToken> chosen = ChooseSessionToken(Settings(), &cache_, now_);
  ASSERT_TRUE(chosen.ok());
  EXPECT_EQ(chosen->token, cached_);
  EXPECT_EQ(chosen->source, TokenSource::kCache);
}

TEST_F(SessionTokenTest, NothingWhenTheCachedTokenExpired) {
  ASSERT_TRUE(cache_.Store(kProxy, TokenExpiringAt(now_ - absl::Minutes(1))).ok());
  absl::StatusOr<ChosenToken> chosen = ChooseSessionToken(Settings(), &cache_, now_);
  ASSERT_TRUE(chosen.ok());
  EXPECT_EQ(chosen->token, "");
  EXPECT_EQ(chosen->source, TokenSource::kNone);
  EXPECT_THAT(chosen->cache_miss, HasSubstr("expired"));
  absl::StatusOr<ChosenToken> no_cache = ChooseSessionToken(Settings(), nullptr, now_);
  ASSERT_TRUE(no_cache.ok());
  EXPECT_EQ(no_cache->source, TokenSource::kNone);
}

TEST_F(SessionTokenTest, AnExpiredServiceAccountIsSentWithAWarning) {
  TcpSettings settings = Settings();
  settings.service_account = TokenExpiringAt(now_ - absl::Minutes(1));
  absl::StatusOr<ChosenToken> chosen = ChooseSessionToken(settings, &cache_, now_);
  ASSERT_TRUE(chosen.ok());
  EXPECT_EQ(chosen->source, TokenSource::kServiceAccount);
  ASSERT_EQ(chosen->warnings.size(), 1u);
  EXPECT_THAT(chosen->warnings[0], HasSubstr("expired at"));
  EXPECT_THAT(chosen->warnings[0], Not(HasSubstr(settings.service_account)));
}

TEST_F(SessionTokenTest, UnsendableTokensAreUsageErrors) {
  TcpSettings settings = Settings();
  settings.service_account = "abc\r\nX-Injected: 1";
  absl::StatusOr<ChosenToken> injected = ChooseSessionToken(settings, &cache_, now_);
  ASSERT_FALSE(injected.ok());
  EXPECT_EQ(injected.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(injected.status().message(), HasSubstr("--service-account: not a session token"));
  EXPECT_THAT(injected.status().message(), Not(HasSubstr("Injected")));

  settings = Settings();
  settings.service_account_file = TempPath("does-not-exist.jwt");
  absl::StatusOr<ChosenToken> missing = ChooseSessionToken(settings, &cache_, now_);
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.status().message(),
              HasSubstr("--service-account-file " + settings.service_account_file +
                        ": No such file or directory"));

  const std::string empty = TempPath("empty.jwt");
  std::ofstream(empty) << "\n";
  settings.service_account_file = empty;
  absl::StatusOr<ChosenToken> blank = ChooseSessionToken(settings, &cache_, now_);
  ASSERT_FALSE(blank.ok());
  EXPECT_THAT(blank.status().message(), HasSubstr("is empty"));
}

}  // namespace
}  // namespace postern::cli
