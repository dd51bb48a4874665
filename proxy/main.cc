// postern-proxy: the data plane. Terminates TLS, reads one CONNECT per
// connection, asks postern-authorize, dials the route's upstream and relays.
//
//   postern-proxy --config FILE [--address 127.0.0.1:8443]
//   postern-proxy service-account --config FILE --email E [--user U] [--groups g1,g2] [--ttl 1h]
#include <signal.h>
#include <sys/resource.h>

#include <algorithm>
#include <cstdint>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/config/log_level.h"
#include "common/config/url.h"
#include "common/flags/server_command_line.h"
#include "common/log/log.h"
#include "common/reload/control_signals.h"
#include "common/reload/file_watcher.h"
#include "common/reload/reloader.h"
#include "common/reload/snapshot.h"
#include "proxy/metrics_server.h"
#include "proxy/proxy_metrics.h"
#include "proxy/proxy_server.h"
#include "proxy/service_account.h"
#include "proxy/serving_state.h"

namespace postern::proxy {
namespace {

constexpr char kUsage[] =
    "usage: postern-proxy --config FILE [--address ADDR]\n"
    "       postern-proxy service-account --config FILE --email EMAIL [--user USER]\n"
    "                                     [--groups G1,G2] [--ttl 1h]\n"
    "\n"
    "Serves TCP tunnels: HTTP CONNECT over TLS, each one authorized by\n"
    "postern-authorize against the route's policy. Reloads the config on SIGHUP\n"
    "and when the file changes; drains tunnels on SIGTERM.";

const std::vector<flags::FlagSpec> kFlags = {
    {.name = "config", .value_name = "FILE", .help = "config file (YAML), required"},
    {.name = "address",
     .value_name = "ADDR",
     .help = "HTTPS listen address; overrides the config's address (port 0: any free port)"},
    {.name = "help", .help = "print this help"},
    {.name = "version", .help = "print the version"},
};

std::string MetricsAddressOf(const ServingState& state) {
  return state.config->metrics_address.value_or("");
}

// Reload builds the next state from the file. Listen addresses are bound
// once; a changed one is reported, not applied.
absl::StatusOr<std::shared_ptr<const ServingState>> Reload(
    const std::string& config_path, bool address_from_flag, const std::string& listening_url,
    const reload::Snapshot<ServingState>& current) {
  std::shared_ptr<const ServingState> previous = current.Get();
  absl::StatusOr<std::shared_ptr<const ServingState>> next =
      BuildServingState(config_path, previous.get(), listening_url);
  if (!next.ok()) return next;
  const config::Config& before = *previous->config;
  const config::Config& after = *(*next)->config;
  if (!address_from_flag && before.address != after.address) {
    log::Warn("address changed from %s to %s; restart postern-proxy to listen there",
              before.address, after.address);
  }
  if (MetricsAddressOf(*previous) != MetricsAddressOf(**next)) {
    log::Warn("metrics_address changed; restart postern-proxy to serve metrics there");
  }
  log::SetLevel(config::ToLogLevel(after.log_level));
  return next;
}

// ListeningUrl is https://<bound address>, naming a wildcard host
// "localhost" (a browser cannot visit 0.0.0.0).
std::string ListeningUrl(const std::string& bound) {
  const size_t colon = bound.rfind(':');
  std::string host = bound.substr(0, colon);
  if (host == "0.0.0.0" || host == "[::]") host = "localhost";
  return absl::StrCat("https://", host, bound.substr(colon));
}

// Every tunnel holds two descriptors; the default soft limit (often 1024)
// would cap a proxy at a few hundred tunnels, so take what the hard limit
// allows.
void RaiseDescriptorLimit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= limit.rlim_max) return;
  limit.rlim_cur = limit.rlim_max;
  if (setrlimit(RLIMIT_NOFILE, &limit) != 0) {
    log::Warn("could not raise the open-file limit to %d", static_cast<uint64_t>(limit.rlim_max));
  }
}

