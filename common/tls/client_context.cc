#include "common/tls/client_context.h"

#include <arpa/inet.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "common/tls/ex_data.h"
#include "common/tls/pem.h"

namespace postern::tls {
namespace {

constexpr char kDebianCaBundle[] = "/etc/ssl/certs/ca-certificates.crt";

// A proxy or two per user is the common case; the bound only keeps a
// long-lived process that dials many hosts from growing without end.
constexpr size_t kMaxCachedSessions = 256;

// The last resumable session per "host:port". Thread-safe.
class SessionCache {
 public:
  // Offers the cached session for `key` to `ssl`, if there is one.
  void Resume(SSL* ssl, const std::string& key) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = sessions_.find(key);
    if (it == sessions_.end()) return;
    if (SSL_SESSION_is_resumable(it->second.get()) != 1) {
      sessions_.erase(it);
      return;
    }
    SSL_set_session(ssl, it->second.get());  // takes its own reference
  }

  void Store(const std::string& key, SslUniquePtr<SSL_SESSION> session) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (sessions_.size() >= kMaxCachedSessions && !sessions_.contains(key)) {
      sessions_.erase(sessions_.begin());  // any one; resumption is only an optimisation
    }
    sessions_[key] = std::move(session);
  }

 private:
  std::mutex mutex_;  // std::, not absl::Mutex, so a --config=tsan run sees it
  absl::flat_hash_map<std::string, SslUniquePtr<SSL_SESSION>> sessions_;  // guarded by mutex_
};

// Owned by the client SSL_CTX (ex_data).
struct ClientState {
  bool verify = true;
  SessionCache sessions;
};
using ClientStateSlot = internal::ExData<SSL_CTX, ClientState>;
// Owned by each client SSL: its session cache key, "host:port".
using SessionKeySlot = internal::ExData<SSL, std::string>;

// New-session callback: the server issued a session (for TLS 1.3, possibly
// after the handshake, while the application reads). Returning 1 keeps the
// library's reference to `session`.
int StoreNewSession(SSL* ssl, SSL_SESSION* session) {
  const std::string* key = SessionKeySlot::Get(ssl);
  ClientState* state = ClientStateSlot::Get(SSL_get_SSL_CTX(ssl));
  if (key == nullptr || state == nullptr) return 0;
  state->sessions.Store(*key, SslUniquePtr<SSL_SESSION>(session));
  return 1;
}

// Handshake-done callback. A TLS 1.2 server may renew the ticket of a resumed
// session, but OpenSSL calls the new-session callback for full handshakes only;
// the renewed session is then only in the SSL. Keep it, or the client would
// offer the old ticket until the server stops accepting it.
void KeepRenewedSession(const SSL* ssl, int where, int /*ret*/) {
  if ((where & SSL_CB_HANDSHAKE_DONE) == 0 || SSL_version(ssl) >= TLS1_3_VERSION ||
      !SSL_session_reused(ssl)) {
    return;
  }
  const std::string* key = SessionKeySlot::Get(ssl);
  ClientState* state = ClientStateSlot::Get(SSL_get_SSL_CTX(ssl));
  if (key == nullptr || state == nullptr) return;
  state->sessions.Store(*key, SslUniquePtr<SSL_SESSION>(SSL_get1_session(const_cast<SSL*>(ssl))));
}

absl::Status LoadTrustStore(SSL_CTX* ctx, const ClientOptions& options) {
  if (!options.ca_cert_file.empty()) {
    absl::StatusOr<std::vector<SslUniquePtr<X509>>> cas = ReadCertificatesPem(options.ca_cert_file);
    if (!cas.ok()) return cas.status();
    X509_STORE* store = SSL_CTX_get_cert_store(ctx);
    for (const SslUniquePtr<X509>& ca : *cas) {
      if (X509_STORE_add_cert(store, ca.get()) != 1) {
        return absl::InvalidArgumentError(
            absl::StrCat(options.ca_cert_file, ": cannot add CA certificate: ", LastSslError()));
      }
    }
    return absl::OkStatus();
  }
  if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
    return absl::InternalError(
        absl::StrCat("cannot load the system trust store: ", LastSslError()));
  }
#if defined(OPENSSL_IS_BORINGSSL)
  // Debian's BoringSSL looks for /etc/ssl/cert.pem, which Debian does not ship.
  if (access(X509_get_default_cert_file(), R_OK) != 0 && access(kDebianCaBundle, R_OK) == 0 &&
      SSL_CTX_load_verify_locations(ctx, kDebianCaBundle, nullptr) != 1) {
    return absl::InternalError(
        absl::StrCat(kDebianCaBundle, ": cannot load system CA bundle: ", LastSslError()));
  }
#endif
  ClearSslErrors();
  return absl::OkStatus();
}

