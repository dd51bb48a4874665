#include "authorize/eval_command.h"

#include <istream>
#include <iterator>
#include <optional>
#include <ostream>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "authorize/route_policies.h"
#include "boost/json.hpp"
#include "common/config/config_loader.h"
#include "common/config/url.h"
#include "common/jwt/json_object.h"
#include "common/policy/calendar.h"
#include "common/policy/ip_prefix.h"

namespace postern::authorize {
namespace {

// A request is small; anything larger is a mistake, not a request.
constexpr size_t kMaxRequestBytes = 1 << 20;

struct EvalRequest {
  std::string route;
  std::optional<Identity> identity;
  std::string source_ip;
  absl::Time time = absl::Now();
};

absl::Status FieldError(const std::string& field, const std::string& problem) {
  return absl::InvalidArgumentError(absl::StrCat("request.", field, ": ", problem));
}

absl::StatusOr<std::string> StringField(const boost::json::value& value, const std::string& field) {
  if (!value.is_string()) return FieldError(field, "expected a string");
  return std::string(value.get_string());
}

absl::StatusOr<std::vector<std::string>> StringList(const boost::json::value& value,
                                                    const std::string& field) {
  if (!value.is_array()) return FieldError(field, "expected a list of strings");
  std::vector<std::string> out;
  const boost::json::array& array = value.get_array();
  for (size_t i = 0; i < array.size(); ++i) {
    absl::StatusOr<std::string> item = StringField(array[i], absl::StrCat(field, "[", i, "]"));
    if (!item.ok()) return item.status();
    out.push_back(*std::move(item));
  }
  return out;
}

absl::StatusOr<Identity> ParseSession(const boost::json::object& session) {
  Identity identity;
  for (const auto& member : session) {
    const std::string key(member.key());
    const std::string field = absl::StrCat("session.", key);
    if (key == "user" || key == "email" || key == "name") {
      absl::StatusOr<std::string> text = StringField(member.value(), field);
      if (!text.ok()) return text.status();
      (key == "user" ? identity.user : key == "email" ? identity.email : identity.name) = *text;
    } else if (key == "groups") {
      absl::StatusOr<std::vector<std::string>> groups = StringList(member.value(), field);
      if (!groups.ok()) return groups.status();
      identity.groups = *std::move(groups);
    } else if (key == "claims") {
      if (!member.value().is_object()) return FieldError(field, "expected an object");
      for (const auto& claim : member.value().get_object()) {
        const std::string name(claim.key());
        const std::string claim_field = absl::StrCat(field, ".", name);
        if (claim.value().is_string()) {
          identity.claims[name] = {std::string(claim.value().get_string())};
          continue;
        }
        absl::StatusOr<std::vector<std::string>> values = StringList(claim.value(), claim_field);
        if (!values.ok()) {
          return FieldError(claim_field, "expected a string or a list of strings");
        }
        identity.claims[name] = *std::move(values);
      }
    } else {
      return FieldError(field, "unknown field (expected user, email, name, groups or claims)");
    }
  }
  return identity;
}

absl::StatusOr<EvalRequest> ParseRequest(const std::string& text) {
  if (text.size() > kMaxRequestBytes) {
    return absl::InvalidArgumentError("request is larger than 1 MiB");
  }
  absl::StatusOr<boost::json::object> object = jwt::ParseJsonObject(text, "request");
  if (!object.ok()) return object.status();
  EvalRequest request;
  bool has_route = false;
  for (const auto& member : *object) {
    const std::string key(member.key());
    if (key == "route") {
      absl::StatusOr<std::string> route = StringField(member.value(), key);
      if (!route.ok()) return route.status();
      request.route = *route;
      has_route = true;
    } else if (key == "session") {
      if (member.value().is_null()) continue;
      if (!member.value().is_object()) return FieldError(key, "expected an object or null");
      absl::StatusOr<Identity> identity = ParseSession(member.value().get_object());
      if (!identity.ok()) return identity.status();
      request.identity = *std::move(identity);
    } else if (key == "source_ip") {
      absl::StatusOr<std::string> ip = StringField(member.value(), key);
      if (!ip.ok()) return ip.status();
      if (!policy::ParseIpAddress(*ip).ok()) {
        return FieldError(key, absl::StrCat("\"", *ip, "\" is not an IPv4 or IPv6 address"));
      }
      request.source_ip = *ip;
    } else if (key == "time") {
      absl::StatusOr<std::string> time = StringField(member.value(), key);
      if (!time.ok()) return time.status();
      absl::StatusOr<absl::Time> instant = policy::ParseTimestamp(*time);
      if (!instant.ok()) {
        return FieldError(key, absl::StrCat("\"", *time,
                                            "\" is not an RFC 3339 time like "
                                            "2026-11-24T10:00:00Z"));
      }
      request.time = *instant;
    } else {
      return FieldError(key, "unknown field (expected route, session, source_ip or time)");
    }
  }
  if (!has_route) return FieldError("route", "required (a route's from URL)");
  return request;
}

// FindRoute accepts a route's `from` or its host:port key. Hosts match in
// any case, as the proxy matches a CONNECT target: eval must find the route
// the proxy would use.
const config::Route* FindRoute(const config::Config& config, const std::string& name) {
  for (const config::Route& route : config.routes) {
    if (route.from == name) return &route;
  }
  if (absl::StatusOr<config::HostPort> key = config::ParseHostPort(name); key.ok()) {
    return config.FindRoute(key->ToString());
  }
  absl::StatusOr<config::Url> url = config::ParseUrl(name);
  if (!url.ok() || url->scheme != "tcp+https") return nullptr;
  std::optional<config::HostPort> bastion_proxy;
  config::HostPort key = url->authority;
  if (!url->path.empty()) {
    absl::StatusOr<config::HostPort> target = config::ParseHostPort(url->path.substr(1));
    if (!target.ok()) return nullptr;
    bastion_proxy = url->authority;
    key = *target;
  }
  const config::Route* route = config.FindRoute(key.ToString());
  if (route == nullptr || route->bastion_proxy.has_value() != bastion_proxy.has_value()) {
    return nullptr;
  }
  if (bastion_proxy && route->bastion_proxy->ToString() != bastion_proxy->ToString()) {
    return nullptr;
  }
  return route;
}

}  // namespace

int RunEval(const std::string& config_path, std::istream& in, std::ostream& out,
            std::ostream& err) {
  absl::StatusOr<config::LoadedConfig> loaded = config::LoadConfigFile(config_path);
  if (!loaded.ok()) {
    err << "eval: " << loaded.status().message() << "\n";
    return 2;
  }
  for (const std::string& warning : loaded->warnings) err << "eval: warning: " << warning << "\n";
  absl::StatusOr<std::shared_ptr<const RoutePolicies>> policies =
      RoutePolicies::Build(loaded->config);
  if (!policies.ok()) {
    err << "eval: " << policies.status().message() << "\n";
    return 2;
  }

  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  absl::StatusOr<EvalRequest> request = ParseRequest(text);
  if (!request.ok()) {
    err << "eval: " << request.status().message() << "\n";
    return 2;
  }
  const config::Route* route = FindRoute(*loaded->config, request->route);
  if (route == nullptr) {
    std::vector<std::string> known;
    for (const config::Route& r : loaded->config->routes) known.push_back(r.from);
    err << "eval: request.route: no route \"" << request->route << "\" in " << config_path
        << (known.empty() ? " (it has no routes)"
                          : absl::StrCat(" (routes: ", absl::StrJoin(known, ", "), ")"))
        << "\n";
    return 2;
  }

  const Decision decision =
      (*policies)
          ->Find(route->key)
          ->Evaluate(Request{.identity = request->identity ? &*request->identity : nullptr,
                             .source_ip = request->source_ip,
                             .now = request->time});
  boost::json::object answer;
  answer["decision"] = std::string(VerdictName(decision.verdict));
  boost::json::array reasons;
  for (const std::string& reason : decision.reasons) reasons.emplace_back(reason);
  answer["reasons"] = std::move(reasons);
  out << boost::json::serialize(answer) << "\n";
  return decision.verdict == Verdict::kAllow ? 0 : 1;
}

}  // namespace postern::authorize
