#include "common/session/session.h"

#include <array>
#include <utility>

#include "absl/status/status.h"
#include "boost/json/object.hpp"
#include "common/crypto/base64.h"
#include "common/crypto/random.h"
#include "common/jwt/claims.h"
#include "common/jwt/jws.h"
#include "common/log/log.h"
#include "common/session/validity_window.h"

namespace postern::session {
namespace {

namespace json = boost::json;

// Claims that belong to the format; an extra IdP claim may not replace them.
constexpr std::array<std::string_view, 10> kRegisteredClaims = {
    "iss", "sub", "aud", "exp", "nbf", "iat", "jti", "email", "name", "groups"};

bool IsRegistered(std::string_view name) {
  for (std::string_view registered : kRegisteredClaims) {
    if (name == registered) return true;
  }
  return false;
}

std::string_view SecretView(absl::Span<const uint8_t> secret) {
  return std::string_view(reinterpret_cast<const char*>(secret.data()), secret.size());
}

json::array StringArray(const std::vector<std::string>& values) {
  json::array array;
  array.reserve(values.size());
  for (const std::string& value : values) array.emplace_back(value);
  return array;
}

std::string NewTokenId() {
  absl::StatusOr<std::string> bytes = crypto::RandomBytes(16);
  if (!bytes.ok()) log::Fatal("cannot mint a session token: %s", bytes.status().ToString());
  return crypto::Base64UrlEncode(*bytes);
}

absl::Status Refused(const char* reason) { return absl::UnauthenticatedError(reason); }

}  // namespace

std::string MintSessionToken(const Session& session, absl::Span<const uint8_t> secret) {
  if (secret.size() < kMinSecretSize) {
    log::Fatal("MintSessionToken: the shared secret has %d bytes; at least %d are required",
               secret.size(), kMinSecretSize);
  }
  json::object claims;
  claims["iss"] = session.issuer.empty() ? kSessionIssuer : std::string_view(session.issuer);
  claims["sub"] = session.subject;
  claims["aud"] =
      session.audience.empty() ? kDefaultSessionAudience : std::string_view(session.audience);
  claims["email"] = session.email;
  claims["name"] = session.name;
  claims["groups"] = StringArray(session.groups);
  claims["iat"] = absl::ToUnixSeconds(session.issued_at);
  claims["exp"] = absl::ToUnixSeconds(session.expires_at);
  claims["jti"] = session.id.empty() ? NewTokenId() : session.id;
  for (const auto& [name, values] : session.claims) {
    if (!IsRegistered(name)) claims[name] = StringArray(values);
  }
  return jwt::SignHs256(claims, SecretView(secret));
}

absl::StatusOr<Session> VerifySessionToken(std::string_view token, absl::Span<const uint8_t> secret,
                                           absl::Time now, std::string_view expected_audience) {
  if (secret.size() < kMinSecretSize) {
    return absl::FailedPreconditionError("the shared secret must decode to at least 32 bytes");
  }
  absl::StatusOr<json::object> claims = jwt::VerifyHs256(token, SecretView(secret));
  if (!claims.ok()) return claims.status();

  absl::StatusOr<IssuedAndExpiry> window = CheckValidityWindow(*claims, now, "session");
  if (!window.ok()) return window.status();
  if (!jwt::AudienceContains(*claims, expected_audience)) {
    return Refused("session is for another audience");
  }

  Session session;
  session.issued_at = window->issued_at;
  session.expires_at = window->expires_at;
  session.audience = std::string(expected_audience);

  absl::StatusOr<std::string> subject = jwt::RequiredString(*claims, "sub");
  if (!subject.ok()) return subject.status();
  if (subject->empty()) return Refused("session subject (\"sub\") is empty");
  session.subject = *std::move(subject);
  absl::StatusOr<std::string> issuer = jwt::RequiredString(*claims, "iss");
  if (!issuer.ok()) return issuer.status();
  session.issuer = *std::move(issuer);
  absl::StatusOr<std::string> id = jwt::RequiredString(*claims, "jti");
  if (!id.ok()) return id.status();
  session.id = *std::move(id);
  absl::StatusOr<std::optional<std::string>> email = jwt::OptionalString(*claims, "email");
  if (!email.ok()) return email.status();
  session.email = email->value_or("");
  absl::StatusOr<std::optional<std::string>> name = jwt::OptionalString(*claims, "name");
  if (!name.ok()) return name.status();
  session.name = name->value_or("");
  absl::StatusOr<std::vector<std::string>> groups = jwt::OptionalStringList(*claims, "groups");
  if (!groups.ok()) return groups.status();
  session.groups = *std::move(groups);

  for (const auto& [key, value] : *claims) {
    const std::string_view name_view(key.data(), key.size());
    if (IsRegistered(name_view)) continue;
    absl::StatusOr<std::vector<std::string>> values = jwt::ValueAsStrings(value);
    if (!values.ok()) return Refused("session has a claim that is not a string list");
    session.claims.emplace(std::string(name_view), *std::move(values));
  }
  return session;
}

absl::StatusOr<absl::Time> ReadExpiryUnverified(std::string_view token) {
  absl::StatusOr<json::object> claims = jwt::DecodeUnverifiedClaims(token);
  if (!claims.ok()) return claims.status();
  return jwt::RequiredNumericDate(*claims, "exp");
}

}  // namespace postern::session