bool IsIpLiteral(const std::string& host) {
  in6_addr address;
  return inet_pton(AF_INET, host.c_str(), &address) == 1 ||
         inet_pton(AF_INET6, host.c_str(), &address) == 1;
}

}  // namespace

absl::StatusOr<ClientContext> ClientContext::Create(const ClientOptions& options) {
  if (options.disable_verification && !options.ca_cert_file.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("a CA file (", options.ca_cert_file,
                     ") is given but TLS verification is disabled; choose one"));
  }
  SslUniquePtr<SSL_CTX> ctx(SSL_CTX_new(TLS_method()));
  if (ctx == nullptr) {
    return absl::InternalError(absl::StrCat("cannot create TLS context: ", LastSslError()));
  }
  if (SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION) != 1) {
    return absl::InternalError(absl::StrCat("cannot restrict TLS versions: ", LastSslError()));
  }
  SSL_CTX_set_options(ctx.get(), SSL_OP_NO_COMPRESSION);
#if defined(SSL_OP_NO_RENEGOTIATION)
  SSL_CTX_set_options(ctx.get(), SSL_OP_NO_RENEGOTIATION);  // BoringSSL clients refuse by default
#endif
#if defined(SSL_OP_IGNORE_UNEXPECTED_EOF)
  SSL_CTX_set_options(ctx.get(), SSL_OP_IGNORE_UNEXPECTED_EOF);  // see server_context.h
#endif
  SSL_CTX_set_mode(ctx.get(), SSL_MODE_RELEASE_BUFFERS);  // see server_context.h

  auto state = std::make_unique<ClientState>();
  state->verify = !options.disable_verification;
  if (state->verify) {
    if (absl::Status status = LoadTrustStore(ctx.get(), options); !status.ok()) return status;
    SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
  } else {
    SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);
  }

  // The library's internal client cache is keyed by session id, useless to
  // find a session for a host; sessions are handed to us instead.
  SSL_CTX_set_session_cache_mode(ctx.get(),
                                 SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
  SSL_CTX_sess_set_new_cb(ctx.get(), StoreNewSession);
  SSL_CTX_set_info_callback(ctx.get(), KeepRenewedSession);
  if (!ClientStateSlot::Set(ctx.get(), std::move(state))) {
    return absl::InternalError(
        absl::StrCat("cannot attach session cache to TLS context: ", LastSslError()));
  }
  return ClientContext(std::move(ctx));
}

absl::Status PrepareClientSsl(SSL* ssl, absl::string_view host_view, uint16_t port) {
  if (host_view.size() >= 2 && host_view.front() == '[' && host_view.back() == ']') {
    host_view = host_view.substr(1, host_view.size() - 2);
  }
  if (host_view.empty()) return absl::InvalidArgumentError("TLS server name is empty");
  if (host_view.find('\0') != absl::string_view::npos) {
    return absl::InvalidArgumentError("TLS server name contains a NUL character");
  }
  ClientState* state = ClientStateSlot::Get(SSL_get_SSL_CTX(ssl));
  if (state == nullptr) {
    return absl::FailedPreconditionError("SSL was not created from a ClientContext");
  }
  const std::string host(host_view);
  const bool ip_literal = IsIpLiteral(host);

  if (state->verify) {
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    int checked = ip_literal ? X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str())
                             : X509_VERIFY_PARAM_set1_host(param, host.data(), host.size());
    if (checked != 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("cannot verify certificates for '", host, "': ", LastSslError()));
    }
  }
  if (!ip_literal && SSL_set_tlsext_host_name(ssl, host.c_str()) != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", host, "' cannot be sent as TLS server name: ", LastSslError()));
  }
  // The one protocol the proxy speaks, in ALPN's length-prefixed wire form.
  static constexpr uint8_t kAlpnProtocols[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
  if (SSL_set_alpn_protos(ssl, kAlpnProtocols, sizeof(kAlpnProtocols)) != 0) {  // 0 is success
    return absl::InternalError(absl::StrCat("cannot offer ALPN: ", LastSslError()));
  }

  std::string key = absl::StrCat(host, ":", port);
  state->sessions.Resume(ssl, key);
  if (!SessionKeySlot::Set(ssl, std::make_unique<std::string>(std::move(key)))) {
    return absl::InternalError(absl::StrCat("cannot attach session key: ", LastSslError()));
  }
  return absl::OkStatus();
}

std::string DescribeVerificationFailure(const SSL* ssl, absl::string_view host) {
  const ClientState* state = ClientStateSlot::Get(SSL_get_SSL_CTX(ssl));
  if (state == nullptr || !state->verify) return "";
  const long result = SSL_get_verify_result(ssl);
  if (result == X509_V_OK) return "";
  return absl::StrCat("TLS certificate of ", host,
                      " not accepted: ", X509_verify_cert_error_string(result));
}

}  // namespace postern::tls
