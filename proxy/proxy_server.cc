#include "proxy/proxy_server.h"

#include <sys/socket.h>

#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/socket_base.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <list>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/config/url.h"
#include "common/log/log.h"
#include "proxy/tunnel_session.h"

namespace postern::proxy {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using ReusePort = asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;

// After an accept error such as EMFILE (descriptors exhausted) the pending
// connection stays queued; pausing keeps the loop from spinning on it.
constexpr std::chrono::milliseconds kAcceptErrorPause(100);

std::string EndpointText(const tcp::endpoint& endpoint) {
  const asio::ip::address address = endpoint.address();
  return address.is_v6() ? absl::StrCat("[", address.to_string(), "]:", endpoint.port())
                         : absl::StrCat(address.to_string(), ":", endpoint.port());
}

absl::StatusOr<tcp::endpoint> ResolveListenAddress(const std::string& address) {
  absl::StatusOr<config::HostPort> host_port =
      config::ParseHostPort(address, /*allow_empty_host=*/true);
  if (!host_port.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("listen address ", address, ": ", host_port.status().message()));
  }
  const auto port = static_cast<unsigned short>(host_port->port);
  if (host_port->host.empty()) return tcp::endpoint(tcp::v6(), port);
  boost::system::error_code ec;
  const asio::ip::address ip = asio::ip::make_address(host_port->host, ec);
  if (!ec) return tcp::endpoint(ip, port);
  asio::io_context io;
  tcp::resolver resolver(io);
  tcp::resolver::results_type results = resolver.resolve(host_port->host, std::to_string(port), ec);
  if (ec || results.empty()) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", address, ": host does not resolve (", ec.message(), ")"));
  }
  return results.begin()->endpoint();
}

// Binds and listens; `reuse_port` lets the workers' acceptors share it.
boost::system::error_code Listen(tcp::acceptor& acceptor, const tcp::endpoint& endpoint,
                                 bool reuse_port) {
  boost::system::error_code ec;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec && reuse_port) acceptor.set_option(ReusePort(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  return ec;
}

struct Worker {
  asio::io_context io{1};
  std::optional<tcp::acceptor> acceptor;
  // One per open connection; only touched on this worker's thread.
  std::list<asio::cancellation_signal> sessions;
  std::chrono::steady_clock::time_point last_accept_warning;
  std::thread thread;
};

}  // namespace

struct ProxyServer::Impl {
  Impl(const reload::Snapshot<ServingState>* state, ProxyMetrics* metrics)
      : environment{.state = state, .metrics = metrics} {}

  asio::awaitable<void> AcceptLoop(Worker& worker) {
    for (;;) {
      auto [ec, socket] =
          co_await worker.acceptor->async_accept(asio::as_tuple(asio::use_awaitable));
      if (!worker.acceptor->is_open() || ec == asio::error::operation_aborted) co_return;
      if (ec) {
        const auto now = std::chrono::steady_clock::now();
        if (now - worker.last_accept_warning > std::chrono::seconds(1)) {
          worker.last_accept_warning = now;
          log::Warn("accepting a connection failed: %s", ec.message());
        }
        asio::steady_timer pause(worker.io, kAcceptErrorPause);
        co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
        continue;
      }
      StartSession(worker, std::move(socket));
    }
  }

  void StartSession(Worker& worker, tcp::socket socket) {
    auto signal = worker.sessions.emplace(worker.sessions.end());
    active.fetch_add(1, std::memory_order_relaxed);
    asio::co_spawn(
        worker.io, RunTunnelSession(std::move(socket), environment),
        asio::bind_cancellation_slot(signal->slot(), [this, &worker, signal](std::exception_ptr) {
          // The signal is still referenced while this handler
          // runs; drop it afterwards.
          asio::post(worker.io, [&worker, signal] { worker.sessions.erase(signal); });
          SessionEnded();
        }));
  }

  void SessionEnded() {
    if (active.fetch_sub(1, std::memory_order_acq_rel) == 1 &&
        draining.load(std::memory_order_acquire)) {
      std::lock_guard<std::mutex> lock(mu);
      idle.notify_all();
    }
  }

