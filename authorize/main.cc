// postern-authorize: the policy decision service, and `eval`, its dry-run.
//
//   postern-authorize --config FILE [--grpc-address 127.0.0.1:5443]
//   postern-authorize eval --config FILE < request.json
#include <iostream>
#include <memory>
#include <string>

#include "absl/synchronization/mutex.h"
#include "authorize/authorize_service.h"
#include "authorize/eval_command.h"
#include "authorize/grpc_server.h"
#include "authorize/listener_security.h"
#include "authorize/route_policies.h"
#include "common/config/config_loader.h"
#include "common/config/log_level.h"
#include "common/flags/server_command_line.h"
#include "common/log/log.h"
#include "common/reload/control_signals.h"
#include "common/reload/file_watcher.h"
#include "common/reload/reloader.h"

namespace postern::authorize {
namespace {

constexpr char kUsage[] =
    "usage: postern-authorize --config FILE [--grpc-address ADDR]\n"
    "       postern-authorize eval --config FILE < request.json\n"
    "\n"
    "Serves authorization decisions to postern-proxy over gRPC. `eval` decides\n"
    "one JSON request read from stdin offline and prints the JSON answer; exit\n"
    "status 0 allow, 1 deny or unauthenticated, 2 bad request or config.";

const std::vector<flags::FlagSpec> kFlags = {
    {.name = "config", .value_name = "FILE", .help = "config file (YAML), required"},
    {.name = "grpc-address",
     .value_name = "ADDR",
     .help = "gRPC listen address; overrides the config's grpc_address (port 0: any free port)"},
    {.name = "help", .help = "print this help"},
    {.name = "version", .help = "print the version"},
};

// Loads, validates and compiles the config file: what startup and every
// reload do.
absl::StatusOr<std::shared_ptr<const RoutePolicies>> Build(const std::string& path) {
  absl::StatusOr<config::LoadedConfig> loaded = config::LoadConfigFile(path);
  if (!loaded.ok()) return loaded.status();
  for (const std::string& warning : loaded->warnings) log::Warn("%s", warning);
  if (absl::Status s = loaded->config->RequireAuthorizeSettings(); !s.ok()) return s;
  return RoutePolicies::Build(loaded->config);
}

// ListenHost returns the host part of "host:port" / "[v6]:port".
std::string ListenHost(const std::string& address) {
  const size_t colon = address.rfind(':');
  return colon == std::string::npos ? address : address.substr(0, colon);
}

int Serve(const std::string& config_path, const std::string& address_flag) {
  // Before gRPC starts threads, so they inherit the mask.
  reload::BlockControlSignals();

  absl::StatusOr<std::shared_ptr<const RoutePolicies>> initial = Build(config_path);
  if (!initial.ok()) {
    std::cerr << "postern-authorize: " << initial.status().message() << "\n";
    return 2;
  }
  log::SetLevel(config::ToLogLevel((*initial)->config().log_level));
  const config::Config& started_with = (*initial)->config();
  const std::string address = address_flag.empty() ? started_with.grpc_address : address_flag;
  absl::StatusOr<ListenerSecurity> security = ListenerSecurityFor(started_with);
  if (!security.ok()) {
    std::cerr << "postern-authorize: " << security.status().message() << "\n";
    return 2;
  }

  reload::Snapshot<RoutePolicies> policies(*initial);
  reload::Reloader<RoutePolicies> reloader(
      [&] {
        absl::StatusOr<std::shared_ptr<const RoutePolicies>> built = Build(config_path);
        if (built.ok() && !SameListenerSecurity((*built)->config(), started_with)) {
          log::Warn(
              "%s: grpc_insecure or the certificates changed; the gRPC listener keeps its "
              "transport (%s) until postern-authorize restarts",
              config_path, security->description);
        }
        return built;
      },
      &policies);
  AuthorizeService service(&policies);

  absl::StatusOr<std::unique_ptr<AuthorizeServer>> server =
      AuthorizeServer::Start(&service, {.address = address, .credentials = security->credentials});
  if (!server.ok()) {
    std::cerr << "postern-authorize: " << server.status().message() << "\n";
    return 1;
  }
  log::Info("listening on %s:%d (%s, %d routes)", ListenHost(address), (*server)->port(),
            security->description, static_cast<int>(started_with.routes.size()));

  reload::FileWatcher watcher(config_path, absl::Seconds(1),
                              [&] { (void)reloader.Reload("config file changed"); });
  watcher.Start();

  const char* stop = reload::WaitForStopSignal([&] { (void)reloader.Reload("SIGHUP"); });
  log::Info("shutting down (%s)", stop);
  (*server)->Shutdown(absl::Seconds(5));
  return 0;
}

int Main(int argc, char** argv) {
  // Debian's abseil is built without NDEBUG, so every absl::Mutex (gRPC's
  // too) maintains a global lock graph for deadlock detection: ~6% of the
  // server's CPU per Check, for a check meant for debug builds.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  std::vector<std::string> args = flags::Arguments(argc, argv);
  const bool eval = !args.empty() && args.front() == "eval";
  if (eval) args.erase(args.begin());
  flags::Invocation run = flags::ParseServerCommandLine(
      {.program = "postern-authorize", .usage = kUsage, .flags = kFlags}, args, std::cout,
      std::cerr);
  if (!run.command_line.has_value()) return run.exit_status;
  const flags::CommandLine& cl = *run.command_line;
  if (eval) {
    if (cl.Has("grpc-address")) {
      std::cerr << "postern-authorize: eval takes no --grpc-address\n";
      return 2;
    }
    return RunEval(cl.Value("config"), std::cin, std::cout, std::cerr);
  }
  return Serve(cl.Value("config"), cl.Value("grpc-address"));
}

}  // namespace
}  // namespace postern::authorize

int main(int argc, char** argv) { return postern::authorize::Main(argc, argv); }
