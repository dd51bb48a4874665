// Connecting to a route's upstream: resolve the name, try every address it
// resolves to in order, all within one deadline.
//
//   absl::StatusOr<tcp::socket> upstream =
//       co_await DialUpstream("redis.internal.example.com", 6379, std::chrono::seconds(10));
//   if (!upstream.ok()) {
//     int status = DialFailureStatus(upstream.status());   // 502 or 504
//   }
//
// Included only by the tunnel session and its tests (it pulls in Asio).
#ifndef POSTERN_PROXY_UPSTREAM_DIALER_H_
#define POSTERN_PROXY_UPSTREAM_DIALER_H_

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace postern::proxy {

// DialUpstream connects to `host`:`port` on the awaiting coroutine's
// executor. `host` is a DNS name or an IP literal (IPv6 without brackets).
// Each resolved address is tried in the resolver's order until one accepts;
// while others remain, one gets its share of the time left (at least 2 s), so
// an address that never answers does not use up the deadline of the rest.
// The returned socket has the tunnel socket options (socket_options.h).
// Errors, each naming host:port: kDeadlineExceeded when `timeout` passes
// first; kNotFound when the name does not resolve; kUnavailable when every
// address refused or was unreachable. Never throws. Cancellation of the
// awaiting coroutine ends it promptly with kCancelled. Known limit: a
// resolver that hangs (broken DNS) is waited for past the deadline, as
// getaddrinfo cannot be interrupted; its own timeouts bound it.
boost::asio::awaitable<absl::StatusOr<boost::asio::ip::tcp::socket>> DialUpstream(
    std::string host, uint16_t port, std::chrono::steady_clock::duration timeout);

// DialEndpoints connects to the first of `endpoints`, tried in order, that
// accepts before `timeout`; DialUpstream's second half, for callers (and
// tests) that already have addresses. `target` names the upstream in errors.
// Errors as DialUpstream's, without kNotFound.
boost::asio::awaitable<absl::StatusOr<boost::asio::ip::tcp::socket>> DialEndpoints(
    std::vector<boost::asio::ip::tcp::endpoint> endpoints, std::string target,
    std::chrono::steady_clock::duration timeout);

// DialFailureStatus returns the HTTP status for a DialUpstream error: 504
// for kDeadlineExceeded, 502 for everything else (refused, unreachable, no
// such host).
int DialFailureStatus(const absl::Status& status);

}  // namespace postern::proxy

#endif  // POSTERN_PROXY_UPSTREAM_DIALER_H_
