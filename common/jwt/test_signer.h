// Test-only: freshly generated RS256/ES256 signing keys, their public JWKs,
// and compact JWS made with them, for tests of anything that verifies
// provider-signed tokens (this package, a fake OIDC provider).
//
//   TestSigner signer = TestSigner::Es256("key-1");
//   std::string jwks = R"({"keys":[)" + signer.PublicJwk() + "]}";
//   std::string id_token = signer.Sign(claims);   // header {"alg":"ES256","kid":"key-1"}
//   std::string forged = signer.SignWithHeader(R"({"alg":"HS256"})", payload_json);
#ifndef POSTERN_COMMON_JWT_TEST_SIGNER_H_
#define POSTERN_COMMON_JWT_TEST_SIGNER_H_

#include <memory>
#include <string>
#include <string_view>

#include "boost/json/object.hpp"
#include "common/jwt/jwk.h"

namespace postern::jwt {

// TestSigner holds one private key. Key generation failures abort (tests
// only). Thread-compatible.
class TestSigner {
 public:
  // Rs256 generates a 2048-bit RSA key; Es256 a P-256 key. `key_id` becomes
  // the JWK "kid" and the header "kid" (omitted if empty).
  static TestSigner Rs256(std::string key_id);
  static TestSigner Es256(std::string key_id);

  JwsAlgorithm algorithm() const { return algorithm_; }

  // PublicJwk returns the public key as a JWK JSON object (kty, kid, alg,
  // use "sig", and n/e or crv/x/y).
  std::string PublicJwk() const;
  boost::json::object PublicJwkObject() const;

  // Sign returns a compact JWS over `claims` with header {"alg":...,"kid":...}.
  std::string Sign(const boost::json::object& claims) const;

  // SignWithHeader signs exactly the given header and payload texts (so tests
  // can make tokens with any header, including lying ones) with this key's
  // algorithm.
  std::string SignWithHeader(std::string_view header_json, std::string_view payload_json) const;

  // Signature returns the JWS-form signature (PKCS#1 v1.5, or raw r||s) over
  // `signing_input`.
  std::string Signature(std::string_view signing_input) const;

 private:
  TestSigner(JwsAlgorithm algorithm, std::string key_id, std::shared_ptr<evp_pkey_st> key);

  JwsAlgorithm algorithm_;
  std::string key_id_;
  std::shared_ptr<evp_pkey_st> key_;
};

}  // namespace postern::jwt

#endif  // POSTERN_COMMON_JWT_TEST_SIGNER_H_
