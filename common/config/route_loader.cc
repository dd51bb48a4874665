#include "common/config/route_loader.h"

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/config/absl_view.h"
#include "common/config/duration.h"
#include "common/config/url.h"
#include "common/policy/legacy_options.h"
#include "common/status_macros.h"

namespace postern::config {
namespace {

// Pomerium route options that only mean something for HTTP routes or for
// TLS to the upstream (a TCP route's upstream is plain tcp://).
const absl::flat_hash_set<std::string_view>& NoEffectOnTcpOptions() {
  static const auto* const kOptions = new absl::flat_hash_set<std::string_view>{
      "allow_spdy",
      "allow_websockets",
      "cors_allow_preflight",
      "host_path_regex_rewrite_pattern",
      "host_path_regex_rewrite_substitution",
      "host_rewrite",
      "host_rewrite_header",
      "idp_access_token_allowed_audiences",
      "kubernetes_service_account_token",
      "kubernetes_service_account_token_file",
      "pass_identity_headers",
      "path",
      "prefix",
      "prefix_rewrite",
      "preserve_host_header",
      "regex",
      "regex_priority_order",
      "regex_rewrite_pattern",
      "regex_rewrite_substitution",
      "remove_request_headers",
      "rewrite_response_headers",
      "set_authorization_header",
      "set_request_headers",
      "set_response_headers",
      "tls_client_cert",
      "tls_client_cert_file",
      "tls_client_key",
      "tls_client_key_file",
      "tls_custom_ca",
      "tls_custom_ca_file",
      "tls_downstream_client_ca",
      "tls_downstream_client_ca_file",
      "tls_downstream_server_name",
      "tls_server_name",
      "tls_skip_verify",
      "tls_upstream_allow_renegotiation",
      "tls_upstream_server_name",
  };
  return *kOptions;
}

absl::Status CheckRoutePort(const YamlSource& at, const HostPort& host_port,
                            std::string_view what) {
  if (!host_port.has_port) return at.Error(absl::StrCat("port required in ", AbslView(what)));
  if (host_port.port == 0) return at.Error("port must be from 1 to 65535, got 0");
  return absl::OkStatus();
}

class RouteLoader {
 public:
  RouteLoader(policy::ParseLimits& limits, std::vector<std::string>& warnings)
      : limits_(limits), warnings_(warnings) {}

