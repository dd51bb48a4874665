#include "common/jwt/jws.h"

#include <string>

#include "boost/json/parse.hpp"
#include "common/crypto/base64.h"
#include "common/crypto/digest.h"
#include "gtest/gtest.h"

namespace postern::jwt {
namespace {

using crypto::Base64UrlEncode;

const std::string kKey(32, 'K');

// An HS256-signed token with exactly the given header and payload text, the
// way an attacker holding (or guessing) the key would build it.
std::string Hs256Token(std::string_view header, std::string_view payload,
                       std::string_view key = kKey) {
  std::string token = Base64UrlEncode(header) + "." + Base64UrlEncode(payload);
  return token + "." + Base64UrlEncode(crypto::HmacSha256(key, token));
}

constexpr std::string_view kHeader = R"({"alg":"HS256","typ":"JWT"})";
constexpr std::string_view kPayload = R"({"sub":"u1","exp":2000000000})";

// RFC 7515 appendix A.1.
TEST(Hs256Test, Rfc7515AppendixA1) {
  const std::string key =
      crypto::Base64UrlDecode(
          "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow")
          .value();
  const std::string token =
      "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9."
      "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVl"
      "fQ."
      "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
  absl::StatusOr<boost::json::object> claims = VerifyHs256(token, key);
  ASSERT_TRUE(claims.ok()) << claims.status();
  EXPECT_EQ(claims->at("iss").as_string(), "joe");
  EXPECT_EQ(claims->at("exp").as_int64(), 1300819380);
  EXPECT_EQ(claims->at("http://example.com/is_root").as_bool(), true);

  // The same token under another key is refused.
  EXPECT_EQ(VerifyHs256(token, kKey).status().message(), "token signature is invalid");
}

TEST(Hs256Test, SignThenVerifyRoundTrips) {
  boost::json::object claims;
  claims["sub"] = "user-1";
  claims["groups"] = boost::json::array{"a", "b"};
  claims["exp"] = 2000000000;
  claims["unicode"] = "caf\xc3\xa9";
  const std::string token = SignHs256(claims, kKey);
  EXPECT_EQ(token.rfind("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.", 0), 0u) << token;
  absl::StatusOr<boost::json::object> verified = VerifyHs256(token, kKey);
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_EQ(*verified, claims);
}

TEST(Hs256Test, TypIsOptionalAndCaseInsensitive) {
  EXPECT_TRUE(VerifyHs256(Hs256Token(R"({"alg":"HS256"})", kPayload), kKey).ok());
  EXPECT_TRUE(VerifyHs256(Hs256Token(R"({"alg":"HS256","typ":"jwt"})", kPayload), kKey).ok());
  EXPECT_TRUE(VerifyHs256(Hs256Token(R"({"alg":"HS256","kid":"x"})", kPayload), kKey).ok());
}

TEST(Hs256Test, MalformedTokensAreRefused) {
  const std::string good = Hs256Token(kHeader, kPayload);
  const size_t dot = good.rfind('.');
  const std::string good_signature = good.substr(dot + 1);
  const std::string header_b64 = Base64UrlEncode(kHeader);
  const std::string payload_b64 = Base64UrlEncode(kPayload);
  ASSERT_TRUE(VerifyHs256(good, kKey).ok());

  struct Case {
    const char* name;
    std::string token;
    const char* reason;  // a part of the expected message
  };
  const Case cases[] = {
      {"signed with another key", Hs256Token(kHeader, kPayload, std::string(32, 'X')),
       "signature is invalid"},
      {"payload changed after signing",
       header_b64 + "." + Base64UrlEncode(R"({"sub":"admin","exp":2000000000})") + "." +
           good_signature,
       "signature is invalid"},
      {"signature truncated", good.substr(0, good.size() - 4), "signature"},
      {"signature empty", good.substr(0, dot + 1), "signature is invalid"},
      {"alg none, no signature", Base64UrlEncode(R"({"alg":"none"})") + "." + payload_b64 + ".",
       "\"none\" is not accepted"},
      {"alg none, valid HMAC", Hs256Token(R"({"alg":"none"})", kPayload), "\"none\""},
      {"alg HS512", Hs256Token(R"({"alg":"HS512"})", kPayload), "\"HS512\" is not accepted"},
      {"alg HS384", Hs256Token(R"({"alg":"HS384"})", kPayload), "expected HS256"},
      {"alg RS256 on an HMAC key", Hs256Token(R"({"alg":"RS256"})", kPayload), "\"RS256\""},
      {"alg ES256", Hs256Token(R"({"alg":"ES256"})", kPayload), "\"ES256\""},
      {"alg lower case", Hs256Token(R"({"alg":"hs256"})", kPayload), "\"hs256\""},
      {"alg missing", Hs256Token(R"({"typ":"JWT"})", kPayload), "no \"alg\""},
      {"alg not a string", Hs256Token(R"({"alg":256})", kPayload), "no \"alg\""},
      {"alg null", Hs256Token(R"({"alg":null})", kPayload), "no \"alg\""},
      {"alg long and strange",
       Hs256Token(R"({"alg":"HS256\n\u0000 or something longer"})", kPayload), "algorithm unknown"},
      {"crit", Hs256Token(R"({"alg":"HS256","crit":["exp"],"exp":1})", kPayload), "crit"},
      {"b64 false via crit", Hs256Token(R"({"alg":"HS256","b64":false,"crit":["b64"]})", kPayload),
       "crit"},
      {"typ JOSE", Hs256Token(R"({"alg":"HS256","typ":"JOSE"})", kPayload), "typ"},
      {"typ not a string", Hs256Token(R"({"alg":"HS256","typ":1})", kPayload), "typ"},
      {"duplicate alg", Hs256Token(R"({"alg":"none","alg":"HS256"})", kPayload), "duplicate"},
      {"duplicate claim", Hs256Token(kHeader, R"({"sub":"a","sub":"admin"})"), "duplicate"},
      {"header is an array", Hs256Token(R"(["HS256"])", kPayload), "must be a JSON object"},
      {"payload is an array", Hs256Token(kHeader, R"(["sub"])"), "must be a JSON object"},
      {"payload is a string", Hs256Token(kHeader, R"("hello")"), "must be a JSON object"},
      {"payload is a number", Hs256Token(kHeader, "12"), "must be a JSON object"},
      {"payload is not JSON", Hs256Token(kHeader, "hello"), "not valid JSON"},
      {"payload has trailing data", Hs256Token(kHeader, R"({"a":1} {})"), "not valid JSON"},
      {"payload with invalid UTF-8", Hs256Token(kHeader, "{\"sub\":\"\xc0\xaf\"}"),
       "not valid JSON"},
      {"payload nested too deeply",
       Hs256Token(kHeader, "{\"a\":" + std::string(64, '[') + std::string(64, ']') + "}"),
       "nested too deeply"},
      {"header is not JSON", Hs256Token("alg=HS256", kPayload), "not valid JSON"},
      {"one part", header_b64, "not a compact JWS"},
      {"two parts", header_b64 + "." + payload_b64, "not a compact JWS"},
      {"four parts", good + ".x", "not a compact JWS"},
      {"five parts (JWE)", good + ".a.b", "not a compact JWS"},
      {"empty", "", "not a compact JWS"},
      {"only dots", "..", "empty header or payload"},
      {"empty payload", header_b64 + ".." + good_signature, "empty header or payload"},
      {"truncated inside the payload", good.substr(0, header_b64.size() + 5), "not a compact JWS"},
      {"padded header", header_b64 + "=." + payload_b64 + "." + good_signature, "base64url"},
      {"bad character in payload",
       header_b64 + "." + payload_b64.substr(0, 4) + "*" + payload_b64.substr(5) + "." +
           good_signature,
       "signature is invalid"},
      {"bad character in signature", good.substr(0, dot + 1) + "+" + good_signature.substr(1),
       "signature is not unpadded base64url"},
      {"padded signature", good + "=", "signature is not unpadded base64url"},
      {"whitespace", " " + good, "base64url"},
      {"1 MiB", header_b64 + "." + std::string(1 << 20, 'A') + "." + good_signature, "too large"},
      {"just over the limit", Hs256Token(kHeader, "{\"p\":\"" + std::string(12300, 'x') + "\"}"),
       "too large"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    absl::StatusOr<boost::json::object> claims = VerifyHs256(c.token, kKey);
    ASSERT_FALSE(claims.ok());
    EXPECT_EQ(claims.status().code(), absl::StatusCode::kUnauthenticated);
    const std::string message(claims.status().message());
    EXPECT_NE(message.find(c.reason), std::string::npos) << message;
    if (c.token.size() > 8) {
      EXPECT_EQ(message.find(c.token), std::string::npos) << "message contains the token";
    }
    EXPECT_LT(message.size(), 120u) << message;
  }
}

TEST(Hs256Test, TokensUpToTheLimitAreAccepted) {
  std::string token = Hs256Token(kHeader, "{\"p\":\"" + std::string(12000, 'x') + "\"}");
  ASSERT_LE(token.size(), kMaxTokenSize);
  EXPECT_TRUE(VerifyHs256(token, kKey).ok());
}

TEST(Hs256Test, ShortKeysAreRefused) {
  const std::string token = Hs256Token(kHeader, kPayload, std::string(16, 'k'));
  absl::StatusOr<boost::json::object> claims = VerifyHs256(token, std::string(16, 'k'));
  EXPECT_EQ(claims.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_DEATH(SignHs256(boost::json::object(), std::string(31, 'k')), "at least 32 bytes");
}

TEST(DecodeUnverifiedClaimsTest, ReadsPayloadWithoutAKey) {
  const std::string token = Hs256Token(kHeader, kPayload, std::string(32, 'X'));
  absl::StatusOr<boost::json::object> claims = DecodeUnverifiedClaims(token);
  ASSERT_TRUE(claims.ok()) << claims.status();
  EXPECT_EQ(claims->at("exp").as_int64(), 2000000000);
  EXPECT_FALSE(DecodeUnverifiedClaims("not a token").ok());
  EXPECT_FALSE(DecodeUnverifiedClaims(Hs256Token(kHeader, "[]")).ok());
}

}  // namespace
}  // namespace postern::jwt
