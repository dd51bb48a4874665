#include "common/crypto/digest.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>

namespace postern::crypto {
namespace {

// Both libraries take a pointer to the bytes even when there are none; an
// empty string_view may have a null data(), which they are not documented to
// accept.
const uint8_t* Bytes(std::string_view data) {
  static const uint8_t kEmpty = 0;
  return data.empty() ? &kEmpty : reinterpret_cast<const uint8_t*>(data.data());
}

[[noreturn]] void CryptoFailure(const char* what) {
  std::fprintf(stderr, "postern: fatal: %s failed in the crypto library\n", what);
  std::abort();
}

}  // namespace

std::string Sha256(std::string_view data) {
  std::string digest(kSha256Size, '\0');
  unsigned int length = 0;
  if (EVP_Digest(Bytes(data), data.size(), reinterpret_cast<uint8_t*>(digest.data()), &length,
                 EVP_sha256(), nullptr) != 1 ||
      length != kSha256Size) {
    CryptoFailure("SHA-256");
  }
  return digest;
}

std::string HmacSha256(std::string_view key, std::string_view message) {
  std::string mac(kSha256Size, '\0');
  unsigned int length = 0;
  if (HMAC(EVP_sha256(), Bytes(key), key.size(), Bytes(message), message.size(),
           reinterpret_cast<uint8_t*>(mac.data()), &length) == nullptr ||
      length != kSha256Size) {
    CryptoFailure("HMAC-SHA256");
  }
  return mac;
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(Bytes(a), Bytes(b), a.size()) == 0;
}

}  // namespace postern::crypto
