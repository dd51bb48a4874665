// Test-only certificate authority: EC P-256 CAs and server certificates made
// in memory and written as PEM files, so TLS tests need no fixture files and
// no openssl command line.
//
//   absl::StatusOr<TestIdentity> ca = NewTestCa("Test Root CA");
//   absl::StatusOr<TestIdentity> server = NewTestServerCertificate(*ca, {"proxy.example.com"});
//   absl::StatusOr<CertificateFiles> files = WriteCertificateFiles(dir, "proxy", *server);
#ifndef POSTERN_COMMON_TLS_TEST_PKI_H_
#define POSTERN_COMMON_TLS_TEST_PKI_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/tls/server_context.h"
#include "common/tls/ssl_ptr.h"

namespace postern::tls {

// A certificate and its private key.
struct TestIdentity {
  SslUniquePtr<X509> certificate;
  SslUniquePtr<EVP_PKEY> key;
};

// NewTestCa makes a CA certificate (basicConstraints CA:TRUE) valid from an
// hour ago for 30 days: self-signed when `issuer` is null, else an
// intermediate signed by `issuer`.
absl::StatusOr<TestIdentity> NewTestCa(absl::string_view common_name,
                                       const TestIdentity* issuer = nullptr);

// NewTestServerCertificate makes a leaf certificate signed by `issuer` whose
// subjectAltName lists `names`: IP literals as IP addresses, anything else as
// DNS names (wildcards such as "*.example.com" included). The first name is
// also the common name.
absl::StatusOr<TestIdentity> NewTestServerCertificate(const TestIdentity& issuer,
                                                      const std::vector<std::string>& names);

// WriteCertificatesPem writes `certificates` to `path` in order.
absl::Status WriteCertificatesPem(const std::string& path, const std::vector<X509*>& certificates);

// WriteCertificateFiles writes `identity` as <dir>/<name>.pem (its certificate
// followed by `chain`) and <dir>/<name>-key.pem, and returns those paths.
absl::StatusOr<CertificateFiles> WriteCertificateFiles(const std::string& dir,
                                                       absl::string_view name,
                                                       const TestIdentity& identity,
                                                       const std::vector<X509*>& chain = {});

// WriteTextFile writes `contents` to `path` (for malformed-input tests).
absl::Status WriteTextFile(const std::string& path, absl::string_view contents);

// TestTempDir returns $TEST_TMPDIR (Bazel's per-test scratch directory).
std::string TestTempDir();

}  // namespace postern::tls

#endif  // POSTERN_COMMON_TLS_TEST_PKI_H_
