#include "proxy/authenticate/session_cookie.h"

#include <string>

#include "common/crypto/base64.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace postern::authenticate {
namespace {

const absl::Time kNow = absl::FromUnixSeconds(1'800'000'000);

session::Session Alice() {
  return session::Session{.subject = "user-alice",
                          .email = "alice@example.com",
                          .name = "Alice Example",
                          .groups = {"admins", "developers"},
                          .claims = {{"dept", {"eng"}}},
                          .issued_at = kNow,
                          .expires_at = kNow + absl::Hours(14)};
}

TEST(SessionCookieTest, RoundTripsTheIdentity) {
  SessionCookieCodec codec(std::string(32, 'c'));
  absl::StatusOr<std::string> value = codec.Encode(Alice());
  ASSERT_TRUE(value.ok()) << value.status();
  EXPECT_THAT(*value, ::testing::Not(::testing::HasSubstr("alice")));
  absl::StatusOr<session::Session> back = codec.Decode(*value, kNow + absl::Hours(13));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, Alice());
}

TEST(SessionCookieTest, RefusesExpiredForgedAndForeignCookies) {
  SessionCookieCodec codec(std::string(32, 'c'));
  absl::StatusOr<std::string> value = codec.Encode(Alice());
  ASSERT_TRUE(value.ok());
  absl::StatusOr<session::Session> expired = codec.Decode(*value, kNow + absl::Hours(14));
  EXPECT_EQ(expired.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(expired.status().message(), ::testing::HasSubstr("expired"));

  SessionCookieCodec other(std::string(32, 'o'));
  EXPECT_EQ(other.Decode(*value, kNow).status().code(), absl::StatusCode::kUnauthenticated);

  std::string bytes = *crypto::Base64UrlDecode(*value);
  for (size_t i = 0; i < bytes.size(); i += 7) {
    std::string altered = bytes;
    altered[i] ^= 0x40;
    EXPECT_EQ(codec.Decode(crypto::Base64UrlEncode(altered), kNow).status().code(),
              absl::StatusCode::kUnauthenticated);
  }
  for (std::string bad : {std::string(), std::string("!!"), std::string(4000, 'A')}) {
    EXPECT_EQ(codec.Decode(bad, kNow).status().code(), absl::StatusCode::kUnauthenticated);
  }
}

TEST(SessionCookieTest, RefusesIdentitiesTooLargeForACookie) {
  SessionCookieCodec codec(std::string(32, 'c'));
  session::Session big = Alice();
  for (int i = 0; i < 200; ++i) big.groups.push_back("group-with-a-long-name-" + std::to_string(i));
  EXPECT_EQ(codec.Encode(big).status().code(), absl::StatusCode::kResourceExhausted);
}

}  // namespace
}  // namespace postern::authenticate
