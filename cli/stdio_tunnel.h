// `postern tcp --listen -`: one tunnel joined to stdin and stdout, for SSH's
// ProxyCommand (`ssh -o ProxyCommand='postern tcp --listen - %h:%p' host`)
// and shell pipelines.
//
//   StdioTunnel stdio(io.get_executor(), dialer);
//   asio::co_spawn(io, stdio.Run(), [&](std::exception_ptr, absl::Status s) { result = s; });
//   ...on SIGTERM: stdio.Cancel();
//
// Only tunnel bytes reach stdout: the process's descriptors 0 and 1 are
// moved to private descriptors for the tunnel and replaced by /dev/null, so
// nothing else (a stray print, a library) can write into the stream or read
// from it. Closing the private stdout descriptor is what lets the reader
// see end of stream while stdin still flows (half-close).
#ifndef POSTERN_CLI_STDIO_TUNNEL_H_
#define POSTERN_CLI_STDIO_TUNNEL_H_

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/cancellation_signal.hpp>

#include "absl/status/status.h"
#include "cli/tunnel_dialer.h"

namespace postern::cli {

class StdioTunnel {
 public:
  // `dialer` must outlive this object.
  StdioTunnel(boost::asio::any_io_executor executor, TunnelDialer& dialer);

  // Run dials the tunnel and relays stdin -> proxy and proxy -> stdout until
  // both directions end. OK if the tunnel opened and ended normally (or was
  // cancelled); otherwise the error to show: the dial's (see
  // TunnelDialer::Dial), or how the relay failed. Logs one line per event.
  // Run once per process: it takes over descriptors 0 and 1.
  boost::asio::awaitable<absl::Status> Run();

  // Cancel ends the tunnel (or the dial) promptly; Run then returns OK.
  void Cancel();

 private:
  boost::asio::awaitable<absl::Status> DialAndRelay();

  boost::asio::any_io_executor executor_;
  TunnelDialer& dialer_;
  boost::asio::cancellation_signal cancel_;
  bool cancelled_ = false;
};

}  // namespace postern::cli

#endif  // POSTERN_CLI_STDIO_TUNNEL_H_
