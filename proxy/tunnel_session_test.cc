// The proxy server and its tunnel sessions in one process, with a fake
// authorize service: what the system tests cannot arrange (an authorize
// answer held back while the proxy shuts down, deadlines of a few hundred
// milliseconds), and the whole data path under the sanitizers.
#include "proxy/tunnel_session.h"

#include <sys/socket.h>

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/config/config_loader.h"
#include "common/reload/snapshot.h"
#include "common/session/session.h"
#include "common/tls/server_context.h"
#include "common/tls/test_pki.h"
#include "gtest/gtest.h"
#include "proxy/proxy_server.h"
#include "proxy/serving_state.h"

namespace postern::proxy {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using ::postern::authorize::v1::CheckResponse;

// Answers every Check with `decision`, or holds the answer back until
// Release() when `hold` is set. std:: locking rather than absl::Mutex so
// ThreadSanitizer sees it (Debian's abseil is not instrumented).
class FakeAuthorizer final : public Authorizer {
 public:
  void Check(v1::CheckRequest request, absl::Duration, Done done) override {
    std::lock_guard<std::mutex> lock(mu_);
    requests_.push_back(request);
    if (hold_) {
      held_.push_back(std::move(done));
      held_changed_.notify_all();
      return;
    }
    Answer(std::move(done));
  }
  bool Reachable() override { return true; }

  void Set(absl::StatusOr<CheckResponse::Decision> decision) {
    std::lock_guard<std::mutex> lock(mu_);
    decision_ = decision;
  }
  void Hold() {
    std::lock_guard<std::mutex> lock(mu_);
    hold_ = true;
  }
  void Release() {
    std::lock_guard<std::mutex> lock(mu_);
    hold_ = false;
    for (Done& done : held_) Answer(std::move(done));
    held_.clear();
  }
  void AwaitHeld(size_t count) {
    std::unique_lock<std::mutex> lock(mu_);
    held_changed_.wait(lock, [&] { return held_.size() >= count; });
  }
  std::vector<v1::CheckRequest> requests() {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }

 private:
  // Called with mu_ held.
  void Answer(Done done) {
    if (!decision_.ok()) {
      std::move(done)(decision_.status());
      return;
    }
    CheckResponse response;
    response.set_decision(*decision_);
    response.add_reasons("reason from the fake");
    response.mutable_identity()->set_email("a@example.com");
    std::move(done)(response);
  }

  std::mutex mu_;  // guards everything below
  std::condition_variable held_changed_;
  absl::StatusOr<CheckResponse::Decision> decision_ = CheckResponse::ALLOW;
  bool hold_ = false;
  std::vector<Done> held_;
  std::vector<v1::CheckRequest> requests_;
};

// An upstream that echoes and, at end of stream, ends its side too.
class EchoUpstream {
 public:
  EchoUpstream() : acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    thread_ = std::thread([this] {
      for (;;) {
        tcp::socket socket(io_);
        boost::system::error_code ec;
        acceptor_.accept(socket, ec);
        if (ec) return;
        accepted_.fetch_add(1);
        connections_.emplace_back([socket = std::move(socket)]() mutable {
          char buffer[16384];
          boost::system::error_code ec;
          for (;;) {
            const size_t n = socket.read_some(asio::buffer(buffer), ec);
            if (n > 0) asio::write(socket, asio::buffer(buffer, n), ec);
            if (ec) break;
          }
          socket.shutdown(tcp::socket::shutdown_send, ec);
        });
      }
    });
  }
  ~EchoUpstream() {
    boost::system::error_code ec;
    ::shutdown(acceptor_.native_handle(), SHUT_RDWR);
    thread_.join();
    acceptor_.close(ec);
    for (std::thread& t : connections_) t.join();
  }
  int port() const { return acceptor_.local_endpoint().port(); }
  int accepted() const { return accepted_.load(); }

 private:
  asio::io_context io_;
  tcp::acceptor acceptor_;
  std::atomic<int> accepted_{0};
  std::vector<std::thread> connections_;  // only touched by thread_, joined after it
  std::thread thread_;
};

// A blocking TLS client trusting the test CA.
class Client {
 public:
  Client(int port, const std::string& ca_file) : context_(asio::ssl::context::tls_client) {
    context_.load_verify_file(ca_file);
    context_.set_verify_mode(asio::ssl::verify_peer);
    stream_.emplace(io_, context_);
    stream_->next_layer().connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    stream_->handshake(asio::ssl::stream_base::client);
  }
  void Send(const std::string& data) { asio::write(*stream_, asio::buffer(data)); }
  // ReadHead returns the answer's head (through the blank line) and keeps
  // what followed for Read.
  std::string ReadHead() {
    while (buffer_.find("\r\n\r\n") == std::string::npos) {
      if (!Fill()) return buffer_;
    }
    const size_t end = buffer_.find("\r\n\r\n") + 4;
    std::string head = buffer_.substr(0, end);
    buffer_.erase(0, end);
    return head;
  }
  // ReadAll reads until the end of the stream (or an error).
  std::string ReadAll() {
    while (Fill()) {
    }
    return std::exchange(buffer_, "");
  }
  std::string Read(size_t count) {
    while (buffer_.size() < count && Fill()) {
    }
    std::string out = buffer_.substr(0, count);
    buffer_.erase(0, out.size());
    return out;
  }

