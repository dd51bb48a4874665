#include "common/tunnel/loopback.h"

#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <boost/asio/ip/address_v4.hpp>
#include <boost/asio/ssl/error.hpp>
#include <memory>
#include <stdexcept>

namespace postern::tunnel::testing {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

struct KeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct KeyContextFree {
  void operator()(EVP_PKEY_CTX* context) const { EVP_PKEY_CTX_free(context); }
};
struct CertificateFree {
  void operator()(X509* certificate) const { X509_free(certificate); }
};

void Check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("test TLS setup failed: ") + what);
}

std::unique_ptr<EVP_PKEY, KeyFree> MakeKey() {
  std::unique_ptr<EVP_PKEY_CTX, KeyContextFree> context(EVP_PKEY_CTX_new_id(EVP_PKEY_EC, nullptr));
  Check(context != nullptr, "EVP_PKEY_CTX_new_id");
  Check(EVP_PKEY_keygen_init(context.get()) == 1, "EVP_PKEY_keygen_init");
  Check(EVP_PKEY_CTX_set_ec_paramgen_curve_nid(context.get(), NID_X9_62_prime256v1) == 1,
        "set curve");
  EVP_PKEY* key = nullptr;
  Check(EVP_PKEY_keygen(context.get(), &key) == 1, "EVP_PKEY_keygen");
  return std::unique_ptr<EVP_PKEY, KeyFree>(key);
}

std::unique_ptr<X509, CertificateFree> MakeCertificate(EVP_PKEY* key) {
  std::unique_ptr<X509, CertificateFree> certificate(X509_new());
  Check(certificate != nullptr, "X509_new");
  X509* x = certificate.get();
  Check(X509_set_version(x, 2) == 1, "X509_set_version");
  Check(ASN1_INTEGER_set(X509_get_serialNumber(x), 1) == 1, "serial");
  Check(X509_gmtime_adj(X509_getm_notBefore(x), -3600) != nullptr, "notBefore");
  Check(X509_gmtime_adj(X509_getm_notAfter(x), 24 * 3600) != nullptr, "notAfter");
  X509_NAME* name = X509_get_subject_name(x);
  Check(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                   reinterpret_cast<const unsigned char*>("localhost"), -1, -1,
                                   0) == 1,
        "subject");
  Check(X509_set_issuer_name(x, name) == 1, "issuer");
  Check(X509_set_pubkey(x, key) == 1, "X509_set_pubkey");
  Check(X509_sign(x, key, EVP_sha256()) > 0, "X509_sign");
  return certificate;
}

}  // namespace

std::pair<tcp::socket, tcp::socket> TcpPair(asio::io_context& io) {
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::address_v4::loopback(), 0));
  tcp::socket a(io);
  a.connect(acceptor.local_endpoint());
  tcp::socket b = acceptor.accept();
  a.set_option(tcp::no_delay(true));
  b.set_option(tcp::no_delay(true));
  return {std::move(a), std::move(b)};
}

TestTls::TestTls(int max_version)
    : server(asio::ssl::context::tls_server), client(asio::ssl::context::tls_client) {
  if (max_version != 0) {
    Check(SSL_CTX_set_max_proto_version(server.native_handle(), max_version) == 1,
          "SSL_CTX_set_max_proto_version");
  }
  std::unique_ptr<EVP_PKEY, KeyFree> key = MakeKey();
  std::unique_ptr<X509, CertificateFree> certificate = MakeCertificate(key.get());
  Check(SSL_CTX_use_certificate(server.native_handle(), certificate.get()) == 1,
        "SSL_CTX_use_certificate");
  Check(SSL_CTX_use_PrivateKey(server.native_handle(), key.get()) == 1, "SSL_CTX_use_PrivateKey");
  Check(X509_STORE_add_cert(SSL_CTX_get_cert_store(client.native_handle()), certificate.get()) == 1,
        "X509_STORE_add_cert");
  client.set_verify_mode(asio::ssl::verify_peer);
}

namespace {

// Runs the two handshakes started on `io` until both have finished; throws
// if either failed.
void AwaitHandshakes(asio::io_context& io, const boost::system::error_code& client_ec,
                     const boost::system::error_code& server_ec) {
  io.restart();
  io.run();
  io.restart();
  if (client_ec || server_ec) {
    throw std::runtime_error("test TLS handshake failed: client: " + client_ec.message() +
                             ", server: " + server_ec.message());
  }
}

}  // namespace

std::pair<TlsStream, TlsStream> TlsPair(asio::io_context& io, TestTls& tls) {
  auto [a, b] = TcpPair(io);
  TlsStream client(std::move(a), tls.client);
  TlsStream server(std::move(b), tls.server);
  boost::system::error_code client_ec = asio::error::would_block;
  boost::system::error_code server_ec = asio::error::would_block;
  client.async_handshake(TlsStream::client, [&](boost::system::error_code ec) { client_ec = ec; });
  server.async_handshake(TlsStream::server, [&](boost::system::error_code ec) { server_ec = ec; });
  AwaitHandshakes(io, client_ec, server_ec);
  return {std::move(client), std::move(server)};
}

std::pair<TlsStream, TlsSocket> TlsSocketPair(asio::io_context& io, TestTls& tls,
                                              TlsSocketPairOptions options) {
  auto [a, b] = TcpPair(io);
  TlsStream client(std::move(a), tls.client);
  TlsSocket server(std::move(b), tls.server.native_handle());
  if (options.session != nullptr) {
    Check(SSL_set_session(client.native_handle(), options.session) == 1, "SSL_set_session");
  }
  if (options.defer_tickets) server.DeferSessionTickets();
  boost::system::error_code client_ec = asio::error::would_block;
  boost::system::error_code server_ec = asio::error::would_block;
  client.async_handshake(TlsStream::client, [&](boost::system::error_code ec) { client_ec = ec; });
  server.async_handshake([&](boost::system::error_code ec) { server_ec = ec; });
  AwaitHandshakes(io, client_ec, server_ec);
  return {std::move(client), std::move(server)};
}

}  // namespace postern::tunnel::testing
