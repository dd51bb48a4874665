// Test-only: a stand-in for postern-proxy inside the test process. It
// accepts TLS on 127.0.0.1 (port 0) with the given server context, reads one
// CONNECT request per connection, records it, and answers as scripted; after
// a 200 it echoes tunnel bytes back until the client finishes sending.
//
//   FakeProxy proxy(io, server_context.native());
//   proxy.set_answer({.status = 403, .text = "not on the list"});
//   ... dial 127.0.0.1:proxy.port() ...
//   EXPECT_EQ(proxy.requests()[0].authority, "db:5432");
#ifndef POSTERN_CLI_FAKE_PROXY_H_
#define POSTERN_CLI_FAKE_PROXY_H_

#include <openssl/ssl.h>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "common/tunnel/connect_request.h"

namespace postern::cli::testing {

class FakeProxy {
 public:
  struct Answer {
    int status = 200;
    std::string text;  // the error answer's reason text
    // Tunnel bytes sent in the same write as a 200 answer, before echoing.
    std::string first_tunnel_bytes;
    // Sent instead of a formatted answer when not empty (e.g. not HTTP).
    std::string raw;
    // Close the connection right after reading the request, answering nothing.
    bool close_without_answer = false;
  };

  // HoldFirstAnswer keeps the next connection's answer back until
  // ReleaseFirstAnswer; connections after it are answered at once.
  void HoldFirstAnswer();
  void ReleaseFirstAnswer();

  // Starts accepting on `io` at once. `server` must outlive this object.
  FakeProxy(boost::asio::io_context& io, SSL_CTX* server);

  uint16_t port() const { return port_; }
  void set_answer(Answer answer) { answer_ = std::move(answer); }

  // requests returns each CONNECT request read so far, in order.
  const std::vector<tunnel::ConnectRequest>& requests() const { return requests_; }
  // handshakes counts completed TLS handshakes; resumed those that resumed a session.
  int handshakes() const { return handshakes_; }
  int resumed() const { return resumed_; }

  // Stop closes the listener; connections in flight finish.
  void Stop();

 private:
  boost::asio::awaitable<void> Accept();
  boost::asio::awaitable<void> Serve(boost::asio::ip::tcp::socket socket);

  boost::asio::io_context& io_;
  SSL_CTX* server_;
  boost::asio::ip::tcp::acceptor acceptor_;
  uint16_t port_ = 0;
  Answer answer_;
  std::vector<tunnel::ConnectRequest> requests_;
  int handshakes_ = 0;
  bool hold_next_ = false;
  // Never expires; cancel() releases the held answer.
  boost::asio::steady_timer release_;
  int resumed_ = 0;
};

}  // namespace postern::cli::testing

#endif  // POSTERN_CLI_FAKE_PROXY_H_
