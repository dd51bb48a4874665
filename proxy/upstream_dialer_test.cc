#include "proxy/upstream_dialer.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/socket_base.hpp>
#include <chrono>
#include <optional>

#include "gtest/gtest.h"

namespace postern::proxy {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using namespace std::chrono_literals;

// Runs `dial` to completion on `io` and returns its result.
absl::StatusOr<tcp::socket> Dial(asio::io_context& io,
                                 asio::awaitable<absl::StatusOr<tcp::socket>> dial) {
  std::optional<absl::StatusOr<tcp::socket>> result;
  asio::co_spawn(io, std::move(dial), [&](std::exception_ptr e, absl::StatusOr<tcp::socket> r) {
    if (e) std::rethrow_exception(e);
    result.emplace(std::move(r));
  });
  io.run_for(60s);
  EXPECT_TRUE(result.has_value()) << "dial did not finish";
  return result.has_value() ? std::move(*result) : absl::InternalError("hung");
}

tcp::endpoint Loopback(unsigned short port) {
  return tcp::endpoint(asio::ip::make_address("127.0.0.1"), port);
}

// A loopback port nothing listens on (bound, then released).
unsigned short ClosedPort(asio::io_context& io) {
  tcp::acceptor acceptor(io, Loopback(0));
  return acceptor.local_endpoint().port();
}

TEST(UpstreamDialerTest, ConnectsWithTunnelOptions) {
  asio::io_context io;
  tcp::acceptor listener(io, Loopback(0));
  absl::StatusOr<tcp::socket> socket =
      Dial(io, DialUpstream("127.0.0.1", listener.local_endpoint().port(), 5s));
  ASSERT_TRUE(socket.ok()) << socket.status();
  EXPECT_EQ(socket->remote_endpoint().port(), listener.local_endpoint().port());
  int nodelay = 0, keepalive = 0;
  socklen_t size = sizeof(int);
  getsockopt(socket->native_handle(), IPPROTO_TCP, TCP_NODELAY, &nodelay, &size);
  getsockopt(socket->native_handle(), SOL_SOCKET, SO_KEEPALIVE, &keepalive, &size);
  EXPECT_NE(nodelay, 0);
  EXPECT_NE(keepalive, 0);
}

TEST(UpstreamDialerTest, RefusedIs502) {
  asio::io_context io;
  absl::StatusOr<tcp::socket> socket = Dial(io, DialUpstream("127.0.0.1", ClosedPort(io), 5s));
  ASSERT_EQ(socket.status().code(), absl::StatusCode::kUnavailable) << socket.status();
  EXPECT_NE(socket.status().message().find("127.0.0.1:"), std::string::npos);
  EXPECT_EQ(DialFailureStatus(socket.status()), 502);
}

TEST(UpstreamDialerTest, UnknownHostIs502) {
  asio::io_context io;
  absl::StatusOr<tcp::socket> socket = Dial(io, DialUpstream("no-such-host.invalid", 6379, 5s));
  ASSERT_EQ(socket.status().code(), absl::StatusCode::kNotFound) << socket.status();
  EXPECT_NE(socket.status().message().find("no-such-host.invalid"), std::string::npos);
  EXPECT_EQ(DialFailureStatus(socket.status()), 502);
}

// A listener with a backlog of 0 whose one queue slot is taken: the kernel
// drops further SYNs, so a connect hangs as if the host were a black hole.
struct BlackHole {
  explicit BlackHole(asio::io_context& io) : listener(io), filler(io) {
    listener.open(tcp::v4());
    listener.bind(Loopback(0));
    listener.listen(0);
    filler.connect(listener.local_endpoint());
  }
  tcp::acceptor listener;
  tcp::socket filler;
};

TEST(UpstreamDialerTest, UpstreamThatNeverAnswersIs504AfterTheTimeout) {
  asio::io_context io;
  BlackHole black_hole(io);
  tcp::acceptor& listener = black_hole.listener;
  const auto started = std::chrono::steady_clock::now();
  absl::StatusOr<tcp::socket> socket =
      Dial(io, DialUpstream("127.0.0.1", listener.local_endpoint().port(), 300ms));
  const auto took = std::chrono::steady_clock::now() - started;
  ASSERT_EQ(socket.status().code(), absl::StatusCode::kDeadlineExceeded) << socket.status();
  EXPECT_EQ(DialFailureStatus(socket.status()), 504);
  EXPECT_GE(took, 300ms);
  EXPECT_LT(took, 5s);
}

TEST(UpstreamDialerTest, TriesEveryAddressInOrder) {
  asio::io_context io;
  tcp::acceptor listener(io, Loopback(0));
  absl::StatusOr<tcp::socket> socket = Dial(
      io,
      DialEndpoints({Loopback(ClosedPort(io)), Loopback(ClosedPort(io)), listener.local_endpoint()},
                    "upstream:1", 5s));
  ASSERT_TRUE(socket.ok()) << socket.status();
  EXPECT_EQ(socket->remote_endpoint(), listener.local_endpoint());
}

// A name whose first address never answers (a dead host, IPv6 without a
// route) must not use up the deadline of the addresses after it.
TEST(UpstreamDialerTest, AnAddressThatNeverAnswersLeavesTimeForTheNext) {
  asio::io_context io;
  BlackHole black_hole(io);
  tcp::acceptor listener(io, Loopback(0));
  const auto started = std::chrono::steady_clock::now();
  absl::StatusOr<tcp::socket> socket =
      Dial(io, DialEndpoints({black_hole.listener.local_endpoint(), listener.local_endpoint()},
                             "upstream:1", 3s));
  const auto took = std::chrono::steady_clock::now() - started;
  ASSERT_TRUE(socket.ok()) << socket.status();
  EXPECT_EQ(socket->remote_endpoint(), listener.local_endpoint());
  EXPECT_LT(took, 3s);
}

TEST(UpstreamDialerTest, EveryAddressSilentIs504WithinTheTimeout) {
  asio::io_context io;
  BlackHole first(io), second(io);
  const auto started = std::chrono::steady_clock::now();
  absl::StatusOr<tcp::socket> socket =
      Dial(io, DialEndpoints({first.listener.local_endpoint(), second.listener.local_endpoint()},
                             "upstream:1", 400ms));
  const auto took = std::chrono::steady_clock::now() - started;
  ASSERT_EQ(socket.status().code(), absl::StatusCode::kDeadlineExceeded) << socket.status();
  EXPECT_GE(took, 400ms);
  EXPECT_LT(took, 5s);
}

TEST(UpstreamDialerTest, AllAddressesRefusedIs502) {
  asio::io_context io;
  absl::StatusOr<tcp::socket> socket = Dial(
      io, DialEndpoints({Loopback(ClosedPort(io)), Loopback(ClosedPort(io))}, "upstream:1", 5s));
  ASSERT_EQ(socket.status().code(), absl::StatusCode::kUnavailable) << socket.status();
  EXPECT_NE(socket.status().message().find("upstream:1"), std::string::npos);
}

// Out of descriptors (RLIMIT_NOFILE reached) the upstream socket cannot be
// opened: that is a 502 naming the cause, not a dial "cancelled", which the
// session would take for a shutdown and close without an answer.
TEST(UpstreamDialerTest, NoDescriptorLeftIs502NamingTheCause) {
  asio::io_context io;
  tcp::acceptor listener(io, Loopback(0));
  rlimit saved{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &saved), 0);
  // The lowest free descriptor: with the soft limit there, no new one fits.
  const int lowest_free = dup(0);
  ASSERT_GE(lowest_free, 0);
  close(lowest_free);
  rlimit exhausted = saved;
  exhausted.rlim_cur = static_cast<rlim_t>(lowest_free);
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &exhausted), 0);
  absl::StatusOr<tcp::socket> socket =
      Dial(io, DialEndpoints({listener.local_endpoint()}, "upstream:1", 5s));
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &saved), 0);
  ASSERT_EQ(socket.status().code(), absl::StatusCode::kUnavailable) << socket.status();
  EXPECT_NE(socket.status().message().find("upstream:1"), std::string::npos);
  EXPECT_NE(socket.status().message().find("Too many open files"), std::string::npos)
      << socket.status();
  EXPECT_EQ(DialFailureStatus(socket.status()), 502);
}

}  // namespace
}  // namespace postern::proxy
