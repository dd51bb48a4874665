// The one place YAML becomes a Config: reads a Pomerium-compatible config
// file, validates every setting and route policy, and returns an immutable
// snapshot plus warnings for settings that were ignored.
//
//   absl::StatusOr<LoadedConfig> loaded = LoadConfigFile("/etc/postern/config.yaml");
//   if (!loaded.ok()) {
//     // "config.yaml:14:9: routes[1].from: port required in tcp+https URL"
//     std::cerr << loaded.status().message() << "\n";
//     return 2;
//   }
//   for (const std::string& warning : loaded->warnings) LogWarning(warning);
//   if (auto status = loaded->config->RequireProxySettings(); !status.ok()) ...
//
// The loader requires nothing a particular binary needs (secrets,
// certificates): `postern-authorize eval` works from routes alone. Each
// binary calls its Config::Require*Settings().
#ifndef POSTERN_COMMON_CONFIG_CONFIG_LOADER_H_
#define POSTERN_COMMON_CONFIG_CONFIG_LOADER_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "common/config/config.h"

namespace postern::config {

struct LoadedConfig {
  std::shared_ptr<const Config> config;
  // One line each, positioned like errors: unknown settings, route options
  // with no effect on TCP routes, routes without policy.
  std::vector<std::string> warnings;
};

// Files larger than this are refused before parsing.
inline constexpr size_t kMaxConfigBytes = 16 << 20;

// LoadConfigFile reads and loads `path` (named as given in messages). A file
// that cannot be read is kFailedPrecondition naming the path and the reason;
// invalid content is kInvalidArgument "file:line:col: key.path: message" for
// the first problem found. Thread-safe (no shared state).
absl::StatusOr<LoadedConfig> LoadConfigFile(const std::string& path);

// LoadConfigString loads YAML text. `file_name` names it in messages and is
// the base for relative certificate paths (its directory). Never throws and
// never crashes on any input; thread-safe.
absl::StatusOr<LoadedConfig> LoadConfigString(std::string_view yaml, std::string_view file_name);

}  // namespace postern::config

#endif  // POSTERN_COMMON_CONFIG_CONFIG_LOADER_H_
