// Which URLs the login endpoint may send a session token to: the CLI's
// `pomerium_redirect_uri`, checked against programmatic_redirect_domain_whitelist.
//
// The token rides in the redirect's query, so a lax check hands sessions to
// whoever can get a user to open a crafted login link. The entry "localhost"
// (the default) stands for the CLI's own loopback listener: http:// to
// localhost, any 127.0.0.0/8 address or [::1], on any port. Other entries
// match one host exactly (http or https).
//
//   absl::StatusOr<std::string> redirect = CheckProgrammaticRedirect(
//       "http://127.0.0.1:40123", config.programmatic_redirect_domain_whitelist);
//   *redirect == "http://127.0.0.1:40123/"
#ifndef POSTERN_PROXY_AUTHENTICATE_REDIRECT_WHITELIST_H_
#define POSTERN_PROXY_AUTHENTICATE_REDIRECT_WHITELIST_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace postern::authenticate {

inline constexpr size_t kMaxRedirectUriSize = 2048;

// CheckProgrammaticRedirect returns `uri` normalised for the redirect (see
// http::WebUrl::ToString: lower-case host, "/" for an empty path, query kept)
// if it is an http(s) URL as strict as http::ParseWebUrl wants (no user
// info, no fragment, no percent-encoded host) whose host `whitelist` allows
// (see the file comment; hosts compare case-insensitively). Otherwise
// kInvalidArgument with one sentence for the user that does not repeat the
// URL.
absl::StatusOr<std::string> CheckProgrammaticRedirect(std::string_view uri,
                                                      const std::vector<std::string>& whitelist);

}  // namespace postern::authenticate

#endif  // POSTERN_PROXY_AUTHENTICATE_REDIRECT_WHITELIST_H_
