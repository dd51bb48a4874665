#include "common/config/secret.h"

#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "gtest/gtest.h"

namespace postern::config {
namespace {

const std::string kBytes = std::string("\xfb\xff\xfe") + std::string(29, 'k');

TEST(SecretTest, StandardAndUrlAlphabetsWithOrWithoutPadding) {
  const std::string standard = absl::Base64Escape(kBytes);
  const std::string url_safe = absl::WebSafeBase64Escape(kBytes);
  ASSERT_NE(standard.find_first_of("+/"), std::string::npos);
  ASSERT_NE(url_safe.find_first_of("-_"), std::string::npos);
  EXPECT_EQ(*DecodeSecret(standard), kBytes);
  EXPECT_EQ(*DecodeSecret(url_safe), kBytes);
  EXPECT_EQ(*DecodeSecret(standard.substr(0, standard.find('='))), kBytes);
  EXPECT_EQ(*DecodeSecret(url_safe + "="), kBytes);
  EXPECT_EQ(*DecodeSecret(standard + "\n"), kBytes);
}

TEST(SecretTest, WrongLengthSaysHowLong) {
  EXPECT_EQ(std::string(DecodeSecret(absl::Base64Escape(std::string(31, 'x'))).status().message()),
            "expected base64 of exactly 32 bytes, got 31 bytes; generate one with: head -c32 "
            "/dev/urandom | base64");
  EXPECT_FALSE(DecodeSecret("").ok());
  EXPECT_FALSE(DecodeSecret(absl::Base64Escape(std::string(33, 'x'))).ok());
}

TEST(SecretTest, MalformedBase64NeverEchoesTheInput) {
  const std::string standard = absl::Base64Escape(kBytes);
  for (const std::string& bad : std::vector<std::string>{
           standard.substr(0, 10) + "-_" + standard.substr(12), "not base64 at all!!",
           standard + "=A", standard.substr(0, 43) + "===", std::string("AAAAA")}) {
    auto decoded = DecodeSecret(bad);
    ASSERT_FALSE(decoded.ok()) << bad;
    EXPECT_EQ(std::string(decoded.status().message()).find(bad.substr(0, 6)), std::string::npos);
  }
}

}  // namespace
}  // namespace postern::config
