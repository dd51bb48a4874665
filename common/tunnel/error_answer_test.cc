#include "common/tunnel/error_answer.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <optional>
#include <string>

#include "common/tunnel/byte_stream.h"
#include "common/tunnel/loopback.h"
#include "gtest/gtest.h"

namespace postern::tunnel {
namespace {

namespace asio = boost::asio;
using boost::system::error_code;
using tcp = asio::ip::tcp;
using testing::ReadToEnd;
using testing::TestTls;
using testing::TlsStream;
using namespace std::chrono_literals;

constexpr auto kDeadline = 60s;  // a hung test fails here; nothing waits on it
const std::string kAnswer =
    "HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Length: 9\r\n\r\ntoo large";

struct Tcp {
  using Stream = tcp::socket;
  static std::pair<Stream, Stream> Make(asio::io_context& io, TestTls&) {
    return testing::TcpPair(io);
  }
};
struct Tls {
  using Stream = TlsStream;
  static std::pair<Stream, Stream> Make(asio::io_context& io, TestTls& tls) {
    return testing::TlsPair(io, tls);
  }
};

template <typename Kind>
class ErrorAnswerTest : public ::testing::Test {
 protected:
  ErrorAnswerTest() {
    auto [client_end, proxy_side] = Kind::Make(io_, tls_);
    client_end_.emplace(std::move(client_end));
    proxy_side_.emplace(std::move(proxy_side));
  }

  // Runs the proxy's side: read one piece of the request (as a parser that
  // gives up early would), then answer.
  void StartProxy(std::string answer, ErrorAnswerOptions options) {
    asio::co_spawn(
        io_,
        [this, answer = std::move(answer), options]() -> asio::awaitable<void> {
          std::string first(1024, '\0');
          co_await proxy_side_->async_read_some(asio::buffer(first),
                                                asio::as_tuple(asio::use_awaitable));
          const auto start = std::chrono::steady_clock::now();
          status_ = co_await SendErrorAnswer(*proxy_side_, answer, options);
          elapsed_ = std::chrono::steady_clock::now() - start;
        },
        [](std::exception_ptr e) {
          if (e) std::rethrow_exception(e);
        });
  }

  template <typename F>
  void Spawn(F&& coroutine) {
    asio::co_spawn(io_, std::forward<F>(coroutine), [](std::exception_ptr e) {
      if (e) std::rethrow_exception(e);
    });
  }

  void Run() {
    io_.run_for(kDeadline);
    ASSERT_TRUE(io_.stopped()) << "test did not finish";
    ASSERT_TRUE(status_.has_value()) << "SendErrorAnswer did not return";
  }

  asio::io_context io_;
  TestTls tls_;
  std::optional<typename Kind::Stream> client_end_, proxy_side_;
  std::optional<absl::Status> status_;
  std::chrono::steady_clock::duration elapsed_{};
};

using Kinds = ::testing::Types<Tcp, Tls>;
TYPED_TEST_SUITE(ErrorAnswerTest, Kinds);

TYPED_TEST(ErrorAnswerTest, AnswerSurvivesUnreadRequestBytes) {
  // 200 KiB of request the proxy never parses (an oversized header).
  const std::string request(200 * 1024, 'h');
  this->StartProxy(kAnswer, {});
  std::string received;
  error_code end;
  this->Spawn([&]() -> asio::awaitable<void> {
    auto [ec, n] = co_await asio::async_write(*this->client_end_, asio::buffer(request),
                                              asio::as_tuple(asio::use_awaitable));
    EXPECT_FALSE(ec) << "the proxy stopped reading: " << ec.message();
    co_await ShutdownSend(*this->client_end_);
  });
  this->Spawn(
      [&]() -> asio::awaitable<void> { received = co_await ReadToEnd(*this->client_end_, end); });
  this->Run();
  EXPECT_TRUE(this->status_->ok()) << *this->status_;
  EXPECT_EQ(received, kAnswer);
  // A clean end (FIN, or close_notify under TLS), not a reset.
  EXPECT_EQ(end, asio::error::eof) << end.message();
}

TYPED_TEST(ErrorAnswerTest, DrainStopsAfterMaxBytes) {
  ErrorAnswerOptions options;
  options.timeout = 30s;
  options.max_drain_bytes = 64 * 1024;
  this->StartProxy(kAnswer, options);
  this->Spawn([&]() -> asio::awaitable<void> {
    // A client that never stops sending.
    const std::string chunk(64 * 1024, 'z');
    for (;;) {
      auto [ec, n] = co_await asio::async_write(*this->client_end_, asio::buffer(chunk),
                                                asio::as_tuple(asio::use_awaitable));
      if (ec) break;
    }
    boost::system::error_code ignored;
    this->client_end_->lowest_layer().close(ignored);
  });
  this->Run();
  EXPECT_TRUE(this->status_->ok()) << *this->status_;
  EXPECT_LT(this->elapsed_, 10s);
}

TYPED_TEST(ErrorAnswerTest, DrainStopsAtTimeoutWhenClientKeepsConnectionOpen) {
  ErrorAnswerOptions options;
  options.timeout = 200ms;
  this->StartProxy(kAnswer, options);
  std::string received;
  error_code end;
  this->Spawn([&]() -> asio::awaitable<void> {
    co_await asio::async_write(*this->client_end_, asio::buffer("CONNECT", 7), asio::use_awaitable);
    // Reads, but never closes its side.
    received = co_await ReadToEnd(*this->client_end_, end);
  });
  this->Run();
  EXPECT_TRUE(this->status_->ok()) << *this->status_;
  EXPECT_GE(this->elapsed_, 200ms);
  EXPECT_EQ(received, kAnswer);
  EXPECT_EQ(end, asio::error::eof) << end.message();
}

TYPED_TEST(ErrorAnswerTest, ClientThatNeverReadsHitsTheDeadline) {
  ErrorAnswerOptions options;
  options.timeout = 300ms;
  // Larger than any socket buffer, so the write cannot finish unread.
  this->StartProxy(std::string(64 << 20, 'a'), options);
  this->Spawn([&]() -> asio::awaitable<void> {
    co_await asio::async_write(*this->client_end_, asio::buffer("CONNECT", 7), asio::use_awaitable);
  });
  this->Run();
  EXPECT_EQ(this->status_->code(), absl::StatusCode::kDeadlineExceeded) << *this->status_;
  EXPECT_GE(this->elapsed_, 300ms);
}

}  // namespace
}  // namespace postern::tunnel
