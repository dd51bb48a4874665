// Ownership of TLS library objects, and readable errors from the TLS library.
//
// Postern links OpenSSL 3 (every binary that links gRPC) or BoringSSL (the CLI
// built with --config=boringssl). Code that holds a library object holds it in
// an SslUniquePtr, which is bssl::UniquePtr under BoringSSL and a unique_ptr
// with a per-type deleter under OpenSSL, so the same source compiles with both.
// It is the one owning pointer for library objects in Postern (common/crypto
// and common/jwt use it too), so it depends on nothing of ours.
//
//   SslUniquePtr<SSL_CTX> ctx(SSL_CTX_new(TLS_method()));
//   if (ctx == nullptr) {
//     return absl::InternalError(absl::StrCat("cannot create TLS context: ", LastSslError()));
//   }
#ifndef POSTERN_COMMON_TLS_SSL_PTR_H_
#define POSTERN_COMMON_TLS_SSL_PTR_H_

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <string>

namespace postern::tls {

#if defined(OPENSSL_IS_BORINGSSL)

// BoringSSL declares a deleter next to every type it defines.
template <typename T>
using SslUniquePtr = bssl::UniquePtr<T>;

#else

namespace internal {

// Unspecialised on purpose: owning a type without a deleter listed below is a
// compile error rather than a leak.
template <typename T>
struct SslDeleter;

#define POSTERN_TLS_DELETER(type, free_function)         \
  template <>                                            \
  struct SslDeleter<type> {                              \
    void operator()(type* p) const { free_function(p); } \
  }

POSTERN_TLS_DELETER(ASN1_INTEGER, ASN1_INTEGER_free);
POSTERN_TLS_DELETER(BASIC_CONSTRAINTS, BASIC_CONSTRAINTS_free);
POSTERN_TLS_DELETER(BIGNUM, BN_free);
POSTERN_TLS_DELETER(BIO, BIO_free);
POSTERN_TLS_DELETER(EVP_CIPHER_CTX, EVP_CIPHER_CTX_free);
POSTERN_TLS_DELETER(EVP_MD_CTX, EVP_MD_CTX_free);
POSTERN_TLS_DELETER(EVP_PKEY, EVP_PKEY_free);
POSTERN_TLS_DELETER(EVP_PKEY_CTX, EVP_PKEY_CTX_free);
POSTERN_TLS_DELETER(GENERAL_NAME, GENERAL_NAME_free);
POSTERN_TLS_DELETER(SSL, SSL_free);
POSTERN_TLS_DELETER(SSL_CTX, SSL_CTX_free);
POSTERN_TLS_DELETER(SSL_SESSION, SSL_SESSION_free);
POSTERN_TLS_DELETER(X509, X509_free);
POSTERN_TLS_DELETER(X509_EXTENSION, X509_EXTENSION_free);
POSTERN_TLS_DELETER(X509_NAME, X509_NAME_free);
POSTERN_TLS_DELETER(X509_STORE, X509_STORE_free);
POSTERN_TLS_DELETER(X509_STORE_CTX, X509_STORE_CTX_free);
POSTERN_TLS_DELETER(X509_VERIFY_PARAM, X509_VERIFY_PARAM_free);

#undef POSTERN_TLS_DELETER

}  // namespace internal

template <typename T>
using SslUniquePtr = std::unique_ptr<T, internal::SslDeleter<T> >;

#endif  // OPENSSL_IS_BORINGSSL

// LastSslError drains this thread's TLS library error queue and returns its
// reasons as one line, oldest (usually the root cause) first, e.g.
// "no start line" or "certificate verify failed; handshake failure". BoringSSL's
// reason codes (NO_START_LINE) are spelled like OpenSSL's so messages read the
// same with either library. Returns "no details from the TLS library" when the
// queue is empty, so it can always be appended after a colon.
std::string LastSslError();

// ClearSslErrors empties this thread's error queue. Call it after an expected
// failure has been handled so that a stale entry does not end up in the message
// of a later, unrelated error.
void ClearSslErrors();

}  // namespace postern::tls

#endif  // POSTERN_COMMON_TLS_SSL_PTR_H_
