#include "common/session/service_token.h"

#include "boost/json/object.hpp"
#include "common/crypto/base64.h"
#include "common/crypto/random.h"
#include "common/jwt/claims.h"
#include "common/jwt/jws.h"
#include "common/log/log.h"
#include "common/session/session.h"
#include "common/session/validity_window.h"

namespace postern::session {
namespace {

std::string_view SecretView(absl::Span<const uint8_t> secret) {
  return std::string_view(reinterpret_cast<const char*>(secret.data()), secret.size());
}

}  // namespace

std::string MintServiceToken(absl::Span<const uint8_t> secret, absl::Time now,
                             absl::Duration lifetime) {
  if (secret.size() < kMinSecretSize) {
    log::Fatal("MintServiceToken: the shared secret has %d bytes; at least %d are required",
               secret.size(), kMinSecretSize);
  }
  absl::StatusOr<std::string> id = crypto::RandomBytes(16);
  if (!id.ok()) log::Fatal("cannot mint a service token: %s", id.status().ToString());
  boost::json::object claims;
  claims["iss"] = kServiceTokenIssuer;
  claims["aud"] = kServiceTokenAudience;
  claims["iat"] = absl::ToUnixSeconds(now);
  claims["exp"] = absl::ToUnixSeconds(now + lifetime);
  claims["jti"] = crypto::Base64UrlEncode(*id);
  return jwt::SignHs256(claims, SecretView(secret));
}

absl::Status VerifyServiceToken(std::string_view token, absl::Span<const uint8_t> secret,
                                absl::Time now) {
  return VerifyServiceTokenExpiry(token, secret, now).status();
}

absl::StatusOr<absl::Time> VerifyServiceTokenExpiry(std::string_view token,
                                                    absl::Span<const uint8_t> secret,
                                                    absl::Time now) {
  if (secret.size() < kMinSecretSize) {
    return absl::FailedPreconditionError("the shared secret must decode to at least 32 bytes");
  }
  absl::StatusOr<boost::json::object> claims = jwt::VerifyHs256(token, SecretView(secret));
  if (!claims.ok()) return claims.status();
  absl::StatusOr<IssuedAndExpiry> window = CheckValidityWindow(*claims, now, "service token");
  if (!window.ok()) return window.status();
  absl::StatusOr<std::string> issuer = jwt::RequiredString(*claims, "iss");
  if (!issuer.ok()) return issuer.status();
  if (*issuer != kServiceTokenIssuer) {
    return absl::UnauthenticatedError("service token has the wrong issuer");
  }
  if (!jwt::AudienceContains(*claims, kServiceTokenAudience)) {
    return absl::UnauthenticatedError("service token has the wrong audience");
  }
  absl::StatusOr<std::string> id = jwt::RequiredString(*claims, "jti");
  if (!id.ok()) return id.status();
  return window->expires_at;
}

}  // namespace postern::session
