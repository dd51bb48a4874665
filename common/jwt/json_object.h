// Strict parsing of untrusted JSON objects (JOSE headers, JWT claims, JWKs).
//
//   absl::StatusOr<boost::json::object> header = ParseJsonObject(text, "token header");
//
// Stricter than boost::json::parse in the ways that matter for security
// tokens: nesting is limited, a member name may appear only once (RFC 7515
// allows rejecting duplicates, and doing so rules out two parsers reading the
// same token differently), invalid UTF-8 is rejected, and nothing throws.
#ifndef POSTERN_COMMON_JWT_JSON_OBJECT_H_
#define POSTERN_COMMON_JWT_JSON_OBJECT_H_

#include <cstddef>
#include <string_view>

#include "absl/status/statusor.h"
#include "boost/json/object.hpp"

namespace postern::jwt {

// Deep enough for any real claim set (OIDC's "address" claim is depth 2).
inline constexpr size_t kMaxJsonDepth = 16;

// ParseJsonObject parses `text` as one JSON object. On failure returns
// kInvalidArgument "<what> is not valid JSON (...)", "<what> has a duplicate
// member name", "<what> is nested too deeply" or "<what> must be a JSON
// object". `what` names the input for the message (e.g. "token header"); the
// text itself never appears in the message.
absl::StatusOr<boost::json::object> ParseJsonObject(std::string_view text, std::string_view what);

}  // namespace postern::jwt

#endif  // POSTERN_COMMON_JWT_JSON_OBJECT_H_
