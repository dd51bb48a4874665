// Reading the 32-byte secrets of a config file (shared_secret,
// cookie_secret): base64 in the standard or URL-safe alphabet, padding
// optional, as `head -c32 /dev/urandom | base64` prints them.
//
//   absl::StatusOr<std::string> key = DecodeSecret(text);   // 32 raw bytes
#ifndef POSTERN_COMMON_CONFIG_SECRET_H_
#define POSTERN_COMMON_CONFIG_SECRET_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace postern::config {

inline constexpr size_t kSecretSize = 32;

// DecodeSecret returns the decoded bytes of `base64`, which must be exactly
// kSecretSize long. Surrounding whitespace (a YAML block scalar's newline)
// is ignored. Error messages never contain any part of the input.
absl::StatusOr<std::string> DecodeSecret(std::string_view base64);

}  // namespace postern::config

#endif  // POSTERN_COMMON_CONFIG_SECRET_H_
