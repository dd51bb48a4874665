// The TLS server configuration of postern-proxy's HTTPS listener.
//
// One ServerContext holds one SSL_CTX per certificate, all configured alike:
// TLS 1.2 or 1.3 only, AEAD ciphers with forward secrecy only, ALPN
// "http/1.1", and stateless session tickets whose keys come from the shared
// secret (session_ticket_keys.h), so that a client resumes on any replica.
// With several certificates the client's SNI picks one: an exact name match
// first, then a wildcard match (*.example.com), else the first certificate.
//
//   absl::StatusOr<ServerContext> tls = ServerContext::Create(
//       {{.cert_file = "proxy.pem", .key_file = "proxy-key.pem"}}, shared_secret);
//   if (!tls.ok()) return tls.status();  // "proxy.pem: no certificate found (...)"
//   SSL* ssl = SSL_new(tls->native());
//
// Notes for whoever drives connections with this context:
// - Many clients end a connection with a bare TCP FIN, no close_notify. Under
//   OpenSSL 3 the context sets SSL_OP_IGNORE_UNEXPECTED_EOF, so SSL_read
//   reports that as an ordinary end of stream (SSL_ERROR_ZERO_RETURN; Asio:
//   asio::error::eof). BoringSSL has no such option: SSL_read returns 0 with
//   SSL_ERROR_SYSCALL and an empty error queue (Asio:
//   asio::ssl::error::stream_truncated), which the caller must treat as end of
//   stream too.
// - Idle tunnels hold little memory: the contexts set SSL_MODE_RELEASE_BUFFERS,
//   so OpenSSL frees a connection's read and write buffers (~17 KB each)
//   whenever they are empty, instead of keeping them for the connection's
//   life (10,000 idle SSH sessions: ~350 MB saved) at the cost of a malloc per
//   burst of records. BoringSSL always behaves this way (the flag is 0 there).
#ifndef POSTERN_COMMON_TLS_SERVER_CONTEXT_H_
#define POSTERN_COMMON_TLS_SERVER_CONTEXT_H_

#include <openssl/ssl.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "common/tls/session_ticket_keys.h"
#include "common/tls/ssl_ptr.h"

namespace postern::tls {

// One certificate with its private key, as configured (certificate_file /
// certificate_key_file, or one entry of `certificates`). `cert_file` holds the
// leaf certificate followed by any intermediates, PEM; `key_file` the PEM
// private key (it may be the same file).
struct CertificateFiles {
  std::string cert_file;
  std::string key_file;
};

// The ALPN protocol the proxy speaks. A client offering ALPN without it still
// connects, with no protocol agreed: the proxy speaks HTTP/1.1 regardless, and
// a client that meant something else gets an HTTP error naming the problem
// (and a diagnostic tool such as `openssl s_client -alpn h2` still gets a
// handshake and a certificate to look at) instead of an opaque
// no_application_protocol alert.
inline constexpr char kAlpnHttp11[] = "http/1.1";

class ServerContext {
 public:
  // Create loads every certificate/key pair and builds the contexts.
  // `certificates` must not be empty; the first is the default for clients
  // sending no SNI or a name no certificate matches. `ticket_secret` is the
  // decoded shared secret (>= 32 bytes); only keys derived from it are kept.
  // Errors name the file and the problem, e.g. kNotFound "proxy.pem: No such
  // file or directory", kInvalidArgument "proxy-key.pem: key does not match
  // certificate proxy.pem".
  static absl::StatusOr<ServerContext> Create(const std::vector<CertificateFiles>& certificates,
                                              absl::Span<const uint8_t> ticket_secret,
                                              TicketOptions ticket_options = {});

  // Rebuild loads `certificates` again (on a config reload) into a new
  // context with the same ticket keys, so sessions made before the reload
  // resume after it. This context is unchanged and stays usable, e.g. by
  // connections in flight; on error the caller keeps using it.
  absl::StatusOr<ServerContext> Rebuild(const std::vector<CertificateFiles>& certificates) const;

  ServerContext(ServerContext&&) = default;
  ServerContext& operator=(ServerContext&&) = default;

  // native returns the context to create server SSLs from (SSL_new). It is
  // owned by this object; SSL_new and SSL_CTX_up_ref take references of their
  // own (e.g. before handing it to asio::ssl::context, which frees it), and
  // everything the callbacks need lives as long as the SSL_CTX itself.
  // Thread-safe: the context is never modified after Create.
  SSL_CTX* native() const { return default_context_.get(); }

 private:
  ServerContext(SslUniquePtr<SSL_CTX> default_context,
                std::shared_ptr<const SessionTicketKeys> ticket_keys)
      : default_context_(std::move(default_context)), ticket_keys_(std::move(ticket_keys)) {}

  static absl::StatusOr<ServerContext> Build(const std::vector<CertificateFiles>& certificates,
                                             std::shared_ptr<const SessionTicketKeys> ticket_keys);

  SslUniquePtr<SSL_CTX> default_context_;
  std::shared_ptr<const SessionTicketKeys> ticket_keys_;
};

}  // namespace postern::tls

#endif  // POSTERN_COMMON_TLS_SERVER_CONTEXT_H_
