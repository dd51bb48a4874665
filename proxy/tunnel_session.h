// One client connection on the proxy's HTTPS listener, from TLS handshake to
// close: read one CONNECT, route it, ask authorize, dial the upstream, answer,
// relay, and write the access-log line.
//
//   co_spawn(io, RunTunnelSession(std::move(accepted), environment),
//            bind_cancellation_slot(signal.slot(), detached));
//
// Status codes are DESIGN.md's table, plus 408 when the request head does
// not arrive within request_header_timeout (counted from accept, TLS
// handshake included; a client still in its handshake is just closed). The
// session is pinned to the executor it runs on; it takes no locks except one
// metrics lookup and the config snapshot load. Included only by the server
// and the tests (it pulls in Asio).
#ifndef POSTERN_PROXY_TUNNEL_SESSION_H_
#define POSTERN_PROXY_TUNNEL_SESSION_H_

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "common/reload/snapshot.h"
#include "proxy/proxy_metrics.h"
#include "proxy/serving_state.h"

namespace postern::proxy {

// What every session of a server shares. Both pointers must outlive the
// sessions.
struct SessionEnvironment {
  const reload::Snapshot<ServingState>* state = nullptr;
  ProxyMetrics* metrics = nullptr;
};

// RunTunnelSession serves `client` (just accepted) to the end and closes it.
// Never throws. Terminal cancellation of the awaiting coroutine (proxy
// shutdown past its drain timeout) ends the session promptly; a tunnel
// relaying then logs close_reason "shutdown". A session waiting on the
// authorize service finishes that wait first (bounded by authorize_timeout).
boost::asio::awaitable<void> RunTunnelSession(boost::asio::ip::tcp::socket client,
                                              SessionEnvironment environment);

}  // namespace postern::proxy

#endif  // POSTERN_PROXY_TUNNEL_SESSION_H_
