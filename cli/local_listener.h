// The local end of `postern tcp`: a TCP listener (127.0.0.1:random by
// default) where every accepted connection gets its own tunnel through the
// proxy. Connections are independent: each dials, relays and fails on its
// own, and one failing never disturbs the others.
//
//   absl::StatusOr<std::unique_ptr<LocalListener>> listener =
//       LocalListener::Open(io, address, dialer);
//   if (!listener.ok()) { ...exit 1... }   // "cannot listen on 127.0.0.1:6379: Address in use"
//   log::Info("listening on %s", (*listener)->local_address());
//   (*listener)->Start();
//   ...on SIGTERM: (*listener)->Shutdown();
//   io.run();   // returns once the listener and every tunnel have closed
#ifndef POSTERN_CLI_LOCAL_LISTENER_H_
#define POSTERN_CLI_LOCAL_LISTENER_H_

#include <boost/asio/awaitable.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "cli/listen_address.h"
#include "cli/tunnel_dialer.h"

namespace postern::cli {

// LocalListener accepts local connections and carries each through its own
// tunnel. Use from the io_context's one thread. `dialer` must outlive it,
// and it must outlive io.run().
class LocalListener {
 public:
  // Open binds and listens on `address`. Errors: kUnavailable naming the
  // address and the reason ("cannot listen on 127.0.0.1:6379: Address
  // already in use").
  static absl::StatusOr<std::unique_ptr<LocalListener>> Open(boost::asio::io_context& io,
                                                             const ListenAddress& address,
                                                             TunnelDialer& dialer);

  // local_address returns the bound address, with the port the kernel
  // chose: "127.0.0.1:40123", "[::1]:40123".
  std::string local_address() const;

  // Start begins accepting; each connection is logged and carried.
  void Start();

  // Shutdown stops accepting and ends every open tunnel (each logs how it
  // closed). Idempotent.
  void Shutdown();

  // open_tunnels returns how many accepted connections are still open.
  std::size_t open_tunnels() const { return tunnels_.size(); }

 private:
  LocalListener(boost::asio::io_context& io, boost::asio::ip::tcp::acceptor acceptor,
                TunnelDialer& dialer);
  boost::asio::awaitable<void> AcceptLoop();
  boost::asio::awaitable<void> Carry(boost::asio::ip::tcp::socket socket, uint64_t id);

  boost::asio::io_context& io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  TunnelDialer& dialer_;
  bool shutting_down_ = false;
  uint64_t next_id_ = 1;
  // One cancellation signal per open tunnel, by connection number; a map
  // because signals cannot move.
  std::map<uint64_t, boost::asio::cancellation_signal> tunnels_;
};

}  // namespace postern::cli

#endif  // POSTERN_CLI_LOCAL_LISTENER_H_
