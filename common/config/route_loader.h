// Reading one entry of a config file's `routes:` list into a Route: the
// `from`/`to` URLs, the policy and legacy access options, timeouts. Part of
// the config loader, separate because routes are most of what can go wrong.
//
//   policy::ParseLimits limits;
//   std::vector<std::string> warnings;
//   absl::StatusOr<Route> route = LoadRoute(routes_source.Elements()->at(0), limits, warnings);
#ifndef POSTERN_COMMON_CONFIG_ROUTE_LOADER_H_
#define POSTERN_COMMON_CONFIG_ROUTE_LOADER_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/config/config.h"
#include "common/config/yaml_source.h"
#include "common/policy/ppl_parser.h"

namespace postern::config {

// LoadRoute validates one route map. Returns kInvalidArgument positioned at
// the offending key for the first problem. Appends a warning for options
// that have no effect on a TCP route, for unknown keys, and for a route
// without any policy. Does not check for duplicate keys across routes (the
// caller sees all routes). `limits` is shared by the whole file.
absl::StatusOr<Route> LoadRoute(const YamlSource& route, policy::ParseLimits& limits,
                                std::vector<std::string>& warnings);

}  // namespace postern::config

#endif  // POSTERN_COMMON_CONFIG_ROUTE_LOADER_H_
