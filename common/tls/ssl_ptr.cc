#include "common/tls/ssl_ptr.h"

#include <openssl/err.h>

#include <cctype>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace postern::tls {
namespace {

// BoringSSL reasons are identifiers ("CERTIFICATE_VERIFY_FAILED"); OpenSSL's
// are phrases ("certificate verify failed"). Users see one spelling.
std::string ReadableReason(const char* reason) {
  std::string text(reason);
  for (char c : text) {
    if (std::islower(static_cast<unsigned char>(c)) || c == ' ') return text;
  }
  for (char& c : text) {
    c = c == '_' ? ' ' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return text;
}

}  // namespace

std::string LastSslError() {
  std::vector<std::string> reasons;
  while (unsigned long error = ERR_get_error()) {
    const char* reason = ERR_reason_error_string(error);
    std::string text =
        reason != nullptr ? ReadableReason(reason) : absl::StrFormat("error %08lx", error);
    // Several layers often push the same reason; once is enough.
    if (reasons.empty() || reasons.back() != text) reasons.push_back(std::move(text));
  }
  if (reasons.empty()) return "no details from the TLS library";
  return absl::StrJoin(reasons, "; ");
}

void ClearSslErrors() { ERR_clear_error(); }

}  // namespace postern::tls
