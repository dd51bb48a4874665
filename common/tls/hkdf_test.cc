#include "common/tls/hkdf.h"

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "gtest/gtest.h"

namespace postern::tls {
namespace {

std::vector<uint8_t> Bytes(const std::string& hex) {
  std::string raw = absl::HexStringToBytes(hex);
  return std::vector<uint8_t>(raw.begin(), raw.end());
}

std::vector<uint8_t> Range(int first, int end) {
  std::vector<uint8_t> bytes;
  for (int b = first; b < end; ++b) bytes.push_back(static_cast<uint8_t>(b));
  return bytes;
}

std::string Hex(const std::vector<uint8_t>& bytes) {
  return absl::BytesToHexString(std::string(bytes.begin(), bytes.end()));
}

// RFC 5869, appendix A.1.
TEST(HkdfSha256Test, MatchesRfc5869BasicCase) {
  const std::vector<uint8_t> ikm(22, 0x0b);
  absl::StatusOr<std::vector<uint8_t>> prk = HkdfSha256Extract(Range(0x00, 0x0d), ikm);
  ASSERT_TRUE(prk.ok()) << prk.status();
  EXPECT_EQ(Hex(*prk), "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5");
  absl::StatusOr<std::vector<uint8_t>> okm = HkdfSha256Expand(*prk, Range(0xf0, 0xfa), 42);
  ASSERT_TRUE(okm.ok()) << okm.status();
  EXPECT_EQ(Hex(*okm),
            "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");
}

// RFC 5869, appendix A.2: longer inputs, output spanning three blocks.
TEST(HkdfSha256Test, MatchesRfc5869LongInputs) {
  absl::StatusOr<std::vector<uint8_t>> prk =
      HkdfSha256Extract(Range(0x60, 0xb0), Range(0x00, 0x50));
  ASSERT_TRUE(prk.ok()) << prk.status();
  absl::StatusOr<std::vector<uint8_t>> okm = HkdfSha256Expand(*prk, Range(0xb0, 0x100), 82);
  ASSERT_TRUE(okm.ok()) << okm.status();
  EXPECT_EQ(Hex(*okm), Hex(Bytes("b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c"
                                 "59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71"
                                 "cc30c58179ec3e87c14c01d5c1f3434f1d87")));
}

// RFC 5869, appendix A.3: empty salt and info.
TEST(HkdfSha256Test, MatchesRfc5869EmptySaltAndInfo) {
  absl::StatusOr<std::vector<uint8_t>> prk = HkdfSha256Extract({}, std::vector<uint8_t>(22, 0x0b));
  ASSERT_TRUE(prk.ok()) << prk.status();
  EXPECT_EQ(Hex(*prk), "19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04");
  absl::StatusOr<std::vector<uint8_t>> okm = HkdfSha256Expand(*prk, {}, 42);
  ASSERT_TRUE(okm.ok()) << okm.status();
  EXPECT_EQ(Hex(*okm),
            "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8");
}

TEST(HkdfSha256Test, RefusesOutputLongerThanRfcAllows) {
  const std::vector<uint8_t> prk(32, 1);
  EXPECT_TRUE(HkdfSha256Expand(prk, {}, 255 * 32).ok());
  absl::StatusOr<std::vector<uint8_t>> too_long = HkdfSha256Expand(prk, {}, 255 * 32 + 1);
  EXPECT_EQ(too_long.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(HkdfSha256Test, RefusesShortPseudorandomKey) {
  absl::StatusOr<std::vector<uint8_t>> okm = HkdfSha256Expand(std::vector<uint8_t>(16, 1), {}, 32);
  EXPECT_EQ(okm.status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace postern::tls
