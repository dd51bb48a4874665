#include "cli/tunnel_dialer.h"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address_v4.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <exception>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "cli/fake_proxy.h"
#include "common/tls/client_context.h"
#include "common/tls/server_context.h"
#include "common/tls/test_pki.h"
#include "common/tunnel/byte_stream.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace postern::cli {
namespace {

namespace asio = boost::asio;
using testing::FakeProxy;
using ::testing::HasSubstr;

const tunnel::Authority kTarget{.host = "redis.corp.example.com", .port = 6379};

// One CA, a proxy certificate for "localhost" signed by it, and a client
// context trusting that CA.
struct Pki {
  Pki() {
    const std::string dir = tls::TestTempDir();
    absl::StatusOr<tls::TestIdentity> ca = tls::NewTestCa("Dialer Test CA");
    absl::StatusOr<tls::TestIdentity> other_ca = tls::NewTestCa("Some Other CA");
    absl::StatusOr<tls::TestIdentity> leaf = tls::NewTestServerCertificate(*ca, {"localhost"});
    files = *tls::WriteCertificateFiles(dir, "proxy", *leaf);
    ca_file = dir + "/ca.pem";
    other_ca_file = dir + "/other-ca.pem";
    EXPECT_TRUE(tls::WriteCertificatesPem(ca_file, {ca->certificate.get()}).ok());
    EXPECT_TRUE(tls::WriteCertificatesPem(other_ca_file, {other_ca->certificate.get()}).ok());
  }
  tls::CertificateFiles files;
  std::string ca_file;
  std::string other_ca_file;
};

class TunnelDialerTest : public ::testing::Test {
 protected:
  TunnelDialerTest()
      : server_(*tls::ServerContext::Create({pki_.files}, std::vector<uint8_t>(32, 7))),
        client_(*tls::ClientContext::Create({.ca_cert_file = pki_.ca_file})),
        proxy_(io_, server_.native()) {}

  DialerOptions Options(std::string host = "localhost") {
    return {.proxy = {.host = host, .port = proxy_.port()},
            .target = kTarget,
            .token = "aaa.bbb.ccc",
            .token_source = TokenSource::kServiceAccount,
            .custom_ca = true};
  }

  // Run drives `io_` until `task` finishes and returns its result.
  template <typename T>
  T Run(asio::awaitable<T> task) {
    std::optional<T> result;
    std::exception_ptr failure;
    asio::co_spawn(io_, std::move(task), [&](std::exception_ptr e, T value) {
      failure = e;
      result.emplace(std::move(value));
    });
    while (!result.has_value()) io_.run_one();
    if (failure) std::rethrow_exception(failure);
    return std::move(*result);
  }

  absl::StatusOr<DialedTunnel> DialWith(const tls::ClientContext& client, DialerOptions options) {
    TunnelDialer dialer(io_.get_executor(), client, std::move(options));
    return Run(dialer.Dial());
  }

  // RoundTrip sends `text` through the tunnel and returns what comes back.
  std::string RoundTrip(TlsStream& stream, const std::string& text) {
    return Run([&]() -> asio::awaitable<std::string> {
      co_await asio::async_write(stream, asio::buffer(text), asio::use_awaitable);
      std::string back(text.size(), '\0');
      co_await asio::async_read(stream, asio::buffer(back), asio::use_awaitable);
      co_return back;
    }());
  }

  void Close(TlsStream& stream) {
    Run([&]() -> asio::awaitable<bool> {
      co_await tunnel::ShutdownSend(stream);
      co_return true;
    }());
  }

