// Sending an error answer (400, 403, 431, ...) so that the client gets to
// read it.
//
// A refused client has usually sent more than the proxy read: the rest of an
// oversized header, or tunnel bytes pipelined after its CONNECT. Closing a
// TCP socket with unread input makes the kernel send a reset instead of a
// FIN, and a reset can destroy the answer before the client reads it. So:
// send the answer, end the sending side, read and discard briefly (bounded
// in time and bytes) until the client closes, then close.
//
//   co_await SendErrorAnswer(client_tls, FormatResponse(431, parser.error().reason));
//   // client_tls is closed now.
#ifndef POSTERN_COMMON_TUNNEL_ERROR_ANSWER_H_
#define POSTERN_COMMON_TUNNEL_ERROR_ANSWER_H_

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <chrono>
#include <cstddef>
#include <string>

#include "absl/status/status.h"
#include "common/tunnel/tls_socket.h"

namespace postern::tunnel {

struct ErrorAnswerOptions {
  // The whole exchange (writing the answer and draining) ends after this.
  std::chrono::steady_clock::duration timeout = std::chrono::seconds(2);
  // At most this many bytes are read and discarded after the answer.
  std::size_t max_drain_bytes = 256 * 1024;
};

// SendErrorAnswer writes `answer` (a complete HTTP response, e.g. from
// FormatResponse) to `stream`, ends the sending side (TLS: close_notify then
// FIN; TCP: FIN), discards what the client still sends until it closes or
// the limits in `options` are reached, and closes `stream` in every case.
// Returns OK if the whole answer was written; kDeadlineExceeded if the
// client did not take it within the timeout; kUnavailable with the reason if
// writing failed. Never throws. Nothing else may use `stream` meanwhile.
boost::asio::awaitable<absl::Status> SendErrorAnswer(boost::asio::ip::tcp::socket& stream,
                                                     std::string answer,
                                                     ErrorAnswerOptions options = {});
boost::asio::awaitable<absl::Status> SendErrorAnswer(
    boost::asio::ssl::stream<boost::asio::ip::tcp::socket>& stream, std::string answer,
    ErrorAnswerOptions options = {});
boost::asio::awaitable<absl::Status> SendErrorAnswer(TlsSocket& stream, std::string answer,
                                                     ErrorAnswerOptions options = {});

}  // namespace postern::tunnel

#endif  // POSTERN_COMMON_TUNNEL_ERROR_ANSWER_H_
