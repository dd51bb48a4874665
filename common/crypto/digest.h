// SHA-256, HMAC-SHA256 and constant-time comparison, on OpenSSL 3 and BoringSSL.
//
// Byte strings are std::string / std::string_view holding raw bytes (as in
// Tink), so they pass to and from base64 and JSON without conversions.
//
//   std::string mac = HmacSha256(key, signing_input);
//   if (!ConstantTimeEquals(mac, presented_mac)) return BadSignature();
#ifndef POSTERN_COMMON_CRYPTO_DIGEST_H_
#define POSTERN_COMMON_CRYPTO_DIGEST_H_

#include <cstddef>
#include <string>
#include <string_view>

namespace postern::crypto {

inline constexpr size_t kSha256Size = 32;

// Sha256 returns the 32-byte SHA-256 digest of `data`.
std::string Sha256(std::string_view data);

// HmacSha256 returns the 32-byte HMAC-SHA256 (RFC 2104) of `message` under
// `key` (any length, including empty). Aborts only if the crypto library
// cannot allocate, which is not a recoverable state.
std::string HmacSha256(std::string_view key, std::string_view message);

// ConstantTimeEquals reports whether `a` and `b` hold the same bytes, taking
// time that depends only on their lengths (lengths are not secret: a MAC or
// digest has a fixed, public size). Use it for every comparison of secrets,
// MACs and digests.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace postern::crypto

#endif  // POSTERN_COMMON_CRYPTO_DIGEST_H_