  absl::StatusOr<Route> Load(const YamlSource& source) {
    if (!source.IsMap()) {
      return source.Error(
          absl::StrCat("expected a route map with from and to, got ", source.Describe()));
    }
    auto entries = source.Entries();
    if (!entries.ok()) return entries.status();
    Route route;
    route.path = source.path();
    route.where = source.position();
    std::optional<YamlSource> from, to;
    std::vector<std::string> no_effect, unknown;
    for (const auto& [key, value] : *entries) {
      if (key == "from") {
        from = value;
      } else if (key == "to") {
        to = value;
      } else if (key == "policy") {
        auto policy = policy::ParsePolicy(value, limits_);
        if (!policy.ok()) return policy.status();
        route.policy = *std::move(policy);
      } else if (key == "allowed_users") {
        POSTERN_RETURN_IF_ERROR(ReadValues(value, legacy_.allowed_users));
        legacy_.allowed_users_where = value.key_position();
      } else if (key == "allowed_domains") {
        POSTERN_RETURN_IF_ERROR(ReadValues(value, legacy_.allowed_domains));
        legacy_.allowed_domains_where = value.key_position();
      } else if (key == "allowed_idp_claims") {
        POSTERN_RETURN_IF_ERROR(ReadClaims(value));
        legacy_.allowed_idp_claims_where = value.key_position();
      } else if (key == "allow_any_authenticated_user") {
        auto flag = value.Bool();
        if (!flag.ok()) return flag.status();
        legacy_.allow_any_authenticated_user = *flag;
        legacy_.allow_any_authenticated_user_where = value.key_position();
      } else if (key == "allow_public_unauthenticated_access") {
        auto flag = value.Bool();
        if (!flag.ok()) return flag.status();
        legacy_.allow_public_unauthenticated_access = *flag;
        legacy_.allow_public_unauthenticated_access_where = value.key_position();
      } else if (key == "idle_timeout") {
        POSTERN_RETURN_IF_ERROR(ReadTimeout(value, route.idle_timeout));
      } else if (key == "timeout") {
        POSTERN_RETURN_IF_ERROR(ReadTimeout(value, route.timeout));
      } else if (key == "name") {
        auto name = value.String();
        if (!name.ok()) return name.status();
        route.name = *std::move(name);
      } else if (key == "description" || key == "logo_url" || key == "id") {
        // Pomerium's descriptive metadata: harmless, nothing to do.
      } else if (NoEffectOnTcpOptions().contains(key)) {
        no_effect.push_back(key);
      } else {
        unknown.push_back(QuoteForError(key));
      }
    }
    if (!from.has_value()) {
      return source.Error("from is required, as in from: tcp+https://host:port");
    }
    if (!to.has_value()) return source.Error("to is required, as in to: tcp://host:port");
    POSTERN_RETURN_IF_ERROR(ReadFrom(*from, route));
    POSTERN_RETURN_IF_ERROR(ReadTo(*to, route));

    for (policy::Rule& rule : policy::TranslateLegacyOptions(legacy_)) {
      route.policy.rules.push_back(std::move(rule));
    }
    const std::string where = FormatPosition(source.file_name(), source.position());
    if (!no_effect.empty()) {
      warnings_.push_back(
          absl::StrCat(where, ": ", route.path, ": ", absl::StrJoin(no_effect, ", "),
                       no_effect.size() == 1 ? " has" : " have", " no effect on a TCP route"));
    }
    if (!unknown.empty()) {
      warnings_.push_back(absl::StrCat(where, ": ", route.path, ": unknown route options ignored: ",
                                       absl::StrJoin(unknown, ", ")));
    }
    if (route.policy.rules.empty()) {
      warnings_.push_back(absl::StrCat(where, ": ", route.path, ": no policy; every connection to ",
                                       route.key, " will be denied"));
    }
    return route;
  }

 private:
  absl::Status Spend(const YamlSource& at) {
    if (++limits_.used_items > limits_.max_items) {
      return at.Error(absl::StrCat("config too large: more than ", limits_.max_items,
                                   " terms and values in this file (YAML aliases count each time "
                                   "they are used)"));
    }
    return absl::OkStatus();
  }

  absl::Status ReadFrom(const YamlSource& source, Route& route) {
    auto text = source.String();
    if (!text.ok()) return text.status();
    route.from = *text;
    auto url = ParseUrl(*text);
    if (!url.ok()) return source.Error(url.status().message());
    if (url->scheme == "http" || url->scheme == "https") {
      return source.Error(
          "HTTP routes are not supported by Postern; from must be tcp+https://host:port");
    }
    if (url->scheme != "tcp+https") {
      return source.Error(absl::StrCat("from must be a tcp+https://host:port URL, got scheme ",
                                       QuoteForError(url->scheme)));
    }
    if (url->path.empty()) {
      POSTERN_RETURN_IF_ERROR(CheckRoutePort(source, url->authority, "tcp+https URL"));
      route.key = url->authority.ToString();
      return absl::OkStatus();
    }
    // Bastion form: tcp+https://proxy[:port]/host:port.
    const std::string_view target_text = std::string_view(url->path).substr(1);
    if (target_text.empty() || target_text.find('/') != std::string_view::npos) {
      return source.Error(
          absl::StrCat("expected /host:port after the proxy in a bastion from URL, got path ",
                       QuoteForError(url->path)));
    }
    if (url->authority.has_port && url->authority.port == 0) {
      return source.Error("proxy port must be from 1 to 65535, got 0");
    }
    auto target = ParseHostPort(target_text);
    if (!target.ok()) {
      return source.Error(absl::StrCat("bastion target: ", target.status().message()));
    }
    POSTERN_RETURN_IF_ERROR(CheckRoutePort(source, *target, "bastion target"));
    route.bastion_proxy = url->authority;
    route.key = target->ToString();
    return absl::OkStatus();
  }

