// Cryptographically secure random bytes from the TLS library's CSPRNG.
//
//   absl::StatusOr<std::string> nonce = RandomBytes(12);
//   if (!nonce.ok()) return nonce.status();  // fail closed: never a weak fallback
#ifndef POSTERN_COMMON_CRYPTO_RANDOM_H_
#define POSTERN_COMMON_CRYPTO_RANDOM_H_

#include <cstddef>
#include <string>

#include "absl/status/statusor.h"

namespace postern::crypto {

// RandomBytes returns `count` bytes from the CSPRNG (RAND_bytes). If the
// generator fails (e.g. not seeded) it returns kInternal and no bytes: there
// is no fallback to a weaker source. Thread-safe.
absl::StatusOr<std::string> RandomBytes(size_t count);

}  // namespace postern::crypto

#endif  // POSTERN_COMMON_CRYPTO_RANDOM_H_
