// Opens one tunnel to a route through the proxy: TCP to the proxy, TLS
// (verified, resumed when possible), the CONNECT request with the session
// token, and the proxy's answer. The result is a TLS stream ready to relay,
// or an error a user can act on.
//
//   TunnelDialer dialer(executor, tls_context, {.proxy = d.proxy, .target = d.target,
//                                               .token = token, .token_source = source});
//   absl::StatusOr<DialedTunnel> tunnel = co_await dialer.Dial();
//   if (!tunnel.ok()) { log::Error("%s", tunnel.status().message()); co_return; }
//   RelayOptions relay;
//   relay.initial_to_client = std::move(tunnel->initial_bytes);
//   co_await tunnel::Relay(local_socket, *tunnel->stream, std::move(relay));
//
// Resumption: the first Dial pays for a full TLS handshake; Dials that start
// while it is under way wait for it (up to DialerOptions::first_dial_wait),
// so that they can resume the session it leaves in the ClientContext's cache
// instead of all paying at once.
#ifndef POSTERN_CLI_TUNNEL_DIALER_H_
#define POSTERN_CLI_TUNNEL_DIALER_H_

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "cli/connect_refusal.h"
#include "common/tls/client_context.h"
#include "common/tunnel/authority.h"

namespace postern::cli {

using TlsStream = boost::asio::ssl::stream<boost::asio::ip::tcp::socket>;

struct DialerOptions {
  tunnel::Authority proxy;   // where to connect; its host is the name verified
  tunnel::Authority target;  // what to CONNECT to
  // The session token; empty for none. A secret: never logged.
  std::string token;
  TokenSource token_source = TokenSource::kNone;
  // Whether --ca-cert-file was given; shapes the advice after a
  // verification failure.
  bool custom_ca = false;
  // The most one Dial may take, from the first connect attempt to the
  // proxy's answer (which includes the proxy's own authorization and
  // upstream dial).
  std::chrono::steady_clock::duration timeout = std::chrono::seconds(30);
  // How long a Dial waits for the first one to leave a TLS session to
  // resume before it goes ahead with a full handshake of its own.
  std::chrono::steady_clock::duration first_dial_wait = std::chrono::seconds(2);
  // Runs a browser login and returns the new session token (see
  // browser_login.h). When set and the proxy answers 401 to a token that is
  // not a service account's, Dial logs in and retries once. Unset: a 401 is
  // the Dial's result.
  std::function<boost::asio::awaitable<absl::StatusOr<std::string>>()> login;
};

struct DialedTunnel {
  std::unique_ptr<TlsStream> stream;  // TLS to the proxy; the tunnel from here on
  // Tunnel bytes the proxy sent with its 200 answer: the upstream's first
  // bytes, to be written to the local side before anything else.
  std::string initial_bytes;
  std::string tls_version;   // "TLSv1.3"
  bool tls_resumed = false;  // the TLS session was resumed, no full handshake
};

// TunnelDialer dials tunnels for one proxy and target. Use it from one
// thread (the executor's); any number of Dials may be in flight at once.
// The ClientContext must outlive it.
class TunnelDialer {
 public:
  TunnelDialer(boost::asio::any_io_executor executor, const tls::ClientContext& tls,
               DialerOptions options);
  TunnelDialer(const TunnelDialer&) = delete;
  TunnelDialer& operator=(const TunnelDialer&) = delete;

  const DialerOptions& options() const { return options_; }

  // Dial opens one tunnel. Never throws. Errors (message on one line):
  // kUnavailable: the proxy's name does not resolve, it cannot be reached,
  //   the TLS handshake failed (e.g. "TLS certificate of proxy.example.com
  //   not accepted: unable to get local issuer certificate; ..."), the proxy
  //   closed the connection, or it refused with 502/503/504;
  // kDeadlineExceeded: no answer within options().timeout;
  // kUnauthenticated, kPermissionDenied, kNotFound, kFailedPrecondition: the
  //   proxy's refusal (see connect_refusal.h);
  // kCancelled: the awaiting coroutine was cancelled (shutdown);
  // and the login's errors (browser_login.h) when a 401 led to one.
  // Concurrent Dials refused with 401 share one login; a Dial refused with a
  // token that a login has since replaced retries with the new one.
  boost::asio::awaitable<absl::StatusOr<DialedTunnel>> Dial();

 private:
  boost::asio::awaitable<absl::StatusOr<DialedTunnel>> DialWithDeadline(const std::string& token,
                                                                        TokenSource source);
  boost::asio::awaitable<absl::StatusOr<DialedTunnel>> DialOnce(const std::string& token,
                                                                TokenSource source);
  // SharedLogin runs options_.login, or waits for the one already running,
  // and returns its outcome.
  boost::asio::awaitable<absl::Status> SharedLogin();
  // TakeTurnForTls returns once this Dial may start its TLS handshake: true
  // if it is the one to pay for a full handshake (it must then wake the
  // others when done), false if it waited for that one (or gave up waiting).
  boost::asio::awaitable<bool> TakeTurnForTls();
  boost::asio::awaitable<void> Deadline();

  boost::asio::any_io_executor executor_;
  const tls::ClientContext& tls_;
  DialerOptions options_;
  // Set once a handshake has completed and the proxy answered, so a session
  // to resume is (normally) in the cache.
  bool warm_ = false;
  bool first_dial_in_flight_ = false;
  // Never expires; cancel() wakes the Dials waiting for the first one.
  boost::asio::steady_timer first_dial_done_;
  // Counts completed logins: options_.token is the newest one's token.
  uint64_t logins_done_ = 0;
  bool login_in_flight_ = false;
  absl::Status last_login_;
  // Never expires; cancel() wakes the Dials waiting for a login.
  boost::asio::steady_timer login_done_;
};

}  // namespace postern::cli

#endif  // POSTERN_CLI_TUNNEL_DIALER_H_
