#include "proxy/authenticate/userinfo_endpoint.h"

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/jwt/json_object.h"

namespace postern::authenticate {

http::HttpRequest BuildUserinfoRequest(std::string_view endpoint, std::string_view access_token) {
  return http::HttpRequest{
      .method = "GET",
      .url = std::string(endpoint),
      .headers = {{"Accept", "application/json"},
                  {"Authorization", absl::StrCat("Bearer ", std::string(access_token))}}};
}

absl::StatusOr<boost::json::object> ParseUserinfoResponse(const http::HttpResponse& response) {
  if (response.status != 200) {
    return absl::UnavailableError(
        absl::StrCat("the identity provider's userinfo endpoint answered HTTP ", response.status));
  }
  absl::StatusOr<boost::json::object> claims =
      jwt::ParseJsonObject(response.body, "userinfo answer");
  if (!claims.ok()) {
    return absl::UnavailableError("the identity provider's userinfo endpoint did not answer JSON");
  }
  return claims;
}

}  // namespace postern::authenticate
