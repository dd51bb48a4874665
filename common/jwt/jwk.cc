#include "common/jwt/jwk.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <bit>
#include <cstdint>
#include <utility>

#include "absl/status/status.h"
#include "common/crypto/base64.h"
#include "common/jwt/der.h"
#include "common/jwt/json_object.h"
#include "common/tls/ssl_ptr.h"

namespace postern::jwt {
namespace {

namespace json = boost::json;

constexpr int kMinRsaBits = 2048;
constexpr int kMaxRsaBits = 8192;
constexpr size_t kP256CoordinateSize = 32;

// DER of the object identifiers in a SubjectPublicKeyInfo (RFC 3279, 5480).
constexpr std::string_view kRsaEncryptionOid = "\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x01\x01";
constexpr std::string_view kEcPublicKeyOid = "\x06\x07\x2a\x86\x48\xce\x3d\x02\x01";
constexpr std::string_view kP256Oid = "\x06\x08\x2a\x86\x48\xce\x3d\x03\x01\x07";
constexpr std::string_view kDerNull("\x05\x00", 2);

absl::Status Invalid(std::string message) { return absl::InvalidArgumentError(message); }

// Returns the string member `name`, or nullptr if it is absent; an error if
// it is present with another type.
absl::StatusOr<const json::string*> OptionalString(const json::object& jwk, const char* name) {
  const json::value* value = jwk.if_contains(name);
  if (value == nullptr) return nullptr;
  if (!value->is_string())
    return Invalid(std::string("JWK member \"") + name + "\" must be a string");
  return &value->get_string();
}

absl::StatusOr<std::string> RequiredBase64Url(const json::object& jwk, const char* name) {
  absl::StatusOr<const json::string*> text = OptionalString(jwk, name);
  if (!text.ok()) return text.status();
  if (*text == nullptr) return Invalid(std::string("JWK member \"") + name + "\" is missing");
  absl::StatusOr<std::string> bytes =
      crypto::Base64UrlDecode(std::string_view((*text)->data(), (*text)->size()));
  if (!bytes.ok() || bytes->empty()) {
    return Invalid(std::string("JWK member \"") + name + "\" is not unpadded base64url");
  }
  return bytes;
}

// Parses a DER SubjectPublicKeyInfo that must be consumed entirely.
absl::StatusOr<std::shared_ptr<evp_pkey_st>> ParsePublicKey(const std::string& spki) {
  const uint8_t* cursor = reinterpret_cast<const uint8_t*>(spki.data());
  tls::SslUniquePtr<EVP_PKEY> key(d2i_PUBKEY(nullptr, &cursor, static_cast<long>(spki.size())));
  if (key == nullptr || cursor != reinterpret_cast<const uint8_t*>(spki.data()) + spki.size()) {
    ERR_clear_error();
    return Invalid("JWK does not hold a valid public key");
  }
  return std::shared_ptr<evp_pkey_st>(key.release(), EVP_PKEY_free);
}

// A parsed key and the size of its signatures in JWS form.
struct PublicKey {
  std::shared_ptr<evp_pkey_st> key;
  size_t signature_size = 0;
};

absl::StatusOr<PublicKey> RsaKey(const json::object& jwk) {
  absl::StatusOr<std::string> modulus = RequiredBase64Url(jwk, "n");
  if (!modulus.ok()) return modulus.status();
  // The size is read from the JWK rather than asked of the library: the
  // accessors' names differ between OpenSSL 3 and BoringSSL.
  std::string_view n = *modulus;
  while (!n.empty() && n.front() == '\0') n.remove_prefix(1);
  const int bits = n.empty() ? 0
                             : static_cast<int>(8 * (n.size() - 1)) +
                                   std::bit_width(static_cast<uint8_t>(n.front()));
  if (bits < kMinRsaBits || bits > kMaxRsaBits) {
    return Invalid("JWK RSA modulus has " + std::to_string(bits) + " bits; between " +
                   std::to_string(kMinRsaBits) + " and " + std::to_string(kMaxRsaBits) +
                   " are accepted");
  }
  absl::StatusOr<std::string> exponent = RequiredBase64Url(jwk, "e");
  if (!exponent.ok()) return exponent.status();
  // A tiny or even exponent makes signatures forgeable or keys unusable; the
  // two libraries differ in whether they check, so check here (same bounds
  // as BoringSSL: odd, at least 3, at most 33 bits).
  std::string_view e = *exponent;
  while (!e.empty() && e.front() == '\0') e.remove_prefix(1);
  if (e.empty() || e.size() > 5 || (e.size() == 5 && static_cast<uint8_t>(e.front()) > 1) ||
      (static_cast<uint8_t>(e.back()) & 1) == 0 ||
      (e.size() == 1 && static_cast<uint8_t>(e.front()) < 3)) {
    return Invalid("JWK RSA exponent \"e\" must be odd and between 3 and 2^33");
  }
  // RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }
  const std::string rsa_public_key =
      der::Sequence({der::UnsignedInteger(*modulus), der::UnsignedInteger(*exponent)});
  const std::string spki =
      der::Sequence({der::Sequence({std::string(kRsaEncryptionOid), std::string(kDerNull)}),
                     der::BitString(rsa_public_key)});
  absl::StatusOr<std::shared_ptr<evp_pkey_st>> key = ParsePublicKey(spki);
  if (!key.ok()) return key.status();
  return PublicKey{*std::move(key), n.size()};
}

absl::StatusOr<PublicKey> P256Key(const json::object& jwk) {
  absl::StatusOr<const json::string*> curve = OptionalString(jwk, "crv");
  if (!curve.ok()) return curve.status();
  if (*curve == nullptr || **curve != "P-256") {
    return Invalid("JWK curve (\"crv\") must be P-256");
  }
  absl::StatusOr<std::string> x = RequiredBase64Url(jwk, "x");
  if (!x.ok()) return x.status();
  absl::StatusOr<std::string> y = RequiredBase64Url(jwk, "y");
  if (!y.ok()) return y.status();
  if (x->size() != kP256CoordinateSize || y->size() != kP256CoordinateSize) {
    return Invalid("JWK P-256 coordinates \"x\" and \"y\" must be 32 bytes each");
  }
  // An uncompressed point (SEC 1): 0x04 || x || y. The parser checks that it
  // lies on the curve.
  const std::string point = "\x04" + *x + *y;
  const std::string spki =
      der::Sequence({der::Sequence({std::string(kEcPublicKeyOid), std::string(kP256Oid)}),
                     der::BitString(point)});
  absl::StatusOr<std::shared_ptr<evp_pkey_st>> key = ParsePublicKey(spki);
  if (!key.ok()) return key.status();
  return PublicKey{*std::move(key), 2 * kP256CoordinateSize};
}

absl::Status CheckIntendedUse(const json::object& jwk, JwsAlgorithm algorithm) {
  absl::StatusOr<const json::string*> alg = OptionalString(jwk, "alg");
  if (!alg.ok()) return alg.status();
  if (*alg != nullptr && **alg != JwsAlgorithmName(algorithm)) {
    return Invalid(std::string("JWK \"alg\" must be ") + std::string(JwsAlgorithmName(algorithm)) +
                   " for this key type");
  }
  absl::StatusOr<const json::string*> use = OptionalString(jwk, "use");
  if (!use.ok()) return use.status();
  if (*use != nullptr && **use != "sig") return Invalid("JWK \"use\" must be \"sig\"");
  if (const json::value* ops = jwk.if_contains("key_ops"); ops != nullptr) {
    bool verify = false;
    if (ops->is_array()) {
      for (const json::value& op : ops->get_array())
        verify |= op.is_string() && op.get_string() == "verify";
    }
    if (!verify) return Invalid("JWK \"key_ops\" must include \"verify\"");
  }
  return absl::OkStatus();
}

// ES256 signatures in JWS are r || s, 32 bytes each (RFC 7518 section 3.4);
// the crypto library verifies the DER form (SEQUENCE of two INTEGERs).
std::string EcdsaSignatureToDer(std::string_view raw) {
  return der::Sequence({der::UnsignedInteger(raw.substr(0, raw.size() / 2)),
                        der::UnsignedInteger(raw.substr(raw.size() / 2))});
}

}  // namespace

std::string_view JwsAlgorithmName(JwsAlgorithm algorithm) {
  return algorithm == JwsAlgorithm::kRs256 ? "RS256" : "ES256";
}

Jwk::Jwk(JwsAlgorithm algorithm, std::string key_id, std::shared_ptr<evp_pkey_st> key,
         size_t signature_size)
    : algorithm_(algorithm),
      key_id_(std::move(key_id)),
      key_(std::move(key)),
      signature_size_(signature_size) {}

absl::StatusOr<Jwk> Jwk::FromObject(const json::object& jwk) {
  absl::StatusOr<const json::string*> kty = OptionalString(jwk, "kty");
  if (!kty.ok()) return kty.status();
  if (*kty == nullptr) return Invalid("JWK member \"kty\" is missing");
  JwsAlgorithm algorithm;
  if (**kty == "RSA") {
    algorithm = JwsAlgorithm::kRs256;
  } else if (**kty == "EC") {
    algorithm = JwsAlgorithm::kEs256;
  } else {
    return Invalid("JWK key type (\"kty\") must be RSA or EC");
  }
  if (absl::Status s = CheckIntendedUse(jwk, algorithm); !s.ok()) return s;
  absl::StatusOr<const json::string*> kid = OptionalString(jwk, "kid");
  if (!kid.ok()) return kid.status();

  absl::StatusOr<PublicKey> key = algorithm == JwsAlgorithm::kRs256 ? RsaKey(jwk) : P256Key(jwk);
  if (!key.ok()) return key.status();
  return Jwk(algorithm, *kid == nullptr ? "" : std::string((*kid)->data(), (*kid)->size()),
             std::move(key->key), key->signature_size);
}

absl::StatusOr<Jwk> Jwk::FromJson(std::string_view json) {
  absl::StatusOr<json::object> object = ParseJsonObject(json, "JWK");
  if (!object.ok()) return object.status();
  return FromObject(*object);
}

bool Jwk::VerifySignature(std::string_view signing_input, std::string_view signature) const {
  if (signature.size() != signature_size_) return false;
  std::string der_signature;
  if (algorithm_ == JwsAlgorithm::kEs256) {
    der_signature = EcdsaSignatureToDer(signature);
    signature = der_signature;
  }
  tls::SslUniquePtr<EVP_MD_CTX> context(EVP_MD_CTX_new());
  const bool valid =
      context != nullptr &&
      EVP_DigestVerifyInit(context.get(), nullptr, EVP_sha256(), nullptr, key_.get()) == 1 &&
      EVP_DigestVerify(context.get(), reinterpret_cast<const uint8_t*>(signature.data()),
                       signature.size(), reinterpret_cast<const uint8_t*>(signing_input.data()),
                       signing_input.size()) == 1;
  // A failed verification leaves errors queued on this thread; clear them so
  // that they are not mistaken for a later TLS error.
  if (!valid) ERR_clear_error();
  return valid;
}

absl::StatusOr<std::vector<Jwk>> ParseJwkSet(std::string_view json) {
  absl::StatusOr<json::object> document = ParseJsonObject(json, "JWK set");
  if (!document.ok()) return document.status();
  const json::value* keys = document->if_contains("keys");
  if (keys == nullptr || !keys->is_array()) {
    return Invalid("JWK set must have a \"keys\" array");
  }
  std::vector<Jwk> usable;
  for (const json::value& entry : keys->get_array()) {
    if (!entry.is_object()) continue;
    absl::StatusOr<Jwk> key = Jwk::FromObject(entry.get_object());
    if (key.ok()) usable.push_back(*std::move(key));
  }
  if (usable.empty()) return Invalid("JWK set has no RS256 or ES256 signing key");
  return usable;
}

}  // namespace postern::jwt
