// HTTP/1.1 framing for the login endpoints: reading one request from a
// client connection, handing it to the AuthenticateHandler, writing the
// answer. For the proxy's listener (which has already read the start of the
// request when it finds it is not a CONNECT) and the test server.
//
//   // The listener read `head` and found "GET /.pomerium/..." instead of CONNECT:
//   co_await ServeAuthenticateRequest(tls_stream, *handler, std::move(head));
//   // One request per connection: the stream has been shut down.
#ifndef POSTERN_PROXY_AUTHENTICATE_AUTHENTICATE_HTTP_H_
#define POSTERN_PROXY_AUTHENTICATE_AUTHENTICATE_HTTP_H_

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <cstddef>
#include <string>

#include "absl/time/time.h"
#include "common/tunnel/tls_socket.h"
#include "proxy/authenticate/authenticate_handler.h"

namespace postern::authenticate {

struct ServeOptions {
  // The whole request must arrive within this (a slow client is dropped).
  absl::Duration read_timeout = absl::Seconds(10);
  // Request line and headers; larger requests are answered 431.
  std::size_t max_header_bytes = 16 * 1024;
  // A body (only sign_out takes POST) beyond this is answered 413.
  std::size_t max_body_bytes = 16 * 1024;
};

// SerializeResponse returns `response` as HTTP/1.1 bytes: status line, its
// headers, Content-Length and Connection: close, then the body.
std::string SerializeResponse(const AuthenticateResponse& response);

// ServeAuthenticateRequest reads one request from `stream`, of which the
// caller already read `already_read` (its first bytes; may be empty), and
// answers it: through `handler` if AuthenticateHandler::Handles its target,
// else 404; 400 for a malformed request, 431/413 beyond the limits. Then it
// ends the stream's sending side and closes it. A client that sends too
// slowly is closed without an answer. Never throws. `handler` must outlive
// the call; the stream's executor must not run handlers concurrently (one
// thread per io_context, as the proxy runs them, or a strand).
boost::asio::awaitable<void> ServeAuthenticateRequest(boost::asio::ip::tcp::socket& stream,
                                                      AuthenticateHandler& handler,
                                                      std::string already_read,
                                                      ServeOptions options = {});
boost::asio::awaitable<void> ServeAuthenticateRequest(
    boost::asio::ssl::stream<boost::asio::ip::tcp::socket>& stream, AuthenticateHandler& handler,
    std::string already_read, ServeOptions options = {});
// The proxy's own TLS connection type (common/tunnel/tls_socket.h).
boost::asio::awaitable<void> ServeAuthenticateRequest(tunnel::TlsSocket& stream,
                                                      AuthenticateHandler& handler,
                                                      std::string already_read,
                                                      ServeOptions options = {});

}  // namespace postern::authenticate

#endif  // POSTERN_PROXY_AUTHENTICATE_AUTHENTICATE_HTTP_H_
