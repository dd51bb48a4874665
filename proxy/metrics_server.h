// The proxy's operations endpoint on `metrics_address`: plain HTTP for the
// monitoring system, not for users.
//
//   GET /metrics   Prometheus text format (ProxyMetrics)
//   GET /healthz   200 "ok" while the process runs (liveness)
//   GET /readyz    200 "ready" when the proxy is listening and the authorize
//                  service is reachable, else 503 (readiness: take this
//                  replica out of the load balancer)
//
//   absl::StatusOr<std::unique_ptr<MetricsServer>> server = MetricsServer::Start(
//       "127.0.0.1:9090", {.render_metrics = [&] { return metrics.RenderText(); },
//                          .ready = [&] { return server.Accepting() && authorizer.Reachable(); }});
//   log::Info("metrics on http://%s/metrics", (*server)->address());
//
// One thread of its own, so a slow scrape never delays tunnels. Keeps Beast
// out of the header (pimpl).
#ifndef POSTERN_PROXY_METRICS_SERVER_H_
#define POSTERN_PROXY_METRICS_SERVER_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace postern::proxy {

class MetricsServer {
 public:
  struct Handlers {
    // Returns the /metrics page. Called on the server's thread.
    std::function<std::string()> render_metrics;
    // Returns whether /readyz answers 200. Called on the server's thread.
    std::function<bool()> ready;
  };

  // Start listens on `address` ("host:port", port 0: any free port) and
  // serves on a thread of its own. kUnavailable naming the address when it
  // cannot listen.
  static absl::StatusOr<std::unique_ptr<MetricsServer>> Start(const std::string& address,
                                                              Handlers handlers);

  // Stops serving (open connections are dropped) and joins the thread.
  ~MetricsServer();

  // address is the bound "host:port".
  const std::string& address() const;

 private:
  struct Impl;
  explicit MetricsServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace postern::proxy

#endif  // POSTERN_PROXY_METRICS_SERVER_H_
