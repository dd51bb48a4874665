// Owning smart pointers for OpenSSL/BoringSSL objects (crypto-internal).
//
//   SslPtr<EVP_MD_CTX> context(EVP_MD_CTX_new());
//
// BoringSSL has bssl::UniquePtr and OpenSSL has nothing; one small deleter
// table serves both with the same code.
#ifndef POSTERN_COMMON_CRYPTO_SSL_PTR_H_
#define POSTERN_COMMON_CRYPTO_SSL_PTR_H_

#include <openssl/evp.h>

#include <memory>

namespace postern::crypto {

template <typename T>
struct SslDeleter;

template <>
struct SslDeleter<EVP_PKEY> {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};

template <>
struct SslDeleter<EVP_MD_CTX> {
  void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
};

template <>
struct SslDeleter<EVP_CIPHER_CTX> {
  void operator()(EVP_CIPHER_CTX* p) const { EVP_CIPHER_CTX_free(p); }
};

// SslPtr<T> owns a T* and frees it with the library's T_free function.
template <typename T>
using SslPtr = std::unique_ptr<T, SslDeleter<T>>;

}  // namespace postern::crypto

#endif  // POSTERN_COMMON_CRYPTO_SSL_PTR_H_
