#include "common/tunnel/tls_socket.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <string>

#include "common/tunnel/byte_stream.h"
#include "common/tunnel/loopback.h"
#include "gtest/gtest.h"

namespace postern::tunnel {
namespace {

namespace asio = boost::asio;
using boost::system::error_code;
using namespace asio::experimental::awaitable_operators;
using namespace std::chrono_literals;
using testing::TestTls;
using testing::TlsStream;

constexpr auto kDeadline = 30s;  // a hung test fails instead of blocking

class TlsSocketTest : public ::testing::Test {
 protected:
  TlsSocketTest() {
    auto [client, server] = testing::TlsSocketPair(io_, tls_);
    client_.emplace(std::move(client));
    server_.emplace(std::move(server));
  }

  template <typename F>
  void Run(F&& coroutine) {
    bool done = false;
    asio::co_spawn(io_, std::forward<F>(coroutine), [&](std::exception_ptr e) {
      done = true;
      if (e) std::rethrow_exception(e);
    });
    io_.run_for(kDeadline);
    ASSERT_TRUE(done) << "did not finish within the deadline";
  }

  asio::io_context io_;
  TestTls tls_;
  std::optional<TlsStream> client_;
  std::optional<TlsSocket> server_;
};

TEST_F(TlsSocketTest, TryReadSomeSaysWouldBlockUntilBytesArriveThenFillsFromSeveralRecords) {
  Run([&]() -> asio::awaitable<void> {
    error_code ec;
    char buffer[64 * 1024];
    EXPECT_EQ(server_->TryReadSome(asio::buffer(buffer), ec), 0u);
    EXPECT_EQ(ec, asio::error::would_block) << ec.message();

    // Three records of 10,000 bytes (Asio writes one record per call).
    std::string sent;
    for (char c : {'a', 'b', 'c'}) {
      std::string record(10000, c);
      auto [write_ec, n] = co_await asio::async_write(*client_, asio::buffer(record),
                                                      asio::as_tuple(asio::use_awaitable));
      EXPECT_FALSE(write_ec) << write_ec.message();
      sent += record;
    }
    std::string received;
    while (received.size() < sent.size()) {
      auto [wait_ec] = co_await server_->async_wait_readable(asio::as_tuple(asio::use_awaitable));
      EXPECT_FALSE(wait_ec) << wait_ec.message();
      if (wait_ec) co_return;
      for (;;) {
        const std::size_t n = server_->TryReadSome(asio::buffer(buffer), ec);
        if (n == 0) break;
        received.append(buffer, n);
      }
      EXPECT_TRUE(ec == asio::error::would_block || !ec) << ec.message();
      if (ec && ec != asio::error::would_block) co_return;
    }
    EXPECT_TRUE(received == sent) << "received " << received.size() << " bytes, not in order";
  });
}

TEST_F(TlsSocketTest, CancelledReadEndsAtOnceAndTheConnectionStillWorks) {
  Run([&]() -> asio::awaitable<void> {
    char buffer[1024];
    asio::steady_timer timer(io_, 10ms);
    auto first = co_await (
        server_->async_read_some(asio::buffer(buffer), asio::as_tuple(asio::use_awaitable)) ||
        timer.async_wait(asio::as_tuple(asio::use_awaitable)));
    EXPECT_EQ(first.index(), 1u) << "the read completed with nothing sent";

    co_await asio::async_write(*client_, asio::buffer("after", 5), asio::use_awaitable);
    auto [ec, n] = co_await asio::async_read(*server_, asio::buffer(buffer, 5),
                                             asio::as_tuple(asio::use_awaitable));
    EXPECT_FALSE(ec) << ec.message();
    EXPECT_EQ(std::string(buffer, n), "after");
  });
}

TEST_F(TlsSocketTest, CloseNotifyIsEndOfStreamAndTheOtherDirectionKeepsGoing) {
  Run([&]() -> asio::awaitable<void> {
    co_await ShutdownSend(*client_);  // close_notify, then FIN
    char buffer[1024];
    auto [ec, n] = co_await server_->async_read_some(asio::buffer(buffer),
                                                     asio::as_tuple(asio::use_awaitable));
    EXPECT_EQ(ec, asio::error::eof) << ec.message();
    EXPECT_TRUE(IsEndOfStream(ec));

    co_await asio::async_write(*server_, asio::buffer("reply", 5), asio::use_awaitable);
    co_await ShutdownSend(*server_);
    std::string reply;
    for (;;) {
      auto [read_ec, got] = co_await client_->async_read_some(asio::buffer(buffer),
                                                              asio::as_tuple(asio::use_awaitable));
      reply.append(buffer, got);
      if (read_ec) {
        EXPECT_EQ(read_ec, asio::error::eof) << "the server's close_notify: " << read_ec.message();
        break;
      }
    }
    EXPECT_EQ(reply, "reply");
  });
}

// This binary never ignores SIGPIPE: writing to a peer that has gone must
// fail with an error, not end the process.
TEST_F(TlsSocketTest, WritingAfterThePeerResetIsAnErrorNotASignal) {
  Run([&]() -> asio::awaitable<void> {
    client_->lowest_layer().set_option(asio::socket_base::linger(true, 0));
    client_->lowest_layer().close();  // a reset
    // The read takes the reset (ECONNRESET), as the relay's other direction
    // would; the socket's next write then fails with EPIPE, which write(2)
    // would turn into SIGPIPE.
    char buffer[16];
    auto [read_ec, n] = co_await server_->async_read_some(asio::buffer(buffer),
                                                          asio::as_tuple(asio::use_awaitable));
    EXPECT_TRUE(read_ec) << "read " << n << " bytes from a reset connection";
    const std::string chunk(64 * 1024, 'x');
    error_code ec;
    for (int i = 0; i < 100 && !ec; ++i) {
      auto [write_ec, written] = co_await asio::async_write(*server_, asio::buffer(chunk),
                                                            asio::as_tuple(asio::use_awaitable));
      ec = write_ec;
    }
    EXPECT_TRUE(ec) << "6.4 MB written to a reset connection without an error";
  });
}

TEST(TlsSocketHandshakeTest, ClientThatRejectsTheCertificateFailsTheHandshakeCleanly) {
  asio::io_context io;
  TestTls tls;
  TestTls other;  // its client trusts a different certificate
  auto [a, b] = testing::TcpPair(io);
  TlsStream client(std::move(a), other.client);
  TlsSocket server(std::move(b), tls.server.native_handle());
  error_code client_ec = asio::error::would_block, server_ec = asio::error::would_block;
  client.async_handshake(TlsStream::client, [&](error_code ec) {
    client_ec = ec;
    error_code ignored;
    client.lowest_layer().close(ignored);  // as a client would, after its alert
  });
  server.async_handshake([&](error_code ec) { server_ec = ec; });
  io.run_for(kDeadline);
  EXPECT_TRUE(client_ec) << "the client accepted an unknown certificate";
  EXPECT_TRUE(server_ec) << "the server completed a handshake the client refused";
  EXPECT_NE(server_ec, asio::error::would_block) << "the server handshake never completed";
}

// The proxy holds its TLS 1.3 session tickets back until its Check is under
// way. A client resumes only with a ticket it got, so: none before the
// server sends them, a working one after.
class SessionTicketTest : public ::testing::Test {
 protected:
  // One byte from server to client: whatever the server sent before it
  // (tickets) has been processed by the client when it arrives.
  void ServerToClient(TlsSocket& server, TlsStream& client) {
    bool done = false;
    asio::co_spawn(
        io_,
        [&]() -> asio::awaitable<void> {
          auto [write_ec, written] = co_await asio::async_write(
              server, asio::buffer("x", 1), asio::as_tuple(asio::use_awaitable));
          EXPECT_FALSE(write_ec) << write_ec.message();
          char byte = 0;
          auto [read_ec, read] = co_await asio::async_read(client, asio::buffer(&byte, 1),
                                                           asio::as_tuple(asio::use_awaitable));
          EXPECT_FALSE(read_ec) << read_ec.message();
          EXPECT_EQ(byte, 'x');
          done = true;
        },
        asio::detached);
    io_.restart();
    io_.run_for(kDeadline);
    ASSERT_TRUE(done);
  }