  absl::Status ReadTo(const YamlSource& source, Route& route) {
    if (source.IsList()) {
      return source.Error(
          "only one upstream is supported; write to as a single tcp://host:port URL");
    }
    auto text = source.String();
    if (!text.ok()) return text.status();
    route.to = *text;
    auto url = ParseUrl(*text);
    if (!url.ok()) return source.Error(url.status().message());
    if (url->scheme == "http" || url->scheme == "https") {
      return source.Error(absl::StrCat("a tcp+https route needs a tcp://host:port upstream, got ",
                                       url->scheme, "://"));
    }
    if (url->scheme != "tcp") {
      return source.Error(absl::StrCat("to must be a tcp://host:port URL, got scheme ",
                                       QuoteForError(url->scheme)));
    }
    if (!url->path.empty()) {
      return source.Error(
          absl::StrCat("to takes no path; got ", QuoteForError(url->path), " after host:port"));
    }
    POSTERN_RETURN_IF_ERROR(CheckRoutePort(source, url->authority, "tcp URL"));
    route.upstream = url->authority;
    return absl::OkStatus();
  }

  absl::Status ReadTimeout(const YamlSource& source, absl::Duration& timeout) {
    auto text = source.String();
    if (!text.ok()) return text.status();
    auto duration = ParseGoDuration(*text);
    if (!duration.ok()) return source.Error(duration.status().message());
    if (*duration < absl::ZeroDuration()) {
      return source.Error("must not be negative (0 turns the limit off)");
    }
    timeout = *duration;
    return absl::OkStatus();
  }

  absl::Status ReadValues(const YamlSource& source, std::vector<policy::LegacyValue>& values) {
    auto elements = source.Elements();
    if (!elements.ok()) return elements.status();
    for (const YamlSource& element : *elements) {
      POSTERN_RETURN_IF_ERROR(Spend(element));
      auto text = element.String();
      if (!text.ok()) return text.status();
      // An empty entry would match a session that lacks the attribute.
      if (text->empty()) return element.Error("must not be empty");
      values.push_back({*std::move(text), element.position()});
    }
    return absl::OkStatus();
  }

  absl::Status ReadClaims(const YamlSource& source) {
    auto entries = source.Entries();
    if (!entries.ok()) return entries.status();
    for (const auto& [claim, values] : *entries) {
      POSTERN_RETURN_IF_ERROR(Spend(values));
      if (claim.empty()) return values.AtKey().Error("claim name must not be empty");
      policy::LegacyClaim legacy_claim{claim, {}, values.key_position()};
      if (values.IsScalar()) {
        if (values.node().Scalar().empty()) return values.Error("must not be empty");
        legacy_claim.values.push_back({values.node().Scalar(), values.position()});
      } else if (values.IsList()) {
        POSTERN_RETURN_IF_ERROR(ReadValues(values, legacy_claim.values));
      } else {
        return values.Error(
            absl::StrCat("expected a claim value or a list of values, got ", values.Describe()));
      }
      legacy_.allowed_idp_claims.push_back(std::move(legacy_claim));
    }
    return absl::OkStatus();
  }

  policy::ParseLimits& limits_;
  std::vector<std::string>& warnings_;
  policy::LegacyOptions legacy_;
};

}  // namespace

absl::StatusOr<Route> LoadRoute(const YamlSource& route, policy::ParseLimits& limits,
                                std::vector<std::string>& warnings) {
  return RouteLoader(limits, warnings).Load(route);
}

}  // namespace postern::config
