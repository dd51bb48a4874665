#include "common/session/session.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "common/crypto/base64.h"
#include "common/crypto/digest.h"
#include "common/session/service_token.h"
#include "gtest/gtest.h"

namespace postern::session {
namespace {

const std::string kSecretBytes(32, '\x5a');
const absl::Span<const uint8_t> kSecret = AsSecret(kSecretBytes);
const absl::Time kNow = absl::FromUnixSeconds(1'800'000'000);

// A token with exactly this header and payload text, HMACed with `secret`:
// what someone holding the secret (or a buggy replica) could produce.
std::string RawToken(std::string_view header, std::string_view payload,
                     std::string_view secret = kSecretBytes) {
  std::string token = crypto::Base64UrlEncode(header) + "." + crypto::Base64UrlEncode(payload);
  return token + "." + crypto::Base64UrlEncode(crypto::HmacSha256(secret, token));
}

constexpr std::string_view kHeader = R"({"alg":"HS256","typ":"JWT"})";

// A valid payload at kNow, with `extra` members spliced in (replacing none).
std::string Payload(const std::string& extra = "", int64_t iat = 1'800'000'000 - 10,
                    int64_t exp = 1'800'000'000 + 3600) {
  return absl::StrCat(R"({"iss":"postern-proxy","aud":"postern","sub":"u1","jti":"j1",)",
                      R"("iat":)", iat, R"(,"exp":)", exp, extra, "}");
}

Session ExampleSession() {
  Session session;
  session.subject = "00u1abcd";
  session.email = "alice@example.com";
  session.name = "Alice Example";
  session.groups = {"eng", "datascience@example.com"};
  session.claims = {{"dept", {"eng"}}, {"roles", {"a", "b"}}, {"empty", {}}};
  session.issued_at = kNow - absl::Minutes(5);
  session.expires_at = kNow + absl::Hours(14);
  session.id = "session-1";
  session.issuer = std::string(kSessionIssuer);
  session.audience = std::string(kDefaultSessionAudience);
  return session;
}

TEST(SessionTokenTest, RoundTrips) {
  const Session session = ExampleSession();
  const std::string token = MintSessionToken(session, kSecret);
  absl::StatusOr<Session> verified = VerifySessionToken(token, kSecret, kNow, "postern");
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_EQ(*verified, session);
}

TEST(SessionTokenTest, MintFillsIdIssuerAndAudience) {
  Session session = ExampleSession();
  session.id.clear();
  session.issuer.clear();
  session.audience.clear();
  const Session verified =
      VerifySessionToken(MintSessionToken(session, kSecret), kSecret, kNow, "postern").value();
  EXPECT_EQ(verified.issuer, "postern-proxy");
  EXPECT_EQ(verified.audience, "postern");
  EXPECT_GE(verified.id.size(), 20u);
  const Session again =
      VerifySessionToken(MintSessionToken(session, kSecret), kSecret, kNow, "postern").value();
  EXPECT_NE(verified.id, again.id);
}

TEST(SessionTokenTest, ExtraClaimsCannotReplaceRegisteredOnes) {
  Session session = ExampleSession();
  session.claims["sub"] = {"admin"};
  session.claims["exp"] = {"99999999999"};
  session.claims["groups"] = {"admins"};
  const Session verified =
      VerifySessionToken(MintSessionToken(session, kSecret), kSecret, kNow, "postern").value();
  EXPECT_EQ(verified.subject, "00u1abcd");
  EXPECT_EQ(verified.expires_at, session.expires_at);
  EXPECT_EQ(verified.groups, session.groups);
  EXPECT_EQ(verified.claims.count("sub"), 0u);
}

TEST(SessionTokenTest, ScalarClaimsBecomeOneElementLists) {
  const std::string token = RawToken(
      kHeader, Payload(R"(,"dept":"eng","level":3,"admin":true,"ids":[1,"x"],"nothing":null)"));
  const Session session = VerifySessionToken(token, kSecret, kNow, "postern").value();
  EXPECT_EQ(session.claims.at("dept"), std::vector<std::string>{"eng"});
  EXPECT_EQ(session.claims.at("level"), std::vector<std::string>{"3"});
  EXPECT_EQ(session.claims.at("admin"), std::vector<std::string>{"true"});
  EXPECT_EQ(session.claims.at("ids"), (std::vector<std::string>{"1", "x"}));
  EXPECT_TRUE(session.claims.at("nothing").empty());
  EXPECT_TRUE(session.email.empty());
  EXPECT_TRUE(session.groups.empty());
}

TEST(SessionTokenTest, AudienceMayBeAList) {
  const std::string token =
      RawToken(kHeader, absl::StrCat(R"({"iss":"x","aud":["other","postern"],"sub":"u1",)",
                                     R"("jti":"j","iat":1799999990,"exp":1800003600})"));
  absl::StatusOr<Session> session = VerifySessionToken(token, kSecret, kNow, "postern");
  ASSERT_TRUE(session.ok()) << session.status();
  EXPECT_EQ(session->audience, "postern");
  EXPECT_EQ(VerifySessionToken(token, kSecret, kNow, "third").status().message(),
            "session is for another audience");
}

TEST(SessionTokenTest, ClockSkewUpTo60SecondsIsAllowed) {
  const int64_t now = absl::ToUnixSeconds(kNow);
  EXPECT_TRUE(
      VerifySessionToken(RawToken(kHeader, Payload("", now + 60)), kSecret, kNow, "postern").ok());
  EXPECT_TRUE(VerifySessionToken(RawToken(kHeader, Payload(absl::StrCat(",\"nbf\":", now + 60))),
                                 kSecret, kNow, "postern")
                  .ok());
  // Expiry has no grace: valid one second before, expired at the second.
  EXPECT_TRUE(VerifySessionToken(RawToken(kHeader, Payload("", now - 10, now + 1)), kSecret, kNow,
                                 "postern")
                  .ok());
}

TEST(SessionTokenTest, InvalidTokensAreRefused) {
  const int64_t now = absl::ToUnixSeconds(kNow);
  const std::string good = RawToken(kHeader, Payload());
  ASSERT_TRUE(VerifySessionToken(good, kSecret, kNow, "postern").ok());
  const std::string header_b64 = crypto::Base64UrlEncode(kHeader);
  const std::string payload_b64 = crypto::Base64UrlEncode(Payload());
  const std::string signature_b64 = good.substr(good.rfind('.') + 1);

  struct Case {
    const char* name;
    std::string token;
    const char* message;  // exact
  };
  const Case cases[] = {
      {"bad signature", RawToken(kHeader, Payload(), std::string(32, 'x')),
       "token signature is invalid"},
      {"payload swapped",
       header_b64 + "." + crypto::Base64UrlEncode(Payload(R"(,"groups":["admins"])")) + "." +
           signature_b64,
       "token signature is invalid"},
      {"alg none", crypto::Base64UrlEncode(R"({"alg":"none"})") + "." + payload_b64 + ".",
       "token algorithm \"none\" is not accepted; expected HS256"},
      {"alg HS512", RawToken(R"({"alg":"HS512"})", Payload()),
       "token algorithm \"HS512\" is not accepted; expected HS256"},
      {"RS256 header on the HMAC key", RawToken(R"({"alg":"RS256","typ":"JWT"})", Payload()),
       "token algorithm \"RS256\" is not accepted; expected HS256"},
      {"crit", RawToken(R"({"alg":"HS256","crit":["x"],"x":1})", Payload()),
       "token header has \"crit\" extensions, which are not supported"},
      {"expired at exactly exp", RawToken(kHeader, Payload("", now - 100, now)), "session expired"},
      {"expired long ago", RawToken(kHeader, Payload("", now - 7200, now - 3600)),
       "session expired"},
      {"issued 2 minutes in the future", RawToken(kHeader, Payload("", now + 120)),
       "session was issued in the future"},
      {"not valid for 2 minutes", RawToken(kHeader, Payload(absl::StrCat(",\"nbf\":", now + 120))),
       "session is not valid yet"},
      {"expires before issued", RawToken(kHeader, Payload("", now + 30, now + 20)),
       "session expires before it was issued"},
      {"wrong audience",
       RawToken(kHeader, R"({"iss":"postern-proxy","aud":"postern-authorize","sub":"u1",)"
                         R"("jti":"j","iat":1799999990,"exp":1800003600})"),
       "session is for another audience"},
      {"no audience",
       RawToken(kHeader, R"({"iss":"p","sub":"u1","jti":"j","iat":1799999990,"exp":1800003600})"),
       "session is for another audience"},
      {"no exp", RawToken(kHeader, R"({"iss":"p","aud":"postern","sub":"u","jti":"j","iat":1})"),
       "token claim \"exp\" is missing"},
      {"no iat",
       RawToken(kHeader, R"({"iss":"p","aud":"postern","sub":"u","jti":"j","exp":1800003600})"),
       "token claim \"iat\" is missing"},
      {"exp a string", RawToken(kHeader, absl::StrCat(R"({"exp":"1800003600","iat":1})")),
       "token claim \"exp\" must be a number of seconds since 1970"},
      {"no sub",
       RawToken(kHeader,
                R"({"iss":"p","aud":"postern","jti":"j","iat":1799999990,"exp":1800003600})"),
       "token claim \"sub\" is missing"},
      {"empty sub",
       RawToken(
           kHeader,
           R"({"iss":"p","aud":"postern","sub":"","jti":"j","iat":1799999990,"exp":1800003600})"),
       "session subject (\"sub\") is empty"},
      {"no jti",
       RawToken(kHeader,
                R"({"iss":"p","aud":"postern","sub":"u","iat":1799999990,"exp":1800003600})"),
       "token claim \"jti\" is missing"},
      {"no iss",
       RawToken(kHeader,
                R"({"aud":"postern","sub":"u","jti":"j","iat":1799999990,"exp":1800003600})"),
       "token claim \"iss\" is missing"},
      {"email a number", RawToken(kHeader, Payload(R"(,"email":5)")),
       "token claim \"email\" must be a string"},
      {"groups an object", RawToken(kHeader, Payload(R"(,"groups":{"a":1})")),
       "token claim \"groups\" must be a list of strings"},
      {"groups with a number", RawToken(kHeader, Payload(R"(,"groups":["a",1])")),
       "token claim \"groups\" must be a list of strings"},
      {"extra claim an object", RawToken(kHeader, Payload(R"(,"address":{"city":"x"})")),
       "session has a claim that is not a string list"},
      {"duplicate sub", RawToken(kHeader, Payload(R"(,"sub":"admin")")),
       "token payload has a duplicate member name"},
      {"payload not an object", RawToken(kHeader, R"(["sub","u1"])"),
       "token payload must be a JSON object"},
      {"truncated", good.substr(0, good.size() - 10), "token signature is not unpadded base64url"},
      {"truncated to two parts", good.substr(0, good.rfind('.')),
       "token is not a compact JWS (three base64url parts separated by '.')"},
      {"extra segment", good + ".AAAA",
       "token is not a compact JWS (three base64url parts separated by '.')"},
      {"huge (1 MiB)", header_b64 + "." + std::string(1 << 20, 'e') + "." + signature_b64,
       "token is too large (limit 16384 bytes)"},
      {"bad base64 in header", "e$J." + payload_b64 + "." + signature_b64,
       "token header is not unpadded base64url"},
      {"empty", "", "token is not a compact JWS (three base64url parts separated by '.')"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    absl::StatusOr<Session> session = VerifySessionToken(c.token, kSecret, kNow, "postern");
    ASSERT_FALSE(session.ok());
    EXPECT_EQ(session.status().code(), absl::StatusCode::kUnauthenticated);
    EXPECT_EQ(session.status().message(), c.message);
  }
}

TEST(SessionTokenTest, ServiceTokensAreNotSessions) {
  const std::string service = MintServiceToken(kSecret, kNow);
  EXPECT_EQ(VerifySessionToken(service, kSecret, kNow, "postern").status().code(),
            absl::StatusCode::kUnauthenticated);
  // Even a caller that (wrongly) expects the service audience gets no session.
  EXPECT_EQ(VerifySessionToken(service, kSecret, kNow, kServiceTokenAudience).status().message(),
            "token claim \"sub\" is missing");
}

TEST(SessionTokenTest, ShortSecrets) {
  const std::string short_secret(31, 's');
  EXPECT_EQ(VerifySessionToken("a.b.c", AsSecret(short_secret), kNow, "postern").status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_DEATH(MintSessionToken(ExampleSession(), AsSecret(short_secret)), "at least 32");
}

TEST(ReadExpiryUnverifiedTest, ReadsExpWithoutTheSecret) {
  const std::string token = MintSessionToken(ExampleSession(), AsSecret(std::string(32, 'o')));
  EXPECT_EQ(ReadExpiryUnverified(token).value(), ExampleSession().expires_at);
  EXPECT_FALSE(ReadExpiryUnverified("").ok());
  EXPECT_FALSE(ReadExpiryUnverified("a.b.c").ok());
  EXPECT_FALSE(ReadExpiryUnverified(RawToken(kHeader, R"({"sub":"u"})")).ok());
  EXPECT_FALSE(ReadExpiryUnverified(RawToken(kHeader, R"({"exp":"soon"})")).ok());
}

}  // namespace
}  // namespace postern::session
