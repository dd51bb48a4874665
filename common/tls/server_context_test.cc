#include "common/tls/server_context.h"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/tls/client_context.h"
#include "common/tls/in_memory_connection.h"
#include "common/tls/ssl_ptr.h"
#include "common/tls/test_pki.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace postern::tls {
namespace {

using ::testing::HasSubstr;

const std::vector<uint8_t> kSecret(32, 0x5e);
const std::vector<uint8_t> kOtherSecret(32, 0x17);
constexpr absl::Duration kPeriod = absl::Hours(12);

// One client connection to a server context, in memory.
struct Connection {
  SslUniquePtr<SSL> client;
  SslUniquePtr<SSL> server;
  HandshakeOutcome outcome;
};

// The name of the certificate the client was shown (its first DNS name).
std::string PresentedCommonName(SSL* client) {
  STACK_OF(X509)* chain = SSL_get_peer_cert_chain(client);
  if (chain == nullptr || sk_X509_num(chain) == 0) return "";
  X509_NAME* subject = X509_get_subject_name(sk_X509_value(chain, 0));
  char name[256] = {};
  X509_NAME_get_text_by_NID(subject, NID_commonName, name, sizeof(name));
  return name;
}

std::string NegotiatedAlpn(SSL* ssl) {
  const uint8_t* protocol = nullptr;
  unsigned length = 0;
  SSL_get0_alpn_selected(ssl, &protocol, &length);
  return std::string(reinterpret_cast<const char*>(protocol), length);
}

class ServerContextTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<TestIdentity> ca = NewTestCa("Test Root CA");
    ASSERT_TRUE(ca.ok()) << ca.status();
    ca_ = *std::move(ca);
    ca_file_ = absl::StrCat(TestTempDir(), "/ca.pem");
    ASSERT_TRUE(WriteCertificatesPem(ca_file_, {ca_.certificate.get()}).ok());
    proxy_ = IssueFiles("proxy", {"proxy.example.com", "127.0.0.1"});

    absl::StatusOr<ClientContext> client = ClientContext::Create({.ca_cert_file = ca_file_});
    ASSERT_TRUE(client.ok()) << client.status();
    client_.emplace(*std::move(client));
  }

  CertificateFiles IssueFiles(const std::string& name, const std::vector<std::string>& names) {
    absl::StatusOr<TestIdentity> identity = NewTestServerCertificate(ca_, names);
    EXPECT_TRUE(identity.ok()) << identity.status();
    absl::StatusOr<CertificateFiles> files = WriteCertificateFiles(TestTempDir(), name, *identity);
    EXPECT_TRUE(files.ok()) << files.status();
    return *files;
  }

  ServerContext NewServer(const std::vector<CertificateFiles>& certificates,
                          const std::vector<uint8_t>& secret = kSecret) {
    absl::StatusOr<ServerContext> server = ServerContext::Create(
        certificates, secret, {.rotation_period = kPeriod, .clock = [this] { return now_; }});
    EXPECT_TRUE(server.ok()) << server.status();
    return *std::move(server);
  }

  // Connects with the verifying ClientContext; `max_version` 0 means TLS 1.3.
  Connection Connect(const ServerContext& server, const std::string& host = "proxy.example.com",
                     int max_version = 0) {
    Connection c{SslUniquePtr<SSL>(SSL_new(client_->native())),
                 SslUniquePtr<SSL>(SSL_new(server.native())),
                 {}};
    EXPECT_TRUE(PrepareClientSsl(c.client.get(), host, 443).ok());
    if (max_version != 0) SSL_set_max_proto_version(c.client.get(), max_version);
    c.outcome = ConnectInMemory(c.client.get(), c.server.get());
    return c;
  }

  // Connects with a bare client context (no verification) that `configure`
  // shapes, to act as clients Postern's own would never be.
  Connection ConnectRaw(const ServerContext& server, const std::function<void(SSL*)>& configure) {
    SslUniquePtr<SSL_CTX> ctx(SSL_CTX_new(TLS_method()));
    Connection c{
        SslUniquePtr<SSL>(SSL_new(ctx.get())), SslUniquePtr<SSL>(SSL_new(server.native())), {}};
    SSL_set_tlsext_host_name(c.client.get(), "proxy.example.com");
    configure(c.client.get());
    c.outcome = ConnectInMemory(c.client.get(), c.server.get());
    return c;
  }

  absl::Time now_ = absl::FromUnixSeconds(1'800'000'000);
  TestIdentity ca_;
  std::string ca_file_;
  CertificateFiles proxy_;
  std::optional<ClientContext> client_;
};

