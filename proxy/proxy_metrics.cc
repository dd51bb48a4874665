#include "proxy/proxy_metrics.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace postern::proxy {
namespace {

constexpr char kActive[] = "postern_tunnels_active";
constexpr char kActiveHelp[] = "Tunnels relaying bytes now, by route.";
constexpr char kTotal[] = "postern_tunnels_total";
constexpr char kTotalHelp[] = "CONNECT requests answered, by route and HTTP status.";
constexpr char kBytes[] = "postern_tunnel_bytes_total";
constexpr char kBytesHelp[] =
    "Bytes relayed by tunnels that have ended, by route and direction (up: client to upstream).";
constexpr char kDialFailures[] = "postern_upstream_dial_failures_total";
constexpr char kDialFailuresHelp[] = "Upstream connections that failed or timed out, by route.";

}  // namespace

void RouteMetrics::Finished(int status) const {
  const auto* at = std::find(kProxyStatuses.begin(), kProxyStatuses.end(), status);
  if (at == kProxyStatuses.end()) {
    at = std::find(kProxyStatuses.begin(), kProxyStatuses.end(), 500);
  }
  total[at - kProxyStatuses.begin()]->Add();
}

ProxyMetrics::ProxyMetrics()
    : authorize_duration_(&registry_.GetHistogram(
          "postern_authorize_duration_seconds",
          "Time from asking the authorize service to its answer or failure.")),
      tls_handshake_failures_(
          &registry_.GetCounter("postern_tls_handshake_failures_total",
                                "TLS handshakes with clients that failed or timed out.")),
      proxy_protocol_errors_(&registry_.GetCounter(
          "postern_proxy_protocol_errors_total",
          "Connections closed for a missing or malformed PROXY protocol header.")) {}

RouteMetrics& ProxyMetrics::ForRoute(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  std::unique_ptr<RouteMetrics>& slot = routes_[key];
  if (slot == nullptr) {
    auto series = std::make_unique<RouteMetrics>();
    series->active = &registry_.GetGauge(kActive, kActiveHelp, {{"route", key}});
    series->bytes_up =
        &registry_.GetCounter(kBytes, kBytesHelp, {{"route", key}, {"direction", "up"}});
    series->bytes_down =
        &registry_.GetCounter(kBytes, kBytesHelp, {{"route", key}, {"direction", "down"}});
    series->dial_failures =
        &registry_.GetCounter(kDialFailures, kDialFailuresHelp, {{"route", key}});
    for (size_t i = 0; i < kProxyStatuses.size(); ++i) {
      series->total[i] = &registry_.GetCounter(
          kTotal, kTotalHelp, {{"route", key}, {"status", absl::StrCat(kProxyStatuses[i])}});
    }
    slot = std::move(series);
  }
  return *slot;
}

}  // namespace postern::proxy
