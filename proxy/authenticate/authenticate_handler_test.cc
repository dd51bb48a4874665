#include "proxy/authenticate/authenticate_handler.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/config/config.h"
#include "common/http/form_encoding.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace postern::authenticate {
namespace {

namespace asio = boost::asio;
using ::testing::HasSubstr;
using ::testing::StartsWith;

// A loopback port nothing listens on: the provider that cannot be reached.
int ClosedPort() {
  asio::io_context io;
  asio::ip::tcp::acceptor probe(io, {asio::ip::make_address("127.0.0.1"), 0});
  return probe.local_endpoint().port();
}

config::Config LoginConfig() {
  config::Config config;
  config.file_name = "config.yaml";
  config.shared_secret = std::string(32, 's');
  config.idp_provider_url = absl::StrCat("http://127.0.0.1:", ClosedPort());
  config.idp_client_id = "postern";
  config.idp_client_secret = "client-secret-value";
  config.authenticate_service_url = "https://proxy.example.com:8443";
  return config;
}

AuthenticateResponse Answer(AuthenticateHandler& handler, AuthenticateRequest request) {
  asio::io_context io;
  std::optional<AuthenticateResponse> response;
  asio::co_spawn(
      io, [&]() -> asio::awaitable<void> { response = co_await handler.Handle(request); },
      asio::detached);
  io.run();
  return *response;
}

class AuthenticateHandlerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::shared_ptr<AuthenticateHandler>> handler =
        AuthenticateHandler::Create(LoginConfig(), {.provider_timeout = absl::Seconds(2)});
    ASSERT_TRUE(handler.ok()) << handler.status();
    handler_ = *handler;
  }

  AuthenticateResponse Get(std::string target, std::string cookie = "") {
    return Answer(*handler_,
                  {.method = "GET", .target = std::move(target), .cookie = std::move(cookie)});
  }

  std::string SignInState() {
    AuthenticateResponse login =
        Get("/.pomerium/api/v1/login?pomerium_redirect_uri=http%3A%2F%2F127.0.0.1%3A8000%2F");
    EXPECT_EQ(login.status, 200) << login.body;
    return login.body.substr(login.body.find("state=") + 6);
  }

  std::shared_ptr<AuthenticateHandler> handler_;
};

TEST(AuthenticateHandlerCreateTest, NamesWhatIsMissing) {
  config::Config config;
  config.file_name = "proxy.yaml";
  absl::StatusOr<std::shared_ptr<AuthenticateHandler>> handler =
      AuthenticateHandler::Create(config);
  EXPECT_EQ(handler.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(handler.status().message(),
            "browser login needs shared_secret, idp_provider_url, idp_client_id, "
            "idp_client_secret in proxy.yaml");
}

TEST(AuthenticateHandlerCreateTest, WantsAPlainServiceUrl) {
  for (const char* url : {"https://proxy.example.com/auth", "https://proxy.example.com/?x",
                          "ftp://proxy.example.com", "proxy.example.com"}) {
    config::Config config = LoginConfig();
    config.authenticate_service_url = url;
    EXPECT_EQ(AuthenticateHandler::Create(config).status().code(),
              absl::StatusCode::kInvalidArgument)
        << url;
  }
  absl::StatusOr<std::shared_ptr<AuthenticateHandler>> handler = AuthenticateHandler::Create(
      LoginConfig(), {.authenticate_service_url = "https://127.0.0.1:40123/"});
  ASSERT_TRUE(handler.ok()) << handler.status();
  EXPECT_EQ((*handler)->authenticate_service_url(), "https://127.0.0.1:40123");
}

TEST(AuthenticateHandlerCreateTest, ReportsAnUnreadableProviderCa) {
  EXPECT_FALSE(AuthenticateHandler::Create(LoginConfig(),
                                           {.provider_tls = {.ca_cert_file = "/nonexistent.pem"}})
                   .ok());
}

TEST_F(AuthenticateHandlerTest, ClaimsItsPaths) {
  for (const char* target :
       {"/.pomerium/api/v1/login?pomerium_redirect_uri=x", "/.pomerium/sign_in",
        "/oauth2/callback?code=1", "/.pomerium/sign_out", "/.pomerium/other"}) {
    EXPECT_TRUE(AuthenticateHandler::Handles(target)) << target;
  }
  for (const char* target : {"/", "/oauth2/callbackx", "/.pomerium", "/x/.pomerium/sign_in"}) {
    EXPECT_FALSE(AuthenticateHandler::Handles(target)) << target;
  }
}

TEST_F(AuthenticateHandlerTest, LoginAnswersTheSignInUrl) {
  AuthenticateResponse response =
      Get("/.pomerium/api/v1/login?pomerium_redirect_uri=http://127.0.0.1:8000");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.Header("Content-Type"), "text/plain; charset=utf-8");
  EXPECT_EQ(response.Header("Cache-Control"), "no-store");
  EXPECT_THAT(response.body, StartsWith("https://proxy.example.com:8443/.pomerium/sign_in?state="));
  EXPECT_EQ(response.body.find('\n'), std::string::npos) << "clients parse the body as a URL";
  EXPECT_NE(SignInState(), SignInState()) << "every login is its own";
}

