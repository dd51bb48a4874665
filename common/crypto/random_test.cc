#include "common/crypto/random.h"

#include <set>
#include <string>

#include "gtest/gtest.h"

namespace postern::crypto {
namespace {

TEST(RandomBytesTest, ReturnsRequestedLength) {
  for (size_t n : {0, 1, 12, 32, 1000}) {
    absl::StatusOr<std::string> bytes = RandomBytes(n);
    ASSERT_TRUE(bytes.ok()) << bytes.status();
    EXPECT_EQ(bytes->size(), n);
  }
}

TEST(RandomBytesTest, DrawsDoNotRepeat) {
  // 100 draws of 128 bits: a repeat would mean a broken generator.
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) seen.insert(RandomBytes(16).value());
  EXPECT_EQ(seen.size(), 100u);
}

}  // namespace
}  // namespace postern::crypto
