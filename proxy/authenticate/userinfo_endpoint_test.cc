#include "proxy/authenticate/userinfo_endpoint.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace postern::authenticate {
namespace {

TEST(UserinfoEndpointTest, SendsTheAccessTokenAsBearer) {
  http::HttpRequest request = BuildUserinfoRequest("https://idp.example.com/userinfo", "at-1");
  EXPECT_EQ(request.method, "GET");
  EXPECT_EQ(request.url, "https://idp.example.com/userinfo");
  bool found = false;
  for (const http::HttpHeader& header : request.headers) {
    if (header.name == "Authorization") {
      EXPECT_EQ(header.value, "Bearer at-1");
      found = true;
    }
  }
  EXPECT_TRUE(found);
}

TEST(UserinfoEndpointTest, ReadsJsonClaims) {
  absl::StatusOr<boost::json::object> claims =
      ParseUserinfoResponse({.status = 200, .body = R"({"sub":"u","email":"u@example.com"})"});
  ASSERT_TRUE(claims.ok()) << claims.status();
  EXPECT_EQ(claims->at("email").as_string(), "u@example.com");
  EXPECT_THAT(ParseUserinfoResponse({.status = 401, .body = "{}"}).status().message(),
              ::testing::HasSubstr("answered HTTP 401"));
  EXPECT_EQ(ParseUserinfoResponse({.status = 200, .body = "eyJ.a.b"}).status().code(),
            absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace postern::authenticate
