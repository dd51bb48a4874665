#include "common/crypto/random.h"

#include <openssl/rand.h>

#include <climits>
#include <cstdint>

#include "absl/status/status.h"

namespace postern::crypto {

absl::StatusOr<std::string> RandomBytes(size_t count) {
  std::string bytes(count, '\0');
  if (count == 0) return bytes;
  // OpenSSL takes an int length; nothing in Postern needs more than a few
  // dozen bytes at a time.
  if (count > INT_MAX) return absl::InvalidArgumentError("too many random bytes requested");
  if (RAND_bytes(reinterpret_cast<uint8_t*>(bytes.data()), static_cast<int>(count)) != 1) {
    return absl::InternalError("the system random number generator failed");
  }
  return bytes;
}

}  // namespace postern::crypto
