// Typed reads of JWT claims (RFC 7519) from a verified claims object.
//
//   absl::StatusOr<std::string> subject = RequiredString(claims, "sub");
//   absl::StatusOr<absl::Time> expiry = RequiredNumericDate(claims, "exp");
//   if (!AudienceContains(claims, expected_audience)) return ...;
//
// Every failure is kUnauthenticated "token claim \"<name>\" ...": a token with
// a missing or mistyped claim is not a valid credential. Values never appear
// in messages.
#ifndef POSTERN_COMMON_JWT_CLAIMS_H_
#define POSTERN_COMMON_JWT_CLAIMS_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "boost/json/object.hpp"
#include "boost/json/value.hpp"

namespace postern::jwt {

// RequiredString returns the string claim `name`; fails if absent or not a string.
absl::StatusOr<std::string> RequiredString(const boost::json::object& claims,
                                           std::string_view name);

// OptionalString returns the string claim `name`, nullopt if absent; fails
// if present and not a string.
absl::StatusOr<std::optional<std::string>> OptionalString(const boost::json::object& claims,
                                                          std::string_view name);

// RequiredNumericDate returns the NumericDate claim `name` (seconds since the
// epoch; a JSON integer, or a number with a fraction, which is rounded down).
// Fails if absent, not a number, or outside +-10^11 seconds (year ~5000).
absl::StatusOr<absl::Time> RequiredNumericDate(const boost::json::object& claims,
                                               std::string_view name);

// OptionalNumericDate is RequiredNumericDate with absence allowed (nullopt).
absl::StatusOr<std::optional<absl::Time>> OptionalNumericDate(const boost::json::object& claims,
                                                              std::string_view name);

// OptionalStringList returns the claim `name` as a list of strings: absent or
// null is empty, a string is a one-element list (some providers send a lone
// group that way), an array must hold only strings.
absl::StatusOr<std::vector<std::string>> OptionalStringList(const boost::json::object& claims,
                                                            std::string_view name);

// ValueAsStrings converts an arbitrary claim value to a list of strings for
// policy matching: null is empty, a scalar is a one-element list (numbers as
// JSON text, booleans as "true"/"false"), an array of scalars is one element
// each. Objects and nested arrays fail with kInvalidArgument.
absl::StatusOr<std::vector<std::string>> ValueAsStrings(const boost::json::value& value);

// AudienceContains reports whether the "aud" claim is `audience` or is an
// array containing it (RFC 7519 section 4.1.3). False if "aud" is absent or
// of another type.
bool AudienceContains(const boost::json::object& claims, std::string_view audience);

}  // namespace postern::jwt

#endif  // POSTERN_COMMON_JWT_CLAIMS_H_
