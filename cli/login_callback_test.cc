#include "cli/login_callback.h"

#include <string>

#include "gtest/gtest.h"

namespace postern::cli {
namespace {

constexpr char kToken[] = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln";

std::string Get(const std::string& target) {
  return "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
}

TEST(LoginCallbackTest, RedirectUriCarriesTheStateOnLoopback) {
  absl::StatusOr<std::string> state = NewCallbackState();
  ASSERT_TRUE(state.ok());
  EXPECT_EQ(state->size(), 22u);  // 16 bytes, base64url
  EXPECT_NE(*state, *NewCallbackState());
  EXPECT_EQ(CallbackRedirectUri(8123, *state), "http://127.0.0.1:8123/?postern_state=" + *state);
}

TEST(LoginCallbackTest, TheProxysRedirectDeliversTheToken) {
  // What the proxy sends the browser to: the redirect URI with the token appended.
  const std::string state = *NewCallbackState();
  CallbackRequest request =
      ReadCallbackRequest(Get("/?postern_state=" + state + "&pomerium_jwt=" + kToken), state);
  ASSERT_TRUE(request.token.has_value());
  EXPECT_EQ(*request.token, kToken);
  EXPECT_TRUE(request.answer.starts_with("HTTP/1.1 200 OK\r\n")) << request.answer;
}

// Any web page can make the browser send a GET to 127.0.0.1:<port>; without
// the state it must not plant its own session in the CLI (login CSRF).
TEST(LoginCallbackTest, ATokenWithoutTheStateIsRefused) {
  const std::string state = *NewCallbackState();
  CallbackRequest request =
      ReadCallbackRequest(Get(std::string("/?pomerium_jwt=") + kToken), state);
  EXPECT_FALSE(request.token.has_value());
  EXPECT_TRUE(request.answer.starts_with("HTTP/1.1 400 ")) << request.answer;
}

TEST(LoginCallbackTest, ATokenWithAnotherStateIsRefused) {
  const std::string state = *NewCallbackState();
  for (const std::string& wrong :
       {*NewCallbackState(), state.substr(1), state + "A", std::string()}) {
    CallbackRequest request =
        ReadCallbackRequest(Get("/?postern_state=" + wrong + "&pomerium_jwt=" + kToken), state);
    EXPECT_FALSE(request.token.has_value()) << wrong;
    EXPECT_TRUE(request.answer.starts_with("HTTP/1.1 400 ")) << request.answer;
  }
}

TEST(LoginCallbackTest, RepeatedParametersAreRefused) {
  const std::string state = *NewCallbackState();
  EXPECT_FALSE(
      ReadCallbackRequest(
          Get("/?postern_state=x&postern_state=" + state + "&pomerium_jwt=" + kToken), state)
          .token.has_value());
  EXPECT_FALSE(ReadCallbackRequest(Get("/?postern_state=" + state + "&pomerium_jwt=" + kToken +
                                       "&pomerium_jwt=a.b.c"),
                                   state)
                   .token.has_value());
}

TEST(LoginCallbackTest, AnEmptyExpectedStateAcceptsNothing) {
  EXPECT_FALSE(ReadCallbackRequest(Get(std::string("/?postern_state=&pomerium_jwt=") + kToken), "")
                   .token.has_value());
}

TEST(LoginCallbackTest, OtherRequestsGetNoToken) {
  const std::string state = *NewCallbackState();
  const std::string query = "?postern_state=" + state + "&pomerium_jwt=" + kToken;
  CallbackRequest post = ReadCallbackRequest("POST /" + query + " HTTP/1.1\r\n\r\n", state);
  EXPECT_FALSE(post.token.has_value());
  EXPECT_TRUE(post.answer.starts_with("HTTP/1.1 405 ")) << post.answer;
  CallbackRequest elsewhere = ReadCallbackRequest(Get("/favicon.ico" + query), state);
  EXPECT_FALSE(elsewhere.token.has_value());
  EXPECT_TRUE(elsewhere.answer.starts_with("HTTP/1.1 404 ")) << elsewhere.answer;
  CallbackRequest no_token = ReadCallbackRequest(Get("/?postern_state=" + state), state);
  EXPECT_FALSE(no_token.token.has_value());
  // A token that cannot go into a header is no token.
  CallbackRequest bad_token =
      ReadCallbackRequest(Get("/?postern_state=" + state + "&pomerium_jwt=a%0d%0aX:%20y"), state);
  EXPECT_FALSE(bad_token.token.has_value());
}

}  // namespace
}  // namespace postern::cli
