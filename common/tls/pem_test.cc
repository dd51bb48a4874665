#include "common/tls/pem.h"

#include <openssl/pem.h>
#include <sys/stat.h>

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/tls/test_pki.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace postern::tls {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

class PemTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<TestIdentity> ca = NewTestCa("Test Root CA");
    ASSERT_TRUE(ca.ok()) << ca.status();
    ca_ = *std::move(ca);
    absl::StatusOr<TestIdentity> server = NewTestServerCertificate(ca_, {"proxy.example.com"});
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
  }

  std::string Path(absl::string_view name) { return absl::StrCat(TestTempDir(), "/", name); }

  std::string WriteText(absl::string_view name, absl::string_view contents) {
    std::string path = Path(name);
    EXPECT_TRUE(WriteTextFile(path, contents).ok());
    return path;
  }

  TestIdentity ca_;
  TestIdentity server_;
};

TEST_F(PemTest, ReadsChainInFileOrder) {
  absl::StatusOr<CertificateFiles> files =
      WriteCertificateFiles(TestTempDir(), "chain", server_, {ca_.certificate.get()});
  ASSERT_TRUE(files.ok()) << files.status();
  absl::StatusOr<std::vector<SslUniquePtr<X509>>> chain = ReadCertificatesPem(files->cert_file);
  ASSERT_TRUE(chain.ok()) << chain.status();
  ASSERT_EQ(chain->size(), 2u);
  EXPECT_EQ(X509_cmp((*chain)[0].get(), server_.certificate.get()), 0);
  EXPECT_EQ(X509_cmp((*chain)[1].get(), ca_.certificate.get()), 0);

  absl::StatusOr<SslUniquePtr<EVP_PKEY>> key = ReadPrivateKeyPem(files->key_file);
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_EQ(X509_check_private_key(server_.certificate.get(), key->get()), 1);
}

TEST_F(PemTest, CombinedFileYieldsBothCertificateAndKey) {
  absl::StatusOr<CertificateFiles> files = WriteCertificateFiles(TestTempDir(), "split", server_);
  ASSERT_TRUE(files.ok()) << files.status();
  std::string combined = Path("combined.pem");
  {
    SslUniquePtr<BIO> bio(BIO_new_file(combined.c_str(), "w"));
    ASSERT_NE(bio, nullptr);
    ASSERT_EQ(PEM_write_bio_PrivateKey(bio.get(), server_.key.get(), nullptr, nullptr, 0, nullptr,
                                       nullptr),
              1);
    ASSERT_EQ(PEM_write_bio_X509(bio.get(), server_.certificate.get()), 1);
  }
  absl::StatusOr<std::vector<SslUniquePtr<X509>>> chain = ReadCertificatesPem(combined);
  ASSERT_TRUE(chain.ok()) << chain.status();
  EXPECT_EQ(chain->size(), 1u);
  EXPECT_TRUE(ReadPrivateKeyPem(combined).ok());
}

TEST_F(PemTest, WrittenBackAsPemOnlyWhatWasParsed) {
  absl::StatusOr<CertificateFiles> files =
      WriteCertificateFiles(TestTempDir(), "rewrite", server_, {ca_.certificate.get()});
  ASSERT_TRUE(files.ok()) << files.status();
  absl::StatusOr<std::vector<SslUniquePtr<X509>>> chain = ReadCertificatesPem(files->cert_file);
  ASSERT_TRUE(chain.ok()) << chain.status();
  absl::StatusOr<std::string> chain_pem = CertificatesToPem(*chain);
  ASSERT_TRUE(chain_pem.ok()) << chain_pem.status();
  // Read back: the same two certificates in the same order, and no key.
  const std::string copy = WriteText("chain-copy.pem", *chain_pem);
  absl::StatusOr<std::vector<SslUniquePtr<X509>>> again = ReadCertificatesPem(copy);
  ASSERT_TRUE(again.ok()) << again.status();
  ASSERT_EQ(again->size(), 2u);
  EXPECT_EQ(X509_cmp((*again)[0].get(), server_.certificate.get()), 0);
  EXPECT_EQ(X509_cmp((*again)[1].get(), ca_.certificate.get()), 0);
  EXPECT_THAT(*chain_pem, Not(HasSubstr("PRIVATE KEY")));

  absl::StatusOr<std::string> key_pem = PrivateKeyToPem(server_.key.get());
  ASSERT_TRUE(key_pem.ok()) << key_pem.status();
  absl::StatusOr<SslUniquePtr<EVP_PKEY>> key =
      ReadPrivateKeyPem(WriteText("key-copy.pem", *key_pem));
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_TRUE(CheckKeyMatches(server_.certificate.get(), key->get(), "a.pem", "a-key.pem").ok());
}

TEST_F(PemTest, KeyOfAnotherCertificateDoesNotMatch) {
  const absl::Status status =
      CheckKeyMatches(server_.certificate.get(), ca_.key.get(), "proxy.pem", "ca-key.pem");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "ca-key.pem: key does not match certificate proxy.pem");
}

