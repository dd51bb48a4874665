// The loopback callback at the end of a browser login: the one request the
// proxy's redirect makes the browser send to `postern tcp`, carrying the
// session token. Any web page the user has open can also make the browser
// send requests to 127.0.0.1, so the callback URL carries a random state the
// CLI made up and only the proxy learned (in pomerium_redirect_uri); a
// request without it cannot plant someone else's session in the CLI.
//
//   absl::StatusOr<std::string> state = NewCallbackState();
//   std::string redirect_uri = CallbackRedirectUri(port, *state);
//   ... the proxy redirects the browser to redirect_uri&pomerium_jwt=... ...
//   CallbackRequest request = ReadCallbackRequest(head, *state);
//   write request.answer; if (request.token) { ...signed in... }
#ifndef POSTERN_CLI_LOGIN_CALLBACK_H_
#define POSTERN_CLI_LOGIN_CALLBACK_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace postern::cli {

// The query parameter of the callback URL that holds the state.
inline constexpr char kCallbackStateParameter[] = "postern_state";

// NewCallbackState returns a fresh unguessable state (128 random bits,
// base64url). kInternal if the random generator fails.
absl::StatusOr<std::string> NewCallbackState();

// CallbackRedirectUri returns the pomerium_redirect_uri for a callback
// listener on 127.0.0.1:`port`: "http://127.0.0.1:<port>/?postern_state=<state>".
// The proxy appends "&pomerium_jwt=<token>" when it redirects the browser.
std::string CallbackRedirectUri(uint16_t port, std::string_view state);

struct CallbackRequest {
  // The session token, when the request is the login's own callback.
  std::optional<std::string> token;
  // The complete HTTP answer to write to the browser.
  std::string answer;
};

// ReadCallbackRequest reads one request head sent to the callback listener.
// It yields the token only for "GET /?..." with exactly one postern_state
// equal to `state` (compared in constant time) and exactly one non-empty
// pomerium_jwt that can go into a header; anything else gets an error
// answer and no token, and the login keeps waiting.
CallbackRequest ReadCallbackRequest(std::string_view head, std::string_view state);

}  // namespace postern::cli

#endif  // POSTERN_CLI_LOGIN_CALLBACK_H_
