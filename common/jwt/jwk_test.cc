#include "common/jwt/jwk.h"

#include <string>
#include <vector>

#include "boost/json/parse.hpp"
#include "boost/json/serialize.hpp"
#include "common/crypto/base64.h"
#include "common/jwt/jws.h"
#include "common/jwt/test_signer.h"
#include "gtest/gtest.h"

namespace postern::jwt {
namespace {

// RFC 7515 appendix A.2 (RS256) and A.3 (ES256): public keys and tokens.
constexpr char kRfcRsaJwk[] = R"({"kty":"RSA",
  "n":"ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ",
  "e":"AQAB"})";
constexpr char kRfcRsaToken[] =
    "eyJhbGciOiJSUzI1NiJ9."
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
    "."
    "cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_"
    "O8W2Fp5jujG"
    "bds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_"
    "nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K"
    "0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-"
    "eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOYEUipUTI8np6"
    "LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw";
constexpr char kRfcEcJwk[] = R"({"kty":"EC","crv":"P-256",
  "x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
  "y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"})";
constexpr char kRfcEcToken[] =
    "eyJhbGciOiJFUzI1NiJ9."
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
    "."
    "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";
// RFC 7517 appendix A.1: another valid P-256 public key.
constexpr char kOtherEcJwk[] = R"({"kty":"EC","crv":"P-256",
  "x":"MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4",
  "y":"4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM"})";

constexpr char kClaims[] = R"({"iss":"https://idp.example.com","sub":"u1","exp":2000000000})";

boost::json::object Claims() { return boost::json::parse(kClaims).as_object(); }

TEST(JwkTest, Rfc7515AppendixA2Rs256) {
  absl::StatusOr<Jwk> key = Jwk::FromJson(kRfcRsaJwk);
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_EQ(key->algorithm(), JwsAlgorithm::kRs256);
  absl::StatusOr<boost::json::object> claims = VerifyWithKey(kRfcRsaToken, *key);
  ASSERT_TRUE(claims.ok()) << claims.status();
  EXPECT_EQ(claims->at("iss").as_string(), "joe");
}

TEST(JwkTest, Rfc7515AppendixA3Es256) {
  absl::StatusOr<Jwk> key = Jwk::FromJson(kRfcEcJwk);
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_EQ(key->algorithm(), JwsAlgorithm::kEs256);
  absl::StatusOr<boost::json::object> claims = VerifyWithKey(kRfcEcToken, *key);
  ASSERT_TRUE(claims.ok()) << claims.status();
  EXPECT_EQ(claims->at("exp").as_int64(), 1300819380);

  absl::StatusOr<Jwk> other = Jwk::FromJson(kOtherEcJwk);
  ASSERT_TRUE(other.ok()) << other.status();
  EXPECT_EQ(VerifyWithKey(kRfcEcToken, *other).status().message(), "token signature is invalid");
}

TEST(JwkTest, AlgorithmIsPinnedToTheKeyType) {
  const Jwk rsa = Jwk::FromJson(kRfcRsaJwk).value();
  const Jwk ec = Jwk::FromJson(kRfcEcJwk).value();
  EXPECT_EQ(VerifyWithKey(kRfcRsaToken, ec).status().message(),
            "token algorithm \"RS256\" is not accepted; expected ES256");
  EXPECT_EQ(VerifyWithKey(kRfcEcToken, rsa).status().message(),
            "token algorithm \"ES256\" is not accepted; expected RS256");
}

TEST(JwkTest, GeneratedKeysSignAndVerify) {
  for (const TestSigner& signer : {TestSigner::Rs256("r1"), TestSigner::Es256("e1")}) {
    SCOPED_TRACE(JwsAlgorithmName(signer.algorithm()));
    absl::StatusOr<Jwk> key = Jwk::FromJson(signer.PublicJwk());
    ASSERT_TRUE(key.ok()) << key.status();
    EXPECT_EQ(key->key_id(), signer.algorithm() == JwsAlgorithm::kRs256 ? "r1" : "e1");
    const std::string token = signer.Sign(Claims());
    absl::StatusOr<boost::json::object> claims = VerifyWithKey(token, *key);
    ASSERT_TRUE(claims.ok()) << claims.status();
    EXPECT_EQ(*claims, Claims());
  }
}

// The classic confusion: a token that claims HS256 and is MACed with the
// provider's public key (which the attacker knows) must not verify.
TEST(JwkTest, HmacWithThePublicKeyIsRefused) {
  TestSigner signer = TestSigner::Rs256("r1");
  const std::string public_jwk = signer.PublicJwk();
  const std::vector<Jwk> keys = {Jwk::FromJson(public_jwk).value()};
  const std::string forged = SignHs256(Claims(), public_jwk);
  EXPECT_EQ(VerifyWithKeySet(forged, keys).status().message(),
            "token algorithm \"HS256\" is not accepted; expected RS256 or ES256");
  EXPECT_EQ(VerifyWithKey(forged, keys[0]).status().code(), absl::StatusCode::kUnauthenticated);
}

