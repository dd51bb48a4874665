#include "common/crypto/hkdf.h"

#include <openssl/crypto.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/crypto/digest.h"

namespace postern::crypto {
namespace {

constexpr size_t kMaxLength = 255 * kSha256Size;

absl::Status CheckLength(size_t length) {
  if (length > kMaxLength) {
    return absl::InvalidArgumentError(
        absl::StrCat("HKDF-SHA256 output of ", length, " bytes requested; at most ", kMaxLength));
  }
  return absl::OkStatus();
}

// Intermediate blocks are key material; do not leave copies in freed memory.
void Wipe(std::string& secret) { OPENSSL_cleanse(secret.data(), secret.size()); }

}  // namespace

absl::StatusOr<std::string> HkdfSha256(std::string_view ikm, std::string_view salt,
                                       std::string_view info, size_t length) {
  if (absl::Status status = CheckLength(length); !status.ok()) return status;
  std::string pseudo_random_key = HkdfSha256Extract(salt, ikm);
  absl::StatusOr<std::string> output = HkdfSha256Expand(pseudo_random_key, info, length);
  Wipe(pseudo_random_key);
  return output;
}

std::string HkdfSha256Extract(std::string_view salt, std::string_view ikm) {
  const std::string zero_salt(kSha256Size, '\0');
  return HmacSha256(salt.empty() ? zero_salt : salt, ikm);
}

absl::StatusOr<std::string> HkdfSha256Expand(std::string_view prk, std::string_view info,
                                             size_t length) {
  if (prk.size() < kSha256Size) {
    return absl::InvalidArgumentError(absl::StrCat("HKDF pseudorandom key is ", prk.size(),
                                                   " bytes; at least ", kSha256Size, " needed"));
  }
  if (absl::Status status = CheckLength(length); !status.ok()) return status;

  // T(i) = HMAC(prk, T(i-1) || info || i); output is T(1) || T(2) || ...
  std::string output;
  output.reserve(length + kSha256Size);
  std::string block;  // T(i-1), then T(i)
  std::string input;
  for (unsigned counter = 1; output.size() < length; ++counter) {
    Wipe(input);
    input = block;
    input.append(info);
    input.push_back(static_cast<char>(counter));
    Wipe(block);
    block = HmacSha256(prk, input);
    output.append(block);
  }
  Wipe(block);
  Wipe(input);
  // Shrinking keeps the capacity, so the cut-off tail is wiped too.
  OPENSSL_cleanse(output.data() + length, output.size() - length);
  output.resize(length);
  return output;
}

}  // namespace postern::crypto
