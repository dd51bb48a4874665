#include "common/jwt/der.h"

#include <string>

#include "absl/strings/escaping.h"
#include "gtest/gtest.h"

namespace postern::jwt::der {
namespace {

std::string Hex(const std::string& bytes) { return absl::BytesToHexString(bytes); }

TEST(DerTest, UnsignedIntegerIsMinimalAndPositive) {
  EXPECT_EQ(Hex(UnsignedInteger("")), "020100");
  EXPECT_EQ(Hex(UnsignedInteger(std::string("\0\0", 2))), "020100");
  EXPECT_EQ(Hex(UnsignedInteger(std::string("\x01\x00\x01", 3))), "0203010001");
  EXPECT_EQ(Hex(UnsignedInteger(std::string("\0\x7f", 2))), "02017f");
  EXPECT_EQ(Hex(UnsignedInteger("\x80")), "02020080");
}

TEST(DerTest, LongLengths) {
  EXPECT_EQ(Hex(BitString(std::string(126, 'a'))).substr(0, 4), "037f");
  EXPECT_EQ(Hex(BitString(std::string(127, 'a'))).substr(0, 8), "03818000");
  EXPECT_EQ(Hex(BitString(std::string(300, 'a'))).substr(0, 10), "0382012d00");
}

TEST(DerTest, SequenceConcatenatesElements) {
  EXPECT_EQ(Hex(Sequence({UnsignedInteger("\x01"), UnsignedInteger("\x02")})), "3006020101020102");
  EXPECT_EQ(Hex(Sequence({})), "3000");
}

}  // namespace
}  // namespace postern::jwt::der
