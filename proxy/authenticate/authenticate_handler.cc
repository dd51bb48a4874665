#include "proxy/authenticate/authenticate_handler.h"

#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/crypto/base64.h"
#include "common/crypto/digest.h"
#include "common/crypto/hkdf.h"
#include "common/crypto/random.h"
#include "common/http/form_encoding.h"
#include "common/http/http_client.h"
#include "common/http/web_url.h"
#include "common/log/log.h"
#include "common/session/session.h"
#include "proxy/authenticate/cookies.h"
#include "proxy/authenticate/oidc_provider.h"
#include "proxy/authenticate/redirect_whitelist.h"
#include "proxy/authenticate/token_endpoint.h"

namespace postern::authenticate {
namespace {

namespace asio = boost::asio;

constexpr char kLoginPath[] = "/.pomerium/api/v1/login";
constexpr char kSignInPath[] = "/.pomerium/sign_in";
constexpr char kCallbackPath[] = "/oauth2/callback";
constexpr char kSignOutPath[] = "/.pomerium/sign_out";
constexpr char kPomeriumPrefix[] = "/.pomerium/";
// One cookie per login attempt, named after its id, so that two logins
// running at once in one browser do not undo each other. With Secure
// cookies the name has the "__Host-" prefix (see kSecureSessionCookieName):
// a tossed-in cookie would let an attacker bind the browser to the
// attacker's own sign-in answer.
constexpr char kLoginCookiePrefix[] = "_postern_login_";
constexpr char kSecureLoginCookiePrefix[] = "__Host-postern_login_";

using Fields = std::vector<std::pair<std::string, std::string>>;

std::pair<std::string_view, std::string_view> SplitTarget(std::string_view target) {
  const size_t question = target.find('?');
  if (question == std::string_view::npos) return {target, {}};
  return {target.substr(0, question), target.substr(question + 1)};
}

// The one value of parameter `name`: nullopt if absent, and also if it
// repeats (`*repeated` set), since two states or codes can only be a trick.
std::optional<std::string> Single(const Fields& fields, std::string_view name, bool* repeated) {
  std::optional<std::string> value;
  for (const auto& [key, v] : fields) {
    if (key != name) continue;
    if (value.has_value()) {
      *repeated = true;
      return std::nullopt;
    }
    value = v;
  }
  return value;
}

AuthenticateResponse Page(int status, std::string body) {
  AuthenticateResponse response;
  response.status = status;
  response.headers = {
      {"Content-Type", "text/plain; charset=utf-8"},
      {"Cache-Control", "no-store"},
      {"Pragma", "no-cache"},
      {"X-Content-Type-Options", "nosniff"},
      {"X-Frame-Options", "DENY"},
      // The sign-in URLs carry states and codes, the CLI redirect a token:
      // none of that may leak to the next site in a Referer.
      {"Referrer-Policy", "no-referrer"},
  };
  response.body = std::move(body);
  return response;
}

// An error page: one sentence saying what went wrong.
AuthenticateResponse ErrorPage(int status, std::string_view sentence) {
  return Page(status, absl::StrCat(std::string(sentence), "\n"));
}

AuthenticateResponse Redirect(std::string location, std::vector<std::string> set_cookies) {
  AuthenticateResponse response = Page(302, "");
  response.headers.emplace_back("Location", std::move(location));
  for (std::string& cookie : set_cookies)
    response.headers.emplace_back("Set-Cookie", std::move(cookie));
  return response;
}

AuthenticateResponse MethodNotAllowed(std::string_view allow) {
  AuthenticateResponse response =
      ErrorPage(405, absl::StrCat("This endpoint only accepts ", std::string(allow), "."));
  response.headers.emplace_back("Allow", std::string(allow));
  return response;
}

// Status of a failed provider step -> the page the browser shows.
AuthenticateResponse SignInFailed(const absl::Status& status) {
  int code = 500;
  switch (status.code()) {
    case absl::StatusCode::kDeadlineExceeded:
      code = 504;
      break;
    case absl::StatusCode::kUnavailable:
      code = 502;
      break;
    case absl::StatusCode::kPermissionDenied:
    case absl::StatusCode::kUnauthenticated:
      code = 403;
      break;
    default:
      break;
  }
  log::Warn("login failed: %s", std::string(status.message()));
  return ErrorPage(code, absl::StrCat("Sign-in failed: ", status.message(), "."));
}

std::string LoginCookieName(const LoginState& state, bool secure) {
  return absl::StrCat(secure ? kSecureLoginCookiePrefix : kLoginCookiePrefix, state.id);
}

std::string_view SessionCookieName(bool secure) {
  return secure ? kSecureSessionCookieName : kSessionCookieName;
}

absl::StatusOr<std::string> DeriveKey(std::string_view secret, std::string_view purpose) {
  return crypto::HkdfSha256(secret, /*salt=*/"", purpose, 32);
}

}  // namespace

struct AuthenticateHandler::Settings {
  std::string service_url;
  std::vector<std::string> whitelist;
  std::string shared_secret;
  absl::Duration cookie_expire;
  bool secure_cookies = true;
  std::string login_state_key;     // from shared_secret: every replica has it
  std::string session_cookie_key;  // from cookie_secret, else shared_secret
};

std::string AuthenticateResponse::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (key == name) return value;
  }
  return "";
}

