// Public keys in JWK form (RFC 7517) for verifying RS256 and ES256 JWS, as an
// OpenID Connect provider publishes them at its jwks_uri.
//
//   absl::StatusOr<std::vector<Jwk>> keys = ParseJwkSet(jwks_document);
//   absl::StatusOr<boost::json::object> claims = VerifyWithKeySet(id_token, *keys);
//
// A Jwk fixes its algorithm: an RSA key verifies only RS256, a P-256 key only
// ES256. Other key types and curves are not supported. Private members ("d",
// ...) are ignored: only the public key is ever read.
#ifndef POSTERN_COMMON_JWT_JWK_H_
#define POSTERN_COMMON_JWT_JWK_H_

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "boost/json/object.hpp"

// The same opaque type in OpenSSL and BoringSSL; keeps their headers out of
// this one.
struct evp_pkey_st;

namespace postern::jwt {

// A JWS algorithm a Jwk can verify.
enum class JwsAlgorithm { kRs256, kEs256 };

// JwsAlgorithmName returns "RS256" or "ES256".
std::string_view JwsAlgorithmName(JwsAlgorithm algorithm);

// Jwk is one parsed public verification key. Immutable, cheap to copy (the
// key is shared), safe to use from many threads at once.
class Jwk {
 public:
  // FromObject reads one JWK. It requires kty "RSA" (members n, e; modulus of
  // 2048 to 8192 bits) or kty "EC" with crv "P-256" (members x, y, 32 bytes
  // each, a point on the curve). If present, "alg" must be the key's
  // algorithm (RS256/ES256), "use" must be "sig" and "key_ops" must include
  // "verify". Fails with kInvalidArgument naming the member at fault.
  static absl::StatusOr<Jwk> FromObject(const boost::json::object& jwk);

  // FromJson parses `json` as one JWK object, then as FromObject.
  static absl::StatusOr<Jwk> FromJson(std::string_view json);

  JwsAlgorithm algorithm() const { return algorithm_; }
  // key_id is the "kid" member, empty if the JWK has none.
  const std::string& key_id() const { return key_id_; }

  // VerifySignature reports whether `signature`, in JWS form (RFC 7518: the
  // PKCS#1 v1.5 signature for RS256, the 64-byte r||s for ES256), is valid
  // over `signing_input` (the ASCII "header.payload") under this key.
  bool VerifySignature(std::string_view signing_input, std::string_view signature) const;

 private:
  Jwk(JwsAlgorithm algorithm, std::string key_id, std::shared_ptr<evp_pkey_st> key,
      size_t signature_size);

  JwsAlgorithm algorithm_;
  std::string key_id_;
  std::shared_ptr<evp_pkey_st> key_;
  size_t signature_size_;  // RSA: the modulus size in bytes; ES256: 64
};

// ParseJwkSet parses a JWK Set document ({"keys": [...]}) and returns the
// keys usable for RS256 or ES256 signatures, in document order. Keys of other
// types, curves or uses (e.g. "enc") are skipped, since providers publish
// them side by side with signing keys. Fails with kInvalidArgument if the
// document is not a JWK Set or holds no usable key.
absl::StatusOr<std::vector<Jwk>> ParseJwkSet(std::string_view json);

}  // namespace postern::jwt

#endif  // POSTERN_COMMON_JWT_JWK_H_