TEST(JwkTest, TamperedTokensAreRefused) {
  for (const TestSigner& signer : {TestSigner::Rs256(""), TestSigner::Es256("")}) {
    SCOPED_TRACE(JwsAlgorithmName(signer.algorithm()));
    const Jwk key = Jwk::FromJson(signer.PublicJwk()).value();
    const std::string token = signer.Sign(Claims());
    const size_t dot = token.rfind('.');
    const std::string header_and_payload = token.substr(0, dot);
    const std::string signature = crypto::Base64UrlDecode(token.substr(dot + 1)).value();

    std::string flipped = signature;
    flipped[flipped.size() / 2] ^= 0x01;
    std::string high_s = signature;  // not a valid signature either way
    high_s[high_s.size() - 1] ^= 0x80;

    const std::string other_payload = crypto::Base64UrlEncode(
        R"({"iss":"https://idp.example.com","sub":"admin","exp":2000000000})");
    const std::string cases[] = {
        header_and_payload + "." + crypto::Base64UrlEncode(flipped),
        header_and_payload + "." + crypto::Base64UrlEncode(high_s),
        header_and_payload + "." + crypto::Base64UrlEncode(signature.substr(1)),
        header_and_payload + "." + crypto::Base64UrlEncode(signature + "x"),
        header_and_payload + ".",
        header_and_payload + "." + crypto::Base64UrlEncode(std::string(signature.size(), '\0')),
        token.substr(0, token.find('.') + 1) + other_payload + token.substr(dot),
    };
    for (const std::string& bad : cases) {
      absl::StatusOr<boost::json::object> claims = VerifyWithKey(bad, key);
      ASSERT_FALSE(claims.ok());
      EXPECT_EQ(claims.status().message(), "token signature is invalid");
    }
    // A token made by another key of the same kind.
    TestSigner stranger =
        signer.algorithm() == JwsAlgorithm::kRs256 ? TestSigner::Rs256("") : TestSigner::Es256("");
    EXPECT_FALSE(VerifyWithKey(stranger.Sign(Claims()), key).ok());
  }
}

TEST(JwkSetTest, SelectsByKidAndSkipsUnusableKeys) {
  TestSigner rsa = TestSigner::Rs256("rsa-2024");
  TestSigner ec = TestSigner::Es256("ec-2024");
  const std::string jwks =
      std::string(R"({"keys":[)") + R"({"kty":"oct","k":"c2VjcmV0"},)" +
      R"({"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"},)" +
      R"({"kty":"RSA","use":"enc","n":"AQAB","e":"AQAB"},)" + rsa.PublicJwk() + "," +
      ec.PublicJwk() + "]}";
  absl::StatusOr<std::vector<Jwk>> keys = ParseJwkSet(jwks);
  ASSERT_TRUE(keys.ok()) << keys.status();
  ASSERT_EQ(keys->size(), 2u);

  EXPECT_TRUE(VerifyWithKeySet(rsa.Sign(Claims()), *keys).ok());
  EXPECT_TRUE(VerifyWithKeySet(ec.Sign(Claims()), *keys).ok());

  // Without a kid, every key of the token's algorithm is tried.
  TestSigner rsa_no_kid = TestSigner::Rs256("");
  const std::vector<Jwk> two_rsa = {Jwk::FromJson(rsa.PublicJwk()).value(),
                                    Jwk::FromJson(rsa_no_kid.PublicJwk()).value()};
  EXPECT_TRUE(VerifyWithKeySet(rsa_no_kid.Sign(Claims()), two_rsa).ok());

  // An unknown kid is kNotFound, so the caller can refresh the key set.
  TestSigner rotated = TestSigner::Rs256("rsa-2025");
  EXPECT_EQ(VerifyWithKeySet(rotated.Sign(Claims()), *keys).status().code(),
            absl::StatusCode::kNotFound);
  // A known kid with a signature from another key is refused.
  TestSigner impostor = TestSigner::Rs256("rsa-2024");
  EXPECT_EQ(VerifyWithKeySet(impostor.Sign(Claims()), *keys).status().message(),
            "token signature is invalid");
  // alg none is refused before any key is looked at.
  const std::string none = crypto::Base64UrlEncode(R"({"alg":"none","kid":"rsa-2024"})") + "." +
                           crypto::Base64UrlEncode(kClaims) + ".";
  EXPECT_EQ(VerifyWithKeySet(none, *keys).status().code(), absl::StatusCode::kUnauthenticated);
}

TEST(JwkSetTest, RejectsSetsWithoutUsableKeys) {
  for (const char* jwks : {R"({"keys":[]})", R"({"keys":[{"kty":"oct","k":"c2VjcmV0"}]})",
                           R"({"keys":{}})", R"({})", R"([])", "nonsense"}) {
    SCOPED_TRACE(jwks);
    EXPECT_EQ(ParseJwkSet(jwks).status().code(), absl::StatusCode::kInvalidArgument);
  }
}

TEST(JwkTest, InvalidKeysAreRejectedWithTheMemberAtFault) {
  const boost::json::object rsa = boost::json::parse(kRfcRsaJwk).as_object();
  const boost::json::object ec = boost::json::parse(kRfcEcJwk).as_object();
  const auto with = [](boost::json::object jwk, const char* name, boost::json::value value) {
    jwk[name] = std::move(value);
    return jwk;
  };
  const auto without = [](boost::json::object jwk, const char* name) {
    jwk.erase(name);
    return jwk;
  };
  // A 1024-bit modulus: half of the RFC's.
  const std::string n = crypto::Base64UrlDecode(rsa.at("n").as_string()).value();
  const std::string short_n = crypto::Base64UrlEncode(n.substr(0, 128));
  // x of the RFC key with y of another: not a point on the curve.
  const boost::json::object off_curve =
      with(ec, "y", "4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM");

  struct Case {
    const char* name;
    boost::json::object jwk;
    const char* reason;
  };
  const Case cases[] = {
      {"no kty", without(rsa, "kty"), "\"kty\" is missing"},
      {"kty oct", with(rsa, "kty", "oct"), "must be RSA or EC"},
      {"kty not a string", with(rsa, "kty", 1), "\"kty\" must be a string"},
      {"RSA alg RS512", with(rsa, "alg", "RS512"), "\"alg\" must be RS256"},
      {"RSA alg HS256", with(rsa, "alg", "HS256"), "\"alg\" must be RS256"},
      {"EC alg RS256", with(ec, "alg", "RS256"), "\"alg\" must be ES256"},
      {"use enc", with(rsa, "use", "enc"), "\"use\" must be \"sig\""},
      {"key_ops sign only", with(rsa, "key_ops", boost::json::array{"sign"}), "\"verify\""},
      {"key_ops not a list", with(rsa, "key_ops", "verify"), "\"verify\""},
      {"no n", without(rsa, "n"), "\"n\" is missing"},
      {"n padded", with(rsa, "n", boost::json::string(std::string(rsa.at("n").as_string()) + "=")),
       "\"n\" is not"},
      {"n standard alphabet", with(rsa, "n", "ab+/"), "\"n\" is not"},
      {"n empty", with(rsa, "n", ""), "\"n\" is not"},
      {"modulus too short", with(rsa, "n", boost::json::string(short_n)), "1024 bits"},
      {"exponent 1", with(rsa, "e", "AQ"), "exponent"},
      {"exponent even", with(rsa, "e", "AQAA"), "exponent"},
      {"exponent huge", with(rsa, "e", "AQAAAAAAAAE"), "exponent"},
      {"kid not a string", with(rsa, "kid", 7), "\"kid\" must be a string"},
      {"EC no crv", without(ec, "crv"), "P-256"},
      {"EC P-384", with(ec, "crv", "P-384"), "P-256"},
      {"EC short x", with(ec, "x", "AQAB"), "32 bytes"},
      {"EC no y", without(ec, "y"), "\"y\" is missing"},
      {"EC point off the curve", off_curve, "not hold a valid public key"},
      {"EC point at zero",
       with(with(ec, "x", boost::json::string(crypto::Base64UrlEncode(std::string(32, '\0')))), "y",
            boost::json::string(crypto::Base64UrlEncode(std::string(32, '\0')))),
       "not hold a valid public key"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    absl::StatusOr<Jwk> key = Jwk::FromObject(c.jwk);
    ASSERT_FALSE(key.ok());
    EXPECT_EQ(key.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(key.status().message().find(c.reason), absl::string_view::npos)
        << key.status().message();
  }
}

TEST(JwkTest, AcceptsOptionalMembersThatFit) {
  boost::json::object rsa = boost::json::parse(kRfcRsaJwk).as_object();
  rsa["alg"] = "RS256";
  rsa["use"] = "sig";
  rsa["key_ops"] = boost::json::array{"verify"};
  rsa["kid"] = "2011-04-29";
  rsa["d"] = "private parts are ignored";
  absl::StatusOr<Jwk> key = Jwk::FromObject(rsa);
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_EQ(key->key_id(), "2011-04-29");
  EXPECT_TRUE(VerifyWithKey(kRfcRsaToken, *key).ok());
  // A leading zero byte on the modulus (some providers add one) is tolerated.
  const std::string n = crypto::Base64UrlDecode(rsa.at("n").as_string()).value();
  rsa["n"] = crypto::Base64UrlEncode(std::string(1, '\0') + n);
  EXPECT_TRUE(VerifyWithKey(kRfcRsaToken, Jwk::FromObject(rsa).value()).ok());
}

}  // namespace
}  // namespace postern::jwt
