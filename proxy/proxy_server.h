// The proxy's HTTPS listener and its worker threads.
//
// One io_context per worker thread, each with its own SO_REUSEPORT acceptor
// on the same address, so the kernel spreads new connections across workers
// and a connection stays on the worker that accepted it for its whole life
// (no locks between workers on the data path).
//
//   ProxyServer server(&serving_state, &metrics);
//   absl::StatusOr<std::string> bound = server.Start("127.0.0.1:8443", 0);
//   ... on SIGTERM:
//   server.StopAccepting();
//   if (!server.WaitForConnections(drain_timeout)) server.CloseConnections();
//   server.Join();
//
// Keeps Asio out of the header (pimpl): main.cc includes it.
#ifndef POSTERN_PROXY_PROXY_SERVER_H_
#define POSTERN_PROXY_PROXY_SERVER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/reload/snapshot.h"
#include "proxy/proxy_metrics.h"
#include "proxy/serving_state.h"

namespace postern::proxy {

class ProxyServer {
 public:
  // `state` and `metrics` must outlive the server.
  ProxyServer(const reload::Snapshot<ServingState>* state, ProxyMetrics* metrics);
  // Closes everything still open (as CloseConnections) and joins the threads.
  ~ProxyServer();

  ProxyServer(const ProxyServer&) = delete;
  ProxyServer& operator=(const ProxyServer&) = delete;

  // Start listens on `address` ("host:port" or "[v6]:port"; port 0 picks a
  // free port; an empty host means every interface) with `threads` workers
  // (0: one per core), and returns the address actually bound, e.g.
  // "127.0.0.1:40123". Refuses, with kUnavailable naming the address, to
  // share a port another socket already listens on (SO_REUSEPORT would
  // otherwise let a second proxy silently take half the connections), and
  // fails likewise when the address cannot be bound. Call once.
  absl::StatusOr<std::string> Start(const std::string& address, int threads);

  // StopAccepting closes the listeners: new connections are refused, those
  // already accepted carry on. Returns once every listener is closed. Call
  // from a thread that is not a worker.
  void StopAccepting();

  // ActiveConnections counts connections accepted and not yet closed.
  int ActiveConnections() const;

  // WaitForConnections blocks until no connection is open or `timeout`
  // passes; true if none is open.
  bool WaitForConnections(absl::Duration timeout);

  // CloseConnections ends every open connection now (tunnels log
  // close_reason "shutdown"). Returns at once; Join waits for them.
  void CloseConnections();

  // Join waits until the workers have nothing left to do: call after
  // StopAccepting, and CloseConnections or a successful WaitForConnections.
  void Join();

  // Accepting is true between a successful Start and StopAccepting.
  bool Accepting() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace postern::proxy

#endif  // POSTERN_PROXY_PROXY_SERVER_H_
