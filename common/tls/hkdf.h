// HKDF-SHA256 (RFC 5869), built on libcrypto's one-shot HMAC.
//
// Used to derive session-ticket keys from the shared secret. It lives here
// because common/crypto does not exist yet; when it does, this belongs there.
// OpenSSL 3 and BoringSSL both offer HKDF, but through different APIs (an
// EVP_PKEY_CTX derivation vs. <openssl/hkdf.h>); HMAC() is the same in both.
//
//   absl::StatusOr<std::vector<uint8_t>> prk = HkdfSha256Extract(salt, secret);
//   if (!prk.ok()) return prk.status();
//   absl::StatusOr<std::vector<uint8_t>> key = HkdfSha256Expand(*prk, info, 32);
#ifndef POSTERN_COMMON_TLS_HKDF_H_
#define POSTERN_COMMON_TLS_HKDF_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace postern::tls {

// HkdfSha256Extract returns the 32-byte pseudorandom key HMAC-SHA256(salt,
// secret). An empty salt means 32 zero bytes, as RFC 5869 specifies. Fails
// (kInternal) only if libcrypto cannot compute an HMAC, e.g. out of memory.
absl::StatusOr<std::vector<uint8_t>> HkdfSha256Extract(absl::Span<const uint8_t> salt,
                                                       absl::Span<const uint8_t> secret);

// HkdfSha256Expand returns `length` bytes of output keying material from a
// pseudorandom key (from HkdfSha256Extract) and context `info`. Fails with
// kInvalidArgument if `prk` is shorter than 32 bytes or `length` exceeds
// 255 * 32, the most RFC 5869 allows.
absl::StatusOr<std::vector<uint8_t>> HkdfSha256Expand(absl::Span<const uint8_t> prk,
                                                      absl::Span<const uint8_t> info,
                                                      size_t length);

}  // namespace postern::tls

#endif  // POSTERN_COMMON_TLS_HKDF_H_
