#include "common/tls/ssl_ptr.h"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace postern::tls {
namespace {

// The headers compiled against and the library linked must be the one the
// build asked for (--config=boringssl or not): mixing them compiles and then
// fails to link, or worse, links and misbehaves.
TEST(SslLibraryTest, HeadersAndLibraryAreTheConfiguredOnes) {
  const std::string linked = OpenSSL_version(OPENSSL_VERSION);
#if defined(POSTERN_TLS_EXPECT_BORINGSSL)
#if !defined(OPENSSL_IS_BORINGSSL)
  ADD_FAILURE() << "built with --config=boringssl but compiled against OpenSSL headers";
#endif
  EXPECT_THAT(linked, ::testing::HasSubstr("BoringSSL"));
#else
#if defined(OPENSSL_IS_BORINGSSL)
  ADD_FAILURE() << "built for OpenSSL but compiled against BoringSSL headers";
#endif
  EXPECT_THAT(linked, ::testing::StartsWith("OpenSSL 3"));
#endif
}

// Whatever the build asked for, the headers must belong to the library linked:
// BoringSSL linked behind OpenSSL 3 headers still links for most functions and
// then misbehaves (struct layouts and macros differ).
TEST(SslLibraryTest, HeadersMatchTheLinkedLibrary) {
  const std::string linked = OpenSSL_version(OPENSSL_VERSION);
#if defined(OPENSSL_IS_BORINGSSL)
  EXPECT_THAT(linked, ::testing::HasSubstr("BoringSSL"));
#else
  EXPECT_THAT(linked, ::testing::StartsWith("OpenSSL 3"));
#endif
}

TEST(LastSslErrorTest, ReadsTheReasonAndEmptiesTheQueue) {
  const std::string not_pem = "hello";
  SslUniquePtr<BIO> bio(BIO_new_mem_buf(not_pem.data(), static_cast<int>(not_pem.size())));
  ASSERT_NE(bio, nullptr);
  SslUniquePtr<X509> certificate(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  ASSERT_EQ(certificate, nullptr);

  // Same wording under OpenSSL ("no start line") and BoringSSL (NO_START_LINE).
  EXPECT_EQ(LastSslError(), "no start line");
  EXPECT_EQ(ERR_peek_error(), 0u);
  EXPECT_EQ(LastSslError(), "no details from the TLS library");
}

TEST(SslUniquePtrTest, OwnsLibraryObjects) {
  SslUniquePtr<SSL_CTX> ctx(SSL_CTX_new(TLS_method()));
  ASSERT_NE(ctx, nullptr);
  SslUniquePtr<SSL> ssl(SSL_new(ctx.get()));
  ASSERT_NE(ssl, nullptr);
  // The SSL holds its own reference: freeing the context first is safe.
  ctx.reset();
  EXPECT_NE(SSL_get_SSL_CTX(ssl.get()), nullptr);
  SslUniquePtr<EVP_MD_CTX> digest(EVP_MD_CTX_new());
  SslUniquePtr<EVP_CIPHER_CTX> cipher(EVP_CIPHER_CTX_new());
  SslUniquePtr<X509_STORE> store(X509_STORE_new());
  EXPECT_NE(digest, nullptr);
  EXPECT_NE(cipher, nullptr);
  EXPECT_NE(store, nullptr);
  // Leaks would fail the --config=asan run.
}

}  // namespace
}  // namespace postern::tls
