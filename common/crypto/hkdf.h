// HKDF-SHA256 (RFC 5869): derives independent keys from one secret.
//
// Used where the design derives one key from another, e.g. the cookie key
// from shared_secret when cookie_secret is not configured:
//
//   absl::StatusOr<std::string> cookie_key =
//       HkdfSha256(shared_secret, /*salt=*/"", /*info=*/"postern cookie v1", 32);
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

}  // namespace postern::crypto

#endif  // POSTERN_COMMON_CRYPTO_HKDF_H_
