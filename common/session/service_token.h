// The service token: how postern-proxy proves to postern-authorize that a
// gRPC call comes from a replica that holds the shared secret (DESIGN.md,
// "Proxy to authorize"). Short-lived, minted per call (or reused for a few
// seconds), carried in call metadata.
//
//   std::string token = MintServiceToken(shared_secret, absl::Now());
//   ...
//   absl::Status ok = VerifyServiceToken(token, shared_secret, absl::Now());
//
// HS256 with the same secret as sessions, kept apart from them by its fixed
// audience: a session token is never a valid service token, and a service
// token is never a valid session.
#ifndef POSTERN_COMMON_SESSION_SERVICE_TOKEN_H_
#define POSTERN_COMMON_SESSION_SERVICE_TOKEN_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"

namespace postern::session {

inline constexpr std::string_view kServiceTokenIssuer = "postern-proxy";
inline constexpr std::string_view kServiceTokenAudience = "postern-authorize";
inline constexpr absl::Duration kServiceTokenLifetime = absl::Seconds(60);

// MintServiceToken returns a token with iss kServiceTokenIssuer, aud
// kServiceTokenAudience, iat `now`, exp `now + lifetime`, and a random jti.
// `secret` must be at least kMinSecretSize bytes (aborts otherwise, as
// MintSessionToken). Thread-safe.
std::string MintServiceToken(absl::Span<const uint8_t> secret, absl::Time now,
                             absl::Duration lifetime = kServiceTokenLifetime);

// VerifyServiceToken returns OK if `token` is a service token made with
// `secret` and valid at `now`, with the same strictness as sessions: HS256
// only, exp strict, iat/nbf at most 60 s ahead, iss and aud exactly the
// constants above, jti present. Failures are kUnauthenticated (short reason,
// never the token); a short secret is kFailedPrecondition. Thread-safe.
absl::Status VerifyServiceToken(std::string_view token, absl::Span<const uint8_t> secret,
                                absl::Time now);

// VerifyServiceTokenExpiry is VerifyServiceToken that also returns the
// token's `exp`, so a verifier may remember the token until then.
absl::StatusOr<absl::Time> VerifyServiceTokenExpiry(std::string_view token,
                                                    absl::Span<const uint8_t> secret,
                                                    absl::Time now);

}  // namespace postern::session

#endif  // POSTERN_COMMON_SESSION_SERVICE_TOKEN_H_
