// Test-only: connected TCP and TLS stream pairs over 127.0.0.1, with a
// throwaway self-signed certificate made in memory.
//
//   asio::io_context io;
//   auto [a, b] = TcpPair(io);        // a and b are connected tcp::sockets
//   TestTls tls;                      // server and client contexts
//   auto [client, server] = TlsPair(io, tls);  // handshakes done
#ifndef POSTERN_COMMON_TUNNEL_LOOPBACK_H_
#define POSTERN_COMMON_TUNNEL_LOOPBACK_H_

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <string>
#include <utility>

#include "common/tunnel/tls_socket.h"

namespace postern::tunnel::testing {

using TlsStream = boost::asio::ssl::stream<boost::asio::ip::tcp::socket>;

// TcpPair returns two connected sockets on 127.0.0.1 (port 0), with
// TCP_NODELAY set as the proxy sets it. Throws on failure (tests only).
std::pair<boost::asio::ip::tcp::socket, boost::asio::ip::tcp::socket> TcpPair(
    boost::asio::io_context& io);

// TestTls holds a server context with a fresh P-256 key and self-signed
// certificate for "localhost", and a client context that trusts exactly that
// certificate. The server context does not set SSL_OP_IGNORE_UNEXPECTED_EOF,
// so tests see what OpenSSL reports for a TLS end without close_notify.
struct TestTls {
  // `max_version`: e.g. TLS1_2_VERSION to test older clients; 0: the newest.
  explicit TestTls(int max_version = 0);
  boost::asio::ssl::context server;
  boost::asio::ssl::context client;
};

// TlsPair returns a connected (client, server) pair of TLS streams with both
// handshakes completed, by running `io` until they are (so `io` must have no
// other work). Throws on failure.
std::pair<TlsStream, TlsStream> TlsPair(boost::asio::io_context& io, TestTls& tls);

// TlsSocketPair is TlsPair with the proxy's server end: a TlsSocket. The
// client offers `session` (to resume) if given; `defer_tickets` calls the
// server's DeferSessionTickets before the handshake.
struct TlsSocketPairOptions {
  SSL_SESSION* session = nullptr;
  bool defer_tickets = false;
};
std::pair<TlsStream, TlsSocket> TlsSocketPair(boost::asio::io_context& io, TestTls& tls,
                                              TlsSocketPairOptions options = {});

// ReadToEnd reads `stream` until it ends or fails; `end` gets the error
// that ended it.
template <typename Stream>
boost::asio::awaitable<std::string> ReadToEnd(Stream& stream, boost::system::error_code& end) {
  namespace asio = boost::asio;
  std::string data;
  std::string buffer(64 * 1024, '\0');
  for (;;) {
    auto [ec, n] =
        co_await stream.async_read_some(asio::buffer(buffer), asio::as_tuple(asio::use_awaitable));
    data.append(buffer.data(), n);
    if (ec) {
      end = ec;
      co_return data;
    }
  }
}

}  // namespace postern::tunnel::testing

#endif  // POSTERN_COMMON_TUNNEL_LOOPBACK_H_
