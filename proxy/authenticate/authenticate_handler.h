// The proxy's login endpoints: what its listener calls for every request
// that is not a CONNECT and whose path Handles() claims.
//
//   GET  /.pomerium/api/v1/login?pomerium_redirect_uri=http://127.0.0.1:PORT/
//        -> 200 text/plain: the sign-in URL for the user's browser (the CLI opens it)
//   GET  /.pomerium/sign_in?state=...
//        -> 302 to the CLI with ?pomerium_jwt=<session> if the browser session cookie is
//           still good, else 302 to the OpenID provider (code flow, PKCE S256, state, nonce)
//   GET  /oauth2/callback?state=...&code=...   (the redirect URI registered at the provider)
//        -> 302 to the CLI's redirect URI with ?pomerium_jwt=<session>, setting the
//           browser session cookie; or an error page that says what went wrong
//   GET|POST /.pomerium/sign_out -> 200, browser session cookie deleted
//
//   absl::StatusOr<std::shared_ptr<AuthenticateHandler>> handler =
//       AuthenticateHandler::Create(*config, {.authenticate_service_url = real_url});
//   if (AuthenticateHandler::Handles(target)) {
//     AuthenticateResponse answer =
//         co_await (*handler)->Handle({.method = "GET", .target = target, .cookie = cookies});
//     co_await Write(stream, SerializeResponse(answer));   // authenticate_http.h
//   }
//
// Nothing about a login is kept in the process: the state travels sealed in
// the URLs and in cookies, so any replica with the same shared_secret (and
// cookie_secret) can finish a login another one started.
#ifndef POSTERN_PROXY_AUTHENTICATE_AUTHENTICATE_HANDLER_H_
#define POSTERN_PROXY_AUTHENTICATE_AUTHENTICATE_HANDLER_H_

#include <boost/asio/awaitable.hpp>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/config/config.h"
#include "common/tls/client_context.h"
#include "proxy/authenticate/login_state.h"
#include "proxy/authenticate/session_cookie.h"

namespace postern::authenticate {

class OidcProvider;

struct AuthenticateRequest {
  std::string method;  // "GET", "POST", ...
  // The request-target as received, in origin form: "/oauth2/callback?code=...".
  std::string target;
  // Every Cookie header's value, joined with "; "; empty if none.
  std::string cookie;
};

struct AuthenticateResponse {
  int status = 200;
  // In order; a name may repeat (Set-Cookie). Always Content-Type and
  // Cache-Control: no-store; Location on redirects. No Content-Length or
  // Connection: the writer adds those (see SerializeResponse).
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  // Header returns the first value of `name` (exact spelling), or "".
  std::string Header(std::string_view name) const;
};

struct AuthenticateOptions {
  // The proxy's external URL, overriding config.authenticate_service_url
  // (e.g. "https://127.0.0.1:<port>" once a proxy configured with port 0 has
  // bound; see Config::authenticate_service_url_is_default). Empty: config's.
  std::string authenticate_service_url;
  // Whom to trust for https to the provider. Default: the system trust store.
  tls::ClientOptions provider_tls;
  // Each request to the provider ends after this (a "slow" provider becomes
  // a clear error page instead of a hanging browser).
  absl::Duration provider_timeout = absl::Seconds(10);
  absl::Duration jwks_min_refetch_interval = absl::Seconds(10);
};

// AuthenticateHandler is immutable apart from its provider caches and is
// thread-safe: one instance serves every worker thread. Build a new one for
// a new config snapshot. Handle keeps the handler alive while it runs.
class AuthenticateHandler : public std::enable_shared_from_this<AuthenticateHandler> {
 public:
  // Create prepares the endpoints from `config`. Requires shared_secret, and
  // idp_provider_url, idp_client_id and idp_client_secret (else
  // kFailedPrecondition naming the missing keys: that proxy cannot offer
  // browser login), an http(s) authenticate service URL without path or
  // query (kInvalidArgument), and a usable provider_tls (its error).
  // Contacts nothing: discovery happens on the first sign-in.
  static absl::StatusOr<std::shared_ptr<AuthenticateHandler>> Create(
      const config::Config& config, AuthenticateOptions options = {});

  ~AuthenticateHandler();

  // Handles reports whether a request for `target` belongs here: the four
  // endpoints above and anything else under /.pomerium/ (answered 404).
  static bool Handles(std::string_view target);

  // Handle answers one request; never fails (problems are error pages: one
  // sentence of text/plain saying what went wrong, never a secret or token)
  // and never throws. Runs on the awaiting coroutine's executor. May take as
  // long as the provider calls it makes (each bounded by provider_timeout).
  boost::asio::awaitable<AuthenticateResponse> Handle(AuthenticateRequest request);

  // The external URL the sign-in links use, without a trailing slash.
  const std::string& authenticate_service_url() const { return service_url_; }

 private:
  struct Settings;
  AuthenticateHandler(std::shared_ptr<const Settings> settings,
                      std::unique_ptr<OidcProvider> provider);

  boost::asio::awaitable<AuthenticateResponse> Dispatch(const AuthenticateRequest& request);
  AuthenticateResponse Login(std::string_view query);
  boost::asio::awaitable<AuthenticateResponse> SignIn(std::string_view query,
                                                      std::string_view cookie);
  boost::asio::awaitable<AuthenticateResponse> Callback(std::string_view query,
                                                        std::string_view cookie);
  AuthenticateResponse SignOut();
  AuthenticateResponse SessionForCli(const session::Session& identity, const LoginState& state,
                                     std::vector<std::string> set_cookies);

  const std::shared_ptr<const Settings> settings_;
  const std::string service_url_;
  const std::unique_ptr<OidcProvider> provider_;
  const LoginStateCodec login_states_;
  const SessionCookieCodec session_cookies_;
};

}  // namespace postern::authenticate

#endif  // POSTERN_PROXY_AUTHENTICATE_AUTHENTICATE_HANDLER_H_
