#include "common/tunnel/tls_socket.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <sys/socket.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cerrno>
#include <climits>
#include <cstdint>
#include <utility>

namespace postern::tunnel {
namespace {

// ReadSome and WriteSome have SSL_read_ex/SSL_write_ex's contract (1 and the
// count on success, else a value for SSL_get_error), built on SSL_read and
// SSL_write because the _ex forms are OpenSSL-only and the CLI also builds
// against BoringSSL. One call moves at most INT_MAX bytes, as theirs may.
int ReadSome(SSL* ssl, void* data, std::size_t size, std::size_t* n) {
  const int ret = SSL_read(ssl, data, static_cast<int>(std::min<std::size_t>(size, INT_MAX)));
  *n = ret > 0 ? static_cast<std::size_t>(ret) : 0;
  return ret > 0 ? 1 : ret;
}

int WriteSome(SSL* ssl, const void* data, std::size_t size, std::size_t* n) {
  const int ret = SSL_write(ssl, data, static_cast<int>(std::min<std::size_t>(size, INT_MAX)));
  *n = ret > 0 ? static_cast<std::size_t>(ret) : 0;
  return ret > 0 ? 1 : ret;
}

namespace asio = boost::asio;
using boost::system::error_code;

// A socket BIO that sends with MSG_NOSIGNAL: OpenSSL's own uses write(2),
// which raises SIGPIPE when the peer has gone, and a library must not
// depend on every program that uses it ignoring that signal (Asio's sockets
// do the same). The descriptor is the BIO's data; the BIO does not own it.
int Descriptor(BIO* bio) { return static_cast<int>(reinterpret_cast<intptr_t>(BIO_get_data(bio))); }

bool WouldBlock(int error) {
  return error == EAGAIN || error == EWOULDBLOCK || error == EINTR || error == EINPROGRESS;
}

int SocketWrite(BIO* bio, const char* data, int size) {
  BIO_clear_retry_flags(bio);
  const ssize_t n = ::send(Descriptor(bio), data, static_cast<std::size_t>(size), MSG_NOSIGNAL);
  if (n < 0 && WouldBlock(errno)) BIO_set_retry_write(bio);
  return static_cast<int>(n);
}

int SocketRead(BIO* bio, char* data, int size) {
  BIO_clear_retry_flags(bio);
  const ssize_t n = ::recv(Descriptor(bio), data, static_cast<std::size_t>(size), 0);
  if (n < 0 && WouldBlock(errno)) BIO_set_retry_read(bio);
  return static_cast<int>(n);
}

long SocketControl(BIO* bio, int command, long, void* out) {
  switch (command) {
    case BIO_CTRL_FLUSH:
      return 1;  // nothing is buffered here
    case BIO_C_GET_FD:
      if (out != nullptr) *static_cast<int*>(out) = Descriptor(bio);
      return Descriptor(bio);
    default:
      return 0;
  }
}

int SocketCreate(BIO* bio) {
  BIO_set_init(bio, 1);
  return 1;
}

BIO* NewSocketBio(int fd) {
  static BIO_METHOD* const method = [] {
    BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK | BIO_TYPE_DESCRIPTOR,
                                 "postern socket");
    if (m == nullptr || BIO_meth_set_write(m, SocketWrite) != 1 ||
        BIO_meth_set_read(m, SocketRead) != 1 || BIO_meth_set_ctrl(m, SocketControl) != 1 ||
        BIO_meth_set_create(m, SocketCreate) != 1) {
      BIO_meth_free(m);
      return static_cast<BIO_METHOD*>(nullptr);
    }
    return m;
  }();
  if (method == nullptr) return nullptr;
  BIO* bio = BIO_new(method);
  if (bio != nullptr) BIO_set_data(bio, reinterpret_cast<void*>(static_cast<intptr_t>(fd)));
  return bio;
}

}  // namespace

