#include "proxy/proxy_protocol_reader.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/socket_base.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <string>
#include <string_view>

#include "absl/strings/str_cat.h"

namespace postern::proxy {
namespace {

namespace asio = boost::asio;
using namespace asio::experimental::awaitable_operators;

// Bytes peeked per round: more than the longest v1 header and than a
// typical v2 one with a few TLVs, so one round usually does.
constexpr std::size_t kPeekBytes = 512;

}  // namespace

asio::awaitable<absl::StatusOr<ProxyHeader>> ReadProxyHeader(asio::ip::tcp::socket& socket,
                                                             asio::steady_timer& deadline) {
  ProxyHeaderParser parser;
  std::string peeked(kPeekBytes, '\0');
  // Each round peeks what has arrived and consumes what the parser took:
  // all of it while the header is incomplete (so the next peek waits for
  // new bytes instead of returning the same ones), only the header's when
  // it is complete.
  for (;;) {
    auto result =
        co_await (socket.async_receive(asio::buffer(peeked), asio::socket_base::message_peek,
                                       asio::as_tuple(asio::use_awaitable)) ||
                  deadline.async_wait(asio::as_tuple(asio::use_awaitable)));
    if (result.index() == 1) {
      if (std::get<0>(std::get<1>(result))) co_return absl::CancelledError("shutdown");
      co_return absl::DeadlineExceededError(
          absl::StrCat("no complete PROXY protocol header before the deadline (", parser.received(),
                       " bytes received)"));
    }
    auto [ec, n] = std::get<0>(result);
    if (ec == asio::error::operation_aborted) co_return absl::CancelledError("shutdown");
    if (ec == asio::error::eof && parser.received() > 0) {
      co_return absl::InvalidArgumentError(parser.EndOfStreamError());
    }
    if (ec == asio::error::eof) co_return absl::UnavailableError(parser.EndOfStreamError());
    if (ec) co_return absl::UnavailableError(absl::StrCat("client error: ", ec.message()));

    const ProxyHeaderParser::Progress progress = parser.Feed(std::string_view(peeked.data(), n));
    if (progress == ProxyHeaderParser::Progress::kError) {
      co_return absl::InvalidArgumentError(parser.error());
    }
    // The bytes are in the socket's receive queue already: this completes at once.
    auto [read_ec, read] =
        co_await asio::async_read(socket, asio::buffer(peeked.data(), parser.consumed()),
                                  asio::as_tuple(asio::use_awaitable));
    if (read_ec == asio::error::operation_aborted) co_return absl::CancelledError("shutdown");
    if (read_ec)
      co_return absl::UnavailableError(absl::StrCat("client error: ", read_ec.message()));
    if (progress == ProxyHeaderParser::Progress::kDone) co_return parser.header();
  }
}

}  // namespace postern::proxy
