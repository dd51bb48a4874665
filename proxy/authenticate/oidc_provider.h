// The proxy's OpenID provider, as the relying party sees it: discovery
// (cached), the authorization request URL, and redeeming a code into a
// verified identity (token request, id_token signature and claims, userinfo
// when the email is missing).
//
//   OidcProvider provider(settings, http_client);
//   absl::StatusOr<std::string> go = co_await provider.AuthorizationUrl(state, sealed_state);
//   ... the browser comes back with ?code=...
//   absl::StatusOr<session::Session> who = co_await provider.Redeem(code, state);
#ifndef POSTERN_PROXY_AUTHENTICATE_OIDC_PROVIDER_H_
#define POSTERN_PROXY_AUTHENTICATE_OIDC_PROVIDER_H_

#include <boost/asio/awaitable.hpp>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/http/http_client.h"
#include "common/session/session.h"
#include "proxy/authenticate/jwks_cache.h"
#include "proxy/authenticate/login_state.h"
#include "proxy/authenticate/provider_metadata.h"
#include "proxy/authenticate/token_endpoint.h"

namespace postern::authenticate {

struct OidcSettings {
  std::string issuer_url;           // idp_provider_url
  ClientCredentials credentials;    // the method is replaced by what discovery says
  std::vector<std::string> scopes;  // "openid" is added if missing
  std::string redirect_uri;         // <authenticate_service_url>/oauth2/callback
  std::string groups_claim = "groups";
  // Each call to the provider (discovery, JWKS, token, userinfo) ends after this.
  absl::Duration timeout = absl::Seconds(10);
  // Discovery is fetched again after this; a failed refresh keeps the old one.
  absl::Duration metadata_lifetime = absl::Hours(1);
  absl::Duration jwks_min_refetch_interval = absl::Seconds(10);
};

// OidcProvider is thread-safe; its caches are shared by all callers. It
// must outlive the coroutines that call it.
class OidcProvider {
 public:
  OidcProvider(OidcSettings settings, std::shared_ptr<http::HttpClient> client);

  // AuthorizationUrl returns the provider's authorization endpoint with the
  // code flow's parameters: response_type=code, client_id, redirect_uri,
  // scope, state (`sealed_state`), nonce and the PKCE S256 challenge of
  // `state`. Errors are those of discovery (see Redeem).
  boost::asio::awaitable<absl::StatusOr<std::string>> AuthorizationUrl(
      const LoginState& state, std::string_view sealed_state);

  // Redeem exchanges `code` (with the state's PKCE verifier) at the token
  // endpoint, verifies the id_token (signature against the provider's keys,
  // iss, aud, azp, exp, iat, nbf, nonce of `state`), and returns the
  // identity: subject, email, name, groups. When the id_token has no email,
  // the userinfo endpoint is asked; a login without an email fails. Errors,
  // each a sentence fragment fit to show the user ("the ID token has
  // expired"):
  // - kDeadlineExceeded: the provider did not answer within the timeout;
  // - kUnavailable: the provider could not be reached or answered nonsense
  //   (discovery, keys, token endpoint);
  // - kPermissionDenied: the provider refused the code, or gave no email;
  // - kUnauthenticated: the id_token failed a check.
  boost::asio::awaitable<absl::StatusOr<session::Session>> Redeem(std::string code,
                                                                  const LoginState& state);

 private:
  boost::asio::awaitable<absl::StatusOr<ProviderMetadata>> Metadata();
  boost::asio::awaitable<absl::StatusOr<http::HttpResponse>> Call(http::HttpRequest request,
                                                                  std::string_view what);
  boost::asio::awaitable<absl::StatusOr<std::string>> FetchJwks();

  const OidcSettings settings_;
  const std::shared_ptr<http::HttpClient> client_;
  JwksCache jwks_;
  std::mutex
      mutex_;  // guards the two below; std::, not absl::Mutex, so a --config=tsan run sees it
  std::optional<ProviderMetadata> metadata_;
  absl::Time metadata_expiry_ = absl::InfinitePast();
};

}  // namespace postern::authenticate

#endif  // POSTERN_PROXY_AUTHENTICATE_OIDC_PROVIDER_H_