int Serve(const std::string& config_path, const std::string& address_flag) {
  // Before workers and gRPC start threads, so they inherit the mask. Writes
  // to a closed peer must fail with EPIPE, not kill the process.
  reload::BlockControlSignals();
  signal(SIGPIPE, SIG_IGN);
  RaiseDescriptorLimit();

  absl::StatusOr<std::shared_ptr<const ServingState>> initial =
      BuildServingState(config_path, nullptr);
  if (!initial.ok()) {
    std::cerr << "postern-proxy: " << initial.status().message() << "\n";
    return 2;
  }
  const config::Config& initial_config = *(*initial)->config;
  log::SetLevel(config::ToLogLevel(initial_config.log_level));
  const std::string address = address_flag.empty() ? initial_config.address : address_flag;

  reload::Snapshot<ServingState> state(*initial);
  ProxyMetrics metrics;
  ProxyServer server(&state, &metrics);
  absl::StatusOr<std::string> bound = server.Start(address, 0);
  if (!bound.ok()) {
    std::cerr << "postern-proxy: " << bound.status().message() << "\n";
    return 1;
  }

  std::unique_ptr<MetricsServer> metrics_server;
  if (initial_config.metrics_address.has_value()) {
    absl::StatusOr<std::unique_ptr<MetricsServer>> started = MetricsServer::Start(
        *initial_config.metrics_address,
        {.render_metrics = [&metrics] { return metrics.RenderText(); },
         .ready = [&server,
                   &state] { return server.Accepting() && state.Get()->authorizer->Reachable(); }});
    if (!started.ok()) {
      std::cerr << "postern-proxy: " << started.status().message() << "\n";
      return 1;
    }
    metrics_server = *std::move(started);
    log::Info("metrics, health and readiness on http://%s (/metrics, /healthz, /readyz)",
              metrics_server->address());
  }
  // With no authenticate_service_url the login endpoints' external URL is
  // this listener's, which is only known now when the port was 0 or came
  // from --address.
  std::string listening_url;
  if (initial_config.authenticate_service_url_is_default) {
    listening_url = ListeningUrl(*bound);
    absl::StatusOr<std::shared_ptr<const ServingState>> rebuilt =
        BuildServingStateFrom((*initial)->config, initial->get(), listening_url);
    if (!rebuilt.ok()) {
      std::cerr << "postern-proxy: " << rebuilt.status().message() << "\n";
      return 2;
    }
    state.Set(*std::move(rebuilt));
  }
  log::Info("listening on %s (%d routes, authorize service %s)", *bound,
            static_cast<int>(initial_config.routes.size()), initial_config.authorize_service_url);

  reload::Reloader<ServingState> reloader(
      [&] { return Reload(config_path, !address_flag.empty(), listening_url, state); }, &state);
  std::optional<reload::FileWatcher> watcher;
  watcher.emplace(config_path, absl::Seconds(1),
                  [&] { (void)reloader.Reload("config file changed"); });
  watcher->Start();

  const char* stop = reload::WaitForStopSignal([&] { (void)reloader.Reload("SIGHUP"); });
  log::Info("shutting down (%s)", stop);
  watcher.reset();

  const absl::Duration drain = state.Get()->config->shutdown_drain_timeout;
  server.StopAccepting();
  log::Info("draining %d tunnels (up to %s)", server.ActiveConnections(),
            absl::FormatDuration(drain));
  // A second SIGTERM or SIGINT (an impatient operator, Ctrl-C twice) ends
  // the drain at once; the service manager's SIGKILL would lose the
  // access-log lines of the tunnels still open.
  const absl::Time drain_deadline = absl::Now() + drain;
  bool drained = false;
  const char* again = nullptr;
  while (!drained && again == nullptr && absl::Now() < drain_deadline) {
    drained =
        server.WaitForConnections(std::min(drain_deadline - absl::Now(), absl::Milliseconds(100)));
    if (!drained) again = reload::TakeStopSignal(absl::ZeroDuration());
  }
  if (again != nullptr) {
    log::Warn("closing %d tunnels still open: %s during the drain", server.ActiveConnections(),
              again);
    server.CloseConnections();
  } else if (!drained && !server.WaitForConnections(absl::ZeroDuration())) {
    log::Warn("closing %d tunnels still open after the drain timeout", server.ActiveConnections());
    server.CloseConnections();
  }
  server.Join();
  metrics_server.reset();
  log::Info("stopped");
  return 0;
}

int Main(int argc, char** argv) {
  std::vector<std::string> args = flags::Arguments(argc, argv);
  if (!args.empty() && args.front() == "service-account") {
    args.erase(args.begin());
    return RunServiceAccount(args, std::cout, std::cerr);
  }
  flags::Invocation run = flags::ParseServerCommandLine(
      {.program = "postern-proxy", .usage = kUsage, .flags = kFlags}, args, std::cout, std::cerr);
  if (!run.command_line.has_value()) return run.exit_status;
  const flags::CommandLine& cl = *run.command_line;
  if (cl.Has("address")) {
    if (absl::StatusOr<config::HostPort> address =
            config::ParseHostPort(cl.Value("address"), /*allow_empty_host=*/true);
        !address.ok()) {
      std::cerr << "postern-proxy: --address " << cl.Value("address") << ": "
                << address.status().message() << "\n";
      return 2;
    }
  }
  return Serve(cl.Value("config"), cl.Value("address"));
}

}  // namespace
}  // namespace postern::proxy

int main(int argc, char** argv) { return postern::proxy::Main(argc, argv); }
