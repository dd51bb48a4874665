#include "common/jwt/test_signer.h"

#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <utility>

#include "boost/json/serialize.hpp"
#include "common/crypto/base64.h"
#include "common/tls/ssl_ptr.h"

namespace postern::jwt {
namespace {

namespace json = boost::json;

[[noreturn]] void Die(const char* what) {
  std::fprintf(stderr, "TestSigner: %s failed\n", what);
  std::abort();
}

// Reads one DER TLV from the front of `der`; returns its value and advances.
std::string_view ReadTlv(std::string_view& der, uint8_t expected_tag) {
  if (der.size() < 2 || static_cast<uint8_t>(der[0]) != expected_tag) Die("DER parse");
  size_t length = static_cast<uint8_t>(der[1]);
  size_t header = 2;
  if (length & 0x80) {
    const size_t count = length & 0x7f;
    length = 0;
    for (size_t i = 0; i < count; ++i) length = length << 8 | static_cast<uint8_t>(der[2 + i]);
    header += count;
  }
  if (der.size() < header + length) Die("DER parse");
  std::string_view value = der.substr(header, length);
  der.remove_prefix(header + length);
  return value;
}

std::string StripLeadingZeros(std::string_view bytes) {
  while (bytes.size() > 1 && bytes.front() == '\0') bytes.remove_prefix(1);
  return std::string(bytes);
}

std::string LeftPad(std::string_view bytes, size_t size) {
  std::string value = StripLeadingZeros(bytes);
  if (value.size() > size) Die("ECDSA signature size");
  return std::string(size - value.size(), '\0') + value;
}

std::shared_ptr<evp_pkey_st> Generate(JwsAlgorithm algorithm) {
  tls::SslUniquePtr<EVP_PKEY_CTX> context(
      EVP_PKEY_CTX_new_id(algorithm == JwsAlgorithm::kRs256 ? EVP_PKEY_RSA : EVP_PKEY_EC, nullptr));
  if (context == nullptr || EVP_PKEY_keygen_init(context.get()) != 1) Die("keygen init");
  if (algorithm == JwsAlgorithm::kRs256) {
    if (EVP_PKEY_CTX_set_rsa_keygen_bits(context.get(), 2048) != 1) Die("RSA bits");
  } else if (EVP_PKEY_CTX_set_ec_paramgen_curve_nid(context.get(), NID_X9_62_prime256v1) != 1) {
    Die("EC curve");
  }
  EVP_PKEY* key = nullptr;
  if (EVP_PKEY_keygen(context.get(), &key) != 1) Die("keygen");
  return std::shared_ptr<evp_pkey_st>(key, EVP_PKEY_free);
}

}  // namespace

TestSigner::TestSigner(JwsAlgorithm algorithm, std::string key_id, std::shared_ptr<evp_pkey_st> key)
    : algorithm_(algorithm), key_id_(std::move(key_id)), key_(std::move(key)) {}

TestSigner TestSigner::Rs256(std::string key_id) {
  return TestSigner(JwsAlgorithm::kRs256, std::move(key_id), Generate(JwsAlgorithm::kRs256));
}

TestSigner TestSigner::Es256(std::string key_id) {
  return TestSigner(JwsAlgorithm::kEs256, std::move(key_id), Generate(JwsAlgorithm::kEs256));
}

json::object TestSigner::PublicJwkObject() const {
  const int length = i2d_PUBKEY(key_.get(), nullptr);
  if (length <= 0) Die("i2d_PUBKEY");
  std::string spki(length, '\0');
  uint8_t* cursor = reinterpret_cast<uint8_t*>(spki.data());
  if (i2d_PUBKEY(key_.get(), &cursor) != length) Die("i2d_PUBKEY");

  // SubjectPublicKeyInfo ::= SEQUENCE { AlgorithmIdentifier, BIT STRING }
  std::string_view rest = spki;
  std::string_view info = ReadTlv(rest, 0x30);
  ReadTlv(info, 0x30);
  std::string_view public_key = ReadTlv(info, 0x03).substr(1);  // skip "unused bits"

  json::object jwk;
  if (!key_id_.empty()) jwk["kid"] = key_id_;
  jwk["use"] = "sig";
  jwk["alg"] = std::string(JwsAlgorithmName(algorithm_));
  if (algorithm_ == JwsAlgorithm::kRs256) {
    std::string_view rsa = ReadTlv(public_key, 0x30);
    jwk["kty"] = "RSA";
    jwk["n"] = crypto::Base64UrlEncode(StripLeadingZeros(ReadTlv(rsa, 0x02)));
    jwk["e"] = crypto::Base64UrlEncode(StripLeadingZeros(ReadTlv(rsa, 0x02)));
  } else {
    if (public_key.size() != 65 || public_key[0] != '\x04') Die("EC point");
    jwk["kty"] = "EC";
    jwk["crv"] = "P-256";
    jwk["x"] = crypto::Base64UrlEncode(public_key.substr(1, 32));
    jwk["y"] = crypto::Base64UrlEncode(public_key.substr(33, 32));
  }
  return jwk;
}

std::string TestSigner::PublicJwk() const { return json::serialize(PublicJwkObject()); }

std::string TestSigner::Sign(const json::object& claims) const {
  json::object header;
  header["alg"] = std::string(JwsAlgorithmName(algorithm_));
  if (!key_id_.empty()) header["kid"] = key_id_;
  return SignWithHeader(json::serialize(header), json::serialize(claims));
}

std::string TestSigner::SignWithHeader(std::string_view header_json,
                                       std::string_view payload_json) const {
  std::string token =
      crypto::Base64UrlEncode(header_json) + "." + crypto::Base64UrlEncode(payload_json);
  const std::string signature = Signature(token);
  return token + "." + crypto::Base64UrlEncode(signature);
}

std::string TestSigner::Signature(std::string_view signing_input) const {
  tls::SslUniquePtr<EVP_MD_CTX> context(EVP_MD_CTX_new());
  size_t length = 0;
  if (context == nullptr ||
      EVP_DigestSignInit(context.get(), nullptr, EVP_sha256(), nullptr, key_.get()) != 1 ||
      EVP_DigestSign(context.get(), nullptr, &length,
                     reinterpret_cast<const uint8_t*>(signing_input.data()),
                     signing_input.size()) != 1) {
    Die("sign init");
  }
  std::string signature(length, '\0');
  if (EVP_DigestSign(context.get(), reinterpret_cast<uint8_t*>(signature.data()), &length,
                     reinterpret_cast<const uint8_t*>(signing_input.data()),
                     signing_input.size()) != 1) {
    Die("sign");
  }
  signature.resize(length);
  if (algorithm_ == JwsAlgorithm::kRs256) return signature;
  // ECDSA-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER } -> r || s
  std::string_view rest = signature;
  std::string_view sequence = ReadTlv(rest, 0x30);
  const std::string r = LeftPad(ReadTlv(sequence, 0x02), 32);
  const std::string s = LeftPad(ReadTlv(sequence, 0x02), 32);
  return r + s;
}

}  // namespace postern::jwt
