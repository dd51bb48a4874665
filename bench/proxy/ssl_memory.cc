// ssl_memory: how much heap one server-side TLS connection holds once its
// handshake is done, with the proxy's own TLS context (common/tls), measured
// without sockets or Asio: N handshakes over memory BIOs, the server SSLs
// kept, glibc's in-use bytes before and after, divided by N.
//
//   ssl_memory --cert server.pem --key server-key.pem --ca ca.pem --count 2000
//
// It tells the idle-tunnel budget (docs/PERFORMANCE.md) what OpenSSL itself
// takes, as opposed to the proxy's own per-tunnel state.
#include <malloc.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "common/flags/command_line.h"
#include "common/tls/server_context.h"

namespace postern::bench {
namespace {

const std::vector<flags::FlagSpec> kFlags = {
    {.name = "cert", .value_name = "PEM", .help = "server certificate"},
    {.name = "key", .value_name = "PEM", .help = "server key"},
    {.name = "ca", .value_name = "PEM", .help = "CA for the client"},
    {.name = "count", .value_name = "N", .help = "connections; 2000"},
    {.name = "tickets",
     .value_name = "N",
     .help = "TLS 1.3 tickets per handshake; library default"},
    {.name = "plain", .help = "a bare context (certificate and key only) instead of common/tls's"},
};

size_t InUse() { return mallinfo2().uordblks; }

// Moves bytes between the two memory BIO pairs until neither side has more.
void Pump(SSL* client, SSL* server) {
  char buffer[16384];
  for (bool moved = true; moved;) {
    moved = false;
    for (auto [from, to] : {std::pair{client, server}, std::pair{server, client}}) {
      BIO* out = SSL_get_wbio(from);
      BIO* in = SSL_get_rbio(to);
      int n;
      while ((n = BIO_read(out, buffer, sizeof(buffer))) > 0) {
        BIO_write(in, buffer, n);
        moved = true;
      }
    }
    if (SSL_is_init_finished(client) == 0) SSL_do_handshake(client), moved = true;
    if (SSL_is_init_finished(server) == 0) SSL_do_handshake(server);
    if (SSL_is_init_finished(client) && SSL_is_init_finished(server)) {
      // Flush what is left (tickets) and stop once nothing moves.
    }
  }
}

int Main(int argc, char** argv) {
  absl::StatusOr<flags::CommandLine> cl =
      flags::CommandLine::Parse(flags::Arguments(argc, argv), kFlags);
  if (!cl.ok()) {
    std::cerr << cl.status().message() << "\n";
    return 2;
  }
  int count = 2000;
  if (cl->Has("count") && !absl::SimpleAtoi(cl->Value("count"), &count)) return 2;
  std::vector<uint8_t> secret(32, 7);
  absl::StatusOr<tls::ServerContext> server_ctx = tls::ServerContext::Create(
      {{.cert_file = cl->Value("cert"), .key_file = cl->Value("key")}}, secret);
  if (!server_ctx.ok()) {
    std::cerr << server_ctx.status().message() << "\n";
    return 1;
  }
  SSL_CTX* serving = server_ctx->native();
  if (cl->Has("plain")) {
    serving = SSL_CTX_new(TLS_server_method());
    SSL_CTX_use_certificate_chain_file(serving, cl->Value("cert").c_str());
    SSL_CTX_use_PrivateKey_file(serving, cl->Value("key").c_str(), SSL_FILETYPE_PEM);
    SSL_CTX_set_mode(serving, SSL_MODE_RELEASE_BUFFERS);
  }
  int tickets = 0;
  if (cl->Has("tickets") && absl::SimpleAtoi(cl->Value("tickets"), &tickets)) {
    SSL_CTX_set_num_tickets(serving, static_cast<size_t>(tickets));
  }
  SSL_CTX* client_ctx = SSL_CTX_new(TLS_client_method());
  SSL_CTX_load_verify_locations(client_ctx, cl->Value("ca").c_str(), nullptr);
  SSL_CTX_set_verify(client_ctx, SSL_VERIFY_PEER, nullptr);
  SSL_CTX_set_ciphersuites(client_ctx, "TLS_AES_128_GCM_SHA256");

  std::vector<SSL*> servers;
  auto run = [&](int n, bool keep, bool free_buffers) {
    for (int i = 0; i < n; ++i) {
      SSL* client = SSL_new(client_ctx);
      SSL* server = SSL_new(serving);
      SSL_set_bio(client, BIO_new(BIO_s_mem()), BIO_new(BIO_s_mem()));
      SSL_set_bio(server, BIO_new(BIO_s_mem()), BIO_new(BIO_s_mem()));
      SSL_set_connect_state(client);
      SSL_set_accept_state(server);
      SSL_set_tlsext_host_name(client, "proxy.bench.example");
      SSL_do_handshake(client);
      Pump(client, server);
      char byte = 'x';
      size_t n1 = 0;
      SSL_write_ex(client, &byte, 1, &n1);
      Pump(client, server);
      SSL_read_ex(server, &byte, 1, &n1);
      SSL_write_ex(server, &byte, 1, &n1);
      Pump(client, server);
      SSL_read_ex(client, &byte, 1, &n1);
      if (!SSL_is_init_finished(server)) {
        std::cerr << "handshake failed\n";
        return false;
      }
      // Empty memory BIOs instead of the used ones, whose buffers grew.
      SSL_set_bio(server, BIO_new(BIO_s_mem()), BIO_new(BIO_s_mem()));
      if (free_buffers) SSL_free_buffers(server);
      SSL_free(client);
      if (keep) {
        servers.push_back(server);
      } else {
        SSL_free(server);
      }
    }
    return true;
  };
  run(50, false, false);
  {
    const auto start = std::chrono::steady_clock::now();
    run(count, false, false);
    std::printf("handshake + 1 byte each way, both sides, one thread: %.1f us each\n",
                std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start)
                        .count() /
                    count);
  }
  for (bool free_buffers : {false, true}) {
    malloc_trim(0);
    const size_t before = InUse();
    if (!run(count, true, free_buffers)) return 1;
    const size_t after = InUse();
    std::printf("server SSL after handshake + 1 byte each way%s: %.2f KiB each\n",
                free_buffers ? ", SSL_free_buffers" : "", (after - before) / 1024.0 / count);
    for (SSL* s : servers) SSL_free(s);
    servers.clear();
  }
  // The BIOs alone, to subtract.
  const size_t before = InUse();
  std::vector<BIO*> bios;
  for (int i = 0; i < count * 2; ++i) bios.push_back(BIO_new(BIO_s_mem()));
  std::printf("two empty memory BIOs: %.2f KiB\n", (InUse() - before) / 1024.0 / count);
  return 0;
}

}  // namespace
}  // namespace postern::bench

int main(int argc, char** argv) { return postern::bench::Main(argc, argv); }
