#include "cli/fake_proxy.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/address_v4.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <string>
#include <utility>

#include "common/tunnel/byte_stream.h"

namespace postern::cli::testing {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

}  // namespace

FakeProxy::FakeProxy(asio::io_context& io, SSL_CTX* server)
    : io_(io),
      server_(server),
      acceptor_(io, tcp::endpoint(asio::ip::address_v4::loopback(), 0)),
      release_(io, asio::steady_timer::time_point::max()) {
  port_ = acceptor_.local_endpoint().port();
  asio::co_spawn(io_, Accept(), asio::detached);
}

void FakeProxy::HoldFirstAnswer() { hold_next_ = true; }

void FakeProxy::ReleaseFirstAnswer() { release_.cancel(); }

void FakeProxy::Stop() {
  boost::system::error_code ignored;
  acceptor_.close(ignored);
}

asio::awaitable<void> FakeProxy::Accept() {
  for (;;) {
    auto [ec, socket] = co_await acceptor_.async_accept(kTuple);
    if (ec) co_return;
    asio::co_spawn(io_, Serve(std::move(socket)), asio::detached);
  }
}

asio::awaitable<void> FakeProxy::Serve(tcp::socket socket) {
  asio::ssl::stream<tcp::socket> tls(std::move(socket), SSL_new(server_));
  auto [handshake_ec] = co_await tls.async_handshake(asio::ssl::stream_base::server, kTuple);
  if (handshake_ec) co_return;
  ++handshakes_;
  if (SSL_session_reused(tls.native_handle()) == 1) ++resumed_;

  tunnel::ConnectRequestParser parser;
  std::string buffer(16 * 1024, '\0');
  std::string_view piece;
  tunnel::ConnectRequestParser::Progress progress =
      tunnel::ConnectRequestParser::Progress::kNeedMore;
  while (progress == tunnel::ConnectRequestParser::Progress::kNeedMore) {
    auto [ec, n] = co_await tls.async_read_some(asio::buffer(buffer), kTuple);
    if (ec) co_return;
    piece = std::string_view(buffer.data(), n);
    progress = parser.Feed(piece);
  }
  if (progress != tunnel::ConnectRequestParser::Progress::kDone) co_return;
  requests_.push_back(parser.request());
  std::string early(piece.substr(parser.consumed()));

  if (std::exchange(hold_next_, false)) co_await release_.async_wait(kTuple);
  const Answer answer = answer_;
  if (answer.close_without_answer) co_return;
  std::string out =
      answer.raw.empty() ? tunnel::FormatResponse(answer.status, answer.text) : answer.raw;
  if (answer.status == 200 && answer.raw.empty()) out += answer.first_tunnel_bytes + early;
  auto [write_ec, written] = co_await asio::async_write(tls, asio::buffer(out), kTuple);
  if (write_ec || answer.status != 200 || !answer.raw.empty()) {
    co_await tunnel::ShutdownSend(tls);
    // Wait for the client to finish, so it reads the whole answer.
    co_await tls.async_read_some(asio::buffer(buffer), kTuple);
    co_return;
  }
  for (;;) {
    auto [ec, n] = co_await tls.async_read_some(asio::buffer(buffer), kTuple);
    if (n > 0) {
      auto [echo_ec, echoed] =
          co_await asio::async_write(tls, asio::buffer(buffer.data(), n), kTuple);
      if (echo_ec) co_return;
    }
    if (ec) break;
  }
  co_await tunnel::ShutdownSend(tls);
}

}  // namespace postern::cli::testing
