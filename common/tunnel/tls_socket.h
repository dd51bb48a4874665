// TlsSocket: the server end of a TLS connection, OpenSSL reading and writing
// the non-blocking TCP socket itself, for the proxy's tunnels.
//
//   tunnel::TlsSocket tls(std::move(accepted_socket), server_ssl_ctx);
//   auto [ec] = co_await tls.async_handshake(asio::as_tuple(asio::use_awaitable));
//   auto [ec2, n] = co_await tls.async_read_some(asio::buffer(buf), asio::as_tuple(...));
//   co_await Relay(tls, upstream_socket, options);
//
// Why not asio::ssl::stream: it runs OpenSSL over a BIO pair and keeps two
// 17 KiB buffers of its own per connection, allocated and zeroed for the
// connection's whole life, plus the pair's two buffers; every byte is copied
// twice more on its way through them. An idle tunnel then costs ~70 KiB
// before any relay state. Here OpenSSL's own buffers are the only ones, and
// with SSL_MODE_RELEASE_BUFFERS (set by common/tls's server context) they
// are freed whenever the connection is idle (OpenSSL's own server state,
// ~13.5 KiB after the handshake, is what remains). Reads use read-ahead, so
// one recv() takes a whole record, and TryReadSome gathers the records
// already received into one buffer for one write to the other side.
//
// TlsSocket is a ByteStream (byte_stream.h) and also a PollableStream
// (relay.h: AsyncWaitReadable/TryReadSome), so the relay holds no buffer
// for it while the tunnel is idle.
//
// Writes use send(MSG_NOSIGNAL): a peer that has gone is an error, never a
// SIGPIPE.
//
// Thread-safety: like an Asio socket, one strand/thread at a time. At most
// one read-side operation (handshake, async_read_some, TryReadSome or
// async_wait_readable) and one write-side operation (async_write_some,
// ShutdownSend) may be outstanding at once, as with asio::ssl::stream.
#ifndef POSTERN_COMMON_TUNNEL_TLS_SOCKET_H_
#define POSTERN_COMMON_TUNNEL_TLS_SOCKET_H_

#include <openssl/ssl.h>

#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/compose.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/system/error_code.hpp>
#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <utility>

namespace postern::tunnel {

class TlsSocket {
 public:
  using executor_type = boost::asio::ip::tcp::socket::executor_type;
  using lowest_layer_type = boost::asio::ip::tcp::socket;

  // Takes `socket` (made non-blocking) and a new SSL from `context` (which
  // SSL_new references, so the caller's context may be released). If the
  // SSL cannot be made, every operation fails with a TLS error.
  TlsSocket(boost::asio::ip::tcp::socket socket, SSL_CTX* context);
  ~TlsSocket();
  // Moving is allowed while no operation is outstanding.
  TlsSocket(TlsSocket&& other) noexcept;
  TlsSocket(const TlsSocket&) = delete;
  TlsSocket& operator=(const TlsSocket&) = delete;

  executor_type get_executor() { return socket_.get_executor(); }
  boost::asio::ip::tcp::socket& next_layer() { return socket_; }
  boost::asio::ip::tcp::socket& lowest_layer() { return socket_; }
  SSL* native_handle() { return ssl_; }

  // What a step of an operation needs next.
  enum class Step { kDone, kWantRead, kWantWrite };

  // Server handshake. Completion: void(error_code).
  template <typename Token>
  auto async_handshake(Token&& token) {
    return boost::asio::async_compose<Token, void(boost::system::error_code)>(
        Op<HandshakeStep>{this, {}}, token, socket_);
  }

  // Reads some application bytes (at least one, unless `buffers` is empty).
  // End of stream: asio::error::eof for a close_notify (and, when the
  // context ignores unexpected EOF, for a bare FIN); otherwise the TLS error
  // (see IsEndOfStream). Completion: void(error_code, std::size_t).
  template <typename MutableBuffers, typename Token>
  auto async_read_some(const MutableBuffers& buffers, Token&& token) {
    return boost::asio::async_compose<Token, void(boost::system::error_code, std::size_t)>(
        Op<ReadStep>{this, {FirstOf<boost::asio::mutable_buffer>(buffers)}}, token, socket_);
  }

  // Writes some bytes (partial writes allowed, as for a socket).
  // Completion: void(error_code, std::size_t).
  template <typename ConstBuffers, typename Token>
  auto async_write_some(const ConstBuffers& buffers, Token&& token) {
    return boost::asio::async_compose<Token, void(boost::system::error_code, std::size_t)>(
        Op<WriteStep>{this, {FirstOf<boost::asio::const_buffer>(buffers)}}, token, socket_);
  }

  // Completes when TryReadSome may have something to return: decrypted or
  // buffered bytes are pending, or the socket became ready for what the
  // last read step needed. Completion: void(error_code).
  template <typename Token>
  auto async_wait_readable(Token&& token) {
    return boost::asio::async_compose<Token, void(boost::system::error_code)>(
        Op<WaitReadableStep>{this, {}}, token, socket_);
  }

