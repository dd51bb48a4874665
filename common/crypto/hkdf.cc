#include "common/crypto/hkdf.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/crypto/digest.h"

namespace postern::crypto {

absl::StatusOr<std::string> HkdfSha256(std::string_view ikm, std::string_view salt,
                                       std::string_view info, size_t length) {
  constexpr size_t kMaxLength = 255 * kSha256Size;
  if (length > kMaxLength) {
    return absl::InvalidArgumentError(
        absl::StrCat("HKDF-SHA256 output of ", length, " bytes requested; at most ", kMaxLength));
  }
  const std::string zero_salt(kSha256Size, '\0');
  const std::string pseudo_random_key = HmacSha256(salt.empty() ? zero_salt : salt, ikm);

  std::string output;
  output.reserve(length + kSha256Size);
  std::string block;
  for (unsigned counter = 1; output.size() < length; ++counter) {
    std::string input = block;
    input.append(info);
    input.push_back(static_cast<char>(counter));
    block = HmacSha256(pseudo_random_key, input);
    output.append(block);
  }
  output.resize(length);
  return output;
}

}  // namespace postern::crypto
