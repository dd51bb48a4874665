#include "common/http/http_client.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/tls/test_pki.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace postern::http {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using ::testing::HasSubstr;

// A one-response-per-connection HTTP server on 127.0.0.1 whose answer the
// test writes byte for byte, with optional TLS.
class CannedServer {
 public:
  CannedServer(asio::io_context& io, asio::ssl::context* tls = nullptr)
      : io_(io), tls_(tls), acceptor_(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    port_ = acceptor_.local_endpoint().port();
    asio::co_spawn(io_, Serve(), asio::detached);
  }

  uint16_t port() const { return port_; }
  std::string Url(std::string_view path) const {
    return absl::StrCat(tls_ ? "https" : "http", "://127.0.0.1:", port(), std::string(path));
  }

  // The raw response to send; empty: read the request and never answer.
  std::string response;
  // What the last client sent: head and body.
  std::string request;

  void Stop() {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    if (held_) held_->close(ignored);
  }

 private:
  asio::awaitable<void> Serve() {
    for (;;) {
      auto [ec, socket] = co_await acceptor_.async_accept(asio::as_tuple(asio::use_awaitable));
      if (ec) co_return;
      if (tls_) {
        asio::ssl::stream<tcp::socket> stream(std::move(socket), *tls_);
        auto [hs] = co_await stream.async_handshake(asio::ssl::stream_base::server,
                                                    asio::as_tuple(asio::use_awaitable));
        if (hs) continue;
        co_await Answer(stream);
        co_await stream.async_shutdown(asio::as_tuple(asio::use_awaitable));
      } else {
        co_await Answer(socket);
        if (response.empty()) held_ = std::make_unique<tcp::socket>(std::move(socket));
      }
    }
  }

  template <typename Stream>
  asio::awaitable<void> Answer(Stream& stream) {
    std::string data;
    auto [ec, n] = co_await asio::async_read_until(stream, asio::dynamic_buffer(data), "\r\n\r\n",
                                                   asio::as_tuple(asio::use_awaitable));
    if (ec) co_return;
    size_t length = 0;
    if (size_t at = data.find("Content-Length: "); at != std::string::npos) {
      (void)absl::SimpleAtoi(data.substr(at + 16, data.find("\r\n", at) - at - 16), &length);
    }
    while (data.size() < n + length) {
      auto [ec2, m] = co_await asio::async_read(stream, asio::dynamic_buffer(data),
                                                asio::transfer_exactly(n + length - data.size()),
                                                asio::as_tuple(asio::use_awaitable));
      if (ec2) break;
    }
    request = data;
    if (response.empty()) co_return;
    co_await asio::async_write(stream, asio::buffer(response), asio::as_tuple(asio::use_awaitable));
  }

  asio::io_context& io_;
  asio::ssl::context* tls_;
  tcp::acceptor acceptor_;
  uint16_t port_ = 0;
  std::unique_ptr<tcp::socket> held_;
};

absl::StatusOr<HttpResponse> RunFetch(asio::io_context& io, CannedServer* server,
                                      std::shared_ptr<HttpClient> client, HttpRequest request,
                                      FetchOptions options) {
  std::optional<absl::StatusOr<HttpResponse>> result;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        result = co_await client->Fetch(request, options);
        if (server) server->Stop();
      },
      asio::detached);
  io.run();
  io.restart();
  return *result;
}

FetchOptions LoopbackOptions() {
  return FetchOptions{.timeout = absl::Seconds(10), .plain_http = PlainHttp::kLoopbackOnly};
}

class HttpClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::shared_ptr<HttpClient>> client = HttpClient::Create({});
    ASSERT_TRUE(client.ok()) << client.status();
    client_ = *client;
  }

  asio::io_context io_;
  std::shared_ptr<HttpClient> client_;
};

TEST_F(HttpClientTest, GetsStatusHeadersAndBody) {
  CannedServer server(io_);
  server.response =
      "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Thing: a\r\nContent-Length: "
      "11\r\n\r\n{\"ok\":true}";
  absl::StatusOr<HttpResponse> response = RunFetch(
      io_, &server, client_, {.url = server.Url("/path/x?a=b%20c"), .headers = {{"Accept", "*/*"}}},
      LoopbackOptions());
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "{\"ok\":true}");
  EXPECT_EQ(response->Header("content-type"), "application/json");
  EXPECT_EQ(response->Header("X-THING"), "a");
  EXPECT_EQ(response->Header("missing"), std::nullopt);
  EXPECT_THAT(server.request, ::testing::StartsWith("GET /path/x?a=b%20c HTTP/1.1\r\n"));
  EXPECT_THAT(server.request, HasSubstr(absl::StrCat("Host: 127.0.0.1:", server.port(), "\r\n")));
  EXPECT_THAT(server.request, HasSubstr("Connection: close\r\n"));
  EXPECT_THAT(server.request, HasSubstr("Accept: */*\r\n"));
}