TlsSocket::TlsSocket(asio::ip::tcp::socket socket, SSL_CTX* context)
    : socket_(std::move(socket)), ssl_(SSL_new(context)) {
  error_code ignored;
  socket_.non_blocking(true, ignored);
  if (ssl_ == nullptr) return;
  BIO* bio = NewSocketBio(static_cast<int>(socket_.native_handle()));
  if (bio == nullptr) {
    SSL_free(ssl_);
    ssl_ = nullptr;
    return;
  }
  SSL_set_bio(ssl_, bio, bio);  // one reference, for both directions
  SSL_set_accept_state(ssl_);
  SSL_set_mode(ssl_, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  // Read-ahead: one recv() per record (or more) instead of one for the
  // header and one for the body. A larger read buffer (64 KiB) measured no
  // better, and is a larger transient per connection.
  SSL_set_read_ahead(ssl_, 1);
}

TlsSocket::TlsSocket(TlsSocket&& other) noexcept
    : socket_(std::move(other.socket_)),
      ssl_(std::exchange(other.ssl_, nullptr)),
      read_blocked_(other.read_blocked_),
      read_wants_write_(other.read_wants_write_),
      close_notify_sent_(other.close_notify_sent_),
      deferred_tickets_(other.deferred_tickets_),
      read_end_(other.read_end_) {}

TlsSocket::~TlsSocket() {
  if (ssl_ != nullptr) SSL_free(ssl_);  // the socket BIO does not own the descriptor
}

TlsSocket::Step TlsSocket::Failed(int ret, error_code& ec) {
  const int saved_errno = errno;
  switch (SSL_get_error(ssl_, ret)) {
    case SSL_ERROR_WANT_READ:
      return Step::kWantRead;
    case SSL_ERROR_WANT_WRITE:
      return Step::kWantWrite;
    case SSL_ERROR_ZERO_RETURN:
      ec = asio::error::eof;
      break;
    case SSL_ERROR_SYSCALL:
      if (const unsigned long e = ERR_get_error(); e != 0) {
        ec = error_code(static_cast<int>(e), asio::error::get_ssl_category());
      } else if (saved_errno != 0) {
        ec = error_code(saved_errno, asio::error::get_system_category());
      } else {
        ec = asio::ssl::error::stream_truncated;  // EOF without close_notify
      }
      break;
    default:
      if (const unsigned long e = ERR_get_error(); e != 0) {
        ec = error_code(static_cast<int>(e), asio::error::get_ssl_category());
      } else {
        ec = asio::error::fault;
      }
      break;
  }
  ERR_clear_error();
  return Step::kDone;
}

TlsSocket::Step TlsSocket::NoteRead(Step step) {
  read_blocked_ = step != Step::kDone;
  read_wants_write_ = step == Step::kWantWrite;
  return step;
}

TlsSocket::Step TlsSocket::HandshakeStep::operator()(TlsSocket& tls, error_code& ec, std::size_t&) {
  if (tls.ssl_ == nullptr) {
    ec = asio::error::no_memory;
    return Step::kDone;
  }
  ERR_clear_error();
  errno = 0;
  const int ret = SSL_do_handshake(tls.ssl_);
  if (ret == 1) return Step::kDone;
  return tls.Failed(ret, ec);
}

void TlsSocket::DeferSessionTickets() {
#if !defined(OPENSSL_IS_BORINGSSL)
  if (ssl_ == nullptr) return;
  const std::size_t count = SSL_get_num_tickets(ssl_);
  deferred_tickets_ = static_cast<uint8_t>(std::min<std::size_t>(count, UINT8_MAX));
  SSL_set_num_tickets(ssl_, 0);
#endif
}

void TlsSocket::SendSessionTickets() {
#if !defined(OPENSSL_IS_BORINGSSL)
  if (ssl_ == nullptr || deferred_tickets_ == 0) return;
  const int count = std::exchange(deferred_tickets_, 0);
  if (SSL_version(ssl_) != TLS1_3_VERSION) return;
  for (int i = 0; i < count; ++i) {
    if (SSL_new_session_ticket(ssl_) != 1) break;
  }
  ERR_clear_error();
  errno = 0;
  // 1: sent. Otherwise WANT_WRITE (the rest goes out with the next write,
  // which completes a pending handshake step first) or an error that the
  // next operation reports again.
  SSL_do_handshake(ssl_);
  ERR_clear_error();
#endif
}

std::size_t TlsSocket::TryReadSome(asio::mutable_buffer buffer, error_code& ec) {
  ec.clear();
  if (ssl_ == nullptr) {
    ec = asio::error::no_memory;
    return 0;
  }
  if (read_end_) {  // how the stream ended, kept: a reset is not read twice
    ec = read_end_;
    return 0;
  }
  if (buffer.size() == 0) return 0;
  char* data = static_cast<char*>(buffer.data());
  std::size_t total = 0;
  // Several records when they are already here: fewer, larger writes to
  // the other side.
  while (total < buffer.size()) {
    ERR_clear_error();
    errno = 0;
    std::size_t n = 0;
    const int ret = ReadSome(ssl_, data + total, buffer.size() - total, &n);
    if (ret == 1) {
      total += n;
      NoteRead(Step::kDone);
      if (SSL_pending(ssl_) == 0 && SSL_has_pending(ssl_) == 0) break;
      continue;
    }
    error_code read_error;
    const Step step = NoteRead(Failed(ret, read_error));
    if (step == Step::kDone) {
      read_end_ = read_error;
      read_blocked_ = false;  // an ended stream must keep reporting, not wait
    }
    if (total > 0) break;  // report the bytes; the end or the wait comes next call
    ec = step == Step::kDone ? read_error : asio::error::would_block;
    return 0;
  }
  return total;
}

TlsSocket::Step TlsSocket::ReadStep::operator()(TlsSocket& tls, error_code& ec, std::size_t& n) {
  n = tls.TryReadSome(buffer, ec);
  if (ec == asio::error::would_block) {
    ec.clear();
    return tls.read_wants_write_ ? Step::kWantWrite : Step::kWantRead;
  }
  return Step::kDone;
}

TlsSocket::Step TlsSocket::WriteStep::operator()(TlsSocket& tls, error_code& ec, std::size_t& n) {
  if (tls.ssl_ == nullptr) {
    ec = asio::error::no_memory;
    return Step::kDone;
  }
  if (buffer.size() == 0) return Step::kDone;
  tls.SendSessionTickets();  // deferred ones go out before the first bytes at the latest
  ERR_clear_error();
  errno = 0;
  const int ret = WriteSome(tls.ssl_, buffer.data(), buffer.size(), &n);
  if (ret == 1) return Step::kDone;
  return tls.Failed(ret, ec);
}

TlsSocket::Step TlsSocket::WaitReadableStep::operator()(TlsSocket& tls, error_code&, std::size_t&) {
  if (!tls.read_blocked_) return Step::kDone;
  // Waited once already: the next step is a read, whatever the socket says.
  tls.read_blocked_ = false;
  return tls.read_wants_write_ ? Step::kWantWrite : Step::kWantRead;
}

TlsSocket::Step TlsSocket::SendCloseNotify(error_code& ec) {
  ec.clear();
  if (ssl_ == nullptr || close_notify_sent_) return Step::kDone;
  ERR_clear_error();
  errno = 0;
  const int ret = SSL_shutdown(ssl_);
  if (ret >= 0) {
    // A second SSL_shutdown would read, looking for the peer's close_notify,
    // and swallow tunnel bytes on the way; never call it again.
    close_notify_sent_ = true;
    return Step::kDone;
  }
  return Failed(ret, ec);
}

asio::awaitable<error_code> ShutdownSend(TlsSocket& tls) {
  error_code result;
  for (;;) {
    const TlsSocket::Step step = tls.SendCloseNotify(result);
    if (step == TlsSocket::Step::kDone) break;
    auto [ec] = co_await tls.next_layer().async_wait(step == TlsSocket::Step::kWantWrite
                                                         ? asio::socket_base::wait_write
                                                         : asio::socket_base::wait_read,
                                                     asio::as_tuple(asio::use_awaitable));
    if (ec) {
      result = ec;
      break;
    }
  }
  error_code ec;
  tls.next_layer().shutdown(asio::ip::tcp::socket::shutdown_send, ec);
  co_return result ? result : ec;
}

}  // namespace postern::tunnel
