#include "proxy/authenticate/oidc_provider.h"

#include <algorithm>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "boost/json/object.hpp"
#include "common/http/form_encoding.h"
#include "common/http/web_url.h"
#include "proxy/authenticate/id_token_verifier.h"
#include "proxy/authenticate/pkce.h"
#include "proxy/authenticate/userinfo_endpoint.h"

namespace postern::authenticate {
namespace {

namespace asio = boost::asio;

// Prefixes a transport failure with what was being done, keeping its code.
absl::Status Describe(const absl::Status& status, std::string_view what) {
  if (status.code() == absl::StatusCode::kDeadlineExceeded) {
    return absl::DeadlineExceededError(
        absl::StrCat("the identity provider did not answer in time (", std::string(what), ": ",
                     status.message(), ")"));
  }
  return absl::UnavailableError(absl::StrCat("the identity provider could not be reached (",
                                             std::string(what), ": ", status.message(), ")"));
}

http::HttpRequest JsonGet(std::string url) {
  http::HttpRequest request;
  request.url = std::move(url);
  request.headers.push_back({"Accept", "application/json"});
  return request;
}

std::string DiscoveryUrl(std::string_view issuer) {
  if (!issuer.empty() && issuer.back() == '/') issuer.remove_suffix(1);
  return absl::StrCat(std::string(issuer), "/.well-known/openid-configuration");
}

}  // namespace

OidcProvider::OidcProvider(OidcSettings settings, std::shared_ptr<http::HttpClient> client)
    : settings_(std::move(settings)),
      client_(std::move(client)),
      jwks_([this]() { return FetchJwks(); }, settings_.jwks_min_refetch_interval) {}

asio::awaitable<absl::StatusOr<http::HttpResponse>> OidcProvider::Call(http::HttpRequest request,
                                                                       std::string_view what) {
  absl::StatusOr<http::HttpResponse> response = co_await client_->Fetch(
      std::move(request),
      {.timeout = settings_.timeout, .plain_http = http::PlainHttp::kLoopbackOnly});
  if (!response.ok()) co_return Describe(response.status(), what);
  co_return response;
}

asio::awaitable<absl::StatusOr<ProviderMetadata>> OidcProvider::Metadata() {
  const absl::Time now = absl::Now();
  std::optional<ProviderMetadata> cached;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (metadata_.has_value() && now < metadata_expiry_) co_return *metadata_;
    cached = metadata_;
  }
  // Requests are built before co_await: GCC 12 miscompiles braced
  // temporaries with string literals inside a co_await expression.
  http::HttpRequest request = JsonGet(DiscoveryUrl(settings_.issuer_url));
  absl::StatusOr<http::HttpResponse> response = co_await Call(std::move(request), "discovery");
  absl::Status failure;
  if (!response.ok()) {
    failure = response.status();
  } else if (response->status != 200) {
    failure = absl::UnavailableError(absl::StrCat(
        "the identity provider's discovery document answered HTTP ", response->status));
  } else {
    absl::StatusOr<ProviderMetadata> parsed =
        ParseDiscoveryDocument(response->body, settings_.issuer_url);
    if (parsed.ok()) {
      std::lock_guard<std::mutex> lock(mutex_);
      metadata_ = *parsed;
      metadata_expiry_ = now + settings_.metadata_lifetime;
      co_return *std::move(parsed);
    }
    failure = absl::UnavailableError(parsed.status().message());
  }
  // A provider that is briefly down should not stop logins it can finish.
  if (cached.has_value()) co_return *std::move(cached);
  co_return failure;
}

asio::awaitable<absl::StatusOr<std::string>> OidcProvider::FetchJwks() {
  absl::StatusOr<ProviderMetadata> metadata = co_await Metadata();
  if (!metadata.ok()) co_return metadata.status();
  http::HttpRequest request = JsonGet(metadata->jwks_uri);
  absl::StatusOr<http::HttpResponse> response = co_await Call(std::move(request), "signing keys");
  if (!response.ok()) co_return response.status();
  if (response->status != 200) {
    co_return absl::UnavailableError(
        absl::StrCat("the identity provider's signing keys answered HTTP ", response->status));
  }
  co_return std::move(response->body);
}

