#include "common/tls/server_context.h"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <cstring>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/tls/ex_data.h"
#include "common/tls/pem.h"

namespace postern::tls {
namespace {

// TLS 1.2 suites with forward secrecy (ECDHE) and an AEAD only. TLS 1.3's
// suites are all of that kind already and keep the library defaults.
constexpr char kTls12Ciphers[] =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

// Sessions resume only under the same context id; every replica uses this one.
constexpr std::string_view kSessionIdContext = "postern";

// One certificate's context and the leaf it serves, for SNI selection.
struct NamedContext {
  SslUniquePtr<X509> leaf;
  SSL_CTX* context;  // the default context itself, or one of Certificates::others
};

// Owned by the default context (ex_data): the other certificates' contexts.
// They do not point back, so there is no ownership cycle.
struct Certificates {
  std::vector<SslUniquePtr<SSL_CTX>> others;
  std::vector<NamedContext> all;  // in configuration order; all[0] is the default
};
using CertificatesSlot = internal::ExData<SSL_CTX, Certificates>;

// ALPN: agree on http/1.1 if offered; otherwise no agreement, handshake goes
// on (see kAlpnHttp11 for why). `offered` is the client's length-prefixed list.
int SelectAlpn(SSL*, const uint8_t** selected, uint8_t* selected_length, const uint8_t* offered,
               unsigned offered_length, void*) {
  const size_t wanted_length = std::strlen(kAlpnHttp11);
  for (unsigned i = 0; i < offered_length;) {
    const unsigned length = offered[i];
    if (length > offered_length - i - 1) break;  // malformed; the library checks too
    if (length == wanted_length && std::memcmp(offered + i + 1, kAlpnHttp11, length) == 0) {
      *selected = offered + i + 1;
      *selected_length = static_cast<uint8_t>(length);
      return SSL_TLSEXT_ERR_OK;
    }
    i += 1 + length;
  }
  return SSL_TLSEXT_ERR_NOACK;
}

// SNI: exact names beat wildcards, so a host with its own certificate gets it
// even when a wildcard certificate listed earlier also covers it.
SSL_CTX* ContextForName(const Certificates& certificates, std::string_view name) {
  for (unsigned flags : {X509_CHECK_FLAG_NO_WILDCARDS, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS}) {
    for (const NamedContext& candidate : certificates.all) {
      if (X509_check_host(candidate.leaf.get(), name.data(), name.size(), flags, nullptr) == 1) {
        return candidate.context;
      }
    }
  }
  return certificates.all.front().context;
}

int SelectCertificate(SSL* ssl, int* alert, void* /*arg*/) {
  const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
  if (name == nullptr) return SSL_TLSEXT_ERR_OK;  // no SNI: keep the default
  const Certificates* certificates = CertificatesSlot::Get(SSL_get_SSL_CTX(ssl));
  if (certificates == nullptr || certificates->all.empty()) return SSL_TLSEXT_ERR_OK;
  SSL_CTX* chosen = ContextForName(*certificates, name);
  if (chosen != SSL_get_SSL_CTX(ssl) && SSL_set_SSL_CTX(ssl, chosen) == nullptr) {
    *alert = SSL_AD_INTERNAL_ERROR;
    return SSL_TLSEXT_ERR_ALERT_FATAL;
  }
  return SSL_TLSEXT_ERR_OK;
}

absl::Status TlsError(absl::string_view what) {
  return absl::InternalError(absl::StrCat(what, ": ", LastSslError()));
}

// Everything but the certificate; identical for every certificate's context
// because after an SNI switch parts of the handshake read the new context.
absl::StatusOr<SslUniquePtr<SSL_CTX>> NewConfiguredContext(const SessionTicketKeys& ticket_keys) {
  SslUniquePtr<SSL_CTX> ctx(SSL_CTX_new(TLS_method()));
  if (ctx == nullptr) return TlsError("cannot create TLS context");
  if (SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION) != 1 ||
      SSL_CTX_set_max_proto_version(ctx.get(), TLS1_3_VERSION) != 1) {
    return TlsError("cannot restrict TLS versions");
  }
  if (SSL_CTX_set_cipher_list(ctx.get(), kTls12Ciphers) != 1) {
    return TlsError("cannot set TLS 1.2 ciphers");
  }
  // One call per option: the options type differs (uint64_t vs uint32_t).
  SSL_CTX_set_options(ctx.get(), SSL_OP_NO_COMPRESSION);
#if defined(SSL_OP_NO_RENEGOTIATION)
  SSL_CTX_set_options(ctx.get(), SSL_OP_NO_RENEGOTIATION);  // BoringSSL servers never do
#endif
#if defined(SSL_OP_IGNORE_UNEXPECTED_EOF)
  SSL_CTX_set_options(ctx.get(), SSL_OP_IGNORE_UNEXPECTED_EOF);  // see server_context.h
#endif
  SSL_CTX_set_mode(ctx.get(), SSL_MODE_RELEASE_BUFFERS);  // see server_context.h
  SSL_CTX_set_alpn_select_cb(ctx.get(), SelectAlpn, nullptr);

