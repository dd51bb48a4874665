#include "common/crypto/hkdf.h"

#include <string>

#include "absl/strings/escaping.h"
#include "gtest/gtest.h"

namespace postern::crypto {
namespace {

std::string Unhex(const char* hex) { return absl::HexStringToBytes(hex); }

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

}  // namespace
}  // namespace postern::crypto