  // The server ends its side without writing (close_notify only) and the
  // client reads to the end: whatever the server sent before (tickets) has
  // been processed by the client.
  void ServerEnds(TlsSocket& server, TlsStream& client) {
    bool done = false;
    asio::co_spawn(
        io_,
        [&]() -> asio::awaitable<void> {
          co_await ShutdownSend(server);
          error_code end;
          EXPECT_EQ(co_await testing::ReadToEnd(client, end), "");
          done = true;
        },
        asio::detached);
    io_.restart();
    io_.run_for(kDeadline);
    ASSERT_TRUE(done);
  }

  // Whether a new connection offering the client's current session resumes.
  bool NextConnectionResumes(TlsStream& client) {
    SSL_SESSION* session = SSL_get1_session(client.native_handle());
    EXPECT_NE(session, nullptr);
    auto [next_client, next_server] =
        testing::TlsSocketPair(io_, tls_, {.session = session});
    SSL_SESSION_free(session);
    return SSL_session_reused(next_client.native_handle()) == 1 &&
           SSL_session_reused(next_server.native_handle()) == 1;
  }

  asio::io_context io_;
  TestTls tls_;
};

TEST_F(SessionTicketTest, TicketsAreSentAtTheEndOfTheHandshakeByDefault) {
  auto [client, server] = testing::TlsSocketPair(io_, tls_);
  ServerToClient(server, client);
  EXPECT_TRUE(NextConnectionResumes(client));
}

TEST_F(SessionTicketTest, DeferredTicketsAreNotSentUntilAsked) {
  auto [client, server] = testing::TlsSocketPair(io_, tls_, {.defer_tickets = true});
  ServerEnds(server, client);
  EXPECT_FALSE(NextConnectionResumes(client)) << "a ticket arrived before it was sent";
}

TEST_F(SessionTicketTest, DeferredTicketsGoOutWhenAskedAndResume) {
  auto [client, server] = testing::TlsSocketPair(io_, tls_, {.defer_tickets = true});
  server.SendSessionTickets();
  ServerEnds(server, client);
  EXPECT_TRUE(NextConnectionResumes(client));
}

TEST_F(SessionTicketTest, DeferredTicketsGoOutWithTheFirstWriteAtTheLatest) {
  auto [client, server] = testing::TlsSocketPair(io_, tls_, {.defer_tickets = true});
  ServerToClient(server, client);
  EXPECT_TRUE(NextConnectionResumes(client));

  server.SendSessionTickets();  // once only: nothing more, the stream still works
  ServerToClient(server, client);
}

TEST_F(SessionTicketTest, DeferringOverTls12ChangesNothing) {
  TestTls tls12(TLS1_2_VERSION);
  auto [client, server] = testing::TlsSocketPair(io_, tls12, {.defer_tickets = true});
  server.SendSessionTickets();  // TLS 1.2's ticket was part of the handshake
  ServerToClient(server, client);
  SSL_SESSION* session = SSL_get1_session(client.native_handle());
  auto [next_client, next_server] = testing::TlsSocketPair(io_, tls12, {.session = session});
  SSL_SESSION_free(session);
  EXPECT_EQ(SSL_session_reused(next_client.native_handle()), 1);
}

}  // namespace
}  // namespace postern::tunnel