TEST_F(ServerContextTest, HandshakeAgreesOnHttp11) {
  ServerContext server = NewServer({proxy_});
  Connection c = Connect(server);
  ASSERT_TRUE(c.outcome.ok()) << c.outcome.client_error << " / " << c.outcome.server_error;
  EXPECT_EQ(NegotiatedAlpn(c.client.get()), "http/1.1");
  EXPECT_EQ(NegotiatedAlpn(c.server.get()), "http/1.1");
  EXPECT_EQ(SSL_version(c.client.get()), TLS1_3_VERSION);
}

TEST_F(ServerContextTest, ClientOfferingOtherProtocolsConnectsWithoutAlpn) {
  ServerContext server = NewServer({proxy_});
  Connection c = ConnectRaw(server, [](SSL* ssl) {
    static constexpr uint8_t kH2[] = {2, 'h', '2'};
    SSL_set_alpn_protos(ssl, kH2, sizeof(kH2));
  });
  ASSERT_TRUE(c.outcome.ok()) << c.outcome.client_error << " / " << c.outcome.server_error;
  EXPECT_EQ(NegotiatedAlpn(c.client.get()), "");
}

TEST_F(ServerContextTest, PicksHttp11AmongSeveralOffered) {
  ServerContext server = NewServer({proxy_});
  Connection c = ConnectRaw(server, [](SSL* ssl) {
    static constexpr uint8_t kOffer[] = {2, 'h', '2', 8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
    SSL_set_alpn_protos(ssl, kOffer, sizeof(kOffer));
  });
  ASSERT_TRUE(c.outcome.ok()) << c.outcome.client_error << " / " << c.outcome.server_error;
  EXPECT_EQ(NegotiatedAlpn(c.client.get()), "http/1.1");
}

TEST_F(ServerContextTest, RefusesTls11Client) {
  ServerContext server = NewServer({proxy_});
  Connection c = ConnectRaw(server, [](SSL* ssl) {
#if !defined(OPENSSL_IS_BORINGSSL)
    SSL_set_security_level(ssl, 0);  // let this OpenSSL client offer TLS 1.1 at all
#endif
    SSL_set_min_proto_version(ssl, TLS1_1_VERSION);
    SSL_set_max_proto_version(ssl, TLS1_1_VERSION);
  });
  EXPECT_FALSE(c.outcome.server_ok);
  EXPECT_FALSE(c.outcome.client_ok);
  EXPECT_THAT(absl::AsciiStrToLower(c.outcome.server_error), HasSubstr("unsupported protocol"));
}

TEST_F(ServerContextTest, RefusesTls12ClientWithoutAeadCiphers) {
  ServerContext server = NewServer({proxy_});
  Connection cbc = ConnectRaw(server, [](SSL* ssl) {
    SSL_set_max_proto_version(ssl, TLS1_2_VERSION);
    SSL_set_cipher_list(ssl, "ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA");
  });
  EXPECT_FALSE(cbc.outcome.server_ok);
  EXPECT_THAT(absl::AsciiStrToLower(cbc.outcome.server_error), HasSubstr("no shared cipher"));

  Connection gcm = ConnectRaw(server, [](SSL* ssl) {
    SSL_set_max_proto_version(ssl, TLS1_2_VERSION);
    SSL_set_cipher_list(ssl, "ECDHE-ECDSA-AES128-GCM-SHA256");
  });
  EXPECT_TRUE(gcm.outcome.ok()) << gcm.outcome.client_error << " / " << gcm.outcome.server_error;
}

TEST_F(ServerContextTest, SniSelectsAmongCertificates) {
  CertificateFiles a = IssueFiles("a", {"a.example.com"});
  CertificateFiles b = IssueFiles("b", {"b.example.com"});
  ServerContext server = NewServer({a, b});

  // The verifying client checks that the certificate matches the name asked for.
  Connection to_b = Connect(server, "b.example.com");
  ASSERT_TRUE(to_b.outcome.ok()) << to_b.outcome.client_error << " / " << to_b.outcome.server_error;
  EXPECT_EQ(PresentedCommonName(to_b.client.get()), "b.example.com");
  Connection to_a = Connect(server, "a.example.com");
  ASSERT_TRUE(to_a.outcome.ok()) << to_a.outcome.client_error;
  EXPECT_EQ(PresentedCommonName(to_a.client.get()), "a.example.com");
}

TEST_F(ServerContextTest, SniPrefersExactNameOverWildcardAndFallsBackToFirst) {
  CertificateFiles fallback = IssueFiles("fallback", {"fallback.example.net"});
  CertificateFiles wildcard = IssueFiles("wildcard", {"*.corp.example.com"});
  CertificateFiles exact = IssueFiles("exact", {"redis.corp.example.com"});
  ServerContext server = NewServer({fallback, wildcard, exact});

  Connection to_exact = Connect(server, "redis.corp.example.com");
  ASSERT_TRUE(to_exact.outcome.ok()) << to_exact.outcome.client_error;
  EXPECT_EQ(PresentedCommonName(to_exact.client.get()), "redis.corp.example.com");

  Connection to_wildcard = Connect(server, "postgres.corp.example.com");
  ASSERT_TRUE(to_wildcard.outcome.ok()) << to_wildcard.outcome.client_error;
  EXPECT_EQ(PresentedCommonName(to_wildcard.client.get()), "*.corp.example.com");

  // A wildcard covers one label only.
  Connection too_deep = Connect(server, "a.b.corp.example.com");
  EXPECT_FALSE(too_deep.outcome.ok());
  EXPECT_EQ(PresentedCommonName(too_deep.client.get()), "fallback.example.net");

  Connection unknown = Connect(server, "unknown.example.org");
  EXPECT_FALSE(unknown.outcome.ok());  // the fallback's name does not match
  EXPECT_EQ(PresentedCommonName(unknown.client.get()), "fallback.example.net");
}

TEST_F(ServerContextTest, ClientWithoutSniGetsFirstCertificate) {
  CertificateFiles other = IssueFiles("other", {"other.example.com"});
  ServerContext server = NewServer({proxy_, other});
  Connection c = Connect(server, "127.0.0.1");  // IP literal: no SNI sent
  ASSERT_TRUE(c.outcome.ok()) << c.outcome.client_error << " / " << c.outcome.server_error;
  EXPECT_EQ(SSL_get_servername(c.server.get(), TLSEXT_NAMETYPE_host_name), nullptr);
  EXPECT_EQ(PresentedCommonName(c.client.get()), "proxy.example.com");
}

TEST_F(ServerContextTest, SendsIntermediateCertificatesFromCertFile) {
  absl::StatusOr<TestIdentity> intermediate = NewTestCa("Test Intermediate CA", &ca_);
  ASSERT_TRUE(intermediate.ok()) << intermediate.status();
  absl::StatusOr<TestIdentity> leaf =
      NewTestServerCertificate(*intermediate, {"proxy.example.com"});
  ASSERT_TRUE(leaf.ok()) << leaf.status();
  absl::StatusOr<CertificateFiles> files =
      WriteCertificateFiles(TestTempDir(), "chained", *leaf, {intermediate->certificate.get()});
  ASSERT_TRUE(files.ok()) << files.status();

  // The client trusts only the root; it can verify only if the server sends the intermediate.
  ServerContext server = NewServer({*files});
  Connection c = Connect(server);
  EXPECT_TRUE(c.outcome.ok()) << c.outcome.client_error << " / " << c.outcome.server_error;
}

// Session resumption, over TLS 1.2 (tickets in the handshake, renewal by the
// callback's return value) and TLS 1.3 (tickets after the handshake).
class ResumptionTest : public ServerContextTest, public ::testing::WithParamInterface<int> {
 protected:
  Connection ConnectAt(const ServerContext& server) {
    return Connect(server, "proxy.example.com", GetParam());
  }
};

INSTANTIATE_TEST_SUITE_P(TlsVersions, ResumptionTest,
                         ::testing::Values(TLS1_2_VERSION, TLS1_3_VERSION),
                         [](const ::testing::TestParamInfo<int>& info) {
                           return info.param == TLS1_2_VERSION ? "Tls12" : "Tls13";
                         });

TEST_P(ResumptionTest, SecondConnectionResumes) {
  ServerContext server = NewServer({proxy_});
  Connection first = ConnectAt(server);
  ASSERT_TRUE(first.outcome.ok()) << first.outcome.client_error << " / "
                                  << first.outcome.server_error;
  EXPECT_FALSE(SSL_session_reused(first.client.get()));
  Connection second = ConnectAt(server);
  ASSERT_TRUE(second.outcome.ok()) << second.outcome.client_error;
  EXPECT_TRUE(SSL_session_reused(second.client.get()));
  EXPECT_TRUE(SSL_session_reused(second.server.get()));
}

// A TLS 1.3 ticket is good for one resumption, so a resumed connection must
// get a fresh one: every connection in a row resumes, not every other one.
TEST_P(ResumptionTest, ConsecutiveConnectionsAllResume) {
  ServerContext server = NewServer({proxy_});
  ASSERT_TRUE(ConnectAt(server).outcome.ok());
  for (int i = 0; i < 3; ++i) {
    Connection c = ConnectAt(server);
    ASSERT_TRUE(c.outcome.ok()) << c.outcome.client_error;
    EXPECT_TRUE(SSL_session_reused(c.client.get())) << "connection " << i + 2;
  }
}

TEST_P(ResumptionTest, ResumesOnAnotherReplicaWithSameSecret) {
  ServerContext replica_a = NewServer({proxy_});
  ServerContext replica_b = NewServer({proxy_});
  ASSERT_TRUE(ConnectAt(replica_a).outcome.ok());
  Connection c = ConnectAt(replica_b);
  ASSERT_TRUE(c.outcome.ok()) << c.outcome.client_error << " / " << c.outcome.server_error;
  EXPECT_TRUE(SSL_session_reused(c.client.get()));
}

TEST_P(ResumptionTest, ResumesWithCertificateChosenBySni) {
  CertificateFiles other = IssueFiles("other", {"other.example.com"});
  ServerContext replica_a = NewServer({other, proxy_});
  ServerContext replica_b = NewServer({other, proxy_});
  ASSERT_TRUE(ConnectAt(replica_a).outcome.ok());
  Connection c = ConnectAt(replica_b);
  ASSERT_TRUE(c.outcome.ok()) << c.outcome.client_error << " / " << c.outcome.server_error;
  EXPECT_TRUE(SSL_session_reused(c.client.get()));
  EXPECT_EQ(PresentedCommonName(c.client.get()), "proxy.example.com");
}

TEST_P(ResumptionTest, ServerWithOtherSecretMakesFullHandshake) {
  ServerContext ours = NewServer({proxy_});
  ServerContext theirs = NewServer({proxy_}, kOtherSecret);
  ASSERT_TRUE(ConnectAt(ours).outcome.ok());
  Connection c = ConnectAt(theirs);
  ASSERT_TRUE(c.outcome.ok()) << c.outcome.client_error << " / " << c.outcome.server_error;
  EXPECT_FALSE(SSL_session_reused(c.client.get()));
}

TEST_P(ResumptionTest, TicketFromPreviousEpochIsAcceptedAndRenewed) {
  ServerContext server = NewServer({proxy_});
  ASSERT_TRUE(ConnectAt(server).outcome.ok());  // ticket under epoch e

  now_ += kPeriod;  // epoch e+1: the ticket is from the previous epoch
  Connection renewed = ConnectAt(server);
  ASSERT_TRUE(renewed.outcome.ok()) << renewed.outcome.client_error;
  EXPECT_TRUE(SSL_session_reused(renewed.client.get()));

  now_ += kPeriod;  // epoch e+2: only the renewed ticket (e+1) can still resume
  Connection later = ConnectAt(server);
  ASSERT_TRUE(later.outcome.ok()) << later.outcome.client_error;
  EXPECT_TRUE(SSL_session_reused(later.client.get()));
}

TEST_P(ResumptionTest, TicketFromTwoEpochsAgoIsRefused) {
  ServerContext server = NewServer({proxy_});
  ASSERT_TRUE(ConnectAt(server).outcome.ok());
  now_ += 2 * kPeriod;
  Connection c = ConnectAt(server);
  ASSERT_TRUE(c.outcome.ok()) << c.outcome.client_error << " / " << c.outcome.server_error;
  EXPECT_FALSE(SSL_session_reused(c.client.get()));
}

TEST_P(ResumptionTest, RebuiltContextKeepsTicketKeys) {
  ServerContext before = NewServer({proxy_});
  ASSERT_TRUE(ConnectAt(before).outcome.ok());
  absl::StatusOr<ServerContext> after = before.Rebuild({proxy_});
  ASSERT_TRUE(after.ok()) << after.status();
  Connection c = ConnectAt(*after);
  ASSERT_TRUE(c.outcome.ok()) << c.outcome.client_error;
  EXPECT_TRUE(SSL_session_reused(c.client.get()));
}

TEST_F(ServerContextTest, MissingCertificateFile) {
  std::string missing = absl::StrCat(TestTempDir(), "/missing.pem");
  absl::StatusOr<ServerContext> server =
      ServerContext::Create({{.cert_file = missing, .key_file = proxy_.key_file}}, kSecret);
  EXPECT_EQ(server.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(std::string(server.status().message()),
            absl::StrCat(missing, ": No such file or directory"));
}

TEST_F(ServerContextTest, GarbageCertificateFile) {
  std::string garbage = absl::StrCat(TestTempDir(), "/garbage.pem");
  ASSERT_TRUE(WriteTextFile(garbage, "not a certificate").ok());
  absl::StatusOr<ServerContext> server =
      ServerContext::Create({{.cert_file = garbage, .key_file = proxy_.key_file}}, kSecret);
  EXPECT_EQ(server.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(server.status().message()),
              HasSubstr(absl::StrCat(garbage, ": no certificate found")));
}

TEST_F(ServerContextTest, KeyNotMatchingCertificate) {
  CertificateFiles other = IssueFiles("other", {"other.example.com"});
  absl::StatusOr<ServerContext> server =
      ServerContext::Create({{.cert_file = proxy_.cert_file, .key_file = other.key_file}}, kSecret);
  EXPECT_EQ(server.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(std::string(server.status().message()),
            absl::StrCat(other.key_file, ": key does not match certificate ", proxy_.cert_file));
}

TEST_F(ServerContextTest, RebuildFailureLeavesOldContextWorking) {
  ServerContext server = NewServer({proxy_});
  std::string missing = absl::StrCat(TestTempDir(), "/missing.pem");
  absl::StatusOr<ServerContext> rebuilt =
      server.Rebuild({{.cert_file = missing, .key_file = missing}});
  EXPECT_EQ(rebuilt.status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(Connect(server).outcome.ok());
}

TEST_F(ServerContextTest, RefusesEmptyConfigurationAndShortSecret) {
  EXPECT_EQ(ServerContext::Create({}, kSecret).status().message(), "no TLS certificate configured");
  EXPECT_EQ(ServerContext::Create({{.cert_file = proxy_.cert_file}}, kSecret).status().message(),
            "TLS certificate 1: both a certificate file and a key file are needed");
  EXPECT_EQ(ServerContext::Create({proxy_}, std::vector<uint8_t>(8, 1)).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace postern::tls
