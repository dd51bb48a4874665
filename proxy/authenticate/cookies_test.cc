#include "proxy/authenticate/cookies.h"

#include "gtest/gtest.h"

namespace postern::authenticate {
namespace {

TEST(CookiesTest, FindsCookiesByExactName) {
  const std::string header = "a=1; _postern_session=abc-_; b=\"quoted\";c=;  d = spaced ";
  EXPECT_EQ(FindCookie(header, "_postern_session"), "abc-_");
  EXPECT_EQ(FindCookie(header, "a"), "1");
  EXPECT_EQ(FindCookie(header, "b"), "quoted");
  EXPECT_EQ(FindCookie(header, "c"), "");
  EXPECT_EQ(FindCookie(header, "d"), "spaced");
  EXPECT_EQ(FindCookie(header, "_postern"), std::nullopt);
  EXPECT_EQ(FindCookie(header, "session"), std::nullopt);
  EXPECT_EQ(FindCookie("", "a"), std::nullopt);
  EXPECT_EQ(FindCookie(";;=;novalue;a=2;a=3", "a"), "2");
}

TEST(CookiesTest, FormatsSafeAttributes) {
  EXPECT_EQ(FormatSetCookie("_postern_session", "v", absl::Hours(14), true),
            "_postern_session=v; Path=/; Max-Age=50400; HttpOnly; Secure; SameSite=Lax");
  EXPECT_EQ(FormatSetCookie("x", "v", absl::Seconds(90.7), false),
            "x=v; Path=/; Max-Age=90; HttpOnly; SameSite=Lax");
  EXPECT_EQ(FormatSetCookie("x", "v", absl::ZeroDuration(), true),
            "x=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Lax");
  EXPECT_EQ(FormatSetCookie("x", "v", absl::Seconds(-5), true),
            "x=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Lax");
}

}  // namespace
}  // namespace postern::authenticate
