// PKCE (RFC 7636) for the authorization code flow: the proxy keeps a random
// code verifier (sealed in the login state) and sends its S256 challenge to
// the provider, so a stolen authorization code is useless without it.
//
//   absl::StatusOr<std::string> verifier = NewCodeVerifier();
//   authorize_url += "&code_challenge=" + CodeChallengeS256(*verifier) +
//                    "&code_challenge_method=S256";
//   ... later, at the token endpoint: code_verifier=<verifier>
#ifndef POSTERN_PROXY_AUTHENTICATE_PKCE_H_
#define POSTERN_PROXY_AUTHENTICATE_PKCE_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace postern::authenticate {

// NewCodeVerifier returns 32 random bytes in base64url without padding: 43
// characters from the unreserved set, 256 bits of entropy (RFC 7636 section
// 4.1's recommendation). kInternal if the random generator fails.
absl::StatusOr<std::string> NewCodeVerifier();

// CodeChallengeS256 returns BASE64URL(SHA256(ASCII(verifier))) without
// padding (RFC 7636 section 4.2).
std::string CodeChallengeS256(std::string_view verifier);

}  // namespace postern::authenticate

#endif  // POSTERN_PROXY_AUTHENTICATE_PKCE_H_
