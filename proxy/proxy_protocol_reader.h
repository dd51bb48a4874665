// Reading the PROXY protocol header (proxy_protocol.h) off an accepted
// socket, before the TLS handshake, without taking a byte past its end.
//
//   absl::StatusOr<ProxyHeader> header = co_await ReadProxyHeader(socket, deadline);
//   if (!header.ok()) { ... log, close ... }
//   if (header->source) client_ip = header->source->ip;
//   ... construct/handshake the TLS stream on `socket` ...
//
// The bytes are peeked first and only the header's are then consumed, so
// what follows (the TLS ClientHello) stays in the socket for the handshake
// and no buffer has to be handed over. Included only by the tunnel session
// and its tests (it pulls in Asio).
#ifndef POSTERN_PROXY_PROXY_PROTOCOL_READER_H_
#define POSTERN_PROXY_PROXY_PROTOCOL_READER_H_

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "absl/status/statusor.h"
#include "proxy/proxy_protocol.h"

namespace postern::proxy {

// ReadProxyHeader reads one PROXY header from `socket`, which no one else
// reads meanwhile, until `deadline` (already set by the caller) expires. On
// success exactly header.size bytes were consumed. Errors:
// kInvalidArgument with the parser's reason (malformed header, or the
// connection closed inside one); kDeadlineExceeded when the deadline passed
// first; kUnavailable when the connection ended before sending any byte, or
// failed (reset); kCancelled when the awaiting coroutine was cancelled
// (shutdown). Never throws.
boost::asio::awaitable<absl::StatusOr<ProxyHeader>> ReadProxyHeader(
    boost::asio::ip::tcp::socket& socket, boost::asio::steady_timer& deadline);

}  // namespace postern::proxy

#endif  // POSTERN_PROXY_PROXY_PROTOCOL_READER_H_
