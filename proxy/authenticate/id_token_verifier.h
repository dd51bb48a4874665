// The claim checks an OpenID Connect relying party makes on an id_token
// whose signature has been verified (OpenID Connect Core 1.0 section
// 3.1.3.7), and the identity Postern takes from it.
//
//   absl::StatusOr<boost::json::object> claims = co_await jwks.Verify(id_token, now);
//   absl::Status ok = CheckIdTokenClaims(*claims, {.issuer = provider.issuer,
//                                                  .client_id = "postern",
//                                                  .nonce = state.nonce}, now);
//   absl::StatusOr<session::Session> who = IdentityFromClaims(*claims, "groups");
#ifndef POSTERN_PROXY_AUTHENTICATE_ID_TOKEN_VERIFIER_H_
#define POSTERN_PROXY_AUTHENTICATE_ID_TOKEN_VERIFIER_H_

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "boost/json/object.hpp"
#include "common/session/session.h"

namespace postern::authenticate {

// Provider clocks drift; DESIGN.md allows an id_token this much either way.
inline constexpr absl::Duration kIdTokenLeeway = absl::Seconds(60);

struct IdTokenExpectations {
  std::string issuer;     // the discovery document's "issuer", exactly
  std::string client_id;  // idp_client_id
  std::string nonce;      // the one sent with this login's authorization request
  absl::Duration leeway = kIdTokenLeeway;
};

// CheckIdTokenClaims checks, in order: "iss" equals expect.issuer; "aud" is
// expect.client_id or a list holding it; "azp", if present (required when
// "aud" lists several audiences), is expect.client_id; "exp" is after
// now - leeway; "iat" is not after now + leeway; "nbf", if present, is not
// after now + leeway; "nonce" equals expect.nonce (constant time); "sub" is
// a non-empty string. kUnauthenticated with one clause naming the failed
// check ("the ID token has expired"); never a claim value.
absl::Status CheckIdTokenClaims(const boost::json::object& claims,
                                const IdTokenExpectations& expect, absl::Time now);

// IdentityFromClaims fills subject, email, name and groups of a Session from
// checked claims: "sub", "email" and "name" (strings, the latter two
// optional) and `groups_claim` (absent, a string, or a list of strings;
// jwt_groups_claim). Times, id, issuer and audience are left for the caller.
// kUnauthenticated if a present claim has the wrong type.
absl::StatusOr<session::Session> IdentityFromClaims(const boost::json::object& claims,
                                                    std::string_view groups_claim);

// MergeUserinfo completes `identity` from a userinfo response (OpenID
// Connect Core section 5.3): only if its "sub" equals identity.subject
// (otherwise kUnauthenticated, since the answer is about someone else), it
// fills an empty email or name, and groups when the id_token had none.
absl::Status MergeUserinfo(const boost::json::object& userinfo, std::string_view groups_claim,
                           session::Session& identity);

}  // namespace postern::authenticate

#endif  // POSTERN_PROXY_AUTHENTICATE_ID_TOKEN_VERIFIER_H_