absl::StatusOr<std::shared_ptr<AuthenticateHandler>> AuthenticateHandler::Create(
    const config::Config& config, AuthenticateOptions options) {
  std::vector<std::string> missing;
  if (config.shared_secret.size() < session::kMinSecretSize) missing.push_back("shared_secret");
  if (config.idp_provider_url.empty()) missing.push_back("idp_provider_url");
  if (config.idp_client_id.empty()) missing.push_back("idp_client_id");
  if (config.idp_client_secret.empty()) missing.push_back("idp_client_secret");
  if (!missing.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("browser login needs ", absl::StrJoin(missing, ", "), " in ",
                     config.file_name.empty() ? "the config" : config.file_name));
  }
  const std::string& url_text = options.authenticate_service_url.empty()
                                    ? config.authenticate_service_url
                                    : options.authenticate_service_url;
  absl::StatusOr<http::WebUrl> url = http::ParseWebUrl(url_text);
  if (!url.ok() || url->path != "/" || url->has_query) {
    return absl::InvalidArgumentError(
        "authenticate_service_url must be an http(s) URL with no path or query, such as "
        "https://proxy.example.com:8443");
  }

  auto settings = std::make_shared<Settings>();
  settings->service_url = absl::StrCat(url->https ? "https://" : "http://", url->Authority());
  settings->whitelist = config.programmatic_redirect_domain_whitelist;
  settings->shared_secret = config.shared_secret;
  settings->cookie_expire = config.cookie_expire;
  settings->secure_cookies = url->https;
  absl::StatusOr<std::string> state_key = DeriveKey(config.shared_secret, "postern login state v1");
  absl::StatusOr<std::string> cookie_key =
      config.cookie_secret.has_value() ? absl::StatusOr<std::string>(*config.cookie_secret)
                                       : DeriveKey(config.shared_secret, "postern cookie v1");
  if (!state_key.ok()) return state_key.status();
  if (!cookie_key.ok()) return cookie_key.status();
  absl::StatusOr<std::string> session_cookie_key =
      DeriveKey(*cookie_key, "postern session cookie v1");
  if (!session_cookie_key.ok()) return session_cookie_key.status();
  settings->login_state_key = *std::move(state_key);
  settings->session_cookie_key = *std::move(session_cookie_key);

  absl::StatusOr<std::shared_ptr<http::HttpClient>> client =
      http::HttpClient::Create(options.provider_tls);
  if (!client.ok()) return client.status();
  OidcSettings oidc{
      .issuer_url = config.idp_provider_url,
      .credentials = {.client_id = config.idp_client_id, .client_secret = config.idp_client_secret},
      .scopes = config.idp_scopes,
      .redirect_uri = absl::StrCat(settings->service_url, kCallbackPath),
      .groups_claim = config.jwt_groups_claim,
      .timeout = options.provider_timeout,
      .jwks_min_refetch_interval = options.jwks_min_refetch_interval,
  };
  auto provider = std::make_unique<OidcProvider>(std::move(oidc), *std::move(client));
  return std::shared_ptr<AuthenticateHandler>(
      new AuthenticateHandler(std::move(settings), std::move(provider)));
}

AuthenticateHandler::AuthenticateHandler(std::shared_ptr<const Settings> settings,
                                         std::unique_ptr<OidcProvider> provider)
    : settings_(std::move(settings)),
      service_url_(settings_->service_url),
      provider_(std::move(provider)),
      login_states_(settings_->login_state_key),
      session_cookies_(settings_->session_cookie_key) {}

AuthenticateHandler::~AuthenticateHandler() = default;

bool AuthenticateHandler::Handles(std::string_view target) {
  const std::string_view path = SplitTarget(target).first;
  return path == kCallbackPath || path.starts_with(kPomeriumPrefix);
}

