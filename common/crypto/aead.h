// AES-256-GCM authenticated encryption for state the proxy hands to browsers
// and gets back (login state, cookies): confidential and tamper-evident.
//
//   absl::StatusOr<std::string> sealed = Seal(key, state, /*associated_data=*/"login-state");
//   ...
//   absl::StatusOr<std::string> state = Open(key, sealed, "login-state");
//   if (!state.ok()) { /* tampered, truncated, wrong key or wrong purpose */ }
//
// The associated data binds a ciphertext to its purpose: a sealed cookie
// does not open as login state. Nonces are random (96 bits), which is safe
// for up to 2^32 messages per key.
#ifndef POSTERN_COMMON_CRYPTO_AEAD_H_
#define POSTERN_COMMON_CRYPTO_AEAD_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace postern::crypto {

inline constexpr size_t kAeadKeySize = 32;
inline constexpr size_t kAeadNonceSize = 12;
inline constexpr size_t kAeadTagSize = 16;
// Seal's output is this much longer than the plaintext.
inline constexpr size_t kAeadOverhead = kAeadNonceSize + kAeadTagSize;

// Seal encrypts `plaintext` under the 32-byte `key` with a fresh random nonce
// and authenticates it together with `associated_data` (not encrypted, not
// included in the output). Returns nonce || ciphertext || tag.
// Fails with kInvalidArgument if the key is not 32 bytes, kInternal if the
// random generator or cipher fails. Thread-safe.
absl::StatusOr<std::string> Seal(std::string_view key, std::string_view plaintext,
                                 std::string_view associated_data);

// Open reverses Seal: returns the plaintext if `sealed` was produced by Seal
// with the same key and associated data and has not been altered. Otherwise
// kInvalidArgument ("sealed data is corrupt or was not made with this key"),
// which says nothing about which part failed. Thread-safe.
absl::StatusOr<std::string> Open(std::string_view key, std::string_view sealed,
                                 std::string_view associated_data);

}  // namespace postern::crypto

#endif  // POSTERN_COMMON_CRYPTO_AEAD_H_
