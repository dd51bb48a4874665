// The OpenID Connect userinfo request (Core 1.0 section 5.3), made when an
// id_token lacks the user's email.
//
//   absl::StatusOr<http::HttpResponse> answer =
//       co_await client->Fetch(BuildUserinfoRequest(metadata.userinfo_endpoint, access_token), {});
//   absl::StatusOr<boost::json::object> userinfo = ParseUserinfoResponse(*answer);
#ifndef POSTERN_PROXY_AUTHENTICATE_USERINFO_ENDPOINT_H_
#define POSTERN_PROXY_AUTHENTICATE_USERINFO_ENDPOINT_H_

#include <string_view>

#include "absl/status/statusor.h"
#include "boost/json/object.hpp"
#include "common/http/http_client.h"

namespace postern::authenticate {

// BuildUserinfoRequest returns a GET of `endpoint` with the access token as
// a Bearer credential.
http::HttpRequest BuildUserinfoRequest(std::string_view endpoint, std::string_view access_token);

// ParseUserinfoResponse returns the claims of a 200 JSON answer; otherwise
// kUnavailable naming the status (signed or encrypted userinfo, sent as
// application/jwt, is not supported and is reported the same way).
absl::StatusOr<boost::json::object> ParseUserinfoResponse(const http::HttpResponse& response);

}  // namespace postern::authenticate

#endif  // POSTERN_PROXY_AUTHENTICATE_USERINFO_ENDPOINT_H_
