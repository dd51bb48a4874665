// Reading certificates and private keys from PEM files, with errors that name
// the file and say what is wrong with it.
//
//   absl::StatusOr<std::vector<SslUniquePtr<X509>>> chain = ReadCertificatesPem("proxy.pem");
//   absl::StatusOr<SslUniquePtr<EVP_PKEY>> key = ReadPrivateKeyPem("proxy-key.pem");
//   // chain.status().message(): "proxy.pem: no certificate found (expected a PEM block
//   //                           '-----BEGIN CERTIFICATE-----')"
#ifndef POSTERN_COMMON_TLS_PEM_H_
#define POSTERN_COMMON_TLS_PEM_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/tls/ssl_ptr.h"

namespace postern::tls {

// ReadCertificatesPem returns every certificate in the PEM file at `path`, in
// file order (for a server: the leaf first, then its chain). Blocks of other
// types (e.g. a private key in a combined file) are skipped.
// Errors, each message starting with `path`:
//   kNotFound / kPermissionDenied / ...: the file cannot be read (errno text);
//   kInvalidArgument: no certificate in the file, or certificate N is malformed.
absl::StatusOr<std::vector<SslUniquePtr<X509>>> ReadCertificatesPem(const std::string& path);

// ReadPrivateKeyPem returns the first private key (PKCS#8, or traditional
// RSA/EC) in the PEM file at `path`. Encrypted keys are refused, never prompted
// for. Errors as ReadCertificatesPem, kInvalidArgument for no key, a malformed
// key or an encrypted one.
absl::StatusOr<SslUniquePtr<EVP_PKEY>> ReadPrivateKeyPem(const std::string& path);

// CheckKeyMatches fails with kInvalidArgument ("<key_file>: key does not
// match certificate <cert_file>") unless `key` is the private key of `leaf`.
absl::Status CheckKeyMatches(X509* leaf, EVP_PKEY* key, const std::string& cert_file,
                             const std::string& key_file);

// The same objects written back as PEM text, for libraries that take PEM
// strings (gRPC's TLS credentials): only what was parsed, nothing else the
// file held. kInternal if encoding fails.
absl::StatusOr<std::string> CertificatesToPem(const std::vector<SslUniquePtr<X509>>& certificates);
absl::StatusOr<std::string> PrivateKeyToPem(EVP_PKEY* key);

}  // namespace postern::tls

#endif  // POSTERN_COMMON_TLS_PEM_H_
