#include "common/tunnel/byte_stream.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <string>

namespace postern::tunnel {
namespace {

namespace asio = boost::asio;
using boost::system::error_code;

// CloseNotifyRecord makes `ssl` emit its close_notify alert and returns the
// TLS record bytes, to be written to the socket by the caller.
//
// Asio's ssl::stream writes through a BIO pair it does not expose, and only
// flushes it as part of an operation; its shutdown operation would then wait
// for the peer's close_notify. So for the one SSL_shutdown call the write
// BIO is swapped for a memory BIO and restored at once, all between two
// Asio operations on this single-threaded stream. The first SSL_shutdown
// only sends; reading stays possible afterwards (TLS half-close).
//
// The record is then written to the socket directly. The only other writer
// of that socket could be the engine answering a TLS 1.3 KeyUpdate request
// that arrives in the other direction at that same instant, and the two
// writes could interleave. Accepted: peers rarely request key updates, and
// the window is one small write at the end of a direction.
std::string CloseNotifyRecord(SSL* ssl) {
  // A second SSL_shutdown would read, from the BIO the tunnel's reads are fed
  // through, looking for the peer's close_notify, and discard data on the way.
  if ((SSL_get_shutdown(ssl) & SSL_SENT_SHUTDOWN) != 0) return {};
  BIO* memory = BIO_new(BIO_s_mem());
  if (memory == nullptr) return {};
  BIO* original = SSL_get_wbio(ssl);
  // SSL_set0_wbio releases one reference to the BIO it replaces (Asio's
  // stream BIO, which is also the read BIO) and takes ownership of ours.
  BIO_up_ref(original);
  SSL_set0_wbio(ssl, memory);
  ERR_clear_error();
  SSL_shutdown(ssl);
  ERR_clear_error();  // a failure leaves nothing to send; the FIN still follows
  char* data = nullptr;
  long size = BIO_get_mem_data(memory, &data);
  std::string record = size > 0 ? std::string(data, static_cast<std::size_t>(size)) : "";
  SSL_set0_wbio(ssl, original);  // frees `memory`; `original` keeps the reference taken above
  return record;
}

}  // namespace

bool IsEndOfStream(const error_code& ec) {
  if (ec == asio::error::eof || ec == asio::ssl::error::stream_truncated) return true;
#ifdef SSL_R_UNEXPECTED_EOF_WHILE_READING
  if (ec.category() == asio::error::get_ssl_category() &&
      ERR_GET_REASON(static_cast<unsigned long>(ec.value())) ==
          SSL_R_UNEXPECTED_EOF_WHILE_READING) {
    return true;
  }
#endif
  return false;
}

asio::awaitable<error_code> ShutdownSend(asio::ip::tcp::socket& socket) {
  error_code ec;
  socket.shutdown(asio::ip::tcp::socket::shutdown_send, ec);
  co_return ec;
}

asio::awaitable<error_code> ShutdownSend(asio::ssl::stream<asio::ip::tcp::socket>& stream) {
  std::string record = CloseNotifyRecord(stream.native_handle());
  error_code result;
  if (!record.empty()) {
    auto [ec, written] = co_await asio::async_write(stream.next_layer(), asio::buffer(record),
                                                    asio::as_tuple(asio::use_awaitable));
    result = ec;
  }
  error_code ec;
  stream.next_layer().shutdown(asio::ip::tcp::socket::shutdown_send, ec);
  co_return result ? result : ec;
}

asio::awaitable<error_code> ShutdownSend(asio::posix::stream_descriptor& descriptor) {
  error_code ec;
  descriptor.close(ec);
  co_return ec;
}

}  // namespace postern::tunnel
