#include "common/tls/client_context.h"

#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <unistd.h>

#include <cstdint>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/tls/in_memory_connection.h"
#include "common/tls/server_context.h"
#include "common/tls/ssl_ptr.h"
#include "common/tls/test_pki.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace postern::tls {
namespace {

using ::testing::HasSubstr;

const std::vector<uint8_t> kSecret(32, 0x5e);

struct Connection {
  SslUniquePtr<SSL> client;
  SslUniquePtr<SSL> server;
  HandshakeOutcome outcome;
};

class ClientContextTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<TestIdentity> ca = NewTestCa("Test Root CA");
    ASSERT_TRUE(ca.ok()) << ca.status();
    ca_ = *std::move(ca);
    ca_file_ = absl::StrCat(TestTempDir(), "/ca.pem");
    ASSERT_TRUE(WriteCertificatesPem(ca_file_, {ca_.certificate.get()}).ok());

    absl::StatusOr<TestIdentity> leaf =
        NewTestServerCertificate(ca_, {"proxy.example.com", "127.0.0.1", "::1"});
    ASSERT_TRUE(leaf.ok()) << leaf.status();
    absl::StatusOr<CertificateFiles> files = WriteCertificateFiles(TestTempDir(), "proxy", *leaf);
    ASSERT_TRUE(files.ok()) << files.status();
    absl::StatusOr<ServerContext> server = ServerContext::Create({*files}, kSecret);
    ASSERT_TRUE(server.ok()) << server.status();
    server_.emplace(*std::move(server));
  }

  ClientContext NewClient(const ClientOptions& options) {
    absl::StatusOr<ClientContext> client = ClientContext::Create(options);
    EXPECT_TRUE(client.ok()) << client.status();
    return *std::move(client);
  }

  Connection Connect(const ClientContext& client, const std::string& host, uint16_t port = 443) {
    Connection c{SslUniquePtr<SSL>(SSL_new(client.native())),
                 SslUniquePtr<SSL>(SSL_new(server_->native())),
                 {}};
    absl::Status prepared = PrepareClientSsl(c.client.get(), host, port);
    EXPECT_TRUE(prepared.ok()) << prepared;
    c.outcome = ConnectInMemory(c.client.get(), c.server.get());
    return c;
  }

  TestIdentity ca_;
  std::string ca_file_;
  std::optional<ServerContext> server_;
};

TEST_F(ClientContextTest, RefusesRenegotiation) {
#if defined(SSL_OP_NO_RENEGOTIATION)
  ClientContext client = NewClient({.ca_cert_file = ca_file_});
  EXPECT_NE(SSL_CTX_get_options(client.native()) & SSL_OP_NO_RENEGOTIATION, 0u);
#else
  GTEST_SKIP() << "this TLS library's clients never renegotiate";
#endif
}

TEST_F(ClientContextTest, VerifiesServerAgainstCaFile) {
  ClientContext client = NewClient({.ca_cert_file = ca_file_});
  Connection c = Connect(client, "proxy.example.com");
  ASSERT_TRUE(c.outcome.ok()) << c.outcome.client_error << " / " << c.outcome.server_error;
  EXPECT_EQ(SSL_get_verify_result(c.client.get()), X509_V_OK);
  EXPECT_STREQ(SSL_get_servername(c.server.get(), TLSEXT_NAMETYPE_host_name), "proxy.example.com");
  EXPECT_EQ(DescribeVerificationFailure(c.client.get(), "proxy.example.com"), "");
}

