// The proxy's Prometheus metrics, with the per-route series a tunnel updates
// looked up once when the tunnel's route is known.
//
//   ProxyMetrics metrics;
//   RouteMetrics& route = metrics.ForRoute("redis.corp.example.com:6379");
//   route.Finished(200);                 // postern_tunnels_total{route,status="200"}
//   route.active->Add(1);                // postern_tunnels_active{route}
//   route.bytes_up->Add(n);              // postern_tunnel_bytes_total{route,direction="up"}
//   std::string page = metrics.RenderText();
//
// Label values come only from the config (route keys) and from the proxy's
// own status codes, never from client input: requests that match no route
// are counted under route="none", so a client cannot grow the registry.
#ifndef POSTERN_PROXY_PROXY_METRICS_H_
#define POSTERN_PROXY_PROXY_METRICS_H_

#include <array>
#include <memory>
#include <mutex>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "common/metrics/registry.h"

namespace postern::proxy {

// The route label of requests that matched no route (400, 404, 405, 408, 431).
inline constexpr char kNoRouteLabel[] = "none";

// The statuses the proxy answers with, in the order RouteMetrics keeps them.
inline constexpr std::array<int, 12> kProxyStatuses = {200, 400, 401, 403, 404, 405,
                                                       408, 431, 500, 502, 503, 504};

// The series of one route. Pointers into the registry: valid as long as the
// ProxyMetrics; updates are lock-free and may come from any thread.
struct RouteMetrics {
  metrics::Gauge* active = nullptr;                              // tunnels relaying now
  metrics::Counter* bytes_up = nullptr;                          // client -> upstream
  metrics::Counter* bytes_down = nullptr;                        // upstream -> client
  metrics::Counter* dial_failures = nullptr;                     // upstream not reached (502/504)
  std::array<metrics::Counter*, kProxyStatuses.size()> total{};  // by status

  // Finished counts one request answered with `status` (a status outside
  // kProxyStatuses is counted as 500: it would be a bug).
  void Finished(int status) const;
};

class ProxyMetrics {
 public:
  ProxyMetrics();
  ProxyMetrics(const ProxyMetrics&) = delete;
  ProxyMetrics& operator=(const ProxyMetrics&) = delete;

  // ForRoute returns the series of route `key` (or kNoRouteLabel), creating
  // them on first use with every status at zero. Takes a lock: call once per
  // tunnel, not per byte. Thread-safe; the reference stays valid.
  RouteMetrics& ForRoute(const std::string& key);

  // Seconds from asking authorize to its answer (or failure).
  metrics::Histogram& authorize_duration() { return *authorize_duration_; }
  // TLS handshakes that failed or timed out (scanners, wrong CA, slow clients).
  metrics::Counter& tls_handshake_failures() { return *tls_handshake_failures_; }
  // Connections refused for a missing or malformed PROXY protocol header
  // (proxy_protocol: true).
  metrics::Counter& proxy_protocol_errors() { return *proxy_protocol_errors_; }

  // RenderText returns every series in Prometheus text format. Thread-safe.
  std::string RenderText() const { return registry_.RenderText(); }

 private:
  metrics::Registry registry_;
  metrics::Histogram* authorize_duration_;
  metrics::Counter* tls_handshake_failures_;
  metrics::Counter* proxy_protocol_errors_;
  std::mutex mu_;  // std::, not absl::, so ThreadSanitizer runs see it
  absl::flat_hash_map<std::string, std::unique_ptr<RouteMetrics>> routes_;  // guarded by mu_
};

}  // namespace postern::proxy

#endif  // POSTERN_PROXY_PROXY_METRICS_H_
