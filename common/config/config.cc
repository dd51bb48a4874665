#include "common/config/config.h"

#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/config/absl_view.h"

namespace postern::config {

const Route* Config::FindRoute(std::string_view key) const {
  auto it = route_index_.find(AbslView(key));
  return it == route_index_.end() ? nullptr : &routes[it->second];
}

absl::Status Config::IndexRoutes() {
  route_index_.clear();
  route_index_.reserve(routes.size());
  for (size_t i = 0; i < routes.size(); ++i) {
    auto [it, inserted] = route_index_.emplace(routes[i].key, i);
    if (!inserted) {
      route_index_.clear();
      return absl::InvalidArgumentError(absl::StrCat("two routes for ", routes[i].key, ": ",
                                                     routes[it->second].path, " and ",
                                                     routes[i].path));
    }
  }
  return absl::OkStatus();
}

absl::Status Config::RequireProxySettings() const {
  std::vector<std::string> missing;
  if (shared_secret.empty()) missing.push_back("shared_secret");
  if (certificates.empty()) {
    missing.push_back("certificate_file and certificate_key_file (or certificates)");
  }
  if (missing.empty()) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(
      file_name, ": postern-proxy needs ", absl::StrJoin(missing, " and "), " in its config"));
}

absl::Status Config::RequireAuthorizeSettings() const {
  if (shared_secret.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat(file_name, ": postern-authorize needs shared_secret in its config"));
  }
  if (!grpc_insecure && certificates.empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        file_name,
        ": grpc_insecure is false, so postern-authorize serves TLS and needs a certificate: "
        "set certificate_file and certificate_key_file (or certificates)"));
  }
  return absl::OkStatus();
}

}  // namespace postern::config