  SessionEnvironment environment;
  std::vector<std::unique_ptr<Worker>> workers;
  std::atomic<int> active{0};
  std::atomic<bool> accepting{false};
  std::atomic<bool> draining{false};
  bool joined = false;
  // std:: rather than absl:: synchronization throughout this file: Debian's
  // abseil is not built with ThreadSanitizer, which would not see it.
  std::mutex mu;
  std::condition_variable idle;
};

ProxyServer::ProxyServer(const reload::Snapshot<ServingState>* state, ProxyMetrics* metrics)
    : impl_(std::make_unique<Impl>(state, metrics)) {}

ProxyServer::~ProxyServer() {
  StopAccepting();
  CloseConnections();
  Join();
}

absl::StatusOr<std::string> ProxyServer::Start(const std::string& address, int threads) {
  absl::StatusOr<tcp::endpoint> endpoint = ResolveListenAddress(address);
  if (!endpoint.ok()) return endpoint.status();
  if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));

  // A plain bind first: it fails if anything listens on the port already,
  // which an SO_REUSEPORT bind by the same user would not.
  if (endpoint->port() != 0) {
    asio::io_context probe_io;
    tcp::acceptor probe(probe_io);
    if (boost::system::error_code ec = Listen(probe, *endpoint, /*reuse_port=*/false); ec) {
      return absl::UnavailableError(absl::StrCat("cannot listen on ", address, ": ", ec.message()));
    }
  }

  for (int i = 0; i < threads; ++i) {
    auto worker = std::make_unique<Worker>();
    worker->acceptor.emplace(worker->io);
    if (boost::system::error_code ec = Listen(*worker->acceptor, *endpoint, /*reuse_port=*/true);
        ec) {
      return absl::UnavailableError(absl::StrCat("cannot listen on ", address, ": ", ec.message()));
    }
    if (i == 0) endpoint->port(worker->acceptor->local_endpoint().port());
    impl_->workers.push_back(std::move(worker));
  }
  for (auto& worker : impl_->workers) {
    asio::co_spawn(worker->io, impl_->AcceptLoop(*worker), asio::detached);
    worker->thread = std::thread([io = &worker->io] {
      try {
        io->run();
      } catch (const std::exception& e) {
        log::FatalMessage(absl::StrCat("proxy worker failed: ", e.what()));
      }
    });
  }
  impl_->accepting.store(true);
  return EndpointText(*endpoint);
}

void ProxyServer::StopAccepting() {
  if (!impl_->accepting.exchange(false)) return;
  // Waits for every worker to close its acceptor, so that once this returns
  // a new connection is refused rather than accepted by a straggler.
  std::mutex mu;
  std::condition_variable all_closed;
  size_t open = impl_->workers.size();
  for (auto& worker : impl_->workers) {
    asio::post(worker->io, [w = worker.get(), &mu, &all_closed, &open] {
      boost::system::error_code ignored;
      w->acceptor->close(ignored);
      // Notified under the lock: the waiter's locals must outlive the call.
      std::lock_guard<std::mutex> lock(mu);
      if (--open == 0) all_closed.notify_all();
    });
  }
  std::unique_lock<std::mutex> lock(mu);
  all_closed.wait(lock, [&] { return open == 0; });
}

int ProxyServer::ActiveConnections() const { return impl_->active.load(); }

bool ProxyServer::WaitForConnections(absl::Duration timeout) {
  impl_->draining.store(true, std::memory_order_release);
  std::unique_lock<std::mutex> lock(impl_->mu);
  return impl_->idle.wait_for(lock, absl::ToChronoNanoseconds(timeout),
                              [&] { return impl_->active.load(std::memory_order_acquire) == 0; });
}

void ProxyServer::CloseConnections() {
  for (auto& worker : impl_->workers) {
    asio::post(worker->io, [w = worker.get()] {
      for (asio::cancellation_signal& signal : w->sessions) {
        signal.emit(asio::cancellation_type::terminal);
      }
    });
  }
}

void ProxyServer::Join() {
  if (impl_->joined) return;
  impl_->joined = true;
  for (auto& worker : impl_->workers) {
    if (worker->thread.joinable()) worker->thread.join();
  }
}

bool ProxyServer::Accepting() const { return impl_->accepting.load(); }

}  // namespace postern::proxy
