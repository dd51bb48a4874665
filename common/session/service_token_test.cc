#include "common/session/service_token.h"

#include <string>

#include "common/crypto/base64.h"
#include "common/crypto/digest.h"
#include "common/session/session.h"
#include "gtest/gtest.h"

namespace postern::session {
namespace {

const std::string kSecretBytes(32, '\x17');
const absl::Span<const uint8_t> kSecret = AsSecret(kSecretBytes);
const absl::Time kNow = absl::FromUnixSeconds(1'800'000'000);

std::string RawToken(std::string_view payload) {
  std::string token =
      crypto::Base64UrlEncode(R"({"alg":"HS256"})") + "." + crypto::Base64UrlEncode(payload);
  return token + "." + crypto::Base64UrlEncode(crypto::HmacSha256(kSecretBytes, token));
}

TEST(ServiceTokenTest, ValidForItsLifetime) {
  const std::string token = MintServiceToken(kSecret, kNow);
  EXPECT_TRUE(VerifyServiceToken(token, kSecret, kNow).ok());
  EXPECT_TRUE(VerifyServiceToken(token, kSecret, kNow + absl::Seconds(59)).ok());
  EXPECT_EQ(VerifyServiceToken(token, kSecret, kNow + absl::Seconds(60)).message(),
            "service token expired");
  // Another replica whose clock is 30 s behind still accepts it.
  EXPECT_TRUE(VerifyServiceToken(token, kSecret, kNow - absl::Seconds(30)).ok());
  EXPECT_EQ(VerifyServiceToken(token, kSecret, kNow - absl::Seconds(61)).message(),
            "service token was issued in the future");
}

TEST(ServiceTokenTest, LifetimeIsAdjustable) {
  const std::string token = MintServiceToken(kSecret, kNow, absl::Seconds(5));
  EXPECT_TRUE(VerifyServiceToken(token, kSecret, kNow + absl::Seconds(4)).ok());
  EXPECT_FALSE(VerifyServiceToken(token, kSecret, kNow + absl::Seconds(5)).ok());
}

TEST(ServiceTokenTest, EachTokenIsDistinct) {
  EXPECT_NE(MintServiceToken(kSecret, kNow), MintServiceToken(kSecret, kNow));
}

TEST(ServiceTokenTest, InvalidTokensAreRefused) {
  Session user;
  user.subject = "u1";
  user.issued_at = kNow;
  user.expires_at = kNow + absl::Hours(1);
  struct Case {
    const char* name;
    std::string token;
    const char* message;
  };
  const Case cases[] = {
      {"other secret", MintServiceToken(AsSecret(std::string(32, 'o')), kNow),
       "token signature is invalid"},
      {"a session token", MintSessionToken(user, kSecret), "service token has the wrong audience"},
      {"a session token for the service audience",
       [&] {
         Session s = user;
         s.audience = std::string(kServiceTokenAudience);
         s.issuer = "someone-else";
         return MintSessionToken(s, kSecret);
       }(),
       "service token has the wrong issuer"},
      {"wrong issuer",
       RawToken(
           R"({"iss":"x","aud":"postern-authorize","jti":"j","iat":1800000000,"exp":1800000060})"),
       "service token has the wrong issuer"},
      {"no jti",
       RawToken(
           R"({"iss":"postern-proxy","aud":"postern-authorize","iat":1800000000,"exp":1800000060})"),
       "token claim \"jti\" is missing"},
      {"no exp", RawToken(R"({"iss":"postern-proxy","aud":"postern-authorize","jti":"j","iat":1})"),
       "token claim \"exp\" is missing"},
      {"alg none",
       crypto::Base64UrlEncode(R"({"alg":"none"})") + "." +
           crypto::Base64UrlEncode(R"({"iss":"postern-proxy","aud":"postern-authorize"})") + ".",
       "token algorithm \"none\" is not accepted; expected HS256"},
      {"garbage", "Bearer xyz",
       "token is not a compact JWS (three base64url parts separated by '.')"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const absl::Status status = VerifyServiceToken(c.token, kSecret, kNow);
    EXPECT_EQ(status.code(), absl::StatusCode::kUnauthenticated);
    EXPECT_EQ(status.message(), c.message);
  }
}

TEST(ServiceTokenTest, ShortSecrets) {
  const std::string short_secret(16, 's');
  EXPECT_EQ(VerifyServiceToken("a.b.c", AsSecret(short_secret), kNow).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_DEATH(MintServiceToken(AsSecret(short_secret), kNow), "at least 32");
}

}  // namespace
}  // namespace postern::session
