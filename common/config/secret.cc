#include "common/config/secret.h"

#include <string>
#include <string_view>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/config/absl_view.h"

namespace postern::config {

absl::StatusOr<std::string> DecodeSecret(std::string_view base64) {
  constexpr char kHint[] = "; generate one with: head -c32 /dev/urandom | base64";
  base64 = StdView(absl::StripAsciiWhitespace(AbslView(base64)));
  // Check the alphabet ourselves: the decoders are lenient about characters
  // and padding in ways that differ between versions.
  bool standard = false, url_safe = false;
  size_t padding = 0;
  for (char c : base64) {
    if (c == '=') {
      ++padding;
      continue;
    }
    if (padding > 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("expected base64, found data after '='", kHint));
    }
    if (c == '+' || c == '/') {
      standard = true;
    } else if (c == '-' || c == '_') {
      url_safe = true;
    } else if (!absl::ascii_isalnum(static_cast<unsigned char>(c))) {
      return absl::InvalidArgumentError(
          absl::StrCat("expected base64, found a character outside the base64 alphabets", kHint));
    }
  }
  if (standard && url_safe) {
    return absl::InvalidArgumentError(
        absl::StrCat("expected base64, found a mix of the standard and URL-safe alphabets", kHint));
  }
  const std::string_view data = base64.substr(0, base64.size() - padding);
  if (padding > 2 || data.size() % 4 == 1 || (padding > 0 && (data.size() + padding) % 4 != 0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("expected base64, found bad length or padding", kHint));
  }
  std::string decoded;
  const bool ok = url_safe ? absl::WebSafeBase64Unescape(AbslView(data), &decoded)
                           : absl::Base64Unescape(AbslView(data), &decoded);
  if (!ok) return absl::InvalidArgumentError(absl::StrCat("expected base64", kHint));
  if (decoded.size() != kSecretSize) {
    return absl::InvalidArgumentError(absl::StrCat("expected base64 of exactly ", kSecretSize,
                                                   " bytes, got ", decoded.size(), " bytes",
                                                   kHint));
  }
  return decoded;
}

}  // namespace postern::config
