// RoutePolicies: one config snapshot with every route's policy compiled.
//
// Built once per config load (startup or reload) and then only read, from any
// number of threads without locks. A reload that fails to build keeps the old
// RoutePolicies in service.
//
//   absl::StatusOr<std::shared_ptr<const RoutePolicies>> policies =
//       RoutePolicies::Build(config);
//   const CompiledPolicy* policy = (*policies)->Find("redis.corp.example.com:6379");
#ifndef POSTERN_AUTHORIZE_ROUTE_POLICIES_H_
#define POSTERN_AUTHORIZE_ROUTE_POLICIES_H_

#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "authorize/policy/compiled_policy.h"
#include "common/config/config.h"

namespace postern::authorize {

class RoutePolicies {
 public:
  // Build compiles every route's policy. Fails (naming the route) only if a
  // policy the config loader accepted cannot be compiled.
  static absl::StatusOr<std::shared_ptr<const RoutePolicies>> Build(
      std::shared_ptr<const config::Config> config);

  const config::Config& config() const { return *config_; }

  // Find returns the compiled policy of the route with this key
  // ("host:port", host lower-cased), or nullptr when there is none.
  const CompiledPolicy* Find(const std::string& route_key) const;

 private:
  std::shared_ptr<const config::Config> config_;
  absl::flat_hash_map<std::string, CompiledPolicy> policies_;
};

}  // namespace postern::authorize

#endif  // POSTERN_AUTHORIZE_ROUTE_POLICIES_H_