asio::awaitable<absl::StatusOr<std::string>> OidcProvider::AuthorizationUrl(
    const LoginState& state, std::string_view sealed_state) {
  absl::StatusOr<ProviderMetadata> metadata = co_await Metadata();
  if (!metadata.ok()) co_return metadata.status();
  std::vector<std::string> scopes = settings_.scopes;
  if (std::find(scopes.begin(), scopes.end(), "openid") == scopes.end()) {
    scopes.insert(scopes.begin(), "openid");
  }
  co_return http::AppendQuery(
      metadata->authorization_endpoint,
      http::FormEncode({{"response_type", "code"},
                        {"client_id", settings_.credentials.client_id},
                        {"redirect_uri", settings_.redirect_uri},
                        {"scope", absl::StrJoin(scopes, " ")},
                        {"state", std::string(sealed_state)},
                        {"nonce", state.nonce},
                        {"code_challenge", CodeChallengeS256(state.code_verifier)},
                        {"code_challenge_method", "S256"}}));
}

asio::awaitable<absl::StatusOr<session::Session>> OidcProvider::Redeem(std::string code,
                                                                       const LoginState& state) {
  absl::StatusOr<ProviderMetadata> metadata = co_await Metadata();
  if (!metadata.ok()) co_return metadata.status();
  ClientCredentials credentials = settings_.credentials;
  credentials.method = metadata->client_auth;
  absl::StatusOr<http::HttpResponse> answer =
      co_await Call(BuildTokenRequest(metadata->token_endpoint, credentials, code,
                                      state.code_verifier, settings_.redirect_uri),
                    "token endpoint");
  if (!answer.ok()) co_return answer.status();
  absl::StatusOr<TokenResponse> tokens = ParseTokenResponse(*answer);
  if (!tokens.ok()) co_return tokens.status();

  absl::StatusOr<boost::json::object> claims = co_await jwks_.Verify(tokens->id_token, absl::Now());
  if (!claims.ok()) {
    if (claims.status().code() == absl::StatusCode::kUnauthenticated &&
        !absl::StartsWith(claims.status().message(), "the ID token")) {
      co_return absl::UnauthenticatedError(
          absl::StrCat("the ID token's signature is not valid (", claims.status().message(), ")"));
    }
    co_return claims.status();
  }
  if (absl::Status checked = CheckIdTokenClaims(*claims,
                                                {.issuer = metadata->issuer,
                                                 .client_id = settings_.credentials.client_id,
                                                 .nonce = state.nonce},
                                                absl::Now());
      !checked.ok()) {
    co_return checked;
  }
  absl::StatusOr<session::Session> identity = IdentityFromClaims(*claims, settings_.groups_claim);
  if (!identity.ok()) co_return identity.status();

  if (identity->email.empty() && !metadata->userinfo_endpoint.empty() &&
      !tokens->access_token.empty()) {
    absl::StatusOr<http::HttpResponse> userinfo = co_await Call(
        BuildUserinfoRequest(metadata->userinfo_endpoint, tokens->access_token), "userinfo");
    if (!userinfo.ok()) co_return userinfo.status();
    absl::StatusOr<boost::json::object> userinfo_claims = ParseUserinfoResponse(*userinfo);
    if (!userinfo_claims.ok()) co_return userinfo_claims.status();
    if (absl::Status merged = MergeUserinfo(*userinfo_claims, settings_.groups_claim, *identity);
        !merged.ok()) {
      co_return merged;
    }
  }
  if (identity->email.empty()) {
    co_return absl::PermissionDeniedError(
        "the identity provider gave no email address for this account (is the email scope "
        "requested?)");
  }
  co_return identity;
}

}  // namespace postern::authenticate
