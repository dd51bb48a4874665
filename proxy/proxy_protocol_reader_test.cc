#include "proxy/proxy_protocol_reader.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <utility>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace postern::proxy {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using ::testing::HasSubstr;

// A connected loopback pair: `client` plays the load balancer, `server` the
// proxy's accepted socket.
class ProxyProtocolReaderTest : public ::testing::Test {
 protected:
  ProxyProtocolReaderTest()
      : acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    client_.connect(acceptor_.local_endpoint());
    acceptor_.accept(server_);
  }

  void Send(std::string_view bytes) { asio::write(client_, asio::buffer(bytes)); }

  // Start begins reading the header on the server side; Finish runs the
  // io_context until the read is over and returns its result.
  void Start(std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
    deadline_.expires_after(timeout);
    asio::co_spawn(io_, ReadProxyHeader(server_, deadline_),
                   [this](std::exception_ptr error, absl::StatusOr<ProxyHeader> header) {
                     if (error) std::rethrow_exception(error);
                     result_ = std::move(header);
                   });
  }

  absl::StatusOr<ProxyHeader> Finish() {
    io_.run();
    EXPECT_TRUE(result_.has_value());
    return result_.value_or(absl::InternalError("no result"));
  }

  // RestOfStream reads what the server socket still holds once the client
  // has closed: the bytes the TLS handshake would get.
  std::string RestOfStream() {
    client_.shutdown(tcp::socket::shutdown_send);
    std::string rest;
    boost::system::error_code ec;
    asio::read(server_, asio::dynamic_buffer(rest), ec);
    EXPECT_EQ(ec, asio::error::eof);
    return rest;
  }

  asio::io_context io_;
  tcp::acceptor acceptor_;
  tcp::socket client_{io_};
  tcp::socket server_{io_};
  asio::steady_timer deadline_{io_};
  std::optional<absl::StatusOr<ProxyHeader>> result_;
};

TEST_F(ProxyProtocolReaderTest, V1HeaderIsConsumedExactly) {
  Send("PROXY TCP4 192.0.2.7 198.51.100.1 51000 8443\r\nClientHello");
  Start();
  absl::StatusOr<ProxyHeader> header = Finish();
  ASSERT_TRUE(header.ok()) << header.status();
  EXPECT_EQ(header->source->ToString(), "192.0.2.7:51000");
  EXPECT_EQ(RestOfStream(), "ClientHello");
}

TEST_F(ProxyProtocolReaderTest, ShortestV1HeaderIsConsumedExactly) {
  Send("PROXY UNKNOWN\r\nx");
  Start();
  absl::StatusOr<ProxyHeader> header = Finish();
  ASSERT_TRUE(header.ok()) << header.status();
  EXPECT_FALSE(header->source.has_value());
  EXPECT_EQ(RestOfStream(), "x");
}

TEST_F(ProxyProtocolReaderTest, V2HeaderInPiecesWithTlvsLongerThanOnePeek) {
  std::string tlv = "\xe0";
  tlv += std::string("\x03\x00", 2) + std::string(0x300, 't');
  const std::string block("\xc0\x00\x02\x07\xc6\x33\x64\x01\xc7\x38\x20\xfb", 12);
  const std::string length("\x03\x0f", 2);  // 12 + 3 + 0x300
  const std::string header = std::string(kProxyV2Signature) + "\x21\x11" + length + block + tlv;
  ASSERT_EQ(header.size(), 16u + 0x30f);
  Send(header.substr(0, 7));
  Start();
  io_.poll();  // reads the first piece, then waits
  EXPECT_FALSE(result_.has_value());
  Send(header.substr(7) + "TLS");
  absl::StatusOr<ProxyHeader> parsed = Finish();
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->source->ToString(), "192.0.2.7:51000");
  EXPECT_EQ(parsed->size, header.size());
  EXPECT_EQ(RestOfStream(), "TLS");
}

TEST_F(ProxyProtocolReaderTest, TlsWithoutAHeaderIsInvalid) {
  Send(std::string("\x16\x03\x01\x02\x00", 5));
  Start();
  absl::StatusOr<ProxyHeader> header = Finish();
  EXPECT_EQ(header.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(header.status().message(), HasSubstr("TLS handshake"));
}

TEST_F(ProxyProtocolReaderTest, CloseInsideAHeaderIsInvalid) {
  Send("PROXY TCP4 192.0.2.7");
  client_.shutdown(tcp::socket::shutdown_send);
  Start();
  absl::StatusOr<ProxyHeader> header = Finish();
  EXPECT_EQ(header.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(header.status().message(),
              HasSubstr("connection closed after 20 bytes of a PROXY v1 header"));
}

TEST_F(ProxyProtocolReaderTest, CloseBeforeAnyByteIsUnavailable) {
  client_.shutdown(tcp::socket::shutdown_send);
  Start();
  EXPECT_EQ(Finish().status().code(), absl::StatusCode::kUnavailable);
}

TEST_F(ProxyProtocolReaderTest, DeadlinePassesWhileTheHeaderIsIncomplete) {
  Send("PROXY ");
  Start(std::chrono::milliseconds(50));
  absl::StatusOr<ProxyHeader> header = Finish();
  EXPECT_EQ(header.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_THAT(header.status().message(), HasSubstr("(6 bytes received)"));
}

}  // namespace
}  // namespace postern::proxy
