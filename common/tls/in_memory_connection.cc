#include "common/tls/in_memory_connection.h"

#include <openssl/bio.h>
#include <openssl/err.h>

#include "absl/strings/str_cat.h"
#include "common/tls/ssl_ptr.h"

namespace postern::tls {
namespace {

// Enough for any handshake: each round lets each side consume everything the
// other wrote; a TLS 1.3 handshake with resumption needs three.
constexpr int kMaxRounds = 20;

enum class State { kRunning, kDone, kFailed };

void Step(SSL* ssl, State& state, std::string& error) {
  if (state != State::kRunning) return;
  const int result = SSL_do_handshake(ssl);
  if (result == 1) {
    state = State::kDone;
    return;
  }
  const int reason = SSL_get_error(ssl, result);
  if (reason == SSL_ERROR_WANT_READ || reason == SSL_ERROR_WANT_WRITE) return;
  state = State::kFailed;
  // Both sides share this thread's error queue: take the reasons now.
  error = LastSslError();
}

// Writes one byte on `from` and reads it on `to`; "" on success.
std::string PassByte(SSL* from, SSL* to) {
  const char sent = 'x';
  char received = 0;
  if (SSL_write(from, &sent, 1) != 1) return absl::StrCat("write: ", LastSslError());
  if (SSL_read(to, &received, 1) != 1 || received != sent) {
    return absl::StrCat("read: ", LastSslError());
  }
  return "";
}

}  // namespace

HandshakeOutcome ConnectInMemory(SSL* client, SSL* server) {
  ClearSslErrors();
  BIO* client_end = nullptr;
  BIO* server_end = nullptr;
  HandshakeOutcome outcome;
  if (BIO_new_bio_pair(&client_end, 0, &server_end, 0) != 1) {
    outcome.client_error = outcome.server_error = "BIO_new_bio_pair: " + LastSslError();
    return outcome;
  }
  SSL_set_bio(client, client_end, client_end);
  SSL_set_bio(server, server_end, server_end);
  SSL_set_connect_state(client);
  SSL_set_accept_state(server);

  State client_state = State::kRunning;
  State server_state = State::kRunning;
  for (int round = 0;
       round < kMaxRounds && (client_state == State::kRunning || server_state == State::kRunning);
       ++round) {
    Step(client, client_state, outcome.client_error);
    Step(server, server_state, outcome.server_error);
  }
  if (client_state == State::kRunning) outcome.client_error = "handshake did not finish";
  if (server_state == State::kRunning) outcome.server_error = "handshake did not finish";
  if (client_state != State::kDone || server_state != State::kDone) return outcome;

  outcome.client_error = PassByte(server, client);
  if (outcome.client_error.empty()) outcome.server_error = PassByte(client, server);
  outcome.client_ok = outcome.client_error.empty();
  outcome.server_ok = outcome.client_ok && outcome.server_error.empty();
  // Both send close_notify, as well-behaved peers do. Without it OpenSSL marks
  // the session not resumable when the SSL is freed.
  SSL_shutdown(client);
  SSL_shutdown(server);
  ClearSslErrors();
  return outcome;
}

}  // namespace postern::tls
