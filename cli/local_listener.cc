#include "cli/local_listener.h"

#include <openssl/ssl.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <exception>
#include <utility>

#include "absl/strings/str_cat.h"
#include "cli/tunnel_log.h"
#include "common/log/log.h"
#include "common/tunnel/relay.h"

namespace postern::cli {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

std::string EndpointText(const tcp::endpoint& endpoint) {
  const asio::ip::address address = endpoint.address();
  if (address.is_v6()) return absl::StrCat("[", address.to_string(), "]:", endpoint.port());
  return absl::StrCat(address.to_string(), ":", endpoint.port());
}

}  // namespace

absl::StatusOr<std::unique_ptr<LocalListener>> LocalListener::Open(asio::io_context& io,
                                                                   const ListenAddress& address,
                                                                   TunnelDialer& dialer) {
  boost::system::error_code ec;
  const asio::ip::address ip = asio::ip::make_address(address.ip, ec);
  if (ec) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot listen on ", address.ToString(), ": ", ec.message()));
  }
  const tcp::endpoint endpoint(ip, address.port);
  tcp::acceptor acceptor(io);
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", address.ToString(), ": ", ec.message()));
  }
  return std::unique_ptr<LocalListener>(new LocalListener(io, std::move(acceptor), dialer));
}

LocalListener::LocalListener(asio::io_context& io, tcp::acceptor acceptor, TunnelDialer& dialer)
    : io_(io), acceptor_(std::move(acceptor)), dialer_(dialer) {}

std::string LocalListener::local_address() const {
  boost::system::error_code ec;
  tcp::endpoint endpoint = acceptor_.local_endpoint(ec);
  return ec ? "(closed)" : EndpointText(endpoint);
}

void LocalListener::Start() {
  asio::co_spawn(io_, AcceptLoop(), [](std::exception_ptr failure) {
    if (failure) {
      try {
        std::rethrow_exception(failure);
      } catch (const std::exception& e) {
        log::Error("accepting connections stopped: %s", e.what());
      }
    }
  });
}

void LocalListener::Shutdown() {
  if (shutting_down_) return;
  shutting_down_ = true;
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  for (auto& [id, signal] : tunnels_) signal.emit(asio::cancellation_type::terminal);
}

asio::awaitable<void> LocalListener::AcceptLoop() {
  while (!shutting_down_) {
    auto [ec, socket] = co_await acceptor_.async_accept(kTuple);
    if (shutting_down_) co_return;
    if (ec) {
      // Out of descriptors or memory: say so, and give the tunnels in
      // flight a moment to release some before trying again.
      log::Error("cannot accept a local connection: %s", ec.message());
      asio::steady_timer pause(io_, std::chrono::milliseconds(100));
      co_await pause.async_wait(kTuple);
      continue;
    }
    const uint64_t id = next_id_++;
    asio::cancellation_signal& signal = tunnels_[id];
    asio::co_spawn(io_, Carry(std::move(socket), id),
                   asio::bind_cancellation_slot(signal.slot(), [this, id](std::exception_ptr) {
                     // Erased later: the signal's slot is still in use while
                     // this completion handler runs.
                     asio::post(io_, [this, id] { tunnels_.erase(id); });
                   }));
  }
}

asio::awaitable<void> LocalListener::Carry(tcp::socket socket, uint64_t id) {
  try {
    co_await asio::this_coro::throw_if_cancelled(false);
    boost::system::error_code ec;
    const tcp::endpoint peer = socket.remote_endpoint(ec);
    const DialerOptions& options = dialer_.options();
    log::Info("#%d connection from %s; connecting to %s via %s", id,
              ec ? std::string("(unknown)") : EndpointText(peer), options.target.ToString(),
              options.proxy.ToString());

    absl::StatusOr<DialedTunnel> tunnel = co_await dialer_.Dial();
    if (!tunnel.ok()) {
      if (absl::IsCancelled(tunnel.status())) {
        log::Info("#%d closed before the tunnel opened (shutting down)", id);
      } else {
        log::Error("#%d failed: %s", id, tunnel.status().message());
      }
      co_return;
    }
    const bool verified = SSL_get_verify_mode(tunnel->stream->native_handle()) != SSL_VERIFY_NONE;
    log::Info("#%d %s", id, ConnectedText(tunnel->tls_version, tunnel->tls_resumed, verified));
    socket.set_option(tcp::no_delay(true), ec);

    tunnel::RelayOptions relay;
    relay.initial_to_client = std::move(tunnel->initial_bytes);
    tunnel::RelayResult result = co_await tunnel::Relay(socket, *tunnel->stream, std::move(relay));
    log::Info("#%d %s", id, ClosedText(result));
  } catch (const std::exception& e) {
    log::Error("#%d failed: %s", id, e.what());
  }
}

}  // namespace postern::cli