asio::awaitable<AuthenticateResponse> AuthenticateHandler::Handle(AuthenticateRequest request) {
  const std::shared_ptr<AuthenticateHandler> self = shared_from_this();
  try {
    co_return co_await Dispatch(request);
  } catch (const std::exception& e) {
    log::Error("login endpoint %s failed: %s", std::string(SplitTarget(request.target).first),
               e.what());
  }
  co_return ErrorPage(500, "Something went wrong on the proxy; try again.");
}

asio::awaitable<AuthenticateResponse> AuthenticateHandler::Dispatch(
    const AuthenticateRequest& request) {
  const auto [path, query] = SplitTarget(request.target);
  const bool get = request.method == "GET";
  if (path == kSignOutPath) {
    if (!get && request.method != "POST") co_return MethodNotAllowed("GET, POST");
    co_return SignOut();
  }
  if (path != kLoginPath && path != kSignInPath && path != kCallbackPath) {
    co_return ErrorPage(404, "There is no such page on this proxy.");
  }
  if (!get) co_return MethodNotAllowed("GET");
  if (path == kLoginPath) co_return Login(query);
  if (path == kSignInPath) co_return co_await SignIn(query, request.cookie);
  co_return co_await Callback(query, request.cookie);
}

AuthenticateResponse AuthenticateHandler::Login(std::string_view query) {
  absl::StatusOr<Fields> fields = http::FormDecode(query);
  bool repeated = false;
  std::optional<std::string> redirect;
  if (fields.ok()) redirect = Single(*fields, "pomerium_redirect_uri", &repeated);
  if (!redirect.has_value()) {
    return ErrorPage(400, repeated ? "pomerium_redirect_uri must be given only once."
                                   : "pomerium_redirect_uri is required.");
  }
  absl::StatusOr<std::string> cli_redirect =
      CheckProgrammaticRedirect(*redirect, settings_->whitelist);
  if (!cli_redirect.ok()) {
    return ErrorPage(400, absl::StrCat(cli_redirect.status().message(), "."));
  }
  absl::StatusOr<LoginState> state = NewLoginState(*std::move(cli_redirect), absl::Now());
  absl::StatusOr<std::string> sealed =
      state.ok() ? login_states_.Seal(*state, LoginStage::kSignIn) : state.status();
  if (!sealed.ok()) {
    log::Error("cannot start a login: %s", std::string(sealed.status().message()));
    return ErrorPage(500, "The proxy could not start a sign-in; try again.");
  }
  // No trailing newline: clients (pomerium-cli included) parse the body as a URL.
  return Page(200,
              absl::StrCat(service_url_, kSignInPath, "?", http::FormEncode({{"state", *sealed}})));
}

asio::awaitable<AuthenticateResponse> AuthenticateHandler::SignIn(std::string_view query,
                                                                  std::string_view cookie) {
  absl::StatusOr<Fields> fields = http::FormDecode(query);
  bool repeated = false;
  std::optional<std::string> sealed;
  if (fields.ok()) sealed = Single(*fields, "state", &repeated);
  const absl::Time now = absl::Now();
  absl::StatusOr<LoginState> state = sealed.has_value()
                                         ? login_states_.Open(*sealed, LoginStage::kSignIn, now)
                                         : absl::InvalidArgumentError("no state");
  if (!state.ok()) {
    log::Info("sign-in link refused: %s", std::string(state.status().message()));
    co_return ErrorPage(400, state.status().code() == absl::StatusCode::kDeadlineExceeded
                                 ? "This sign-in link has expired; run the command again."
                                 : "This sign-in link is invalid; run the command again.");
  }

  if (std::optional<std::string> value =
          FindCookie(cookie, SessionCookieName(settings_->secure_cookies))) {
    absl::StatusOr<session::Session> identity = session_cookies_.Decode(*value, now);
    if (identity.ok()) {
      log::Info("login: %s <%s> signed in with the browser session", identity->subject,
                identity->email);
      co_return SessionForCli(*identity, *state, {});
    }
    log::Debug("browser session not used: %s", std::string(identity.status().message()));
  }

  absl::StatusOr<std::string> binding = crypto::RandomBytes(16);
  if (!binding.ok()) co_return ErrorPage(500, "The proxy could not start a sign-in; try again.");
  LoginState bound = *state;
  bound.browser_binding = crypto::Base64UrlEncode(*binding);
  absl::StatusOr<std::string> callback_state = login_states_.Seal(bound, LoginStage::kCallback);
  if (!callback_state.ok()) {
    co_return ErrorPage(500, "The proxy could not start a sign-in; try again.");
  }
  absl::StatusOr<std::string> authorize =
      co_await provider_->AuthorizationUrl(bound, *callback_state);
  if (!authorize.ok()) co_return SignInFailed(authorize.status());
  co_return Redirect(
      *std::move(authorize),
      {FormatSetCookie(LoginCookieName(bound, settings_->secure_cookies), bound.browser_binding,
                       bound.expires_at - now, settings_->secure_cookies)});
}

