// Test-only: a TLS client and server talking through an in-memory BIO pair in
// one thread, so handshake behaviour is tested without sockets or Asio.
//
//   SslUniquePtr<SSL> client(SSL_new(client_ctx)), server(SSL_new(server_ctx));
//   HandshakeOutcome outcome = ConnectInMemory(client.get(), server.get());
//   EXPECT_TRUE(outcome.ok()) << outcome.client_error << " / " << outcome.server_error;
//   EXPECT_TRUE(SSL_session_reused(client.get()));
#ifndef POSTERN_COMMON_TLS_IN_MEMORY_CONNECTION_H_
#define POSTERN_COMMON_TLS_IN_MEMORY_CONNECTION_H_

#include <openssl/ssl.h>

#include <string>

namespace postern::tls {

struct HandshakeOutcome {
  bool client_ok = false;
  bool server_ok = false;
  // The TLS library's reasons for each side's failure (LastSslError); empty
  // for a side that succeeded.
  std::string client_error;
  std::string server_error;

  bool ok() const { return client_ok && server_ok; }
};

// ConnectInMemory joins `client` and `server` with a BIO pair (the SSLs own
// it), runs both handshakes to completion or failure, and, if both succeed,
// passes one byte each way, so that the client has also processed session
// tickets a TLS 1.3 server sends after the handshake, and then has each side
// send close_notify.
HandshakeOutcome ConnectInMemory(SSL* client, SSL* server);

}  // namespace postern::tls

#endif  // POSTERN_COMMON_TLS_IN_MEMORY_CONNECTION_H_
