// HKDF-SHA256 (RFC 5869): derives independent keys from one secret.
//
// Used where the design derives one key from another, e.g. the cookie key
// from shared_secret when cookie_secret is not configured:
//
//   absl::StatusOr<std::string> cookie_key =
//       HkdfSha256(shared_secret, /*salt=*/"", /*info=*/"postern cookie v1", 32);
//
// A holder that derives many keys from one secret over its lifetime (TLS
// session-ticket keys, one per epoch) extracts once and keeps only the
// pseudorandom key, not the secret:
//
//   std::string prk = HkdfSha256Extract(/*salt=*/"", secret);
//   absl::StatusOr<std::string> key = HkdfSha256Expand(prk, info, 80);
//
// Built on HMAC so that it behaves the same on OpenSSL 3 and BoringSSL (their
// native HKDF APIs differ).
#ifndef POSTERN_COMMON_CRYPTO_HKDF_H_
#define POSTERN_COMMON_CRYPTO_HKDF_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace postern::crypto {

// HkdfSha256 returns `length` bytes of output keying material from the input
// key `ikm`, optional `salt` (empty means 32 zero bytes, per RFC 5869) and the
// context label `info`. Fails with kInvalidArgument if `length` exceeds
// 255 * 32 bytes, the most HKDF-SHA256 can produce. Deterministic.
absl::StatusOr<std::string> HkdfSha256(std::string_view ikm, std::string_view salt,
                                       std::string_view info, size_t length);

// HkdfSha256Extract returns the 32-byte pseudorandom key HMAC-SHA256(salt,
// ikm) (RFC 5869 section 2.2); an empty `salt` means 32 zero bytes. The result
// is as secret as `ikm`: the caller wipes it (OPENSSL_cleanse) when done.
std::string HkdfSha256Extract(std::string_view salt, std::string_view ikm);

// HkdfSha256Expand returns `length` bytes of output keying material from a
// pseudorandom key (from HkdfSha256Extract) and context `info` (RFC 5869
// section 2.3). Fails with kInvalidArgument if `prk` is shorter than 32 bytes
// or `length` exceeds 255 * 32. Deterministic.
absl::StatusOr<std::string> HkdfSha256Expand(std::string_view prk, std::string_view info,
                                             size_t length);

}  // namespace postern::crypto

#endif  // POSTERN_COMMON_CRYPTO_HKDF_H_
