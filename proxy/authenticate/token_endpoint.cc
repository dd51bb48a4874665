#include "proxy/authenticate/token_endpoint.h"

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "boost/json/object.hpp"
#include "common/crypto/base64.h"
#include "common/http/form_encoding.h"
#include "common/jwt/json_object.h"

namespace postern::authenticate {
namespace {

std::string StringMember(const boost::json::object& object, std::string_view name) {
  const boost::json::value* value = object.if_contains(name);
  return value != nullptr && value->is_string() ? std::string(value->get_string()) : "";
}

}  // namespace

std::string OAuthErrorCode(std::string_view code) {
  if (code.empty() || code.size() > 64) return "unknown_error";
  for (char c : code) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '.' && c != '-') {
      return "unknown_error";
    }
  }
  return std::string(code);
}

http::HttpRequest BuildTokenRequest(std::string_view token_endpoint,
                                    const ClientCredentials& credentials, std::string_view code,
                                    std::string_view code_verifier, std::string_view redirect_uri) {
  std::vector<std::pair<std::string, std::string>> form = {
      {"grant_type", "authorization_code"},
      {"code", std::string(code)},
      {"redirect_uri", std::string(redirect_uri)},
      {"code_verifier", std::string(code_verifier)},
  };
  http::HttpRequest request{.method = "POST",
                            .url = std::string(token_endpoint),
                            .headers = {{"Accept", "application/json"}},
                            .content_type = "application/x-www-form-urlencoded"};
  if (credentials.method == ClientAuthMethod::kClientSecretPost) {
    form.emplace_back("client_id", credentials.client_id);
    form.emplace_back("client_secret", credentials.client_secret);
  } else {
    const std::string user_pass =
        absl::StrCat(http::FormEncodeComponent(credentials.client_id), ":",
                     http::FormEncodeComponent(credentials.client_secret));
    request.headers.push_back({"Authorization", "Basic " + crypto::Base64Encode(user_pass)});
  }
  request.body = http::FormEncode(form);
  return request;
}

absl::StatusOr<TokenResponse> ParseTokenResponse(const http::HttpResponse& response) {
  absl::StatusOr<boost::json::object> body =
      jwt::ParseJsonObject(response.body, "token endpoint answer");
  if (response.status != 200) {
    if (body.ok() && body->contains("error")) {
      return absl::PermissionDeniedError(
          absl::StrCat("the identity provider refused to redeem the sign-in code (",
                       OAuthErrorCode(StringMember(*body, "error")), ")"));
    }
    return absl::UnavailableError(
        absl::StrCat("the identity provider's token endpoint answered HTTP ", response.status));
  }
  if (!body.ok()) {
    return absl::UnavailableError("the identity provider's token endpoint did not answer JSON");
  }
  TokenResponse tokens;
  tokens.id_token = StringMember(*body, "id_token");
  if (tokens.id_token.empty()) {
    return absl::UnavailableError(
        "the identity provider's token endpoint returned no id_token (is the openid scope "
        "requested?)");
  }
  const std::string token_type = StringMember(*body, "token_type");
  if (absl::EqualsIgnoreCase(token_type, "bearer")) {
    tokens.access_token = StringMember(*body, "access_token");
  }
  return tokens;
}

}  // namespace postern::authenticate
