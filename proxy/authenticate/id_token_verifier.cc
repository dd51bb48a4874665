#include "proxy/authenticate/id_token_verifier.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/crypto/digest.h"
#include "common/jwt/claims.h"

namespace postern::authenticate {
namespace {

absl::Status Refuse(std::string_view why) {
  return absl::UnauthenticatedError(absl::StrCat("the ID token ", std::string(why)));
}

}  // namespace

absl::Status CheckIdTokenClaims(const boost::json::object& claims,
                                const IdTokenExpectations& expect, absl::Time now) {
  absl::StatusOr<std::string> issuer = jwt::RequiredString(claims, "iss");
  if (!issuer.ok() || *issuer != expect.issuer) {
    return Refuse("was not issued by the configured identity provider");
  }
  if (!jwt::AudienceContains(claims, expect.client_id)) {
    return Refuse("was issued for another client");
  }
  const boost::json::value* audience = claims.if_contains("aud");
  const bool several = audience->is_array() && audience->get_array().size() > 1;
  absl::StatusOr<std::optional<std::string>> azp = jwt::OptionalString(claims, "azp");
  if (!azp.ok() || (several && !azp->has_value()) ||
      (azp->has_value() && **azp != expect.client_id)) {
    return Refuse("was issued for another authorized party");
  }
  absl::StatusOr<absl::Time> expires = jwt::RequiredNumericDate(claims, "exp");
  if (!expires.ok()) return Refuse("has no valid expiry");
  if (*expires <= now - expect.leeway) return Refuse("has expired");
  absl::StatusOr<absl::Time> issued = jwt::RequiredNumericDate(claims, "iat");
  if (!issued.ok()) return Refuse("has no valid issue time");
  if (*issued > now + expect.leeway) return Refuse("was issued in the future");
  absl::StatusOr<std::optional<absl::Time>> not_before = jwt::OptionalNumericDate(claims, "nbf");
  if (!not_before.ok()) return Refuse("has an invalid not-before time");
  if (not_before->has_value() && **not_before > now + expect.leeway) {
    return Refuse("is not valid yet");
  }
  absl::StatusOr<std::string> nonce = jwt::RequiredString(claims, "nonce");
  if (!nonce.ok() || !crypto::ConstantTimeEquals(*nonce, expect.nonce)) {
    return Refuse("does not belong to this sign-in (nonce mismatch)");
  }
  absl::StatusOr<std::string> subject = jwt::RequiredString(claims, "sub");
  if (!subject.ok() || subject->empty()) return Refuse("names no subject");
  return absl::OkStatus();
}

absl::StatusOr<session::Session> IdentityFromClaims(const boost::json::object& claims,
                                                    std::string_view groups_claim) {
  session::Session identity;
  absl::StatusOr<std::string> subject = jwt::RequiredString(claims, "sub");
  if (!subject.ok() || subject->empty()) return Refuse("names no subject");
  identity.subject = *subject;
  absl::StatusOr<std::optional<std::string>> email = jwt::OptionalString(claims, "email");
  if (!email.ok()) return Refuse("has an email claim that is not a string");
  identity.email = email->value_or("");
  absl::StatusOr<std::optional<std::string>> name = jwt::OptionalString(claims, "name");
  if (!name.ok()) return Refuse("has a name claim that is not a string");
  identity.name = name->value_or("");
  absl::StatusOr<std::vector<std::string>> groups = jwt::OptionalStringList(claims, groups_claim);
  if (!groups.ok()) {
    return Refuse(absl::StrCat("has a \"", std::string(groups_claim),
                               "\" claim (jwt_groups_claim) that is not a list of strings"));
  }
  identity.groups = *std::move(groups);
  return identity;
}

absl::Status MergeUserinfo(const boost::json::object& userinfo, std::string_view groups_claim,
                           session::Session& identity) {
  absl::StatusOr<std::string> subject = jwt::RequiredString(userinfo, "sub");
  if (!subject.ok() || *subject != identity.subject) {
    return absl::UnauthenticatedError(
        "the identity provider's userinfo answer is about another user");
  }
  absl::StatusOr<std::optional<std::string>> email = jwt::OptionalString(userinfo, "email");
  if (identity.email.empty() && email.ok()) identity.email = email->value_or("");
  absl::StatusOr<std::optional<std::string>> name = jwt::OptionalString(userinfo, "name");
  if (identity.name.empty() && name.ok()) identity.name = name->value_or("");
  if (identity.groups.empty()) {
    absl::StatusOr<std::vector<std::string>> groups =
        jwt::OptionalStringList(userinfo, groups_claim);
    if (groups.ok()) identity.groups = *std::move(groups);
  }
  return absl::OkStatus();
}

}  // namespace postern::authenticate
