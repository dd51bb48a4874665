// The Postern session token: who a user is, for how long, as a compact JWS
// that the proxy mints after login and that the proxy and the authorize
// service verify on every tunnel (DESIGN.md, "Session JWT").
//
//   Session session{.subject = "u1", .email = "a@example.com", .groups = {"eng"},
//                   .issued_at = now, .expires_at = now + absl::Hours(14)};
//   std::string token = MintSessionToken(session, shared_secret);
//   ...
//   absl::StatusOr<Session> verified =
//       VerifySessionToken(token, shared_secret, absl::Now(), kDefaultSessionAudience);
//   if (!verified.ok()) { /* kUnauthenticated: send the user to log in */ }
//
// Format: HS256 keyed with the shared secret's decoded bytes (at least 32);
// claims iss, aud, sub, email, name, groups (list), iat, exp, jti, plus each
// extra IdP claim as a top-level list of strings. Keeps Boost out of this
// header: every binary includes it.
#ifndef POSTERN_COMMON_SESSION_SESSION_H_
#define POSTERN_COMMON_SESSION_SESSION_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"

namespace postern::session {

// "iss" of sessions: the proxy mints them. Verification requires an "iss"
// but does not pin it: the shared secret is what makes a token trusted, and
// the audience says what it is for.
inline constexpr std::string_view kSessionIssuer = "postern-proxy";

// "aud" of sessions until the proxy passes its own (e.g. the host of
// authenticate_service_url). Never the service-token audience.
inline constexpr std::string_view kDefaultSessionAudience = "postern";

// The shared secret must decode to at least this many bytes (HS256 keys
// shorter than the hash are weak, RFC 7518 section 3.2).
inline constexpr size_t kMinSecretSize = 32;

// Session is the identity a token carries. Times have whole-second precision
// in the token; MintSessionToken rounds down.
struct Session {
  std::string subject;  // "sub": the IdP's stable user id; never empty in a valid session
  std::string email;    // may be empty
  std::string name;     // may be empty
  std::vector<std::string> groups;
  // Extra IdP claims for policy (`claim/dept`), name -> values. Names that
  // are claims of the format itself (iss, sub, aud, exp, nbf, iat, jti,
  // email, name, groups) are never taken from here.
  std::map<std::string, std::vector<std::string>> claims;
  absl::Time issued_at;
  absl::Time expires_at;
  std::string id;        // "jti"; MintSessionToken makes a random one if empty
  std::string issuer;    // "iss"; MintSessionToken uses kSessionIssuer if empty
  std::string audience;  // "aud"; MintSessionToken uses kDefaultSessionAudience if empty

  bool operator==(const Session&) const = default;
};

// AsSecret views decoded secret bytes (e.g. from crypto::Base64Decode) as the
// span the functions below take.
inline absl::Span<const uint8_t> AsSecret(std::string_view bytes) {
  return absl::MakeConstSpan(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
}

// MintSessionToken returns the signed token for `session`. `secret` must be
// at least kMinSecretSize bytes, and the random generator must work; either
// failing is a broken invariant (config validation checks the secret) and
// aborts rather than issue a weak token. Thread-safe.
std::string MintSessionToken(const Session& session, absl::Span<const uint8_t> secret);

// VerifySessionToken returns the session in `token` if it is valid at `now`:
// signature first (HS256 only), then exp strictly before now (else
// "session expired"), iat and nbf no more than 60 s after now (clock skew),
// aud equal to or containing `expected_audience`, and the claims present with
// their types (sub a non-empty string, iss and jti strings, email and name
// strings if present, groups a list of strings, extra claims strings,
// numbers, booleans or lists of them). Every failure is kUnauthenticated
// with a short reason that never includes the token; a secret shorter than
// kMinSecretSize is kFailedPrecondition. The returned audience is
// `expected_audience`. Thread-safe.
absl::StatusOr<Session> VerifySessionToken(std::string_view token, absl::Span<const uint8_t> secret,
                                           absl::Time now, std::string_view expected_audience);

// ReadExpiryUnverified returns the "exp" of `token` WITHOUT verifying
// anything else. For the CLI, which holds no secret and only wants to skip
// cached tokens that have certainly expired; never a basis for access. Any
// error means "not a usable token".
absl::StatusOr<absl::Time> ReadExpiryUnverified(std::string_view token);

}  // namespace postern::session

#endif  // POSTERN_COMMON_SESSION_SESSION_H_
