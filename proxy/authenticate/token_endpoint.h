// The token request of the authorization code flow (RFC 6749 section 4.1.3,
// with PKCE's code_verifier) and reading its answer.
//
//   http::HttpRequest request = BuildTokenRequest(metadata.token_endpoint, credentials,
//                                                 code, state.code_verifier, redirect_uri);
//   absl::StatusOr<http::HttpResponse> answer = co_await client->Fetch(request, options);
//   absl::StatusOr<TokenResponse> tokens = ParseTokenResponse(*answer);
#ifndef POSTERN_PROXY_AUTHENTICATE_TOKEN_ENDPOINT_H_
#define POSTERN_PROXY_AUTHENTICATE_TOKEN_ENDPOINT_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "common/http/http_client.h"
#include "proxy/authenticate/provider_metadata.h"

namespace postern::authenticate {

struct ClientCredentials {
  std::string client_id;
  std::string client_secret;  // secret: never logged
  ClientAuthMethod method = ClientAuthMethod::kClientSecretBasic;
};

// BuildTokenRequest returns the POST to `token_endpoint` that redeems
// `code`: grant_type, code, redirect_uri (the one the authorization request
// used), code_verifier, and the client's credentials as `credentials.method`
// says (Basic: id and secret form-encoded first, RFC 6749 section 2.3.1).
http::HttpRequest BuildTokenRequest(std::string_view token_endpoint,
                                    const ClientCredentials& credentials, std::string_view code,
                                    std::string_view code_verifier, std::string_view redirect_uri);

struct TokenResponse {
  std::string id_token;
  std::string access_token;  // empty if none, or if not a Bearer token
};

// ParseTokenResponse reads the token endpoint's answer. Errors, none quoting
// a token or the provider's free-text description:
// - kPermissionDenied "the identity provider refused to redeem the sign-in
//   code (invalid_grant)": an RFC 6749 section 5.2 error answer;
// - kUnavailable: another status, a body that is not a JSON object, or no
//   id_token in it.
absl::StatusOr<TokenResponse> ParseTokenResponse(const http::HttpResponse& response);

// OAuthErrorCode returns `code` if it looks like an OAuth error code (1 to 64
// of [A-Za-z0-9_.-]), else "unknown_error": the only provider-chosen text
// Postern shows users.
std::string OAuthErrorCode(std::string_view code);

}  // namespace postern::authenticate

#endif  // POSTERN_PROXY_AUTHENTICATE_TOKEN_ENDPOINT_H_