TEST_F(ClientContextTest, UnknownCaFailsNamingHost) {
  absl::StatusOr<TestIdentity> other_ca = NewTestCa("Other CA");
  ASSERT_TRUE(other_ca.ok());
  std::string other_ca_file = absl::StrCat(TestTempDir(), "/other-ca.pem");
  ASSERT_TRUE(WriteCertificatesPem(other_ca_file, {other_ca->certificate.get()}).ok());
  ClientContext client = NewClient({.ca_cert_file = other_ca_file});

  Connection c = Connect(client, "proxy.example.com");
  EXPECT_FALSE(c.outcome.client_ok);
  EXPECT_EQ(SSL_get_verify_result(c.client.get()), X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
  EXPECT_EQ(
      DescribeVerificationFailure(c.client.get(), "proxy.example.com"),
      absl::StrCat("TLS certificate of proxy.example.com not accepted: ",
                   X509_verify_cert_error_string(X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY)));
}

TEST_F(ClientContextTest, SystemTrustStoreDoesNotTrustTestCa) {
  ClientContext client = NewClient({});
  Connection c = Connect(client, "proxy.example.com");
  EXPECT_FALSE(c.outcome.client_ok);
  EXPECT_THAT(DescribeVerificationFailure(c.client.get(), "proxy.example.com"),
              HasSubstr("TLS certificate of proxy.example.com not accepted: "));
}

// Counts the certificates of Debian's CA bundle that `ctx`'s trust store
// accepts as trust anchors.
int TrustedBundleRoots(SSL_CTX* ctx) {
  SslUniquePtr<BIO> bio(BIO_new_file("/etc/ssl/certs/ca-certificates.crt", "r"));
  if (bio == nullptr) return -1;
  int trusted = 0;
  while (X509* raw = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    SslUniquePtr<X509> root(raw);
    SslUniquePtr<X509_STORE_CTX> verification(X509_STORE_CTX_new());
    if (X509_STORE_CTX_init(verification.get(), SSL_CTX_get_cert_store(ctx), root.get(), nullptr) ==
            1 &&
        X509_verify_cert(verification.get()) == 1) {
      ++trusted;
    }
  }
  ClearSslErrors();
  return trusted;
}

TEST_F(ClientContextTest, SystemTrustStoreHoldsTheSystemRoots) {
  if (access("/etc/ssl/certs/ca-certificates.crt", R_OK) != 0) {
    GTEST_SKIP() << "no system CA bundle on this machine";
  }
  ClientContext system = NewClient({});
  EXPECT_GT(TrustedBundleRoots(system.native()), 100);
  ClientContext own_ca = NewClient({.ca_cert_file = ca_file_});
  EXPECT_EQ(TrustedBundleRoots(own_ca.native()), 0);
}

TEST_F(ClientContextTest, HostnameMismatchFails) {
  ClientContext client = NewClient({.ca_cert_file = ca_file_});
  Connection c = Connect(client, "redis.example.com");
  EXPECT_FALSE(c.outcome.client_ok);
  EXPECT_EQ(SSL_get_verify_result(c.client.get()), X509_V_ERR_HOSTNAME_MISMATCH);
  EXPECT_THAT(DescribeVerificationFailure(c.client.get(), "redis.example.com"),
              HasSubstr("redis.example.com"));
}

TEST_F(ClientContextTest, IpLiteralsAreVerifiedAgainstIpAddressesWithoutSni) {
  ClientContext client = NewClient({.ca_cert_file = ca_file_});
  for (const std::string host : {"127.0.0.1", "[::1]", "::1"}) {
    Connection c = Connect(client, host);
    EXPECT_TRUE(c.outcome.ok()) << host << ": " << c.outcome.client_error;
    EXPECT_EQ(SSL_get_servername(c.server.get(), TLSEXT_NAMETYPE_host_name), nullptr) << host;
  }
  Connection wrong_ip = Connect(client, "127.0.0.2");
  EXPECT_FALSE(wrong_ip.outcome.client_ok);
  EXPECT_EQ(SSL_get_verify_result(wrong_ip.client.get()), X509_V_ERR_IP_ADDRESS_MISMATCH);
}

TEST_F(ClientContextTest, DisabledVerificationAcceptsAnyCertificate) {
  ClientContext client = NewClient({.disable_verification = true});
  Connection c = Connect(client, "not-the-certificate-name.example.org");
  EXPECT_TRUE(c.outcome.ok()) << c.outcome.client_error << " / " << c.outcome.server_error;
  EXPECT_EQ(DescribeVerificationFailure(c.client.get(), "x"), "");
}

TEST_F(ClientContextTest, CaFileWithVerificationDisabledIsRefused) {
  absl::StatusOr<ClientContext> client =
      ClientContext::Create({.ca_cert_file = ca_file_, .disable_verification = true});
  EXPECT_EQ(client.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(ClientContextTest, BadCaFileNamesFile) {
  std::string missing = absl::StrCat(TestTempDir(), "/no-such-ca.pem");
  absl::StatusOr<ClientContext> client = ClientContext::Create({.ca_cert_file = missing});
  EXPECT_EQ(client.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(std::string(client.status().message()),
            absl::StrCat(missing, ": No such file or directory"));

  std::string garbage = absl::StrCat(TestTempDir(), "/garbage-ca.pem");
  ASSERT_TRUE(WriteTextFile(garbage, "garbage").ok());
  client = ClientContext::Create({.ca_cert_file = garbage});
  EXPECT_THAT(std::string(client.status().message()),
              HasSubstr(absl::StrCat(garbage, ": no certificate found")));
}

TEST_F(ClientContextTest, ResumesSessionPerHostAndPort) {
  ClientContext client = NewClient({.ca_cert_file = ca_file_});
  Connection first = Connect(client, "proxy.example.com", 443);
  ASSERT_TRUE(first.outcome.ok()) << first.outcome.client_error;
  EXPECT_FALSE(SSL_session_reused(first.client.get()));

  Connection same = Connect(client, "proxy.example.com", 443);
  ASSERT_TRUE(same.outcome.ok()) << same.outcome.client_error;
  EXPECT_TRUE(SSL_session_reused(same.client.get()));

  Connection other_port = Connect(client, "proxy.example.com", 8443);
  ASSERT_TRUE(other_port.outcome.ok()) << other_port.outcome.client_error;
  EXPECT_FALSE(SSL_session_reused(other_port.client.get()));
}

TEST_F(ClientContextTest, SessionsStayInTheirClientContext) {
  ClientContext verifying = NewClient({.ca_cert_file = ca_file_});
  ClientContext unverified = NewClient({.disable_verification = true});
  ASSERT_TRUE(Connect(unverified, "proxy.example.com").outcome.ok());
  Connection c = Connect(verifying, "proxy.example.com");
  ASSERT_TRUE(c.outcome.ok()) << c.outcome.client_error;
  EXPECT_FALSE(SSL_session_reused(c.client.get()));
}

TEST_F(ClientContextTest, SessionCacheIsSafeAcrossThreads) {
  ClientContext client = NewClient({.ca_cert_file = ca_file_});
  std::vector<std::thread> threads;
  std::vector<int> resumed(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 5; ++i) {
        Connection c = Connect(client, "proxy.example.com", static_cast<uint16_t>(443 + t % 2));
        if (c.outcome.ok() && SSL_session_reused(c.client.get())) ++resumed[t];
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  // Each thread's later connections find a session some thread stored.
  for (int t = 0; t < 4; ++t) EXPECT_GE(resumed[t], 1) << "thread " << t;
}

TEST_F(ClientContextTest, PrepareRefusesForeignSslAndEmptyHost) {
  SslUniquePtr<SSL_CTX> foreign(SSL_CTX_new(TLS_method()));
  SslUniquePtr<SSL> ssl(SSL_new(foreign.get()));
  EXPECT_EQ(PrepareClientSsl(ssl.get(), "proxy.example.com", 443).code(),
            absl::StatusCode::kFailedPrecondition);

  ClientContext client = NewClient({.ca_cert_file = ca_file_});
  SslUniquePtr<SSL> ours(SSL_new(client.native()));
  EXPECT_EQ(PrepareClientSsl(ours.get(), "", 443).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(PrepareClientSsl(ours.get(), std::string("a\0b", 3), 443).code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace postern::tls
