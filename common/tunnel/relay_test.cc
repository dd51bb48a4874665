#include "common/tunnel/relay.h"

#include <fcntl.h>
#include <openssl/ssl.h>
#include <signal.h>
#include <unistd.h>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/read.hpp>
#include <chrono>
#include <optional>
#include <random>
#include <string>

#include "common/tunnel/byte_stream.h"
#include "common/tunnel/loopback.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace postern::tunnel {
namespace {

namespace asio = boost::asio;
using boost::system::error_code;
using tcp = asio::ip::tcp;
using ::testing::HasSubstr;
using ::testing::StartsWith;
using testing::ReadToEnd;
using testing::TestTls;
using testing::TlsStream;
using namespace std::chrono_literals;

// How long any one test may take before it counts as hung. A deadline, not a
// synchronisation: every test ends on its own well before it.
constexpr auto kDeadline = 60s;

std::string RandomBytes(std::size_t size, uint64_t seed) {
  std::mt19937_64 generator(seed);
  std::string bytes(size, '\0');
  for (std::size_t i = 0; i < size; i += 8) {
    uint64_t word = generator();
    for (std::size_t j = 0; j < 8 && i + j < size; ++j) {
      bytes[i + j] = static_cast<char>(word >> (8 * j));
    }
  }
  return bytes;
}

void Close(tcp::socket& socket) {
  error_code ignored;
  socket.close(ignored);
}
void Close(TlsStream& stream) {
  error_code ignored;
  stream.lowest_layer().close(ignored);
}
void Close(TlsSocket& stream) {
  error_code ignored;
  stream.lowest_layer().close(ignored);
}

tcp::socket& Lowest(tcp::socket& socket) { return socket; }
tcp::socket& Lowest(TlsStream& stream) { return stream.next_layer(); }

template <typename Stream>
asio::awaitable<void> WriteAll(Stream& stream, std::string_view data) {
  auto [ec, n] =
      co_await asio::async_write(stream, asio::buffer(data), asio::as_tuple(asio::use_awaitable));
  EXPECT_FALSE(ec) << ec.message();
  EXPECT_EQ(n, data.size());
}

template <typename Stream>
asio::awaitable<std::string> ReadExactly(Stream& stream, std::size_t size) {
  std::string data(size, '\0');
  auto [ec, n] =
      co_await asio::async_read(stream, asio::buffer(data), asio::as_tuple(asio::use_awaitable));
  EXPECT_FALSE(ec) << ec.message();
  data.resize(n);
  co_return data;
}

// The three shapes a relay runs in: proxy (TLS client, TCP upstream), the
// CLI's listener to a TLS proxy seen from the other end (TLS both sides), and
// plain TCP.
struct TcpToTcp {
  using Client = tcp::socket;
  using Upstream = tcp::socket;
  // Returns (test's end, relay's side).
  static std::pair<Client, Client> MakeClient(asio::io_context& io, TestTls&) {
    return testing::TcpPair(io);
  }
  static std::pair<Upstream, Upstream> MakeUpstream(asio::io_context& io, TestTls&) {
    return testing::TcpPair(io);
  }
};
struct TlsToTcp {
  using Client = TlsStream;
  using Upstream = tcp::socket;
  static std::pair<Client, Client> MakeClient(asio::io_context& io, TestTls& tls) {
    return testing::TlsPair(io, tls);  // (client end, proxy's server side)
  }
  static std::pair<Upstream, Upstream> MakeUpstream(asio::io_context& io, TestTls&) {
    return testing::TcpPair(io);
  }
};
struct TlsToTls {
  using Client = TlsStream;
  using Upstream = TlsStream;
  static std::pair<Client, Client> MakeClient(asio::io_context& io, TestTls& tls) {
    return testing::TlsPair(io, tls);
  }
  static std::pair<Upstream, Upstream> MakeUpstream(asio::io_context& io, TestTls& tls) {
    auto [relay_side, end] = testing::TlsPair(io, tls);
    return {std::move(end), std::move(relay_side)};
  }
};

// The proxy's shape with a TLS 1.2 client, whose half-close rules differ.
struct Tls12ToTcp : TlsToTcp {
  static constexpr int kMaxTlsVersion = TLS1_2_VERSION;
};

// The proxy's shape as the proxy runs it: its end of the client's TLS is a
// TlsSocket (OpenSSL on the socket), which the relay polls.
struct TlsSocketToTcp {
  using ClientEnd = TlsStream;
  using Client = TlsSocket;
  using Upstream = tcp::socket;
  static std::pair<ClientEnd, Client> MakeClient(asio::io_context& io, TestTls& tls) {
    return testing::TlsSocketPair(io, tls);
  }
  static std::pair<Upstream, Upstream> MakeUpstream(asio::io_context& io, TestTls&) {
    return testing::TcpPair(io);
  }
};
struct Tls12SocketToTcp : TlsSocketToTcp {
  static constexpr int kMaxTlsVersion = TLS1_2_VERSION;
};

template <typename Kind>
struct ClientEndOf {
  using type = typename Kind::Client;
};
template <typename Kind>
requires requires { typename Kind::ClientEnd; }
struct ClientEndOf<Kind> {
  using type = typename Kind::ClientEnd;
};

template <typename Kind>
constexpr int MaxTlsVersion() {
  if constexpr (requires { Kind::kMaxTlsVersion; }) {
    return Kind::kMaxTlsVersion;
  } else {
    return 0;
  }
}

template <typename Kind>
class RelayTest : public ::testing::Test {
 protected:
  using Client = typename Kind::Client;
  using ClientEnd = typename ClientEndOf<Kind>::type;
  using Upstream = typename Kind::Upstream;