  // Stateless tickets only: a server-side session cache costs memory per
  // client and helps only clients that come back to the same replica.
  SSL_CTX_set_session_cache_mode(ctx.get(), SSL_SESS_CACHE_OFF);
  if (SSL_CTX_set_session_id_context(ctx.get(),
                                     reinterpret_cast<const uint8_t*>(kSessionIdContext.data()),
                                     kSessionIdContext.size()) != 1) {
    return TlsError("cannot set session id context");
  }
  if (absl::Status status = ticket_keys.InstallOn(ctx.get()); !status.ok()) return status;
  return ctx;
}

// Loads one certificate/key pair into a fresh context; returns the leaf too.
absl::StatusOr<NamedContext> LoadCertificate(const CertificateFiles& files,
                                             SslUniquePtr<SSL_CTX>& ctx) {
  absl::StatusOr<std::vector<SslUniquePtr<X509>>> chain = ReadCertificatesPem(files.cert_file);
  if (!chain.ok()) return chain.status();
  absl::StatusOr<SslUniquePtr<EVP_PKEY>> key = ReadPrivateKeyPem(files.key_file);
  if (!key.ok()) return key.status();

  X509* leaf = chain->front().get();
  if (absl::Status match = CheckKeyMatches(leaf, key->get(), files.cert_file, files.key_file);
      !match.ok()) {
    return match;
  }
  if (SSL_CTX_use_certificate(ctx.get(), leaf) != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat(files.cert_file, ": certificate not usable: ", LastSslError()));
  }
  if (SSL_CTX_use_PrivateKey(ctx.get(), key->get()) != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat(files.key_file, ": key not usable: ", LastSslError()));
  }
  for (size_t i = 1; i < chain->size(); ++i) {
    if (SSL_CTX_add1_chain_cert(ctx.get(), (*chain)[i].get()) != 1) {
      return TlsError(absl::StrCat(files.cert_file, ": cannot add chain certificate ", i + 1));
    }
  }
  return NamedContext{std::move(chain->front()), ctx.get()};
}

}  // namespace

absl::StatusOr<ServerContext> ServerContext::Create(
    const std::vector<CertificateFiles>& certificates, absl::Span<const uint8_t> ticket_secret,
    TicketOptions ticket_options) {
  absl::StatusOr<std::shared_ptr<const SessionTicketKeys>> ticket_keys =
      SessionTicketKeys::Create(ticket_secret, std::move(ticket_options));
  if (!ticket_keys.ok()) return ticket_keys.status();
  return Build(certificates, *std::move(ticket_keys));
}

absl::StatusOr<ServerContext> ServerContext::Rebuild(
    const std::vector<CertificateFiles>& certificates) const {
  return Build(certificates, ticket_keys_);
}

absl::StatusOr<ServerContext> ServerContext::Build(
    const std::vector<CertificateFiles>& certificates,
    std::shared_ptr<const SessionTicketKeys> ticket_keys) {
  if (certificates.empty()) {
    return absl::InvalidArgumentError("no TLS certificate configured");
  }
  for (size_t i = 0; i < certificates.size(); ++i) {
    if (certificates[i].cert_file.empty() || certificates[i].key_file.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "TLS certificate ", i + 1, ": both a certificate file and a key file are needed"));
    }
  }

  auto loaded = std::make_unique<Certificates>();
  SslUniquePtr<SSL_CTX> default_context;
  for (const CertificateFiles& files : certificates) {
    absl::StatusOr<SslUniquePtr<SSL_CTX>> ctx = NewConfiguredContext(*ticket_keys);
    if (!ctx.ok()) return ctx.status();
    absl::StatusOr<NamedContext> named = LoadCertificate(files, *ctx);
    if (!named.ok()) return named.status();
    loaded->all.push_back(*std::move(named));
    if (default_context == nullptr) {
      default_context = *std::move(ctx);
    } else {
      loaded->others.push_back(*std::move(ctx));
    }
  }

  SSL_CTX_set_tlsext_servername_callback(default_context.get(), SelectCertificate);
  if (!CertificatesSlot::Set(default_context.get(), std::move(loaded))) {
    return TlsError("cannot attach certificates to TLS context");
  }
  return ServerContext(std::move(default_context), std::move(ticket_keys));
}

}  // namespace postern::tls
