#include "authorize/listener_security.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/tls/pem.h"
#include "grpcpp/security/server_credentials.h"

namespace postern::authorize {

absl::StatusOr<ListenerSecurity> ListenerSecurityFor(const config::Config& config) {
  if (config.grpc_insecure) {
    return ListenerSecurity{grpc::InsecureServerCredentials(), "plain text"};
  }
  if (config.certificates.empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        config.file_name, ": grpc_insecure is false but no certificate is configured"));
  }
  grpc::SslServerCredentialsOptions options;
  for (const config::CertificateFiles& files : config.certificates) {
    absl::StatusOr<std::vector<tls::SslUniquePtr<X509>>> chain =
        tls::ReadCertificatesPem(files.cert_file);
    if (!chain.ok()) return chain.status();
    absl::StatusOr<tls::SslUniquePtr<EVP_PKEY>> key = tls::ReadPrivateKeyPem(files.key_file);
    if (!key.ok()) return key.status();
    if (absl::Status match =
            tls::CheckKeyMatches(chain->front().get(), key->get(), files.cert_file, files.key_file);
        !match.ok()) {
      return match;
    }
    // Written back from what was parsed, so gRPC gets exactly the checked
    // chain and key.
    absl::StatusOr<std::string> chain_pem = tls::CertificatesToPem(*chain);
    if (!chain_pem.ok()) return chain_pem.status();
    absl::StatusOr<std::string> key_pem = tls::PrivateKeyToPem(key->get());
    if (!key_pem.ok()) return key_pem.status();
    options.pem_key_cert_pairs.push_back({*std::move(key_pem), *std::move(chain_pem)});
  }
  return ListenerSecurity{grpc::SslServerCredentials(options), "TLS"};
}

bool SameListenerSecurity(const config::Config& a, const config::Config& b) {
  if (a.grpc_insecure != b.grpc_insecure) return false;
  return a.grpc_insecure || a.certificates == b.certificates;
}

}  // namespace postern::authorize
