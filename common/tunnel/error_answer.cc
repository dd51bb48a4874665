#include "common/tunnel/error_answer.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/cancellation_type.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <exception>
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/tunnel/byte_stream.h"

namespace postern::tunnel {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

tcp::socket& Socket(tcp::socket& socket) { return socket; }
tcp::socket& Socket(asio::ssl::stream<tcp::socket>& stream) { return stream.next_layer(); }
tcp::socket& Socket(TlsSocket& stream) { return stream.next_layer(); }

bool Cancelled(const asio::cancellation_state& state) {
  return state.cancelled() != asio::cancellation_type::none;
}

// Writes, half-closes and drains; stops at the first cancellation (the
// deadline). `status` gets the outcome of the write.
template <typename Stream>
asio::awaitable<void> AnswerAndDrain(Stream& stream, const std::string& answer,
                                     std::size_t max_drain_bytes, absl::Status& status) {
  co_await asio::this_coro::throw_if_cancelled(false);
  const asio::cancellation_state cancellation = co_await asio::this_coro::cancellation_state;
  auto [write_error, written] =
      co_await asio::async_write(stream, asio::buffer(answer), asio::as_tuple(asio::use_awaitable));
  if (write_error) {
    if (!Cancelled(cancellation)) {
      status = absl::UnavailableError(
          absl::StrCat("could not send the error answer: ", write_error.message()));
    }
    co_return;
  }
  status = absl::OkStatus();
  if (Cancelled(cancellation)) co_return;
  co_await ShutdownSend(stream);
  // Raw bytes, not TLS records: they are discarded, and a client that sends
  // garbage must not turn the drain into an error.
  tcp::socket& socket = Socket(stream);
  auto buffer = std::make_unique<char[]>(16 * 1024);
  std::size_t drained = 0;
  while (drained < max_drain_bytes && !Cancelled(cancellation)) {
    auto [ec, n] = co_await socket.async_read_some(asio::buffer(buffer.get(), 16 * 1024),
                                                   asio::as_tuple(asio::use_awaitable));
    drained += n;
    if (ec) break;
  }
}

template <typename Stream>
asio::awaitable<absl::Status> Send(Stream& stream, std::string answer, ErrorAnswerOptions options) {
  co_await asio::this_coro::throw_if_cancelled(false);
  absl::Status status =
      absl::DeadlineExceededError("the client did not read the error answer in time");
  try {
    const auto executor = co_await asio::this_coro::executor;
    asio::steady_timer deadline(executor, options.timeout);
    co_await asio::experimental::make_parallel_group(
        asio::co_spawn(executor, AnswerAndDrain(stream, answer, options.max_drain_bytes, status),
                       asio::deferred),
        deadline.async_wait(asio::deferred))
        .async_wait(asio::experimental::wait_for_one(), asio::use_awaitable);
  } catch (const std::exception& e) {
    status = absl::InternalError(absl::StrCat("sending the error answer: ", e.what()));
  }
  boost::system::error_code ignored;
  Socket(stream).close(ignored);
  co_return status;
}

}  // namespace

asio::awaitable<absl::Status> SendErrorAnswer(tcp::socket& stream, std::string answer,
                                              ErrorAnswerOptions options) {
  return Send(stream, std::move(answer), options);
}

asio::awaitable<absl::Status> SendErrorAnswer(asio::ssl::stream<tcp::socket>& stream,
                                              std::string answer, ErrorAnswerOptions options) {
  return Send(stream, std::move(answer), options);
}

asio::awaitable<absl::Status> SendErrorAnswer(TlsSocket& stream, std::string answer,
                                              ErrorAnswerOptions options) {
  return Send(stream, std::move(answer), options);
}

}  // namespace postern::tunnel