asio::awaitable<AuthenticateResponse> AuthenticateHandler::Callback(std::string_view query,
                                                                    std::string_view cookie) {
  absl::StatusOr<Fields> fields = http::FormDecode(query);
  if (!fields.ok())
    co_return ErrorPage(400, "The sign-in answer is malformed; run the command again.");
  bool repeated = false;
  std::optional<std::string> sealed = Single(*fields, "state", &repeated);
  std::optional<std::string> code = Single(*fields, "code", &repeated);
  std::optional<std::string> error = Single(*fields, "error", &repeated);
  if (repeated) {
    co_return ErrorPage(400, "The sign-in answer repeats a parameter; run the command again.");
  }
  absl::StatusOr<LoginState> state =
      sealed.has_value() ? login_states_.Open(*sealed, LoginStage::kCallback, absl::Now())
                         : absl::InvalidArgumentError("no state");
  if (!state.ok()) {
    log::Info("sign-in answer refused: %s", std::string(state.status().message()));
    co_return ErrorPage(400, state.status().code() == absl::StatusCode::kDeadlineExceeded
                                 ? "This sign-in took too long; run the command again."
                                 : "This sign-in answer is invalid; run the command again.");
  }
  std::optional<std::string> binding =
      FindCookie(cookie, LoginCookieName(*state, settings_->secure_cookies));
  if (!binding.has_value() || !crypto::ConstantTimeEquals(*binding, state->browser_binding)) {
    log::Warn("sign-in answer refused: it arrived in a browser that did not start the sign-in");
    co_return ErrorPage(400,
                        "This sign-in was started in another browser, or the browser did not keep "
                        "its cookie; run the command again.");
  }
  const std::string clear_login_cookie =
      FormatSetCookie(LoginCookieName(*state, settings_->secure_cookies), "", absl::ZeroDuration(),
                      settings_->secure_cookies);
  if (error.has_value()) {
    AuthenticateResponse page = SignInFailed(absl::PermissionDeniedError(
        absl::StrCat("the identity provider refused the sign-in (", OAuthErrorCode(*error), ")")));
    page.headers.emplace_back("Set-Cookie", clear_login_cookie);
    co_return page;
  }
  if (!code.has_value() || code->empty()) {
    co_return ErrorPage(400, "The identity provider's answer has no authorization code.");
  }
  absl::StatusOr<session::Session> identity = co_await provider_->Redeem(*code, *state);
  if (!identity.ok()) {
    AuthenticateResponse page = SignInFailed(identity.status());
    page.headers.emplace_back("Set-Cookie", clear_login_cookie);
    co_return page;
  }
  const absl::Time now = absl::Now();
  identity->issued_at = now;
  identity->expires_at = now + settings_->cookie_expire;
  std::vector<std::string> set_cookies = {clear_login_cookie};
  absl::StatusOr<std::string> browser_session = session_cookies_.Encode(*identity);
  if (browser_session.ok()) {
    set_cookies.push_back(FormatSetCookie(SessionCookieName(settings_->secure_cookies),
                                          *browser_session, settings_->cookie_expire,
                                          settings_->secure_cookies));
  } else {
    log::Info("no browser session for %s: %s", identity->subject,
              std::string(browser_session.status().message()));
  }
  log::Info("login: %s <%s> signed in at the identity provider", identity->subject,
            identity->email);
  co_return SessionForCli(*identity, *state, std::move(set_cookies));
}

AuthenticateResponse AuthenticateHandler::SessionForCli(const session::Session& identity,
                                                        const LoginState& state,
                                                        std::vector<std::string> set_cookies) {
  session::Session session = identity;
  // A session from the browser cookie ends when the cookie does: skipping
  // the provider never extends how long one provider login counts.
  session.issued_at = absl::Now();
  session.id.clear();
  const std::string token =
      session::MintSessionToken(session, session::AsSecret(settings_->shared_secret));
  return Redirect(
      http::AppendQuery(state.cli_redirect_uri, http::FormEncode({{"pomerium_jwt", token}})),
      std::move(set_cookies));
}

AuthenticateResponse AuthenticateHandler::SignOut() {
  AuthenticateResponse page = Page(200, "You are signed out of Postern in this browser.\n");
  page.headers.emplace_back("Set-Cookie",
                            FormatSetCookie(SessionCookieName(settings_->secure_cookies), "",
                                            absl::ZeroDuration(), settings_->secure_cookies));
  return page;
}

}  // namespace postern::authenticate
