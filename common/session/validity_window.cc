#include "common/session/validity_window.h"

#include <string>

#include "common/jwt/claims.h"

namespace postern::session {
namespace {

absl::Status Refused(std::string_view noun, std::string_view problem) {
  std::string message(noun);
  message.append(problem);
  return absl::UnauthenticatedError(message);
}

}  // namespace

absl::StatusOr<IssuedAndExpiry> CheckValidityWindow(const boost::json::object& claims,
                                                    absl::Time now, std::string_view noun) {
  absl::StatusOr<absl::Time> expires_at = jwt::RequiredNumericDate(claims, "exp");
  if (!expires_at.ok()) return expires_at.status();
  absl::StatusOr<absl::Time> issued_at = jwt::RequiredNumericDate(claims, "iat");
  if (!issued_at.ok()) return issued_at.status();
  absl::StatusOr<std::optional<absl::Time>> not_before = jwt::OptionalNumericDate(claims, "nbf");
  if (!not_before.ok()) return not_before.status();

  if (now >= *expires_at) return Refused(noun, " expired");
  if (*issued_at > now + kMaxClockSkew) return Refused(noun, " was issued in the future");
  if (not_before->has_value() && **not_before > now + kMaxClockSkew) {
    return Refused(noun, " is not valid yet");
  }
  if (*expires_at <= *issued_at) return Refused(noun, " expires before it was issued");
  return IssuedAndExpiry{*issued_at, *expires_at};
}

}  // namespace postern::session
