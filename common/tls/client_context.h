// The TLS client configuration of the postern CLI (and of anything else that
// dials a TLS server): whom to trust, hostname checks, SNI, ALPN, and a
// session cache so that repeated connections to a proxy resume their TLS
// session instead of paying for a full handshake.
//
//   absl::StatusOr<ClientContext> tls = ClientContext::Create({.ca_cert_file = flag_ca});
//   if (!tls.ok()) return tls.status();
//   SslUniquePtr<SSL> ssl(SSL_new(tls->native()));
//   if (absl::Status s = PrepareClientSsl(ssl.get(), "proxy.example.com", 443); !s.ok()) ...
//   ... SSL_connect fails:
//   std::string why = DescribeVerificationFailure(ssl.get(), "proxy.example.com");
//   // "TLS certificate of proxy.example.com not accepted: unable to get local issuer certificate"
#ifndef POSTERN_COMMON_TLS_CLIENT_CONTEXT_H_
#define POSTERN_COMMON_TLS_CLIENT_CONTEXT_H_

#include <openssl/ssl.h>

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/tls/ssl_ptr.h"

namespace postern::tls {

struct ClientOptions {
  // PEM file of the CA certificates to trust, instead of the system trust
  // store (--ca-cert-file). Empty: the system trust store.
  std::string ca_cert_file;
  // Accept any certificate for any name (--disable-tls-verification): the
  // connection is encrypted but the server is not authenticated.
  bool disable_verification = false;
};

class ClientContext {
 public:
  // Create builds a client context: TLS 1.2 minimum and, unless verification
  // is disabled, peer verification against the chosen trust store. The system
  // store is OpenSSL's default paths (and $SSL_CERT_FILE / $SSL_CERT_DIR);
  // under BoringSSL, whose defaults do not name Debian's bundle, also
  // /etc/ssl/certs/ca-certificates.crt. Errors: the CA file's (see pem.h,
  // e.g. "ca.pem: no certificate found (...)"), or kInvalidArgument when a CA
  // file is given with verification disabled (one of them is a mistake).
  static absl::StatusOr<ClientContext> Create(const ClientOptions& options);

  ClientContext(ClientContext&&) = default;
  ClientContext& operator=(ClientContext&&) = default;

  // native returns the context to create client SSLs from (SSL_new, or
  // asio::ssl::context after SSL_CTX_up_ref); each SSL must then go through
  // PrepareClientSsl. Owned by this object; the session cache lives as long
  // as the SSL_CTX. The context's new-session and info callbacks and its
  // ex_data feed that cache: do not replace them (SSL_set_info_callback on an
  // SSL included). Thread-safe.
  SSL_CTX* native() const { return context_.get(); }

 private:
  explicit ClientContext(SslUniquePtr<SSL_CTX> context) : context_(std::move(context)) {}

  SslUniquePtr<SSL_CTX> context_;
};

// PrepareClientSsl readies `ssl`, created from a ClientContext's native(), to
// connect to `host`:`port`, before the handshake:
// - verification of the certificate for `host` (a DNS name, or an IP literal
//   matched against IP addresses in the certificate), unless disabled;
// - SNI `host`, except for IP literals (RFC 6066 forbids them there);
// - ALPN "http/1.1";
// - the last session cached for host:port, if any, so the handshake resumes;
//   sessions the server later issues on this connection replace it. Sessions
//   never move between ClientContexts, so one made without verification is
//   never resumed by a verifying context. Call SSL_shutdown (send
//   close_notify; Asio: async_shutdown) before freeing the SSL: OpenSSL marks
//   the session of a connection freed without it not resumable, as a guard
//   against truncation.
// `host` may carry IPv6 brackets ("[::1]"). Errors: kInvalidArgument for an
// empty host or a NUL in it, kFailedPrecondition if `ssl` was not created from
// a ClientContext. Thread-safe across different SSLs.
absl::Status PrepareClientSsl(SSL* ssl, absl::string_view host, uint16_t port);

// DescribeVerificationFailure explains, after a failed handshake, why the
// server's certificate was refused, naming `host`:
// "TLS certificate of proxy.example.com not accepted: hostname mismatch".
// Returns "" if the certificate was not the reason (e.g. the connection
// broke, or no certificate was checked).
std::string DescribeVerificationFailure(const SSL* ssl, absl::string_view host);

}  // namespace postern::tls

#endif  // POSTERN_COMMON_TLS_CLIENT_CONTEXT_H_
