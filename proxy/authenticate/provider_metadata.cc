#include "proxy/authenticate/provider_metadata.h"

#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/http/web_url.h"
#include "common/jwt/json_object.h"

namespace postern::authenticate {
namespace {

std::string_view WithoutTrailingSlash(std::string_view url) {
  if (!url.empty() && url.back() == '/') url.remove_suffix(1);
  return url;
}

absl::Status Problem(std::string_view member, std::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat("provider discovery document: ", std::string(member), " ", std::string(what)));
}

absl::StatusOr<std::string> EndpointMember(const boost::json::object& document,
                                           std::string_view name, bool required) {
  const boost::json::value* value = document.if_contains(name);
  if (value == nullptr || value->is_null()) {
    if (required) return Problem(name, "is missing");
    return std::string();
  }
  if (!value->is_string()) return Problem(name, "must be a string");
  std::string url(value->get_string());
  if (!IsProviderUrl(url)) {
    return Problem(name, "must be an https URL (plain http only on this computer)");
  }
  return url;
}

// Whether the string array `name` lists `wanted`; nullopt if absent.
absl::StatusOr<std::optional<bool>> Lists(const boost::json::object& document,
                                          std::string_view name, std::string_view wanted) {
  const boost::json::value* value = document.if_contains(name);
  if (value == nullptr || value->is_null()) return std::nullopt;
  if (!value->is_array()) return Problem(name, "must be a list");
  for (const boost::json::value& item : value->get_array()) {
    if (item.is_string() && item.get_string() == wanted) return true;
  }
  return false;
}

}  // namespace

bool IsProviderUrl(std::string_view url) {
  absl::StatusOr<http::WebUrl> parsed = http::ParseWebUrl(url);
  return parsed.ok() && (parsed->https || http::IsLoopback(*parsed));
}

absl::StatusOr<ProviderMetadata> ParseDiscoveryDocument(std::string_view json,
                                                        std::string_view configured_issuer) {
  absl::StatusOr<boost::json::object> document =
      jwt::ParseJsonObject(json, "provider discovery document");
  if (!document.ok()) return document.status();
  ProviderMetadata metadata;
  const boost::json::value* issuer = document->if_contains("issuer");
  if (issuer == nullptr || !issuer->is_string()) return Problem("issuer", "is missing");
  metadata.issuer = std::string(issuer->get_string());
  if (WithoutTrailingSlash(metadata.issuer) != WithoutTrailingSlash(configured_issuer)) {
    return absl::InvalidArgumentError(
        absl::StrCat("provider discovery document: issuer \"", metadata.issuer,
                     "\" differs from idp_provider_url \"", std::string(configured_issuer), "\""));
  }
  for (auto [name, field, required] :
       {std::tuple{"authorization_endpoint", &metadata.authorization_endpoint, true},
        std::tuple{"token_endpoint", &metadata.token_endpoint, true},
        std::tuple{"jwks_uri", &metadata.jwks_uri, true},
        std::tuple{"userinfo_endpoint", &metadata.userinfo_endpoint, false}}) {
    absl::StatusOr<std::string> url = EndpointMember(*document, name, required);
    if (!url.ok()) return url.status();
    *field = *std::move(url);
  }
  absl::StatusOr<std::optional<bool>> s256 =
      Lists(*document, "code_challenge_methods_supported", "S256");
  if (!s256.ok()) return s256.status();
  if (s256->has_value() && !**s256) {
    return Problem("code_challenge_methods_supported", "does not include S256 (PKCE)");
  }
  absl::StatusOr<std::optional<bool>> basic =
      Lists(*document, "token_endpoint_auth_methods_supported", "client_secret_basic");
  absl::StatusOr<std::optional<bool>> post =
      Lists(*document, "token_endpoint_auth_methods_supported", "client_secret_post");
  if (!basic.ok()) return basic.status();
  if (basic->has_value() && !**basic && post.ok() && post->value_or(false)) {
    metadata.client_auth = ClientAuthMethod::kClientSecretPost;
  }
  return metadata;
}

}  // namespace postern::authenticate