  RelayTest() : tls_(MaxTlsVersion<Kind>()) {
    auto [client_end, client] = Kind::MakeClient(io_, tls_);
    client_end_.emplace(std::move(client_end));
    client_.emplace(std::move(client));
    auto [upstream_end, upstream] = Kind::MakeUpstream(io_, tls_);
    upstream_end_.emplace(std::move(upstream_end));
    upstream_.emplace(std::move(upstream));
  }

  // Starts the relay as the proxy runs it: relay, then close both streams.
  void StartRelay(RelayOptions options, asio::cancellation_slot slot = {}) {
    asio::co_spawn(
        io_,
        [this, options = std::move(options)]() mutable -> asio::awaitable<void> {
          result_ = co_await Relay(*client_, *upstream_, std::move(options));
          relay_done_ = true;
          Close(*client_);
          Close(*upstream_);
        },
        asio::bind_cancellation_slot(slot, [](std::exception_ptr e) {
          if (e) std::rethrow_exception(e);
        }));
  }

  template <typename F>
  void Spawn(F&& coroutine) {
    ++running_;
    asio::co_spawn(io_, std::forward<F>(coroutine), [this](std::exception_ptr e) {
      --running_;
      if (e) std::rethrow_exception(e);
    });
  }

  void RunToCompletion() {
    io_.run_for(kDeadline);
    ASSERT_TRUE(relay_done_) << "relay did not finish";
    ASSERT_EQ(running_, 0) << "a test peer did not finish";
  }