  // Non-blocking read: fills as much of `buffer` as the records already
  // received allow. Returns the bytes read (> 0 with `ec` clear), or 0 with
  // `ec` = would_block when nothing is ready, or 0 with the end-of-stream or
  // error code of async_read_some.
  std::size_t TryReadSome(boost::asio::mutable_buffer buffer, boost::system::error_code& ec);

  // Session tickets, sent after the handshake rather than at its end. A
  // TLS 1.3 server sends its tickets as soon as the client's Finished
  // arrives, before the first request can be read; each costs a few
  // microseconds of cryptography. DeferSessionTickets (before the
  // handshake) holds them back so that the caller can send them while it
  // waits for something else, e.g. the proxy during its Check; at the
  // latest they go out with the first write, so every answer carries them.
  // No-ops with BoringSSL and for TLS 1.2 (whose tickets are part of the
  // handshake).
  void DeferSessionTickets();
  // Sends the deferred tickets (once) without waiting: whatever the socket
  // cannot take now goes out with the next write. Failures surface there.
  void SendSessionTickets();

  // Sends close_notify (once) without waiting for the peer's. Returns
  // kWantWrite if the socket is full; call again when it is writable.
  Step SendCloseNotify(boost::system::error_code& ec);

  // Steps, one per kind of operation; public for the composed operations.
  struct HandshakeStep {
    Step operator()(TlsSocket& tls, boost::system::error_code& ec, std::size_t& n);
  };
  struct ReadStep {
    boost::asio::mutable_buffer buffer;
    Step operator()(TlsSocket& tls, boost::system::error_code& ec, std::size_t& n);
  };
  struct WriteStep {
    boost::asio::const_buffer buffer;
    Step operator()(TlsSocket& tls, boost::system::error_code& ec, std::size_t& n);
  };
  struct WaitReadableStep {
    Step operator()(TlsSocket& tls, boost::system::error_code& ec, std::size_t& n);
  };

 private:
  template <typename Buffer, typename Buffers>
  static Buffer FirstOf(const Buffers& buffers) {
    for (auto it = boost::asio::buffer_sequence_begin(buffers);
         it != boost::asio::buffer_sequence_end(buffers); ++it) {
      Buffer buffer(*it);
      if (buffer.size() > 0) return buffer;
    }
    return Buffer();
  }

  // Runs `step` until it is done, waiting on the socket in between. A
  // result available at once is delivered through a post, never from
  // inside the initiating call.
  template <typename StepFn>
  struct Op {
    TlsSocket* tls;
    StepFn step;
    enum { kStart, kWaiting, kPosted } state = kStart;
    boost::system::error_code result;
    std::size_t bytes = 0;

    template <typename Self>
    void operator()(Self& self, boost::system::error_code wait_error = {}) {
      if (state == kPosted) return Complete(self);
      if (wait_error) {
        result = wait_error;
        return Complete(self);
      }
      result.clear();
      bytes = 0;
      switch (step(*tls, result, bytes)) {
        case Step::kWantRead:
          state = kWaiting;
          tls->socket_.async_wait(boost::asio::socket_base::wait_read, std::move(self));
          return;
        case Step::kWantWrite:
          state = kWaiting;
          tls->socket_.async_wait(boost::asio::socket_base::wait_write, std::move(self));
          return;
        case Step::kDone:
          break;
      }
      if (state == kStart) {
        state = kPosted;
        boost::asio::post(tls->socket_.get_executor(), std::move(self));
        return;
      }
      Complete(self);
    }

    template <typename Self>
    void Complete(Self& self) {
      if constexpr (std::is_same_v<StepFn, HandshakeStep> ||
                    std::is_same_v<StepFn, WaitReadableStep>) {
        self.complete(result);
      } else {
        self.complete(result, bytes);
      }
    }
  };

  // Maps a failed SSL call's result to a Step, or to kDone with `ec` set.
  Step Failed(int ret, boost::system::error_code& ec);
  // Records how a read step ended, for async_wait_readable.
  Step NoteRead(Step step);

  boost::asio::ip::tcp::socket socket_;
  SSL* ssl_ = nullptr;
  // The last read step stopped because the socket had nothing more (or, for
  // a TLS 1.3 KeyUpdate answered from inside SSL_read, could take nothing
  // more): async_wait_readable must wait on the socket. Otherwise records
  // may already sit in OpenSSL's read-ahead buffer and a read is tried at once.
  bool read_blocked_ = false;
  bool read_wants_write_ = false;
  bool close_notify_sent_ = false;
  uint8_t deferred_tickets_ = 0;  // fits beside the flags: no larger per tunnel
  boost::system::error_code read_end_;  // set once reading has ended
};

// ShutdownSend (byte_stream.h) for a TlsSocket: close_notify, then a FIN.
boost::asio::awaitable<boost::system::error_code> ShutdownSend(TlsSocket& tls);

}  // namespace postern::tunnel

#endif  // POSTERN_COMMON_TUNNEL_TLS_SOCKET_H_