TEST_F(HttpClientTest, PostsFormBody) {
  CannedServer server(io_);
  server.response = "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n";
  absl::StatusOr<HttpResponse> response =
      RunFetch(io_, &server, client_,
               {.method = "POST",
                .url = server.Url("/token"),
                .body = "a=1&b=2",
                .content_type = "application/x-www-form-urlencoded"},
               LoopbackOptions());
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 201);
  EXPECT_THAT(server.request, ::testing::StartsWith("POST /token HTTP/1.1\r\n"));
  EXPECT_THAT(server.request, HasSubstr("Content-Type: application/x-www-form-urlencoded\r\n"));
  EXPECT_THAT(server.request, HasSubstr("Content-Length: 7\r\n"));
  EXPECT_THAT(server.request, ::testing::EndsWith("\r\n\r\na=1&b=2"));
}

TEST_F(HttpClientTest, DecodesChunkedAndConnectionDelimitedBodies) {
  {
    CannedServer server(io_);
    server.response =
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n";
    absl::StatusOr<HttpResponse> response =
        RunFetch(io_, &server, client_, {.url = server.Url("/")}, LoopbackOptions());
    ASSERT_TRUE(response.ok()) << response.status();
    EXPECT_EQ(response->body, "abcde");
  }
  {
    CannedServer server(io_);
    server.response = "HTTP/1.0 200 OK\r\n\r\nuntil the end";
    absl::StatusOr<HttpResponse> response =
        RunFetch(io_, &server, client_, {.url = server.Url("/")}, LoopbackOptions());
    ASSERT_TRUE(response.ok()) << response.status();
    EXPECT_EQ(response->body, "until the end");
  }
}

TEST_F(HttpClientTest, DoesNotFollowRedirects) {
  CannedServer server(io_);
  server.response =
      "HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:1/elsewhere\r\nContent-Length: 0\r\n\r\n";
  absl::StatusOr<HttpResponse> response =
      RunFetch(io_, &server, client_, {.url = server.Url("/")}, LoopbackOptions());
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 302);
  EXPECT_EQ(response->Header("Location"), "http://127.0.0.1:1/elsewhere");
}