  asio::io_context io_;
  TestTls tls_;
  std::optional<ClientEnd> client_end_;
  std::optional<Client> client_;
  std::optional<Upstream> upstream_end_, upstream_;
  RelayResult result_;
  bool relay_done_ = false;
  int running_ = 0;
};

using Kinds =
    ::testing::Types<TcpToTcp, TlsToTcp, Tls12ToTcp, TlsToTls, TlsSocketToTcp, Tls12SocketToTcp>;
TYPED_TEST_SUITE(RelayTest, Kinds);

TYPED_TEST(RelayTest, CarriesBytesBothWaysAfterInitialBytes) {
  RelayOptions options;
  options.initial_to_upstream = "early ";
  options.initial_to_client = "hello ";
  this->StartRelay(std::move(options));
  std::string at_upstream, at_client;
  error_code upstream_end_ec, client_end_ec;
  this->Spawn([&]() -> asio::awaitable<void> {
    co_await WriteAll(*this->client_end_, "ping");
    co_await ShutdownSend(*this->client_end_);
    at_client = co_await ReadToEnd(*this->client_end_, client_end_ec);
  });
  this->Spawn([&]() -> asio::awaitable<void> {
    at_upstream = co_await ReadToEnd(*this->upstream_end_, upstream_end_ec);
    co_await WriteAll(*this->upstream_end_, "pong");
    co_await ShutdownSend(*this->upstream_end_);
  });
  this->RunToCompletion();
  EXPECT_EQ(at_upstream, "early ping");
  EXPECT_EQ(at_client, "hello pong");
  // Exactly eof: under TLS that means the relay sent close_notify, not only a FIN.
  EXPECT_EQ(upstream_end_ec, asio::error::eof) << upstream_end_ec.message();
  EXPECT_EQ(client_end_ec, asio::error::eof) << client_end_ec.message();
  EXPECT_EQ(this->result_.bytes_to_upstream, 10u);
  EXPECT_EQ(this->result_.bytes_to_client, 10u);
  EXPECT_EQ(this->result_.end, RelayEnd::kClientClosed);
  EXPECT_EQ(this->result_.CloseReason(), "client closed");
}

TYPED_TEST(RelayTest, ClientHalfCloseReachesUpstreamWhileResponseKeepsFlowing) {
  this->StartRelay({});
  const std::string response = RandomBytes(1 << 20, 1);
  std::string at_upstream, at_client;
  error_code upstream_end_ec, client_end_ec;
  this->Spawn([&]() -> asio::awaitable<void> {
    co_await WriteAll(*this->client_end_, "request");
    co_await ShutdownSend(*this->client_end_);
    at_client = co_await ReadToEnd(*this->client_end_, client_end_ec);
  });
  this->Spawn([&]() -> asio::awaitable<void> {
    // The upstream answers only after it has seen the client's end of
    // stream, so the answer can only arrive if the relay kept that direction
    // open after the half-close.
    at_upstream = co_await ReadToEnd(*this->upstream_end_, upstream_end_ec);
    co_await WriteAll(*this->upstream_end_, response);
    co_await ShutdownSend(*this->upstream_end_);
  });
  this->RunToCompletion();
  EXPECT_EQ(at_upstream, "request");
  EXPECT_TRUE(IsEndOfStream(upstream_end_ec)) << upstream_end_ec.message();
  EXPECT_TRUE(at_client == response) << "response corrupted, size " << at_client.size();
  EXPECT_TRUE(IsEndOfStream(client_end_ec)) << client_end_ec.message();
  EXPECT_EQ(this->result_.end, RelayEnd::kClientClosed);
  EXPECT_EQ(this->result_.bytes_to_client, response.size());
}

TYPED_TEST(RelayTest, UpstreamHalfCloseReachesClientWhileRequestKeepsFlowing) {
  this->StartRelay({});
  std::string at_upstream, at_client;
  error_code upstream_end_ec, client_end_ec;
  this->Spawn([&]() -> asio::awaitable<void> {
    co_await WriteAll(*this->upstream_end_, "banner");
    co_await ShutdownSend(*this->upstream_end_);
    at_upstream = co_await ReadToEnd(*this->upstream_end_, upstream_end_ec);
  });
  this->Spawn([&]() -> asio::awaitable<void> {
    at_client = co_await ReadToEnd(*this->client_end_, client_end_ec);
    co_await WriteAll(*this->client_end_, "bye");
    co_await ShutdownSend(*this->client_end_);
  });
  this->RunToCompletion();
  EXPECT_EQ(at_client, "banner");
  EXPECT_EQ(at_upstream, "bye");
  EXPECT_EQ(this->result_.end, RelayEnd::kUpstreamClosed);
  EXPECT_EQ(this->result_.CloseReason(), "upstream closed");
}

TYPED_TEST(RelayTest, SixteenMebibytesEachWayAtOnceArriveExactly) {
  this->StartRelay({});
  const std::string up = RandomBytes(16 << 20, 2);
  const std::string down = RandomBytes(16 << 20, 3);
  std::string at_upstream, at_client;
  error_code upstream_end_ec, client_end_ec;
  // Each end writes and reads at the same time, so both directions are full
  // at once (a relay that serialised them would deadlock here).
  this->Spawn([&]() -> asio::awaitable<void> {
    co_await WriteAll(*this->client_end_, up);
    co_await ShutdownSend(*this->client_end_);
  });
  this->Spawn([&]() -> asio::awaitable<void> {
    at_client = co_await ReadToEnd(*this->client_end_, client_end_ec);
  });
  this->Spawn([&]() -> asio::awaitable<void> {
    co_await WriteAll(*this->upstream_end_, down);
    co_await ShutdownSend(*this->upstream_end_);
  });
  this->Spawn([&]() -> asio::awaitable<void> {
    at_upstream = co_await ReadToEnd(*this->upstream_end_, upstream_end_ec);
  });
  this->RunToCompletion();
  EXPECT_EQ(at_upstream.size(), up.size());
  EXPECT_TRUE(at_upstream == up) << "client -> upstream bytes differ";
  EXPECT_EQ(at_client.size(), down.size());
  EXPECT_TRUE(at_client == down) << "upstream -> client bytes differ";
  EXPECT_TRUE(IsEndOfStream(upstream_end_ec)) << upstream_end_ec.message();
  EXPECT_TRUE(IsEndOfStream(client_end_ec)) << client_end_ec.message();
  EXPECT_EQ(this->result_.bytes_to_upstream, up.size());
  EXPECT_EQ(this->result_.bytes_to_client, down.size());
}

TYPED_TEST(RelayTest, BareFinWithoutCloseNotifyIsAnOrdinaryEnd) {
  this->StartRelay({});
  std::string at_upstream;
  error_code upstream_end_ec, client_end_ec;
  this->Spawn([&]() -> asio::awaitable<void> {
    co_await WriteAll(*this->client_end_, "data");
    // A TCP FIN under TLS without close_notify, as pomerium-cli closes.
    Lowest(*this->client_end_).shutdown(tcp::socket::shutdown_send);
    co_await ReadToEnd(*this->client_end_, client_end_ec);
  });
  this->Spawn([&]() -> asio::awaitable<void> {
    at_upstream = co_await ReadToEnd(*this->upstream_end_, upstream_end_ec);
    co_await ShutdownSend(*this->upstream_end_);
  });
  this->RunToCompletion();
  EXPECT_EQ(at_upstream, "data");
  EXPECT_TRUE(IsEndOfStream(upstream_end_ec)) << upstream_end_ec.message();
  EXPECT_EQ(this->result_.end, RelayEnd::kClientClosed) << this->result_.CloseReason();
}

TYPED_TEST(RelayTest, IdleTimeoutEndsBothDirections) {
  RelayOptions options;
  options.idle_timeout = 200ms;
  this->StartRelay(std::move(options));
  std::string at_client, at_upstream;
  error_code upstream_end_ec, client_end_ec;
  this->Spawn([&]() -> asio::awaitable<void> {
    co_await WriteAll(*this->client_end_, "hi");
    at_client = co_await ReadToEnd(*this->client_end_, client_end_ec);
  });
  this->Spawn([&]() -> asio::awaitable<void> {
    at_upstream = co_await ReadToEnd(*this->upstream_end_, upstream_end_ec);
  });
  this->RunToCompletion();
  EXPECT_EQ(this->result_.end, RelayEnd::kIdleTimeout) << this->result_.CloseReason();
  EXPECT_EQ(this->result_.CloseReason(), "idle timeout");
  EXPECT_GE(this->result_.duration, 200ms);
  EXPECT_EQ(at_upstream, "hi");
}

TYPED_TEST(RelayTest, TrafficPostponesIdleTimeout) {
  RelayOptions options;
  options.idle_timeout = 400ms;
  this->StartRelay(std::move(options));
  constexpr int kPings = 8;
  std::string at_upstream;
  error_code upstream_end_ec, client_end_ec;
  this->Spawn([&]() -> asio::awaitable<void> {
    // One byte every 100 ms: the relay stays busy for 800 ms, twice the idle
    // timeout. The timer paces traffic; it synchronises nothing.
    asio::steady_timer pace(co_await asio::this_coro::executor);
    for (int i = 0; i < kPings; ++i) {
      co_await WriteAll(*this->client_end_, "p");
      pace.expires_after(100ms);
      co_await pace.async_wait(asio::use_awaitable);
    }
    co_await ReadToEnd(*this->client_end_, client_end_ec);
  });
  this->Spawn([&]() -> asio::awaitable<void> {
    at_upstream = co_await ReadToEnd(*this->upstream_end_, upstream_end_ec);
  });
  this->RunToCompletion();
  EXPECT_EQ(this->result_.end, RelayEnd::kIdleTimeout);
  EXPECT_EQ(at_upstream, std::string(kPings, 'p'));
  EXPECT_GE(this->result_.duration, kPings * 100ms);
}

TYPED_TEST(RelayTest, MaxDurationEndsABusyTunnel) {
  RelayOptions options;
  options.max_duration = 300ms;
  options.idle_timeout = 10s;
  this->StartRelay(std::move(options));
  error_code upstream_end_ec, client_end_ec;
  uint64_t echoed = 0;
  this->Spawn([&]() -> asio::awaitable<void> {
    // Ping-pong until the relay cuts the tunnel.
    std::string byte(1, 'x');
    for (;;) {
      auto [wec, w] = co_await asio::async_write(*this->client_end_, asio::buffer(byte),
                                                 asio::as_tuple(asio::use_awaitable));
      if (wec) break;
      auto [rec, r] = co_await asio::async_read(*this->client_end_, asio::buffer(byte),
                                                asio::as_tuple(asio::use_awaitable));
      if (rec) break;
      ++echoed;
    }
  });
  this->Spawn([&]() -> asio::awaitable<void> {
    std::string byte(1, '\0');
    for (;;) {
      auto [rec, r] = co_await asio::async_read(*this->upstream_end_, asio::buffer(byte),
                                                asio::as_tuple(asio::use_awaitable));
      if (rec) break;
      auto [wec, w] = co_await asio::async_write(*this->upstream_end_, asio::buffer(byte),
                                                 asio::as_tuple(asio::use_awaitable));
      if (wec) break;
    }
  });
  this->RunToCompletion();
  EXPECT_EQ(this->result_.end, RelayEnd::kMaxDuration) << this->result_.CloseReason();
  EXPECT_EQ(this->result_.CloseReason(), "max duration");
  EXPECT_GE(this->result_.duration, 300ms);
  EXPECT_GT(echoed, 0u);
}

TYPED_TEST(RelayTest, UpstreamResetEndsBothDirections) {
  this->StartRelay({});
  std::string at_client;
  error_code client_end_ec;
  this->Spawn([&]() -> asio::awaitable<void> {
    co_await WriteAll(*this->upstream_end_, "partial");
    at_client = co_await ReadExactly(*this->client_end_, 7);
    Lowest(*this->upstream_end_).set_option(asio::socket_base::linger(true, 0));
    Close(*this->upstream_end_);  // RST
    // The client never closes: only the reset can end its direction.
    co_await ReadToEnd(*this->client_end_, client_end_ec);
  });
  this->RunToCompletion();
  EXPECT_EQ(at_client, "partial");
  EXPECT_EQ(this->result_.end, RelayEnd::kUpstreamError) << this->result_.CloseReason();
  EXPECT_THAT(this->result_.CloseReason(), StartsWith("upstream error: "));
}

TYPED_TEST(RelayTest, ClientResetEndsBothDirections) {
  this->StartRelay({});
  error_code upstream_end_ec;
  std::string at_upstream;
  this->Spawn([&]() -> asio::awaitable<void> {
    at_upstream = co_await ReadToEnd(*this->upstream_end_, upstream_end_ec);
  });
  this->Spawn([&]() -> asio::awaitable<void> {
    co_await WriteAll(*this->client_end_, "abc");
    Lowest(*this->client_end_).set_option(asio::socket_base::linger(true, 0));
    Close(*this->client_end_);
  });
  this->RunToCompletion();
  EXPECT_EQ(this->result_.end, RelayEnd::kClientError) << this->result_.CloseReason();
  EXPECT_THAT(this->result_.CloseReason(), StartsWith("client error: "));
}

TYPED_TEST(RelayTest, CancellationEndsWithShutdown) {
  asio::cancellation_signal shutdown;
  this->StartRelay({}, shutdown.slot());
  std::string at_upstream;
  error_code client_end_ec;
  this->Spawn([&]() -> asio::awaitable<void> {
    co_await WriteAll(*this->client_end_, "x");
    co_await ReadToEnd(*this->client_end_, client_end_ec);
  });
  this->Spawn([&]() -> asio::awaitable<void> {
    at_upstream = co_await ReadExactly(*this->upstream_end_, 1);
    shutdown.emit(asio::cancellation_type::terminal);  // the proxy is stopping
  });
  this->RunToCompletion();
  EXPECT_EQ(at_upstream, "x");
  EXPECT_EQ(this->result_.end, RelayEnd::kShutdown) << this->result_.CloseReason();
  EXPECT_EQ(this->result_.bytes_to_upstream, 1u);
}

// `postern tcp --listen -`: stdin and stdout (here: two pipes) as the client.
TEST(RelayStdioTest, PipesHalfCloseLikeSockets) {
  signal(SIGPIPE, SIG_IGN);
  asio::io_context io;
  int in_pipe[2], out_pipe[2];
  ASSERT_EQ(pipe2(in_pipe, O_CLOEXEC), 0);
  ASSERT_EQ(pipe2(out_pipe, O_CLOEXEC), 0);
  asio::posix::stream_descriptor stdin_read(io, in_pipe[0]), stdin_write(io, in_pipe[1]);
  asio::posix::stream_descriptor stdout_read(io, out_pipe[0]), stdout_write(io, out_pipe[1]);
  StdioStream stdio(stdin_read, stdout_write);
  auto [upstream_end, upstream] = testing::TcpPair(io);

  RelayResult result;
  bool done = false;
  std::string at_upstream, at_stdout;
  error_code upstream_ec, stdout_ec;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        RelayOptions options;
        options.initial_to_client = "proxy said ";
        result = co_await Relay(stdio, upstream, std::move(options));
        done = true;
      },
      asio::detached);
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        co_await WriteAll(stdin_write, "typed");
        stdin_write.close();  // end of stdin
        at_stdout = co_await ReadToEnd(stdout_read, stdout_ec);
      },
      asio::detached);
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        at_upstream = co_await ReadToEnd(upstream_end, upstream_ec);
        co_await WriteAll(upstream_end, "answer");
        upstream_end.shutdown(tcp::socket::shutdown_send);
      },
      asio::detached);
  io.run_for(kDeadline);
  ASSERT_TRUE(done);
  EXPECT_EQ(at_upstream, "typed");
  EXPECT_EQ(at_stdout, "proxy said answer");
  EXPECT_EQ(stdout_ec, asio::error::eof);
  EXPECT_EQ(result.end, RelayEnd::kClientClosed);
}

}  // namespace
}  // namespace postern::tunnel
