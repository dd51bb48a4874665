// Reading the Cookie header and writing Set-Cookie for the proxy's own
// cookies (the login binding and the browser session).
//
//   std::optional<std::string> session = FindCookie(request.cookie, "_postern_session");
//   headers.push_back({"Set-Cookie", FormatSetCookie("_postern_session", value,
//                                                    absl::Hours(14), /*secure=*/true)});
//
// Every cookie Postern sets is HttpOnly (no script reads it), SameSite=Lax
// (sent on the top-level navigation back from the provider, not on
// cross-site subrequests) and Path=/; Secure unless the login endpoints are
// served over plain http (tests only).
#ifndef POSTERN_PROXY_AUTHENTICATE_COOKIES_H_
#define POSTERN_PROXY_AUTHENTICATE_COOKIES_H_

#include <optional>
#include <string>
#include <string_view>

#include "absl/time/time.h"

namespace postern::authenticate {

// FindCookie returns the value of the first cookie named `name` in
// `cookie_header` (a Cookie header value, "a=1; b=2", several headers joined
// with "; "), or nullopt. Names compare exactly; a value in double quotes is
// returned without them.
std::optional<std::string> FindCookie(std::string_view cookie_header, std::string_view name);

// FormatSetCookie returns a Set-Cookie header value. `name` and `value` must
// be cookie-safe (the proxy only uses base64url values). `max_age` is rounded
// down to seconds; zero or less deletes the cookie.
std::string FormatSetCookie(std::string_view name, std::string_view value, absl::Duration max_age,
                            bool secure);

}  // namespace postern::authenticate

#endif  // POSTERN_PROXY_AUTHENTICATE_COOKIES_H_
