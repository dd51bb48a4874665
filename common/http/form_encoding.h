// application/x-www-form-urlencoded (the WHATWG URL standard's serializer), for
// OAuth 2.0 token requests and the query strings Postern builds.
//
//   std::string body = FormEncode({{"grant_type", "authorization_code"}, {"code", code}});
//   // "grant_type=authorization_code&code=..."
//   std::string user = FormEncodeComponent(client_id);   // RFC 6749 section 2.3.1 Basic auth
//   absl::StatusOr<std::vector<std::pair<std::string, std::string>>> query =
//   FormDecode("a=1&b=x+y");
#ifndef POSTERN_COMMON_HTTP_FORM_ENCODING_H_
#define POSTERN_COMMON_HTTP_FORM_ENCODING_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace postern::http {

// FormEncodeComponent percent-encodes every byte of `text` except ASCII
// letters, digits and "*-._", and turns spaces into '+'. Never fails.
std::string FormEncodeComponent(std::string_view text);

// FormEncode joins `fields` as name=value pairs with '&', each side encoded
// with FormEncodeComponent, in the order given. Never fails.
std::string FormEncode(const std::vector<std::pair<std::string, std::string>>& fields);

// FormDecode splits a query string or form body ("a=1&b=x+y") into decoded
// name/value pairs in order ('+' is a space, %XX a byte; a pair without '='
// has an empty value; empty pairs are skipped). kInvalidArgument for a
// malformed %XX. The bytes are not checked to be UTF-8.
absl::StatusOr<std::vector<std::pair<std::string, std::string>>> FormDecode(
    std::string_view encoded);

}  // namespace postern::http

#endif  // POSTERN_COMMON_HTTP_FORM_ENCODING_H_
