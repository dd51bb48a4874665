#include "common/crypto/aead.h"

#include <openssl/evp.h>

#include <climits>
#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/crypto/random.h"
#include "common/tls/ssl_ptr.h"

namespace postern::crypto {
namespace {

const uint8_t* Bytes(std::string_view data) {
  return reinterpret_cast<const uint8_t*>(data.data());
}

uint8_t* MutableBytes(std::string& data) { return reinterpret_cast<uint8_t*>(data.data()); }

absl::Status CheckKey(std::string_view key) {
  if (key.size() != kAeadKeySize) {
    return absl::InvalidArgumentError(
        absl::StrCat("AES-256-GCM key must be ", kAeadKeySize, " bytes, got ", key.size()));
  }
  return absl::OkStatus();
}

// The EVP interfaces take int lengths; the data sealed here (cookies, login
// state) is a few kilobytes.
absl::Status CheckLength(std::string_view data) {
  if (data.size() > INT_MAX / 2) return absl::InvalidArgumentError("data too large to seal");
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::string> Seal(std::string_view key, std::string_view plaintext,
                                 std::string_view associated_data) {
  if (absl::Status s = CheckKey(key); !s.ok()) return s;
  if (absl::Status s = CheckLength(plaintext); !s.ok()) return s;
  if (absl::Status s = CheckLength(associated_data); !s.ok()) return s;
  absl::StatusOr<std::string> nonce = RandomBytes(kAeadNonceSize);
  if (!nonce.ok()) return nonce.status();

  std::string sealed = *nonce;
  sealed.resize(kAeadNonceSize + plaintext.size() + kAeadTagSize);
  uint8_t* ciphertext = MutableBytes(sealed) + kAeadNonceSize;

  tls::SslUniquePtr<EVP_CIPHER_CTX> context(EVP_CIPHER_CTX_new());
  int length = 0;
  if (context == nullptr ||
      EVP_EncryptInit_ex(context.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(context.get(), EVP_CTRL_GCM_SET_IVLEN, kAeadNonceSize, nullptr) != 1 ||
      EVP_EncryptInit_ex(context.get(), nullptr, nullptr, Bytes(key), Bytes(*nonce)) != 1 ||
      (!associated_data.empty() &&
       EVP_EncryptUpdate(context.get(), nullptr, &length, Bytes(associated_data),
                         static_cast<int>(associated_data.size())) != 1) ||
      (!plaintext.empty() && EVP_EncryptUpdate(context.get(), ciphertext, &length, Bytes(plaintext),
                                               static_cast<int>(plaintext.size())) != 1) ||
      EVP_EncryptFinal_ex(context.get(), ciphertext + plaintext.size(), &length) != 1 ||
      EVP_CIPHER_CTX_ctrl(context.get(), EVP_CTRL_GCM_GET_TAG, kAeadTagSize,
                          ciphertext + plaintext.size()) != 1) {
    return absl::InternalError("AES-256-GCM encryption failed in the crypto library");
  }
  return sealed;
}

absl::StatusOr<std::string> Open(std::string_view key, std::string_view sealed,
                                 std::string_view associated_data) {
  if (absl::Status s = CheckKey(key); !s.ok()) return s;
  if (absl::Status s = CheckLength(sealed); !s.ok()) return s;
  if (absl::Status s = CheckLength(associated_data); !s.ok()) return s;
  const absl::Status corrupt =
      absl::InvalidArgumentError("sealed data is corrupt or was not made with this key");
  if (sealed.size() < kAeadOverhead) return corrupt;

  const std::string_view nonce = sealed.substr(0, kAeadNonceSize);
  const std::string_view ciphertext = sealed.substr(kAeadNonceSize, sealed.size() - kAeadOverhead);
  // EVP_CIPHER_CTX_ctrl takes a non-const pointer even to set the tag.
  std::string tag(sealed.substr(sealed.size() - kAeadTagSize));

  std::string plaintext(ciphertext.size(), '\0');
  tls::SslUniquePtr<EVP_CIPHER_CTX> context(EVP_CIPHER_CTX_new());
  int length = 0;
  if (context == nullptr ||
      EVP_DecryptInit_ex(context.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(context.get(), EVP_CTRL_GCM_SET_IVLEN, kAeadNonceSize, nullptr) != 1 ||
      EVP_DecryptInit_ex(context.get(), nullptr, nullptr, Bytes(key), Bytes(nonce)) != 1) {
    return absl::InternalError("AES-256-GCM decryption failed in the crypto library");
  }
  if ((!associated_data.empty() &&
       EVP_DecryptUpdate(context.get(), nullptr, &length, Bytes(associated_data),
                         static_cast<int>(associated_data.size())) != 1) ||
      (!ciphertext.empty() &&
       EVP_DecryptUpdate(context.get(), MutableBytes(plaintext), &length, Bytes(ciphertext),
                         static_cast<int>(ciphertext.size())) != 1) ||
      EVP_CIPHER_CTX_ctrl(context.get(), EVP_CTRL_GCM_SET_TAG, kAeadTagSize, tag.data()) != 1 ||
      EVP_DecryptFinal_ex(context.get(), MutableBytes(plaintext) + ciphertext.size(), &length) !=
          1) {
    return corrupt;
  }
  return plaintext;
}

}  // namespace postern::crypto
