#include "common/crypto/hkdf.h"

#include <string>

#include "absl/strings/escaping.h"
#include "gtest/gtest.h"

namespace postern::crypto {
namespace {

std::string Unhex(const char* hex) { return absl::HexStringToBytes(hex); }
std::string Hex(const std::string& bytes) { return absl::BytesToHexString(bytes); }

// Bytes first, first + 1, ..., end - 1 (the RFC 5869 test inputs).
std::string Range(int first, int end) {
  std::string bytes;
  for (int b = first; b < end; ++b) bytes.push_back(static_cast<char>(b));
  return bytes;
}

// RFC 5869 appendix A.1 and A.3 (empty salt and info).
TEST(HkdfSha256Test, Rfc5869Vectors) {
  EXPECT_EQ(absl::BytesToHexString(HkdfSha256(Unhex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"),
                                              Unhex("000102030405060708090a0b0c"),
                                              Unhex("f0f1f2f3f4f5f6f7f8f9"), 42)
                                       .value()),
            "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");
  EXPECT_EQ(
      absl::BytesToHexString(
          HkdfSha256(Unhex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"), "", "", 42).value()),
      "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8");
}

// RFC 5869, appendix A.1, step by step.
TEST(HkdfSha256Test, ExtractThenExpandMatchesRfc5869BasicCase) {
  const std::string prk = HkdfSha256Extract(Range(0x00, 0x0d), std::string(22, '\x0b'));
  EXPECT_EQ(Hex(prk), "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5");
  absl::StatusOr<std::string> okm = HkdfSha256Expand(prk, Range(0xf0, 0xfa), 42);
  ASSERT_TRUE(okm.ok()) << okm.status();
  EXPECT_EQ(Hex(*okm),
            "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");
}

// RFC 5869, appendix A.2: longer inputs, output spanning three blocks.
TEST(HkdfSha256Test, MatchesRfc5869LongInputs) {
  const std::string expected =
      "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c"
      "59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71"
      "cc30c58179ec3e87c14c01d5c1f3434f1d87";
  const std::string prk = HkdfSha256Extract(Range(0x60, 0xb0), Range(0x00, 0x50));
  absl::StatusOr<std::string> okm = HkdfSha256Expand(prk, Range(0xb0, 0x100), 82);
  ASSERT_TRUE(okm.ok()) << okm.status();
  EXPECT_EQ(Hex(*okm), expected);
  absl::StatusOr<std::string> one_shot =
      HkdfSha256(Range(0x00, 0x50), Range(0x60, 0xb0), Range(0xb0, 0x100), 82);
  ASSERT_TRUE(one_shot.ok()) << one_shot.status();
  EXPECT_EQ(Hex(*one_shot), expected);
}

// RFC 5869, appendix A.3, step by step: empty salt and info.
TEST(HkdfSha256Test, ExtractThenExpandMatchesRfc5869EmptySaltAndInfo) {
  const std::string prk = HkdfSha256Extract("", std::string(22, '\x0b'));
  EXPECT_EQ(Hex(prk), "19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04");
  absl::StatusOr<std::string> okm = HkdfSha256Expand(prk, "", 42);
  ASSERT_TRUE(okm.ok()) << okm.status();
  EXPECT_EQ(Hex(*okm),
            "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8");
}

TEST(HkdfSha256Test, DifferentInfoGivesIndependentKeys) {
  const std::string secret(32, 's');
  EXPECT_NE(HkdfSha256(secret, "", "cookie", 32).value(),
            HkdfSha256(secret, "", "login-state", 32).value());
}

TEST(HkdfSha256Test, LengthLimits) {
  EXPECT_EQ(HkdfSha256("k", "", "", 0).value(), "");
  EXPECT_EQ(HkdfSha256("k", "", "", 255 * 32).value().size(), 255u * 32);
  absl::StatusOr<std::string> too_long = HkdfSha256("k", "", "", 255 * 32 + 1);
  EXPECT_EQ(too_long.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(HkdfSha256Test, ExpandRefusesOutputLongerThanRfcAllows) {
  const std::string prk(32, '\x01');
  EXPECT_TRUE(HkdfSha256Expand(prk, "", 255 * 32).ok());
  absl::StatusOr<std::string> too_long = HkdfSha256Expand(prk, "", 255 * 32 + 1);
  EXPECT_EQ(too_long.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(HkdfSha256Test, ExpandRefusesShortPseudorandomKey) {
  absl::StatusOr<std::string> okm = HkdfSha256Expand(std::string(16, '\x01'), "", 32);
  EXPECT_EQ(okm.status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace postern::crypto
