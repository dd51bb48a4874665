// Guards the OpenSSL/BoringSSL switch: the headers this code compiles
// against must belong to the library it runs with. A mismatch (BoringSSL
// linked, OpenSSL 3 headers found first) still links for most functions and
// then misbehaves, so it is checked here rather than left to chance.
#include <openssl/crypto.h>

#include <string>

#include "gtest/gtest.h"

namespace {

TEST(CryptoLibraryTest, HeadersMatchTheLinkedLibrary) {
  const std::string version = OpenSSL_version(0);  // OPENSSL_VERSION in both
#ifdef OPENSSL_IS_BORINGSSL
  EXPECT_NE(version.find("BoringSSL"), std::string::npos) << version;
#else
  EXPECT_EQ(version.rfind("OpenSSL 3", 0), 0u) << version;
#endif
}

}  // namespace