  asio::io_context io_;
  Pki pki_;
  tls::ServerContext server_;
  tls::ClientContext client_;
  FakeProxy proxy_;
};

TEST_F(TunnelDialerTest, OpensTheTunnelWithTheTokenAndKeepsEarlyBytes) {
  proxy_.set_answer({.status = 200, .first_tunnel_bytes = "+OK hello\r\n"});
  absl::StatusOr<DialedTunnel> tunnel = DialWith(client_, Options());
  ASSERT_TRUE(tunnel.ok()) << tunnel.status();
  EXPECT_EQ(tunnel->initial_bytes, "+OK hello\r\n");
  EXPECT_FALSE(tunnel->tls_resumed);
  EXPECT_THAT(tunnel->tls_version, HasSubstr("TLS"));
  ASSERT_EQ(proxy_.requests().size(), 1u);
  EXPECT_EQ(proxy_.requests()[0].authority, "redis.corp.example.com:6379");
  EXPECT_EQ(proxy_.requests()[0].session_token, "aaa.bbb.ccc");
  EXPECT_EQ(RoundTrip(*tunnel->stream, "PING\r\n"), "PING\r\n");
  Close(*tunnel->stream);
}

TEST_F(TunnelDialerTest, NoTokenMeansNoAuthorizationHeader) {
  DialerOptions options = Options();
  options.token = "";
  options.token_source = TokenSource::kNone;
  absl::StatusOr<DialedTunnel> tunnel = DialWith(client_, options);
  ASSERT_TRUE(tunnel.ok()) << tunnel.status();
  EXPECT_EQ(proxy_.requests()[0].session_token, "");
  Close(*tunnel->stream);
}

TEST_F(TunnelDialerTest, ConcurrentDialsWaitForTheFirstHandshakeAndResumeIt) {
  TunnelDialer dialer(io_.get_executor(), client_, Options());
  constexpr int kDials = 6;
  std::vector<absl::StatusOr<DialedTunnel>> tunnels;
  for (int i = 0; i < kDials; ++i) {
    asio::co_spawn(io_, dialer.Dial(), [&](std::exception_ptr, absl::StatusOr<DialedTunnel> t) {
      tunnels.push_back(std::move(t));
    });
  }
  while (tunnels.size() < kDials) io_.run_one();
  int resumed = 0;
  for (absl::StatusOr<DialedTunnel>& tunnel : tunnels) {
    ASSERT_TRUE(tunnel.ok()) << tunnel.status();
    if (tunnel->tls_resumed) ++resumed;
  }
  EXPECT_EQ(resumed, kDials - 1);
  EXPECT_EQ(proxy_.handshakes(), kDials);
  EXPECT_EQ(proxy_.resumed(), kDials - 1);
  for (absl::StatusOr<DialedTunnel>& tunnel : tunnels) {
    EXPECT_EQ(RoundTrip(*tunnel->stream, "x"), "x");
    Close(*tunnel->stream);
  }
}

TEST_F(TunnelDialerTest, ASlowFirstAnswerHoldsTheOthersBackOnlyBriefly) {
  DialerOptions options = Options();
  options.first_dial_wait = std::chrono::milliseconds(50);
  TunnelDialer dialer(io_.get_executor(), client_, options);
  proxy_.HoldFirstAnswer();
  std::optional<absl::StatusOr<DialedTunnel>> first;
  asio::co_spawn(io_, dialer.Dial(),
                 [&](std::exception_ptr, absl::StatusOr<DialedTunnel> t) { first = std::move(t); });
  while (proxy_.requests().empty()) io_.run_one();  // the first is now waiting for its answer
  absl::StatusOr<DialedTunnel> second = Run(dialer.Dial());
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_FALSE(first.has_value()) << "the second tunnel had to wait for the first";
  proxy_.ReleaseFirstAnswer();
  while (!first.has_value()) io_.run_one();
  ASSERT_TRUE(first->ok()) << first->status();
  Close(*(*first)->stream);
  Close(*second->stream);
}

TEST_F(TunnelDialerTest, CancellingADialEndsItAtOnce) {
  DialerOptions options = Options();
  options.timeout = std::chrono::hours(1);
  TunnelDialer dialer(io_.get_executor(), client_, options);
  proxy_.HoldFirstAnswer();
  asio::cancellation_signal cancel;
  std::optional<absl::StatusOr<DialedTunnel>> result;
  asio::co_spawn(io_, dialer.Dial(),
                 asio::bind_cancellation_slot(
                     cancel.slot(), [&](std::exception_ptr, absl::StatusOr<DialedTunnel> t) {
                       result = std::move(t);
                     }));
  while (proxy_.requests().empty()) io_.run_one();  // waiting for the held answer
  cancel.emit(asio::cancellation_type::terminal);
  while (!result.has_value()) io_.run_one();
  EXPECT_EQ(result->status().code(), absl::StatusCode::kCancelled) << result->status();
  proxy_.ReleaseFirstAnswer();
}

TEST_F(TunnelDialerTest, TheNextTunnelResumesEvenAfterARefusal) {
  TunnelDialer dialer(io_.get_executor(), client_, Options());
  proxy_.set_answer({.status = 403, .text = "not now"});
  absl::StatusOr<DialedTunnel> refused = Run(dialer.Dial());
  ASSERT_EQ(refused.status().code(), absl::StatusCode::kPermissionDenied);
  proxy_.set_answer({.status = 200});
  absl::StatusOr<DialedTunnel> tunnel = Run(dialer.Dial());
  ASSERT_TRUE(tunnel.ok()) << tunnel.status();
  EXPECT_TRUE(tunnel->tls_resumed);
  EXPECT_EQ(proxy_.resumed(), 1);
  Close(*tunnel->stream);
}

TEST_F(TunnelDialerTest, RefusalsCarryTheProxysReason) {
  proxy_.set_answer({.status = 403, .text = "email mallory@example.com is not allowed"});
  absl::StatusOr<DialedTunnel> denied = DialWith(client_, Options());
  ASSERT_FALSE(denied.ok());
  EXPECT_EQ(denied.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(denied.status().message(),
            "access to redis.corp.example.com:6379 denied by policy (403: email "
            "mallory@example.com is not allowed)");

  proxy_.set_answer({.status = 404, .text = "no route"});
  absl::StatusOr<DialedTunnel> missing = DialWith(client_, Options());
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(missing.status().message(),
              HasSubstr(absl::StrCat("proxy localhost:", proxy_.port(),
                                     " has no route for redis.corp.example.com:6379")));

  proxy_.set_answer({.status = 401, .text = "session expired"});
  absl::StatusOr<DialedTunnel> unauthenticated = DialWith(client_, Options());
  ASSERT_FALSE(unauthenticated.ok());
  EXPECT_EQ(unauthenticated.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(unauthenticated.status().message(), HasSubstr("(401: session expired)"));
}

TEST_F(TunnelDialerTest, AnUnknownCaIsAVerificationFailureNamingTheHost) {
  tls::ClientContext other = *tls::ClientContext::Create({.ca_cert_file = pki_.other_ca_file});
  absl::StatusOr<DialedTunnel> tunnel = DialWith(other, Options());
  ASSERT_FALSE(tunnel.ok());
  EXPECT_EQ(tunnel.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(tunnel.status().message(), HasSubstr("TLS certificate of localhost not accepted: "));
  EXPECT_THAT(tunnel.status().message(), HasSubstr("--ca-cert-file"));
  EXPECT_TRUE(proxy_.requests().empty()) << "the token must not be sent to an unverified proxy";
}

TEST_F(TunnelDialerTest, ANameTheCertificateLacksIsRefused) {
  absl::StatusOr<DialedTunnel> tunnel = DialWith(client_, Options("127.0.0.1"));
  ASSERT_FALSE(tunnel.ok());
  EXPECT_THAT(tunnel.status().message(),
              HasSubstr("TLS certificate of 127.0.0.1 not accepted: IP address mismatch"));
  EXPECT_TRUE(proxy_.requests().empty());
}

TEST_F(TunnelDialerTest, VerificationCanBeDisabled) {
  tls::ClientContext insecure = *tls::ClientContext::Create({.disable_verification = true});
  absl::StatusOr<DialedTunnel> tunnel = DialWith(insecure, Options("127.0.0.1"));
  ASSERT_TRUE(tunnel.ok()) << tunnel.status();
  Close(*tunnel->stream);
}

TEST_F(TunnelDialerTest, AClosedPortIsUnreachable) {
  uint16_t closed_port;
  {
    asio::ip::tcp::acceptor probe(io_, {asio::ip::address_v4::loopback(), 0});
    closed_port = probe.local_endpoint().port();
  }
  DialerOptions options = Options("127.0.0.1");
  options.proxy.port = closed_port;
  absl::StatusOr<DialedTunnel> tunnel = DialWith(client_, options);
  ASSERT_FALSE(tunnel.ok());
  EXPECT_EQ(tunnel.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(tunnel.status().message(),
            absl::StrCat("cannot reach proxy 127.0.0.1:", closed_port, ": Connection refused"));
}

TEST_F(TunnelDialerTest, AnUnresolvableNameSaysSo) {
  DialerOptions options = Options("no-such-host.invalid");
  absl::StatusOr<DialedTunnel> tunnel = DialWith(client_, options);
  ASSERT_FALSE(tunnel.ok());
  EXPECT_THAT(tunnel.status().message(),
              HasSubstr("cannot resolve the proxy's name no-such-host.invalid"));
}

TEST_F(TunnelDialerTest, ASilentProxyHitsTheDeadline) {
  // Connections complete in the kernel's backlog, but nobody ever answers.
  asio::ip::tcp::acceptor silent(io_, {asio::ip::address_v4::loopback(), 0});
  DialerOptions options = Options("127.0.0.1");
  options.proxy.port = silent.local_endpoint().port();
  options.timeout = std::chrono::milliseconds(300);
  absl::StatusOr<DialedTunnel> tunnel = DialWith(client_, options);
  ASSERT_FALSE(tunnel.ok());
  EXPECT_EQ(tunnel.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_THAT(tunnel.status().message(), HasSubstr("did not open the tunnel"));
}

TEST_F(TunnelDialerTest, AnAnswerThatIsNotHttp) {
  proxy_.set_answer({.raw = "SSH-2.0-OpenSSH_9.2\r\n\r\n"});
  absl::StatusOr<DialedTunnel> tunnel = DialWith(client_, Options());
  ASSERT_FALSE(tunnel.ok());
  EXPECT_EQ(tunnel.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(tunnel.status().message(), HasSubstr("gave no valid answer"));
}

TEST_F(TunnelDialerTest, AProxyClosingWithoutAnswer) {
  proxy_.set_answer({.close_without_answer = true});
  absl::StatusOr<DialedTunnel> tunnel = DialWith(client_, Options());
  ASSERT_FALSE(tunnel.ok());
  EXPECT_EQ(tunnel.status().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace postern::cli
