#include "common/crypto/aead.h"

#include <string>

#include "gtest/gtest.h"

namespace postern::crypto {
namespace {

const std::string kKey(32, '\x42');

TEST(AeadTest, RoundTrip) {
  for (const std::string& plaintext :
       {std::string(), std::string("x"), std::string(5000, 'p'), std::string("with\0nul", 8)}) {
    absl::StatusOr<std::string> sealed = Seal(kKey, plaintext, "purpose");
    ASSERT_TRUE(sealed.ok()) << sealed.status();
    EXPECT_EQ(sealed->size(), plaintext.size() + kAeadOverhead);
    absl::StatusOr<std::string> opened = Open(kKey, *sealed, "purpose");
    ASSERT_TRUE(opened.ok()) << opened.status();
    EXPECT_EQ(*opened, plaintext);
  }
}

TEST(AeadTest, EmptyAssociatedDataRoundTrips) {
  EXPECT_EQ(Open(kKey, Seal(kKey, "state", "").value(), "").value(), "state");
}

TEST(AeadTest, SameInputSealsDifferentlyEachTime) {
  EXPECT_NE(Seal(kKey, "state", "").value(), Seal(kKey, "state", "").value());
}

TEST(AeadTest, CiphertextDoesNotContainPlaintext) {
  const std::string sealed = Seal(kKey, "attack at dawn, attack at dawn", "").value();
  EXPECT_EQ(sealed.find("attack"), std::string::npos);
}

TEST(AeadTest, EveryFlippedBitIsDetected) {
  const std::string sealed = Seal(kKey, "login state", "ad").value();
  for (size_t byte = 0; byte < sealed.size(); ++byte) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string tampered = sealed;
      tampered[byte] = static_cast<char>(tampered[byte] ^ (1 << bit));
      absl::StatusOr<std::string> opened = Open(kKey, tampered, "ad");
      ASSERT_FALSE(opened.ok()) << "byte " << byte << " bit " << bit;
      EXPECT_EQ(opened.status().code(), absl::StatusCode::kInvalidArgument);
    }
  }
}

TEST(AeadTest, RejectsWrongKeyWrongPurposeAndTruncation) {
  const std::string sealed = Seal(kKey, "cookie", "cookie").value();
  EXPECT_FALSE(Open(std::string(32, '\x43'), sealed, "cookie").ok());
  EXPECT_FALSE(Open(kKey, sealed, "login-state").ok());
  EXPECT_FALSE(Open(kKey, sealed, "").ok());
  EXPECT_FALSE(Open(kKey, sealed.substr(0, sealed.size() - 1), "cookie").ok());
  EXPECT_FALSE(Open(kKey, sealed + "x", "cookie").ok());
  EXPECT_FALSE(Open(kKey, sealed.substr(0, kAeadOverhead - 1), "cookie").ok());
  EXPECT_FALSE(Open(kKey, "", "cookie").ok());
}

TEST(AeadTest, KeyMustBe32Bytes) {
  for (size_t size : {0, 16, 31, 33}) {
    const std::string key(size, 'k');
    EXPECT_EQ(Seal(key, "x", "").status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(Open(key, std::string(40, '\0'), "").status().code(),
              absl::StatusCode::kInvalidArgument);
  }
}

}  // namespace
}  // namespace postern::crypto