TEST_F(AuthenticateHandlerTest, LoginRefusesBadRedirects) {
  struct Case {
    std::string target;
    const char* message;
  };
  for (const Case& c : {
           Case{"/.pomerium/api/v1/login", "pomerium_redirect_uri is required."},
           Case{"/.pomerium/api/v1/login?pomerium_redirect_uri=http://127.0.0.1:1/"
                "&pomerium_redirect_uri=http://evil.com/",
                "pomerium_redirect_uri must be given only once."},
           Case{"/.pomerium/api/v1/login?pomerium_redirect_uri=http%3A%2F%2Fevil.com%2F",
                "must point at this computer"},
           Case{"/.pomerium/api/v1/login?pomerium_redirect_uri=%zz", "is required"},
       }) {
    AuthenticateResponse response = Get(c.target);
    EXPECT_EQ(response.status, 400) << c.target;
    EXPECT_THAT(response.body, HasSubstr(c.message)) << c.target;
    EXPECT_EQ(response.body.find('\n'), response.body.size() - 1) << "one line";
  }
}

TEST_F(AuthenticateHandlerTest, SignInRefusesForeignOrDamagedStates) {
  const std::string state = SignInState();
  config::Config other = LoginConfig();
  other.shared_secret = std::string(32, 'o');
  std::shared_ptr<AuthenticateHandler> replica = *AuthenticateHandler::Create(other);
  EXPECT_EQ(
      Answer(*replica, {.method = "GET", .target = "/.pomerium/sign_in?state=" + state}).status,
      400);
  for (const std::string& target : std::vector<std::string>{
           "/.pomerium/sign_in",
           "/.pomerium/sign_in?state=", "/.pomerium/sign_in?state=" + state.substr(1),
           "/.pomerium/sign_in?state=" + state + "&state=" + state}) {
    AuthenticateResponse response = Get(target);
    EXPECT_EQ(response.status, 400) << target;
    EXPECT_EQ(response.body, "This sign-in link is invalid; run the command again.\n");
  }
}

TEST_F(AuthenticateHandlerTest, SignInExplainsAnUnreachableProvider) {
  AuthenticateResponse response = Get("/.pomerium/sign_in?state=" + SignInState());
  EXPECT_EQ(response.status, 502);
  EXPECT_THAT(response.body, StartsWith("Sign-in failed: the identity provider could not be "
                                        "reached (discovery: 127.0.0.1:"));
  EXPECT_THAT(response.body, HasSubstr("Connection refused"));
  EXPECT_EQ(response.Header("Set-Cookie"), "")
      << "no login cookie for a sign-in that did not start";
}

TEST_F(AuthenticateHandlerTest, CallbackRefusesWhatItDidNotIssue) {
  // A sign_in state is not a callback state.
  for (const std::string& target :
       std::vector<std::string>{"/oauth2/callback", "/oauth2/callback?code=abc",
                                "/oauth2/callback?code=abc&state=" + SignInState(),
                                "/oauth2/callback?error=access_denied&state=forged"}) {
    AuthenticateResponse response = Get(target);
    EXPECT_EQ(response.status, 400) << target;
    EXPECT_EQ(response.body, "This sign-in answer is invalid; run the command again.\n");
  }
  EXPECT_EQ(Get("/oauth2/callback?code=a&code=b").status, 400);
  EXPECT_EQ(Get("/oauth2/callback?state=%").status, 400);
}

TEST_F(AuthenticateHandlerTest, SignOutDeletesTheBrowserSession) {
  for (const char* method : {"GET", "POST"}) {
    AuthenticateResponse response =
        Answer(*handler_, {.method = method, .target = "/.pomerium/sign_out"});
    EXPECT_EQ(response.status, 200);
    // "__Host-": browsers take the cookie only from this host over https, so a
    // sibling subdomain cannot toss in its own session.
    EXPECT_EQ(response.Header("Set-Cookie"),
              "__Host-postern_session=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Lax");
  }
  AuthenticateResponse put = Answer(*handler_, {.method = "PUT", .target = "/.pomerium/sign_out"});
  EXPECT_EQ(put.status, 405);
  EXPECT_EQ(put.Header("Allow"), "GET, POST");
}

TEST(AuthenticateHandlerCookieTest, PlainHttpKeepsUnprefixedNames) {
  // "__Host-" cookies must be Secure; a plain-http test setup cannot have them.
  config::Config config = LoginConfig();
  absl::StatusOr<std::shared_ptr<AuthenticateHandler>> handler =
      AuthenticateHandler::Create(config, {.authenticate_service_url = "http://127.0.0.1:8443"});
  ASSERT_TRUE(handler.ok()) << handler.status();
  AuthenticateResponse response =
      Answer(**handler, {.method = "GET", .target = "/.pomerium/sign_out"});
  EXPECT_EQ(response.Header("Set-Cookie"),
            "_postern_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax");
}

TEST_F(AuthenticateHandlerTest, UnknownPagesAndMethods) {
  EXPECT_EQ(Get("/.pomerium/admin").status, 404);
  AuthenticateResponse post =
      Answer(*handler_, {.method = "POST", .target = "/.pomerium/api/v1/login"});
  EXPECT_EQ(post.status, 405);
  EXPECT_EQ(post.Header("Allow"), "GET");
}

TEST_F(AuthenticateHandlerTest, ErrorPagesNeverShowSecrets) {
  for (const std::string& target : {std::string("/.pomerium/sign_in?state=") + SignInState(),
                                    std::string("/oauth2/callback")}) {
    AuthenticateResponse response = Get(target);
    EXPECT_THAT(response.body, ::testing::Not(HasSubstr("client-secret-value")));
    EXPECT_THAT(response.body, ::testing::Not(HasSubstr(std::string(32, 's'))));
  }
}

}  // namespace
}  // namespace postern::authenticate