TEST_F(PemTest, MissingFileNamesFileAndReason) {
  std::string path = Path("missing.pem");
  absl::StatusOr<std::vector<SslUniquePtr<X509>>> chain = ReadCertificatesPem(path);
  EXPECT_EQ(chain.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(std::string(chain.status().message()),
            absl::StrCat(path, ": No such file or directory"));
  EXPECT_EQ(ReadPrivateKeyPem(path).status().code(), absl::StatusCode::kNotFound);
}

TEST_F(PemTest, DirectoryIsNotACertificateFile) {
  std::string dir = Path("a-directory");
  ASSERT_EQ(mkdir(dir.c_str(), 0700), 0);
  absl::StatusOr<std::vector<SslUniquePtr<X509>>> chain = ReadCertificatesPem(dir);
  EXPECT_FALSE(chain.ok());
  EXPECT_EQ(std::string(chain.status().message()), absl::StrCat(dir, ": Is a directory"));
}

TEST_F(PemTest, TextWithoutPemBlockHasNoCertificate) {
  std::string path = WriteText("garbage.pem", "this is not a certificate\n");
  absl::StatusOr<std::vector<SslUniquePtr<X509>>> chain = ReadCertificatesPem(path);
  EXPECT_EQ(chain.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(std::string(chain.status().message()),
            absl::StrCat(path,
                         ": no certificate found (expected a PEM block "
                         "'-----BEGIN CERTIFICATE-----')"));
}

TEST_F(PemTest, CorruptPemBlockIsMalformedNotMissing) {
  std::string path =
      WriteText("corrupt.pem", "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n");
  absl::StatusOr<std::vector<SslUniquePtr<X509>>> chain = ReadCertificatesPem(path);
  EXPECT_EQ(chain.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(chain.status().message()),
              StartsWith(absl::StrCat(path, ": certificate 1 is malformed: ")));
}

TEST_F(PemTest, CorruptSecondCertificateIsNamed) {
  std::string good = Path("good.pem");
  ASSERT_TRUE(WriteCertificatesPem(good, {server_.certificate.get()}).ok());
  absl::StatusOr<std::vector<SslUniquePtr<X509>>> one = ReadCertificatesPem(good);
  ASSERT_TRUE(one.ok());
  // Valid base64, but not a certificate.
  std::string path = Path("second-corrupt.pem");
  {
    SslUniquePtr<BIO> bio(BIO_new_file(path.c_str(), "w"));
    ASSERT_EQ(PEM_write_bio_X509(bio.get(), server_.certificate.get()), 1);
    ASSERT_GT(BIO_puts(bio.get(),
                       "-----BEGIN CERTIFICATE-----\naGVsbG8gd29ybGQ=\n"
                       "-----END CERTIFICATE-----\n"),
              0);
  }
  absl::StatusOr<std::vector<SslUniquePtr<X509>>> chain = ReadCertificatesPem(path);
  EXPECT_THAT(std::string(chain.status().message()),
              StartsWith(absl::StrCat(path, ": certificate 2 is malformed")));
}

TEST_F(PemTest, CertificateFileIsNotAKey) {
  std::string path = Path("only-cert.pem");
  ASSERT_TRUE(WriteCertificatesPem(path, {server_.certificate.get()}).ok());
  absl::StatusOr<SslUniquePtr<EVP_PKEY>> key = ReadPrivateKeyPem(path);
  EXPECT_EQ(key.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(std::string(key.status().message()),
            absl::StrCat(path,
                         ": no private key found (expected a PEM block such as "
                         "'-----BEGIN PRIVATE KEY-----')"));
}

TEST_F(PemTest, CorruptKeyIsMalformed) {
  std::string path = WriteText(
      "corrupt-key.pem", "-----BEGIN PRIVATE KEY-----\naGVsbG8=\n-----END PRIVATE KEY-----\n");
  absl::StatusOr<SslUniquePtr<EVP_PKEY>> key = ReadPrivateKeyPem(path);
  EXPECT_EQ(key.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(key.status().message()),
              StartsWith(absl::StrCat(path, ": private key is malformed: ")));
}

TEST_F(PemTest, EncryptedKeyIsRefusedWithoutPrompting) {
  std::string path = Path("encrypted-key.pem");
  {
    SslUniquePtr<BIO> bio(BIO_new_file(path.c_str(), "w"));
    char passphrase[] = "correct horse";
    ASSERT_EQ(PEM_write_bio_PKCS8PrivateKey(bio.get(), server_.key.get(), EVP_aes_256_cbc(),
                                            passphrase, sizeof(passphrase) - 1, nullptr, nullptr),
              1);
  }
  absl::StatusOr<SslUniquePtr<EVP_PKEY>> key = ReadPrivateKeyPem(path);
  EXPECT_EQ(key.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(std::string(key.status().message()),
            absl::StrCat(path, ": private key is encrypted; provide it unencrypted"));
}

}  // namespace
}  // namespace postern::tls
