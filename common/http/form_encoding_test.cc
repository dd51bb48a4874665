#include "common/http/form_encoding.h"

#include "gtest/gtest.h"

namespace postern::http {
namespace {

TEST(FormEncodingTest, EncodesReservedBytesAndSpaces) {
  EXPECT_EQ(FormEncodeComponent("abc-XYZ_0.9*"), "abc-XYZ_0.9*");
  EXPECT_EQ(FormEncodeComponent("a b+c&d=e/f?g%h~"), "a+b%2Bc%26d%3De%2Ff%3Fg%25h%7E");
  EXPECT_EQ(FormEncodeComponent(std::string("\0\xff\n", 3)), "%00%FF%0A");
  EXPECT_EQ(FormEncodeComponent(""), "");
}

TEST(FormEncodingTest, JoinsFieldsInOrder) {
  EXPECT_EQ(FormEncode({{"grant_type", "authorization_code"},
                        {"redirect_uri", "https://p.example/oauth2/callback"},
                        {"empty", ""}}),
            "grant_type=authorization_code&redirect_uri=https%3A%2F%2Fp.example%2Foauth2%2Fcallback"
            "&empty=");
  EXPECT_EQ(FormEncode({}), "");
}

}  // namespace
}  // namespace postern::http
