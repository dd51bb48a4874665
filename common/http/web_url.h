// Strict parsing of the http(s) URLs Postern fetches or redirects browsers
// to: OpenID provider endpoints, the CLI's loopback redirect URI, the proxy's
// login URL.
//
//   absl::StatusOr<WebUrl> url = ParseWebUrl("http://127.0.0.1:8000/cb?x=1");
//   url->host == "127.0.0.1"; url->port == 8000; url->Target() == "/cb?x=1"
//   IsLoopback(*url) == true
//
// Hand-written rather than Boost.URL: Boost.URL 1.81 parses
// "http://127.0.0.1.evil.com/" as host 127.0.0.1 with path ".evil.com/",
// while a browser goes to 127.0.0.1.evil.com. Here a host is what a browser
// would dial, or the URL is refused: no user info, no backslashes, no
// percent-encoded or non-ASCII hosts, no fragment.
#ifndef POSTERN_COMMON_HTTP_WEB_URL_H_
#define POSTERN_COMMON_HTTP_WEB_URL_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace postern::http {

enum class HostKind { kName, kIpv4, kIpv6 };

struct WebUrl {
  bool https = false;
  // Lower-case name, dotted-quad IPv4, or canonical IPv6 without brackets.
  std::string host;
  HostKind host_kind = HostKind::kName;
  uint16_t port = 0;  // the scheme's default when the URL has none
  bool has_port = false;
  std::string path;   // starts with '/', "/" when the URL has none; still percent-encoded
  std::string query;  // without the '?', still encoded; see has_query
  bool has_query = false;

  // Authority is "host", "host:port" or "[v6]:port" (the port only if the
  // URL had one): the Host header and the URL's authority.
  std::string Authority() const;
  // Target is the origin-form request target: path and, if any, '?' query.
  std::string Target() const;
  // ToString is the whole URL in normalised form.
  std::string ToString() const;
};

// ParseWebUrl reads "http(s)://host[:port][/path][?query]". kInvalidArgument
// (a message without the URL, which may hold secrets) for: another scheme,
// user info, an empty, malformed or percent-encoded host, a port outside 1 to
// 65535, a fragment, or a character outside RFC 3986's set for its part
// (spaces, controls, non-ASCII, backslashes, malformed %XX).
absl::StatusOr<WebUrl> ParseWebUrl(std::string_view text);

// IsLoopback reports whether `url` names this computer: "localhost",
// 127.0.0.0/8 or ::1.
bool IsLoopback(const WebUrl& url);

// AppendQuery returns `url` (already valid) with `encoded_pairs` (e.g. from
// FormEncode) appended to its query with '?' or '&'.
std::string AppendQuery(std::string_view url, std::string_view encoded_pairs);

}  // namespace postern::http

#endif  // POSTERN_COMMON_HTTP_WEB_URL_H_
