#include "common/http/form_encoding.h"

#include <string>
#include <utility>
#include <vector>

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

TEST(FormEncodingTest, DecodesWhatItEncodes) {
  const std::vector<std::pair<std::string, std::string>> fields = {
      {"state", "abc-_"}, {"a b", "x+y&z=%"}, {"bytes", std::string("\0\xff", 2)}, {"", ""}};
  absl::StatusOr<std::vector<std::pair<std::string, std::string>>> back =
      FormDecode(FormEncode(fields));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, fields);
}

TEST(FormEncodingTest, DecodesLeniently) {
  absl::StatusOr<std::vector<std::pair<std::string, std::string>>> fields =
      FormDecode("a=1&&b&c=x%2by+z&=v&a=2");
  ASSERT_TRUE(fields.ok()) << fields.status();
  EXPECT_EQ(*fields, (std::vector<std::pair<std::string, std::string>>{
                         {"a", "1"}, {"b", ""}, {"c", "x+y z"}, {"", "v"}, {"a", "2"}}));
  EXPECT_TRUE(FormDecode("")->empty());
}

TEST(FormEncodingTest, RefusesMalformedPercentEncoding) {
  for (const char* bad : {"a=%", "a=%4", "a=%zz", "%g0=1", "a=1%"}) {
    EXPECT_EQ(FormDecode(bad).status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

}  // namespace
}  // namespace postern::http
