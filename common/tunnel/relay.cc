#include "common/tunnel/relay.h"

#include <string>

namespace postern::tunnel {

std::string RelayResult::CloseReason() const {
  switch (end) {
    case RelayEnd::kClientClosed:
      return "client closed";
    case RelayEnd::kUpstreamClosed:
      return "upstream closed";
    case RelayEnd::kIdleTimeout:
      return "idle timeout";
    case RelayEnd::kMaxDuration:
      return "max duration";
    case RelayEnd::kClientError:
      return "client error: " + error;
    case RelayEnd::kUpstreamError:
      return "upstream error: " + error;
    case RelayEnd::kShutdown:
      return "shutdown";
    case RelayEnd::kInternalError:
      return "internal error: " + error;
  }
  return "unknown";
}

template boost::asio::awaitable<RelayResult> Relay(TlsStream&, TcpSocket&, RelayOptions);
template boost::asio::awaitable<RelayResult> Relay(TlsStream&, TlsStream&, RelayOptions);
template boost::asio::awaitable<RelayResult> Relay(TcpSocket&, TlsStream&, RelayOptions);
template boost::asio::awaitable<RelayResult> Relay(TcpSocket&, TcpSocket&, RelayOptions);
template boost::asio::awaitable<RelayResult> Relay(StdioStream&, TlsStream&, RelayOptions);
template boost::asio::awaitable<RelayResult> Relay(StdioStream&, TcpSocket&, RelayOptions);

}  // namespace postern::tunnel
