// application/x-www-form-urlencoded (the WHATWG URL standard's serializer), for
// OAuth 2.0 token requests and the query strings Postern builds.
//
//   std::string body = FormEncode({{"grant_type", "authorization_code"}, {"code", code}});
//   // "grant_type=authorization_code&code=..."
//   std::string user = FormEncodeComponent(client_id);   // RFC 6749 section 2.3.1 Basic auth
#ifndef POSTERN_COMMON_HTTP_FORM_ENCODING_H_
#define POSTERN_COMMON_HTTP_FORM_ENCODING_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace postern::http {

// FormEncodeComponent percent-encodes every byte of `text` except ASCII
// letters, digits and "*-._", and turns spaces into '+'. Never fails.
std::string FormEncodeComponent(std::string_view text);

// FormEncode joins `fields` as name=value pairs with '&', each side encoded
// with FormEncodeComponent, in the order given. Never fails.
std::string FormEncode(const std::vector<std::pair<std::string, std::string>>& fields);

}  // namespace postern::http

#endif  // POSTERN_COMMON_HTTP_FORM_ENCODING_H_