TEST_F(HttpClientTest, RefusesBodiesOverTheLimit) {
  CannedServer server(io_);
  server.response =
      absl::StrCat("HTTP/1.1 200 OK\r\nContent-Length: 2000\r\n\r\n", std::string(2000, 'x'));
  FetchOptions options = LoopbackOptions();
  options.max_body_bytes = 1000;
  absl::StatusOr<HttpResponse> response =
      RunFetch(io_, &server, client_, {.url = server.Url("/")}, options);
  EXPECT_EQ(response.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(response.status().message(), HasSubstr("larger than 1000 bytes"));
}

TEST_F(HttpClientTest, GivesUpAtTheDeadline) {
  CannedServer server(io_);  // reads the request, never answers
  FetchOptions options = LoopbackOptions();
  options.timeout = absl::Milliseconds(300);
  const auto start = std::chrono::steady_clock::now();
  absl::StatusOr<HttpResponse> response =
      RunFetch(io_, &server, client_, {.url = server.Url("/slow")}, options);
  EXPECT_EQ(response.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_THAT(response.status().message(), HasSubstr("did not answer within 300ms"));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST_F(HttpClientTest, RefusesPlainHttpUnlessLoopbackIsAllowed) {
  absl::StatusOr<HttpResponse> refused =
      RunFetch(io_, nullptr, client_, {.url = "http://127.0.0.1:1/"}, {});
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(refused.status().message(), HasSubstr("use https"));

  // 192.0.2.1 (TEST-NET-1) is refused before any connection is tried.
  absl::StatusOr<HttpResponse> remote =
      RunFetch(io_, nullptr, client_, {.url = "http://192.0.2.1/x?code=secret"}, LoopbackOptions());
  EXPECT_EQ(remote.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(remote.status().message(), HasSubstr("only loopback addresses"));
  EXPECT_THAT(remote.status().message(), ::testing::Not(HasSubstr("secret")));
}

TEST_F(HttpClientTest, RefusesMalformedRequests) {
  for (const char* url : {"ftp://127.0.0.1/", "http://user:pw@127.0.0.1/", "not a url",
                          "http://127.0.0.1:0/", "http://%31%32%37.0.0.1/"}) {
    absl::StatusOr<HttpResponse> response =
        RunFetch(io_, nullptr, client_, {.url = url}, LoopbackOptions());
    EXPECT_EQ(response.status().code(), absl::StatusCode::kInvalidArgument) << url;
  }
  absl::StatusOr<HttpResponse> put = RunFetch(
      io_, nullptr, client_, {.method = "PUT", .url = "http://127.0.0.1:1/"}, LoopbackOptions());
  EXPECT_EQ(put.status().code(), absl::StatusCode::kInvalidArgument);
  absl::StatusOr<HttpResponse> injected =
      RunFetch(io_, nullptr, client_,
               {.url = "http://127.0.0.1:1/", .headers = {{"X-A", "b\r\nX-Injected: c"}}},
               LoopbackOptions());
  EXPECT_EQ(injected.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(HttpClientTest, ReportsRefusedConnections) {
  uint16_t closed_port;
  {
    tcp::acceptor probe(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    closed_port = probe.local_endpoint().port();
  }
  absl::StatusOr<HttpResponse> response =
      RunFetch(io_, nullptr, client_, {.url = absl::StrCat("http://127.0.0.1:", closed_port, "/")},
               LoopbackOptions());
  EXPECT_EQ(response.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(response.status().message(),
              HasSubstr(absl::StrCat("127.0.0.1:", closed_port, ": cannot connect")));
}

// TLS: a server certificate for 127.0.0.1 from a throwaway CA.
class HttpsTest : public HttpClientTest {
 protected:
  void SetUp() override {
    HttpClientTest::SetUp();
    absl::StatusOr<tls::TestIdentity> ca = tls::NewTestCa("HTTP Client Test CA");
    ASSERT_TRUE(ca.ok()) << ca.status();
    absl::StatusOr<tls::TestIdentity> leaf = tls::NewTestServerCertificate(*ca, {"127.0.0.1"});
    ASSERT_TRUE(leaf.ok()) << leaf.status();
    const std::string dir = tls::TestTempDir();
    absl::StatusOr<tls::CertificateFiles> files = tls::WriteCertificateFiles(dir, "server", *leaf);
    ASSERT_TRUE(files.ok()) << files.status();
    ca_file_ = dir + "/ca.pem";
    ASSERT_TRUE(tls::WriteCertificatesPem(ca_file_, {ca->certificate.get()}).ok());
    server_tls_.use_certificate_chain_file(files->cert_file);
    server_tls_.use_private_key_file(files->key_file, asio::ssl::context::pem);
  }

  asio::ssl::context server_tls_{asio::ssl::context::tls_server};
  std::string ca_file_;
};

TEST_F(HttpsTest, FetchesFromAVerifiedServer) {
  absl::StatusOr<std::shared_ptr<HttpClient>> trusting =
      HttpClient::Create({.ca_cert_file = ca_file_});
  ASSERT_TRUE(trusting.ok()) << trusting.status();
  CannedServer server(io_, &server_tls_);
  server.response = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
  absl::StatusOr<HttpResponse> response =
      RunFetch(io_, &server, *trusting, {.url = server.Url("/jwks")}, {});
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->body, "ok");
}

TEST_F(HttpsTest, RefusesAnUntrustedCertificate) {
  CannedServer server(io_, &server_tls_);
  server.response = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
  // The system trust store does not know the test CA.
  absl::StatusOr<HttpResponse> response =
      RunFetch(io_, &server, client_, {.url = server.Url("/jwks")}, {});
  EXPECT_EQ(response.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(response.status().message(), HasSubstr("TLS certificate of 127.0.0.1 not accepted"));
}

TEST_F(HttpsTest, RefusesACertificateForAnotherName) {
  absl::StatusOr<std::shared_ptr<HttpClient>> trusting =
      HttpClient::Create({.ca_cert_file = ca_file_});
  ASSERT_TRUE(trusting.ok()) << trusting.status();
  CannedServer server(io_, &server_tls_);
  server.response = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
  // The certificate names 127.0.0.1, not localhost.
  absl::StatusOr<HttpResponse> response = RunFetch(
      io_, &server, *trusting, {.url = absl::StrCat("https://localhost:", server.port(), "/")}, {});
  EXPECT_EQ(response.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(response.status().message(), HasSubstr("not accepted"));
}

}  // namespace
}  // namespace postern::http
