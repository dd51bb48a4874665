// Where `postern tcp DEST` sends its tunnels: the proxy to dial over TLS and
// the authority to ask it for in the CONNECT request. DEST takes the forms
// pomerium-cli accepts:
//
//   redis.corp.example.com:6379                     proxy redis.corp.example.com:443
//   tcp+https://redis.corp.example.com:6379         the same
//   tcp+https://proxy.example.com:8443/db.internal:5432
//                                                   proxy proxy.example.com:8443,
//                                                   CONNECT db.internal:5432 (bastion)
//
//   absl::StatusOr<Destination> d = ParseDestination(dest, flag_proxy_url);
//   if (!d.ok()) { print d.status().message(); exit 2; }
//   Dial(d->proxy);  Send(FormatConnectRequest(d->target.ToString(), token));
#ifndef POSTERN_CLI_DESTINATION_H_
#define POSTERN_CLI_DESTINATION_H_

#include <string_view>

#include "absl/status/statusor.h"
#include "common/tunnel/authority.h"

namespace postern::cli {

// The port a proxy is dialled on when its URL names none.
inline constexpr uint16_t kDefaultProxyPort = 443;

struct Destination {
  // The proxy's TLS endpoint. Its host is also the name its certificate must
  // carry, the SNI sent, and the key of the cached session token.
  tunnel::Authority proxy;
  // What the CONNECT request asks for (the route's `from` host:port).
  tunnel::Authority target;
};

// ParseDestination reads DEST in one of the forms above. `proxy_url`
// (--proxy-url / --pomerium-url; empty when not given) replaces the proxy
// DEST implies, whatever its form. Hosts are canonical as in authority.h
// (lower case; IPv6 in brackets: "[fd00::7]:22"). Fails with
// kInvalidArgument and a message naming the flag or DEST and what is wrong
// (missing port, unsupported scheme, query string, ...).
absl::StatusOr<Destination> ParseDestination(std::string_view dest, std::string_view proxy_url);

// ParseProxyUrl reads --proxy-url: "https://host[:port][/]". The port
// defaults to 443; anything but https, a path, userinfo, query or fragment
// is refused with kInvalidArgument.
absl::StatusOr<tunnel::Authority> ParseProxyUrl(std::string_view url);

}  // namespace postern::cli

#endif  // POSTERN_CLI_DESTINATION_H_
