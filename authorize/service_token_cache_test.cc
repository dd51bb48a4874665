#include "authorize/service_token_cache.h"

#include <string>

#include "common/session/service_token.h"
#include "common/session/session.h"
#include "gtest/gtest.h"

namespace postern::authorize {
namespace {

const std::string kSecret(32, 'k');
const absl::Time kNow = absl::FromUnixSeconds(1800000000);

std::string Mint(const std::string& secret = kSecret, absl::Time at = kNow) {
  return session::MintServiceToken(session::AsSecret(secret), at);
}

TEST(ServiceTokenCacheTest, AcceptsAValidTokenAgain) {
  ServiceTokenCache cache;
  const std::string token = Mint();
  EXPECT_TRUE(cache.Verify(token, kSecret, kNow).ok());
  EXPECT_TRUE(cache.Verify(token, kSecret, kNow + absl::Seconds(30)).ok());
}

TEST(ServiceTokenCacheTest, RefusesARememberedTokenOnceExpired) {
  ServiceTokenCache cache;
  const std::string token = Mint();
  ASSERT_TRUE(cache.Verify(token, kSecret, kNow).ok());
  EXPECT_EQ(cache.Verify(token, kSecret, kNow + session::kServiceTokenLifetime).code(),
            absl::StatusCode::kUnauthenticated);
}

TEST(ServiceTokenCacheTest, RefusesAOneByteChange) {
  ServiceTokenCache cache;
  std::string token = Mint();
  ASSERT_TRUE(cache.Verify(token, kSecret, kNow).ok());
  token.back() = token.back() == 'A' ? 'B' : 'A';
  EXPECT_FALSE(cache.Verify(token, kSecret, kNow).ok());
  token.pop_back();
  EXPECT_FALSE(cache.Verify(token, kSecret, kNow).ok());
}

TEST(ServiceTokenCacheTest, ARotatedSecretInvalidatesTheMemory) {
  ServiceTokenCache cache;
  const std::string token = Mint();
  ASSERT_TRUE(cache.Verify(token, kSecret, kNow).ok());
  EXPECT_FALSE(cache.Verify(token, std::string(32, 'n'), kNow).ok());
}

TEST(ServiceTokenCacheTest, MemoryIsPerCacheInstance) {
  // A token verified by one cache (one secret's service) is not trusted by
  // another instance without verification.
  ServiceTokenCache first, second;
  const std::string token = Mint();
  ASSERT_TRUE(first.Verify(token, kSecret, kNow).ok());
  EXPECT_FALSE(second.Verify(token, std::string(32, 'n'), kNow).ok());
  EXPECT_TRUE(second.Verify(token, kSecret, kNow).ok());
}

TEST(ServiceTokenCacheTest, SessionTokensAreNeverServiceTokens) {
  ServiceTokenCache cache;
  const std::string session_token = session::MintSessionToken(
      session::Session{.subject = "u", .issued_at = kNow, .expires_at = kNow + absl::Hours(1)},
      session::AsSecret(kSecret));
  EXPECT_FALSE(cache.Verify(session_token, kSecret, kNow).ok());
  EXPECT_FALSE(cache.Verify(session_token, kSecret, kNow).ok());
}

}  // namespace
}  // namespace postern::authorize
