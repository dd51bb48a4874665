// Strict parsing of the URLs and host:port strings a config file holds:
// route `from`/`to`, service URLs, listen addresses. Hand-written rather than
// a general URL library so that everything a route key could be confused by
// (userinfo, query, fragment, percent-encoding, zone ids, unbracketed IPv6)
// is refused with a message that says which part is wrong.
//
//   absl::StatusOr<Url> url = ParseUrl("tcp+https://Redis.corp.example.com:6379");
//   url->scheme == "tcp+https"; url->authority.ToString() == "redis.corp.example.com:6379"
//
//   absl::StatusOr<HostPort> target = ParseHostPort("[::1]:22");   // CONNECT target
//   target->ToString() == "[::1]:22"
#ifndef POSTERN_COMMON_CONFIG_URL_H_
#define POSTERN_COMMON_CONFIG_URL_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace postern::config {

// A host and port. The host is lower-case; an IPv6 literal is stored without
// brackets in canonical form (inet_ntop), so "[0:0::1]" and "[::1]" compare
// equal.
struct HostPort {
  std::string host;
  int port = 0;  // 0 when absent or written as 0 (see has_port)
  bool has_port = false;
  bool is_ipv6 = false;

  // ToString is "host:port", "[v6]:port", or just the host without a port.
  // For a route's `from` it is the route key.
  std::string ToString() const;
};

// A URL reduced to what Postern uses. `path` is empty or starts with '/'.
struct Url {
  std::string scheme;  // lower-case
  HostPort authority;
  std::string path;
};

// ParseUrl reads "scheme://host[:port][/path]". Fails (kInvalidArgument, a
// message without position) for a missing scheme, userinfo, query, fragment,
// an empty or malformed host, a port that is not a number from 0 to 65535.
// It does not decide whether a port is required or which schemes are
// allowed: callers say that in their own words.
absl::StatusOr<Url> ParseUrl(std::string_view text);

// ParseHostPort reads "host:port", "[v6]:port" or, with `allow_empty_host`,
// ":port" (a listen address on every interface). The port is required here.
absl::StatusOr<HostPort> ParseHostPort(std::string_view text, bool allow_empty_host = false);

// NormalizeHost checks one host (a DNS name, IPv4 address, or IPv6 literal
// without brackets) and returns it in the form route keys use.
absl::StatusOr<std::string> NormalizeHost(std::string_view host, bool* is_ipv6);

}  // namespace postern::config

#endif  // POSTERN_COMMON_CONFIG_URL_H_