 private:
  bool Fill() {
    char data[16384];
    boost::system::error_code ec;
    const size_t n = stream_->read_some(asio::buffer(data), ec);
    buffer_.append(data, n);
    return !ec;
  }

  asio::io_context io_;
  asio::ssl::context context_;
  std::optional<asio::ssl::stream<tcp::socket>> stream_;
  std::string buffer_;
};

std::string Connect(const std::string& authority, const std::string& token = "t.o.k") {
  return absl::StrCat("CONNECT ", authority, " HTTP/1.1\r\nHost: ", authority,
                      "\r\nAuthorization: Pomerium ", token, "\r\n\r\n");
}

class TunnelSessionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<tls::TestIdentity> ca = tls::NewTestCa("Session Test CA");
    ASSERT_TRUE(ca.ok()) << ca.status();
    absl::StatusOr<tls::TestIdentity> server = tls::NewTestServerCertificate(*ca, {"127.0.0.1"});
    ASSERT_TRUE(server.ok()) << server.status();
    ca_file_ = tls::TestTempDir() + "/session-ca.pem";
    ASSERT_TRUE(tls::WriteCertificatesPem(ca_file_, {ca->certificate.get()}).ok());
    absl::StatusOr<tls::CertificateFiles> files =
        tls::WriteCertificateFiles(tls::TestTempDir(), "session-proxy", *server);
    ASSERT_TRUE(files.ok()) << files.status();

    const std::string yaml = absl::StrCat(
        "shared_secret: AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n",
        "certificate_file: ", files->cert_file, "\ncertificate_key_file: ", files->key_file,
        "\nrequest_header_timeout: 500ms\nshutdown_drain_timeout: 1s\n", "routes:\n",
        "  - from: tcp+https://echo.test:7\n    to: tcp://127.0.0.1:", upstream_.port(),
        "\n    policy: [{allow: {and: [{authenticated_user: true}]}}]\n");
    absl::StatusOr<config::LoadedConfig> loaded = config::LoadConfigString(yaml, "session.yaml");
    ASSERT_TRUE(loaded.ok()) << loaded.status();
    absl::StatusOr<tls::ServerContext> tls =
        tls::ServerContext::Create({{.cert_file = files->cert_file, .key_file = files->key_file}},
                                   session::AsSecret(loaded->config->shared_secret));
    ASSERT_TRUE(tls.ok()) << tls.status();

    auto state = std::make_shared<ServingState>();
    state->config = loaded->config;
    state->tls = std::make_shared<const tls::ServerContext>(*std::move(tls));
    state->tls_context = WrapForAsio(*state->tls);
    state->authorizer = authorizer_;
    snapshot_ = std::make_unique<reload::Snapshot<ServingState>>(std::move(state));
    server_ = std::make_unique<ProxyServer>(snapshot_.get(), &metrics_);
    absl::StatusOr<std::string> bound = server_->Start("127.0.0.1:0", 2);
    ASSERT_TRUE(bound.ok()) << bound.status();
    port_ = std::stoi(bound->substr(bound->rfind(':') + 1));
  }

  void TearDown() override {
    server_.reset();  // closes what is still open and joins
  }

  std::unique_ptr<Client> NewClient() { return std::make_unique<Client>(port_, ca_file_); }

  EchoUpstream upstream_;
  std::shared_ptr<FakeAuthorizer> authorizer_ = std::make_shared<FakeAuthorizer>();
  ProxyMetrics metrics_;
  std::unique_ptr<reload::Snapshot<ServingState>> snapshot_;
  std::unique_ptr<ProxyServer> server_;
  std::string ca_file_;
  int port_ = 0;
};

TEST_F(TunnelSessionTest, AllowedTunnelCarriesBytesBothWaysIncludingPipelinedOnes) {
  auto client = NewClient();
  client->Send(Connect("Echo.Test:7", "tok") + "first ");
  EXPECT_EQ(client->ReadHead(), "HTTP/1.1 200 Connection established\r\n\r\n");
  client->Send("second");
  EXPECT_EQ(client->Read(12), "first second");
  const std::vector<v1::CheckRequest> requests = authorizer_->requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].route(), "echo.test:7");
  EXPECT_EQ(requests[0].session_token(), "tok");
  EXPECT_EQ(requests[0].source_ip(), "127.0.0.1");
  EXPECT_EQ(requests[0].http_method(), "CONNECT");
}

