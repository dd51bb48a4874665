#include "proxy/authenticate/token_endpoint.h"

#include <string>

#include "common/crypto/base64.h"
#include "common/http/form_encoding.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace postern::authenticate {
namespace {

using ::testing::HasSubstr;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

TEST(TokenEndpointTest, SendsCredentialsWithBasic) {
  http::HttpRequest request =
      BuildTokenRequest("https://idp.example.com/token",
                        {.client_id = "postern app",
                         .client_secret = "s3cr:t/+",
                         .method = ClientAuthMethod::kClientSecretBasic},
                        "the-code", "the-verifier", "https://proxy.example.com/oauth2/callback");
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.url, "https://idp.example.com/token");
  EXPECT_EQ(request.content_type, "application/x-www-form-urlencoded");
  EXPECT_THAT(
      *http::FormDecode(request.body),
      UnorderedElementsAre(Pair("grant_type", "authorization_code"), Pair("code", "the-code"),
                           Pair("code_verifier", "the-verifier"),
                           Pair("redirect_uri", "https://proxy.example.com/oauth2/callback")));
  std::string authorization;
  for (const http::HttpHeader& header : request.headers) {
    if (header.name == "Authorization") authorization = header.value;
  }
  ASSERT_THAT(authorization, ::testing::StartsWith("Basic "));
  // RFC 6749 section 2.3.1: both parts form-encoded before base64.
  EXPECT_EQ(*crypto::Base64Decode(authorization.substr(6)), "postern+app:s3cr%3At%2F%2B");
}

TEST(TokenEndpointTest, SendsCredentialsInTheForm) {
  http::HttpRequest request = BuildTokenRequest("https://idp.example.com/token",
                                                {.client_id = "postern",
                                                 .client_secret = "secret",
                                                 .method = ClientAuthMethod::kClientSecretPost},
                                                "c", "v", "https://p/cb");
  EXPECT_THAT(
      *http::FormDecode(request.body),
      ::testing::IsSupersetOf({Pair("client_id", "postern"), Pair("client_secret", "secret")}));
  for (const http::HttpHeader& header : request.headers) EXPECT_NE(header.name, "Authorization");
}

TEST(TokenEndpointTest, ReadsTokens) {
  absl::StatusOr<TokenResponse> tokens = ParseTokenResponse(
      {.status = 200,
       .body =
           R"({"access_token":"at","token_type":"Bearer","id_token":"a.b.c","expires_in":3600})"});
  ASSERT_TRUE(tokens.ok()) << tokens.status();
  EXPECT_EQ(tokens->id_token, "a.b.c");
  EXPECT_EQ(tokens->access_token, "at");
  tokens = ParseTokenResponse(
      {.status = 200, .body = R"({"access_token":"at","token_type":"mac","id_token":"a.b.c"})"});
  ASSERT_TRUE(tokens.ok());
  EXPECT_EQ(tokens->access_token, "");
}

TEST(TokenEndpointTest, ExplainsFailuresWithoutEchoingThem) {
  struct Case {
    int status;
    std::string body;
    absl::StatusCode code;
    const char* message;
  };
  for (const Case& c : {
           Case{400, R"({"error":"invalid_grant","error_description":"code <b>x</b>"})",
                absl::StatusCode::kPermissionDenied,
                "refused to redeem the sign-in code (invalid_grant)"},
           Case{401, R"({"error":"invalid client <script>"})", absl::StatusCode::kPermissionDenied,
                "(unknown_error)"},
           Case{500, "Internal error", absl::StatusCode::kUnavailable, "answered HTTP 500"},
           Case{200, "<html>", absl::StatusCode::kUnavailable, "did not answer JSON"},
           Case{200, R"({"access_token":"at"})", absl::StatusCode::kUnavailable, "no id_token"},
           Case{200, R"({"id_token":7})", absl::StatusCode::kUnavailable, "no id_token"},
       }) {
    absl::StatusOr<TokenResponse> tokens = ParseTokenResponse({.status = c.status, .body = c.body});
    EXPECT_EQ(tokens.status().code(), c.code) << c.body;
    EXPECT_THAT(tokens.status().message(), HasSubstr(c.message)) << c.body;
    EXPECT_THAT(tokens.status().message(), ::testing::Not(HasSubstr("<"))) << c.body;
  }
}

TEST(TokenEndpointTest, KeepsOnlyPlainErrorCodes) {
  EXPECT_EQ(OAuthErrorCode("access_denied"), "access_denied");
  EXPECT_EQ(OAuthErrorCode("temporarily_unavailable"), "temporarily_unavailable");
  EXPECT_EQ(OAuthErrorCode(""), "unknown_error");
  EXPECT_EQ(OAuthErrorCode("a b"), "unknown_error");
  EXPECT_EQ(OAuthErrorCode(std::string(65, 'a')), "unknown_error");
  EXPECT_EQ(OAuthErrorCode("x\r\nSet-Cookie: y"), "unknown_error");
}

}  // namespace
}  // namespace postern::authenticate
