#include "cli/stdio_tunnel.h"

#include <fcntl.h>
#include <openssl/ssl.h>
#include <unistd.h>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cerrno>
#include <cstring>
#include <exception>
#include <utility>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "cli/tunnel_log.h"
#include "common/log/log.h"
#include "common/tunnel/relay.h"

namespace postern::cli {
namespace {

namespace asio = boost::asio;

// The tunnel's own copies of stdin and stdout. Asio puts them in
// non-blocking mode, which a terminal shares with the shell that started
// us; the original flags are put back on terminals when this is destroyed.
class StdioDescriptors {
 public:
  static absl::StatusOr<StdioDescriptors> Take() {
    StdioDescriptors taken;
    taken.in_ = fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3);
    taken.out_ = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
    if (taken.in_ < 0 || taken.out_ < 0) {
      return absl::FailedPreconditionError(
          absl::StrCat("--listen -: stdin and stdout must be open (", std::strerror(errno), ")"));
    }
    taken.KeepTerminalFlags(taken.in_, 0);
    taken.KeepTerminalFlags(taken.out_, 1);
    const int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null < 0 || dup2(null, STDIN_FILENO) < 0 || dup2(null, STDOUT_FILENO) < 0) {
      return absl::FailedPreconditionError(
          absl::StrCat("--listen -: cannot open /dev/null: ", std::strerror(errno)));
    }
    close(null);
    return taken;
  }

  StdioDescriptors(StdioDescriptors&& other) { *this = std::move(other); }
  StdioDescriptors& operator=(StdioDescriptors&& other) {
    std::swap(in_, other.in_);
    std::swap(out_, other.out_);
    std::swap(terminals_, other.terminals_);
    return *this;
  }
  ~StdioDescriptors() {
    if (in_ >= 0) close(in_);
    if (out_ >= 0) close(out_);
    for (const Terminal& terminal : terminals_) {
      if (terminal.fd < 0) continue;
      fcntl(terminal.fd, F_SETFL, terminal.flags);
      close(terminal.fd);
    }
  }

  // Release hands the descriptors to their new owner (Asio).
  int ReleaseIn() { return std::exchange(in_, -1); }
  int ReleaseOut() { return std::exchange(out_, -1); }

 private:
  StdioDescriptors() = default;

  struct Terminal {
    int fd = -1;
    int flags = 0;
  };

  // Only terminals get a descriptor kept for restoring: holding an extra
  // copy of a pipe's write end would keep its reader from seeing EOF.
  void KeepTerminalFlags(int fd, int slot) {
    if (isatty(fd) != 1) return;
    terminals_[slot].flags = fcntl(fd, F_GETFL);
    terminals_[slot].fd = terminals_[slot].flags < 0 ? -1 : fcntl(fd, F_DUPFD_CLOEXEC, 3);
  }

  int in_ = -1;
  int out_ = -1;
  Terminal terminals_[2];
};

}  // namespace

StdioTunnel::StdioTunnel(asio::any_io_executor executor, TunnelDialer& dialer)
    : executor_(std::move(executor)), dialer_(dialer) {}

void StdioTunnel::Cancel() {
  if (cancelled_) return;
  cancelled_ = true;
  cancel_.emit(asio::cancellation_type::terminal);
}

asio::awaitable<absl::Status> StdioTunnel::Run() {
  try {
    co_return co_await asio::co_spawn(
        executor_, DialAndRelay(),
        asio::bind_cancellation_slot(cancel_.slot(), asio::use_awaitable));
  } catch (const std::exception& e) {
    co_return absl::InternalError(absl::StrCat("tunnel failed: ", e.what()));
  }
}

asio::awaitable<absl::Status> StdioTunnel::DialAndRelay() {
  co_await asio::this_coro::throw_if_cancelled(false);
  absl::StatusOr<StdioDescriptors> stdio = StdioDescriptors::Take();
  if (!stdio.ok()) co_return stdio.status();

  const DialerOptions& options = dialer_.options();
  log::Info("stdin/stdout: connecting to %s via %s", options.target.ToString(),
            options.proxy.ToString());
  absl::StatusOr<DialedTunnel> tunnel = co_await dialer_.Dial();
  if (!tunnel.ok()) {
    if (absl::IsCancelled(tunnel.status())) co_return absl::OkStatus();
    co_return tunnel.status();
  }
  const bool verified = SSL_get_verify_mode(tunnel->stream->native_handle()) != SSL_VERIFY_NONE;
  log::Info("stdin/stdout: %s", ConnectedText(tunnel->tls_version, tunnel->tls_resumed, verified));

  asio::posix::stream_descriptor in(executor_, stdio->ReleaseIn());
  asio::posix::stream_descriptor out(executor_, stdio->ReleaseOut());
  tunnel::StdioStream joined(in, out);
  tunnel::RelayOptions relay;
  relay.initial_to_client = std::move(tunnel->initial_bytes);
  tunnel::RelayResult result = co_await tunnel::Relay(joined, *tunnel->stream, std::move(relay));
  log::Info("stdin/stdout: %s", ClosedText(result));
  switch (result.end) {
    case tunnel::RelayEnd::kClientError:
    case tunnel::RelayEnd::kUpstreamError:
    case tunnel::RelayEnd::kInternalError:
      co_return absl::UnavailableError(ClosedText(result));
    default:
      co_return absl::OkStatus();
  }
}

}  // namespace postern::cli