TEST_F(TunnelSessionTest, EveryRefusalHasItsStatusAndNeverDialsTheUpstream) {
  struct Case {
    absl::StatusOr<CheckResponse::Decision> decision;
    std::string status_line;
  };
  for (const Case& c : std::vector<Case>{
           {CheckResponse::DENY, "HTTP/1.1 403 Forbidden"},
           {CheckResponse::UNAUTHENTICATED, "HTTP/1.1 401 Unauthorized"},
           {CheckResponse::NO_ROUTE, "HTTP/1.1 404 Not Found"},
           {absl::UnavailableError("down"), "HTTP/1.1 503 Service Unavailable"},
           {absl::DeadlineExceededError("slow"), "HTTP/1.1 503 Service Unavailable"},
       }) {
    authorizer_->Set(c.decision);
    auto client = NewClient();
    client->Send(Connect("echo.test:7"));
    const std::string head = client->ReadHead();
    EXPECT_EQ(head.substr(0, head.find("\r\n")), c.status_line);
    const std::string body = client->ReadAll();
    if (c.decision.ok()) {
      EXPECT_NE(body.find("reason from the fake"), std::string::npos) << body;
    } else {
      EXPECT_EQ(body.find("down"), std::string::npos) << "the cause stays in the log";
    }
  }
  EXPECT_EQ(upstream_.accepted(), 0);
}

TEST_F(TunnelSessionTest, UnknownRouteIs404WithoutAskingAuthorize) {
  auto client = NewClient();
  client->Send(Connect("other.test:7"));
  EXPECT_EQ(client->ReadHead().substr(0, 12), "HTTP/1.1 404");
  EXPECT_TRUE(authorizer_->requests().empty());
}

TEST_F(TunnelSessionTest, SlowRequestHeadIsAnswered408) {
  auto client = NewClient();
  client->Send("CONNECT echo.test:7 HTTP/1.1\r\nHost: ech");
  const auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(client->ReadHead().substr(0, 12), "HTTP/1.1 408");
  EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(300));
  EXPECT_TRUE(authorizer_->requests().empty());
}

TEST_F(TunnelSessionTest, ClientThatNeverHandshakesIsClosedAtTheDeadline) {
  asio::io_context io;
  tcp::socket socket(io);
  socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_));
  char byte;
  boost::system::error_code ec;
  socket.read_some(asio::buffer(&byte, 1), ec);  // returns when the proxy closes
  EXPECT_TRUE(ec);
  EXPECT_EQ(metrics_.tls_handshake_failures().value(), 1u);
}

TEST_F(TunnelSessionTest, ShutdownClosesTunnelsAndSessionsWaitingForAuthorize) {
  auto tunnel = NewClient();
  tunnel->Send(Connect("echo.test:7"));
  EXPECT_EQ(tunnel->ReadHead().substr(0, 12), "HTTP/1.1 200");
  authorizer_->Hold();
  auto waiting = NewClient();
  waiting->Send(Connect("echo.test:7"));
  authorizer_->AwaitHeld(1);

  server_->StopAccepting();
  EXPECT_EQ(server_->ActiveConnections(), 2);
  EXPECT_FALSE(server_->WaitForConnections(absl::Milliseconds(100)));
  server_->CloseConnections();
  EXPECT_EQ(tunnel->ReadAll(), "") << "the tunnel is closed";
  // The session waiting for authorize ends once the answer comes (gRPC's
  // deadline guarantees one); it must not open a tunnel after shutdown.
  authorizer_->Release();
  EXPECT_EQ(waiting->ReadAll(), "");
  EXPECT_TRUE(server_->WaitForConnections(absl::Seconds(30)));
  server_->Join();
  EXPECT_EQ(upstream_.accepted(), 1);
}

TEST_F(TunnelSessionTest, DrainWaitsForTunnelsToEndOnTheirOwn) {
  auto tunnel = NewClient();
  tunnel->Send(Connect("echo.test:7") + "x");
  EXPECT_EQ(tunnel->ReadHead().substr(0, 12), "HTTP/1.1 200");
  EXPECT_EQ(tunnel->Read(1), "x");
  server_->StopAccepting();
  EXPECT_THROW(NewClient(), boost::system::system_error) << "new connections are refused";
  tunnel->Send("y");
  EXPECT_EQ(tunnel->Read(1), "y") << "open tunnels keep working while draining";
  tunnel.reset();
  EXPECT_TRUE(server_->WaitForConnections(absl::Seconds(30)));
}

}  // namespace
}  // namespace postern::proxy
