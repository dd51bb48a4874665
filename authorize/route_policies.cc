#include "authorize/route_policies.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace postern::authorize {

absl::StatusOr<std::shared_ptr<const RoutePolicies>> RoutePolicies::Build(
    std::shared_ptr<const config::Config> config) {
  auto policies = std::shared_ptr<RoutePolicies>(new RoutePolicies());
  for (const config::Route& route : config->routes) {
    absl::StatusOr<CompiledPolicy> compiled = CompiledPolicy::Compile(route.policy);
    if (!compiled.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(route.path, " (", route.from, "): ", compiled.status().message()));
    }
    policies->policies_.emplace(route.key, *std::move(compiled));
  }
  policies->config_ = std::move(config);
  return std::shared_ptr<const RoutePolicies>(std::move(policies));
}

const CompiledPolicy* RoutePolicies::Find(const std::string& route_key) const {
  auto it = policies_.find(route_key);
  return it == policies_.end() ? nullptr : &it->second;
}

}  // namespace postern::authorize
