#include "proxy/metrics_server.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <chrono>
#include <exception>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/config/url.h"
#include "common/log/log.h"
#include "common/tunnel/connect_request.h"
#include "common/tunnel/error_answer.h"

namespace postern::proxy {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;

// A scrape is a few lines of request; anything larger is not one.
constexpr std::uint32_t kMaxRequestHeaderBytes = 8 * 1024;
// Time allowed for each request on a connection (and idle time between them).
constexpr std::chrono::seconds kRequestTimeout(10);
// After an accept error such as EMFILE (descriptors exhausted) the pending
// connection stays queued and the next accept fails at once; pausing keeps
// the loop from spinning on it (as the proxy's own acceptors do).
constexpr std::chrono::milliseconds kAcceptErrorPause(100);
constexpr char kPrometheusContentType[] = "text/plain; version=0.0.4; charset=utf-8";

http::response<http::string_body> Respond(const http::request<http::empty_body>& request,
                                          const MetricsServer::Handlers& handlers) {
  http::response<http::string_body> response;
  response.version(request.version());
  response.set(http::field::content_type, "text/plain; charset=utf-8");
  std::string_view target(request.target().data(), request.target().size());
  target = target.substr(0, target.find('?'));
  if (request.method() != http::verb::get && request.method() != http::verb::head) {
    response.result(http::status::method_not_allowed);
    response.set(http::field::allow, "GET, HEAD");
    response.body() = "only GET and HEAD\n";
  } else if (target == "/metrics") {
    response.result(http::status::ok);
    response.set(http::field::content_type, kPrometheusContentType);
    response.body() = handlers.render_metrics();
  } else if (target == "/healthz") {
    response.result(http::status::ok);
    response.body() = "ok\n";
  } else if (target == "/readyz") {
    const bool ready = handlers.ready();
    response.result(ready ? http::status::ok : http::status::service_unavailable);
    response.body() = ready ? "ready\n" : "not ready\n";
  } else {
    response.result(http::status::not_found);
    response.body() = "not found; try /metrics, /healthz or /readyz\n";
  }
  response.keep_alive(request.keep_alive());
  response.prepare_payload();
  if (request.method() == http::verb::head) response.body().clear();
  return response;
}

// A request that could not be read because it is not one: malformed (400),
// headers over the limit (431), or with a body (413).
struct Refusal {
  int status;
  std::string text;
};

// RefusalFor names the refusal for `error`; nullopt when the connection
// ended or timed out, which gets no answer.
std::optional<Refusal> RefusalFor(const beast::error_code& error) {
  if (error.category() != http::make_error_code(http::error::bad_method).category() ||
      error == http::error::end_of_stream || error == http::error::partial_message) {
    return std::nullopt;
  }
  if (error == http::error::header_limit) return Refusal{431, "request headers too large"};
  if (error == http::error::body_limit) {
    return Refusal{413, "a request body is not expected; try GET /metrics, /healthz or /readyz"};
  }
  return Refusal{400, absl::StrCat("malformed HTTP request: ", error.message())};
}

asio::awaitable<void> Serve(tcp::socket socket, const MetricsServer::Handlers& handlers) {
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;
  for (;;) {
    http::request_parser<http::empty_body> parser;
    parser.header_limit(kMaxRequestHeaderBytes);
    parser.body_limit(0);
    stream.expires_after(kRequestTimeout);
    auto [read_error, read] =
        co_await http::async_read(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
    if (read_error) {
      if (std::optional<Refusal> refusal = RefusalFor(read_error)) {
        // Answered so that the client gets to read it, as the tunnel
        // listener answers its refusals; this closes the socket.
        stream.expires_never();
        co_await tunnel::SendErrorAnswer(stream.socket(),
                                         tunnel::FormatResponse(refusal->status, refusal->text));
        co_return;
      }
      break;
    }
    http::response<http::string_body> response = Respond(parser.get(), handlers);
    const bool keep_alive = response.keep_alive();
    auto [write_error, written] =
        co_await http::async_write(stream, response, asio::as_tuple(asio::use_awaitable));
    if (write_error || !keep_alive) break;
  }
  boost::system::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  stream.socket().close(ignored);
}

}  // namespace

struct MetricsServer::Impl {
  explicit Impl(Handlers h) : handlers(std::move(h)) {}

  asio::awaitable<void> AcceptLoop() {
    for (;;) {
      auto [ec, socket] = co_await acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
      if (!acceptor.is_open() || ec == asio::error::operation_aborted) co_return;
      if (ec) {
        asio::steady_timer pause(io, kAcceptErrorPause);
        co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
        continue;
      }
      asio::co_spawn(io, Serve(std::move(socket), handlers), asio::detached);
    }
  }

  const Handlers handlers;
  asio::io_context io{1};
  tcp::acceptor acceptor{io};
  std::string address;
  std::thread thread;
};

absl::StatusOr<std::unique_ptr<MetricsServer>> MetricsServer::Start(const std::string& address,
                                                                    Handlers handlers) {
  absl::StatusOr<config::HostPort> host_port =
      config::ParseHostPort(address, /*allow_empty_host=*/true);
  if (!host_port.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("metrics_address ", address, ": ", host_port.status().message()));
  }
  auto impl = std::make_unique<Impl>(std::move(handlers));
  boost::system::error_code ec;
  tcp::endpoint endpoint(tcp::v6(), static_cast<unsigned short>(host_port->port));
  if (!host_port->host.empty()) {
    const asio::ip::address ip = asio::ip::make_address(host_port->host, ec);
    if (ec) {
      tcp::resolver resolver(impl->io);
      auto results = resolver.resolve(host_port->host, std::to_string(host_port->port), ec);
      if (ec || results.empty()) {
        return absl::UnavailableError(absl::StrCat("cannot serve metrics on ", address,
                                                   ": host does not resolve (", ec.message(), ")"));
      }
      endpoint = results.begin()->endpoint();
    } else {
      endpoint = tcp::endpoint(ip, static_cast<unsigned short>(host_port->port));
    }
  }
  impl->acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl->acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) impl->acceptor.bind(endpoint, ec);
  if (!ec) impl->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return absl::UnavailableError(
        absl::StrCat("cannot serve metrics on ", address, ": ", ec.message()));
  }
  const tcp::endpoint bound = impl->acceptor.local_endpoint();
  impl->address = bound.address().is_v6()
                      ? absl::StrCat("[", bound.address().to_string(), "]:", bound.port())
                      : absl::StrCat(bound.address().to_string(), ":", bound.port());
  asio::co_spawn(impl->io, impl->AcceptLoop(), asio::detached);
  impl->thread = std::thread([io = &impl->io] {
    try {
      io->run();
    } catch (const std::exception& e) {
      log::Error("metrics server stopped: %s", e.what());
    }
  });
  return std::unique_ptr<MetricsServer>(new MetricsServer(std::move(impl)));
}

MetricsServer::MetricsServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

MetricsServer::~MetricsServer() {
  impl_->io.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

const std::string& MetricsServer::address() const { return impl_->address; }

}  // namespace postern::proxy
