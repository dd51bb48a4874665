#include "common/tunnel/relay.h"

#include <string>
#include <vector>

namespace postern::tunnel {

namespace relay_internal {
namespace {

// Enough for both directions of a few busy tunnels per thread; more would
// only keep memory that idle tunnels were meant to give back.
constexpr std::size_t kPooledBuffersPerThread = 8;

struct Pooled {
  std::unique_ptr<char[]> data;
  std::size_t size;
};
thread_local std::vector<Pooled> pool;

}  // namespace

std::unique_ptr<char[]> AcquireBuffer(std::size_t size) {
  for (auto it = pool.rbegin(); it != pool.rend(); ++it) {
    if (it->size == size) {
      std::unique_ptr<char[]> data = std::move(it->data);
      pool.erase(std::next(it).base());
      return data;
    }
  }
  return std::unique_ptr<char[]>(new char[size]);
}

void ReleaseBuffer(std::unique_ptr<char[]> buffer, std::size_t size) {
  if (buffer == nullptr || pool.size() >= kPooledBuffersPerThread) return;
  pool.push_back({std::move(buffer), size});
}

}  // namespace relay_internal

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
template boost::asio::awaitable<RelayResult> Relay(TlsSocket&, TcpSocket&, RelayOptions);

}  // namespace postern::tunnel
