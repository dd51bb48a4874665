#include "proxy/authenticate/authenticate_http.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/config/config.h"
#include "common/tunnel/loopback.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace postern::authenticate {
namespace {

namespace asio = boost::asio;
using ::testing::HasSubstr;
using ::testing::StartsWith;

TEST(SerializeResponseTest, FramesTheAnswer) {
  AuthenticateResponse response{.status = 302,
                                .headers = {{"Location", "http://127.0.0.1:1/"},
                                            {"Set-Cookie", "a=1"},
                                            {"Set-Cookie", "b=2"}},
                                .body = "hi"};
  EXPECT_EQ(SerializeResponse(response),
            "HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:1/\r\nSet-Cookie: a=1\r\n"
            "Set-Cookie: b=2\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi");
}

class ServeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config::Config config;
    config.shared_secret = std::string(32, 's');
    config.idp_provider_url = "https://idp.example.com";
    config.idp_client_id = "postern";
    config.idp_client_secret = "secret";
    config.authenticate_service_url = "https://proxy.example.com";
    handler_ = *AuthenticateHandler::Create(config);
  }

  // Sends `request` (the first `already_read` bytes as if the listener had
  // read them) and returns everything the server answered until it closed.
  std::string Exchange(const std::string& request, size_t already_read = 0,
                       ServeOptions options = {}, bool client_closes_early = false) {
    asio::io_context io;
    auto [client, server] = tunnel::testing::TcpPair(io);
    std::string answer;
    asio::co_spawn(
        io, ServeAuthenticateRequest(server, *handler_, request.substr(0, already_read), options),
        asio::detached);
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          co_await asio::async_write(client, asio::buffer(request.substr(already_read)),
                                     asio::use_awaitable);
          if (client_closes_early) client.shutdown(asio::ip::tcp::socket::shutdown_send);
          co_await asio::async_read(client, asio::dynamic_buffer(answer),
                                    asio::as_tuple(asio::use_awaitable));
          client.close();  // as a browser does once it has the answer
        },
        asio::detached);
    io.run();
    return answer;
  }

  std::shared_ptr<AuthenticateHandler> handler_;
};

TEST_F(ServeTest, AnswersThroughTheHandler) {
  const std::string request =
      "GET /.pomerium/api/v1/login?pomerium_redirect_uri=http://127.0.0.1:9/ HTTP/1.1\r\n"
      "Host: proxy.example.com\r\n\r\n";
  for (size_t already_read : {size_t{0}, size_t{5}, request.size()}) {
    std::string answer = Exchange(request, already_read);
    EXPECT_THAT(answer, StartsWith("HTTP/1.1 200 OK\r\n")) << already_read;
    EXPECT_THAT(answer, HasSubstr("Connection: close\r\n"));
    EXPECT_THAT(answer, HasSubstr("\r\n\r\nhttps://proxy.example.com/.pomerium/sign_in?state="));
  }
}

TEST_F(ServeTest, RefusesWhatIsNotALoginRequest) {
  EXPECT_THAT(Exchange("GET /elsewhere HTTP/1.1\r\nHost: x\r\n\r\n"),
              StartsWith("HTTP/1.1 404 Not Found\r\n"));
  EXPECT_THAT(Exchange("GARBAGE\r\n\r\n"), StartsWith("HTTP/1.1 400 Bad Request\r\n"));
  EXPECT_THAT(Exchange("GET http://x/.pomerium/sign_out HTTP/1.1\r\nHost: x\r\n\r\n"),
              StartsWith("HTTP/1.1 400 Bad Request\r\n"));
  EXPECT_THAT(Exchange(absl::StrCat("GET /.pomerium/sign_out HTTP/1.1\r\nX-Big: ",
                                    std::string(17 * 1024, 'a'), "\r\n\r\n")),
              StartsWith("HTTP/1.1 431 "));
  EXPECT_THAT(Exchange(absl::StrCat("POST /.pomerium/sign_out HTTP/1.1\r\nHost: x\r\n"
                                    "Content-Length: 20000\r\n\r\n",
                                    std::string(20000, 'a'))),
              StartsWith("HTTP/1.1 413 "));
}

TEST_F(ServeTest, DropsSlowClientsAndRefusesTruncatedRequests) {
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(Exchange("GET /.pomerium/sign_out HTTP/1.1\r\n", 0,
                     {.read_timeout = absl::Milliseconds(200)}),
            "");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  // A client that stops sending halfway still learns why nothing happened.
  EXPECT_THAT(Exchange("GET /.pomerium/sign_out HTTP/1.1\r\n", 0, {}, /*client_closes_early=*/true),
              StartsWith("HTTP/1.1 400 Bad Request\r\n"));
}

}  // namespace
}  // namespace postern::authenticate
