// The byte streams a tunnel joins, and how each one ends its sending half.
//
// The relay (relay.h) copies between two ByteStreams: anything with Asio's
// async_read_some/async_write_some and a ShutdownSend overload below. A TCP
// socket, a TLS stream over TCP, and SplitStream (stdin + stdout for `postern
// tcp --listen -`) are ByteStreams.
//
//   asio::posix::stream_descriptor in(executor, ::dup(0)), out(executor, ::dup(1));
//   SplitStream stdio(in, out);
//   co_await Relay(stdio, proxy_tls_stream, options);
//
// Half-close is what makes a tunnel transparent: when one side finishes
// sending (a FIN, a TLS close_notify, end of stdin), the relay ends the
// sending half towards the other side with ShutdownSend and keeps the other
// direction flowing.
#ifndef POSTERN_COMMON_TUNNEL_BYTE_STREAM_H_
#define POSTERN_COMMON_TUNNEL_BYTE_STREAM_H_

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/system/error_code.hpp>
#include <concepts>
#include <cstddef>
#include <utility>

namespace postern::tunnel {

// IsEndOfStream returns true if `ec`, from a read, means the peer finished
// sending in an ordinary way: EOF, a TLS close_notify, or a TLS stream that
// ended with a bare TCP FIN and no close_notify (OpenSSL 3 reports that as
// stream_truncated or SSL_R_UNEXPECTED_EOF_WHILE_READING; pomerium-cli and
// many other clients close that way, so it is not an error here).
bool IsEndOfStream(const boost::system::error_code& ec);

// SplitStream joins a stream that is only read (stdin) and one that is only
// written (stdout) into one ByteStream. It holds references: both streams
// must outlive it. ShutdownSend closes the write stream.
template <typename ReadStream, typename WriteStream>
class SplitStream {
 public:
  using executor_type = typename ReadStream::executor_type;

  SplitStream(ReadStream& read_stream, WriteStream& write_stream)
      : read_stream_(read_stream), write_stream_(write_stream) {}

  executor_type get_executor() { return read_stream_.get_executor(); }
  ReadStream& read_stream() { return read_stream_; }
  WriteStream& write_stream() { return write_stream_; }

  template <typename MutableBuffers, typename Token>
  auto async_read_some(const MutableBuffers& buffers, Token&& token) {
    return read_stream_.async_read_some(buffers, std::forward<Token>(token));
  }
  template <typename ConstBuffers, typename Token>
  auto async_write_some(const ConstBuffers& buffers, Token&& token) {
    return write_stream_.async_write_some(buffers, std::forward<Token>(token));
  }

 private:
  ReadStream& read_stream_;
  WriteStream& write_stream_;
};

// ShutdownSend ends the sending half of `stream` so the peer reads end of
// stream, without waiting for anything from the peer and without disturbing
// a read in progress on the same stream. It must not run concurrently with a
// write on the same stream; nothing may be written afterwards. Returns the
// error, if any, which callers tearing a tunnel down may ignore.
//
// TCP: shutdown(SHUT_WR), i.e. a FIN.
boost::asio::awaitable<boost::system::error_code> ShutdownSend(
    boost::asio::ip::tcp::socket& socket);

// TLS over TCP: one close_notify alert, then a FIN. Asio's async_shutdown
// would also wait for the peer's close_notify, reading from the stream the
// other direction of the tunnel is still reading; this sends only ours.
boost::asio::awaitable<boost::system::error_code> ShutdownSend(
    boost::asio::ssl::stream<boost::asio::ip::tcp::socket>& stream);

// A descriptor (stdout, a pipe): closed, which is the only end of stream a
// pipe has.
boost::asio::awaitable<boost::system::error_code> ShutdownSend(
    boost::asio::posix::stream_descriptor& descriptor);

template <typename ReadStream, typename WriteStream>
boost::asio::awaitable<boost::system::error_code> ShutdownSend(
    SplitStream<ReadStream, WriteStream>& stream) {
  co_return co_await ShutdownSend(stream.write_stream());
}

// ByteStream: what the relay needs of each side.
template <typename S>
concept ByteStream = requires(S& stream, boost::asio::mutable_buffer in,
                              boost::asio::const_buffer out) {
  stream.async_read_some(in, boost::asio::use_awaitable);
  stream.async_write_some(out, boost::asio::use_awaitable);
  { ShutdownSend(stream) } -> std::same_as<boost::asio::awaitable<boost::system::error_code>>;
};

}  // namespace postern::tunnel

#endif  // POSTERN_COMMON_TUNNEL_BYTE_STREAM_H_
