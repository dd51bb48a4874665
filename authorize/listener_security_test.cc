#include "authorize/listener_security.h"

#include <string>

#include "common/tls/test_pki.h"
#include "gtest/gtest.h"

namespace postern::authorize {
namespace {

config::Config WithCertificate(const std::string& cert_file, const std::string& key_file) {
  config::Config config;
  config.file_name = "authorize.yaml";
  config.grpc_insecure = false;
  config.certificates.push_back({.cert_file = cert_file, .key_file = key_file});
  return config;
}

TEST(ListenerSecurityTest, PlainTextByDefault) {
  absl::StatusOr<ListenerSecurity> security = ListenerSecurityFor(config::Config{});
  ASSERT_TRUE(security.ok()) << security.status();
  EXPECT_EQ(security->description, "plain text");
  EXPECT_NE(security->credentials, nullptr);
}

TEST(ListenerSecurityTest, TlsWithTheConfiguredCertificate) {
  absl::StatusOr<tls::TestIdentity> ca = tls::NewTestCa("Test Root CA");
  ASSERT_TRUE(ca.ok()) << ca.status();
  absl::StatusOr<tls::TestIdentity> server =
      tls::NewTestServerCertificate(*ca, {"authorize.internal.example"});
  ASSERT_TRUE(server.ok()) << server.status();
  absl::StatusOr<tls::CertificateFiles> files =
      tls::WriteCertificateFiles(tls::TestTempDir(), "authorize", *server);
  ASSERT_TRUE(files.ok()) << files.status();

  absl::StatusOr<ListenerSecurity> security =
      ListenerSecurityFor(WithCertificate(files->cert_file, files->key_file));
  ASSERT_TRUE(security.ok()) << security.status();
  EXPECT_EQ(security->description, "TLS");
  EXPECT_NE(security->credentials, nullptr);
}

TEST(ListenerSecurityTest, TlsWithoutAUsableCertificateIsRefused) {
  config::Config none;
  none.file_name = "authorize.yaml";
  none.grpc_insecure = false;
  EXPECT_EQ(ListenerSecurityFor(none).status().code(), absl::StatusCode::kFailedPrecondition);

  const std::string missing = tls::TestTempDir() + "/missing.pem";
  absl::StatusOr<ListenerSecurity> security =
      ListenerSecurityFor(WithCertificate(missing, missing));
  EXPECT_EQ(security.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(std::string(security.status().message()).rfind(missing, 0), 0u)
      << "the error names the file: " << security.status();
}

TEST(ListenerSecurityTest, SameListenerSecurityComparesTransportAndCertificates) {
  const config::Config plain;
  const config::Config tls_a = WithCertificate("a.pem", "a-key.pem");
  const config::Config tls_b = WithCertificate("b.pem", "b-key.pem");
  config::Config plain_with_certificate = tls_a;
  plain_with_certificate.grpc_insecure = true;
  EXPECT_TRUE(SameListenerSecurity(plain, plain));
  // Certificates do not matter to a plain-text listener.
  EXPECT_TRUE(SameListenerSecurity(plain, plain_with_certificate));
  EXPECT_TRUE(SameListenerSecurity(tls_a, WithCertificate("a.pem", "a-key.pem")));
  EXPECT_FALSE(SameListenerSecurity(plain, tls_a));
  EXPECT_FALSE(SameListenerSecurity(tls_a, tls_b));
}

}  // namespace
}  // namespace postern::authorize
