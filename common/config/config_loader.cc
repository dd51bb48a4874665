#include "common/config/config_loader.h"

#include <algorithm>
#include <exception>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/config/absl_view.h"
#include "common/config/duration.h"
#include "common/config/route_loader.h"
#include "common/config/secret.h"
#include "common/config/url.h"
#include "common/config/yaml_source.h"
#include "common/policy/ppl_parser.h"
#include "common/status_macros.h"
#include "yaml-cpp/yaml.h"

namespace postern::config {
namespace {

// Reads the global settings of one file into a Config.
class ConfigLoader {
 public:
  explicit ConfigLoader(std::string_view file_name)
      : file_name_(file_name), base_dir_(std::filesystem::path(file_name_).parent_path()) {}

  absl::StatusOr<LoadedConfig> Load(std::string_view yaml) {
    if (yaml.size() > kMaxConfigBytes) {
      return absl::InvalidArgumentError(
          absl::StrCat(file_name_, ": config file larger than ", kMaxConfigBytes >> 20, " MiB"));
    }
    auto document = ParseYamlDocument(yaml, file_name_);
    if (!document.ok()) return document.status();
    auto config = std::make_shared<Config>();
    config->file_name = file_name_;
    if (document->IsNull()) {
      warnings_.push_back(absl::StrCat(file_name_, ": config file has no settings"));
    } else {
      POSTERN_RETURN_IF_ERROR(LoadSettings(YamlSource(*document, file_name_), *config));
    }
    POSTERN_RETURN_IF_ERROR(config->IndexRoutes());
    return LoadedConfig{std::move(config), std::move(warnings_)};
  }

 private:
  using Setter = std::function<absl::Status(const YamlSource&, Config&)>;

  absl::Status LoadSettings(const YamlSource& root, Config& config) {
    if (!root.IsMap()) {
      return root.Error(absl::StrCat("expected a map of settings, got ", root.Describe()));
    }
    auto entries = root.Entries();
    if (!entries.ok()) return entries.status();
    const absl::flat_hash_map<std::string_view, Setter> setters = Setters();
    std::vector<std::string> unknown;
    std::optional<YamlSource> first_unknown;
    std::optional<YamlSource> certificate_file, certificate_key_file;
    for (const auto& [key, value] : *entries) {
      if (key == "certificate_file") {
        certificate_file = value;
      } else if (key == "certificate_key_file") {
        certificate_key_file = value;
      } else if (key == "routes" || key == "policy") {
        // `policy:` is Pomerium's older name for the route list.
        POSTERN_RETURN_IF_ERROR(LoadRoutes(value, config));
      } else if (auto setter = setters.find(key); setter != setters.end()) {
        POSTERN_RETURN_IF_ERROR(setter->second(value, config));
      } else {
        if (!first_unknown.has_value()) first_unknown = value.AtKey();
        unknown.push_back(QuoteForError(key));
      }
    }
    POSTERN_RETURN_IF_ERROR(LoadCertificatePair(certificate_file, certificate_key_file, config));
    if (config.authenticate_service_url_is_default) {
      config.authenticate_service_url = DefaultAuthenticateUrl(config.address);
    }
    const bool authorize_tls_settings =
        !config.certificate_authority_file.empty() || !config.override_certificate_name.empty();
    if (authorize_tls_settings && absl::StartsWith(config.authorize_service_url, "http://")) {
      warnings_.push_back(absl::StrCat(
          file_name_,
          ": certificate_authority_file and override_certificate_name only apply to an https:// "
          "authorize_service_url; ",
          config.authorize_service_url, " is plain text"));
    }
    if (!unknown.empty()) {
      warnings_.push_back(
          absl::StrCat(FormatPosition(file_name_, first_unknown->position()),
                       ": unknown settings ignored: ", absl::StrJoin(unknown, ", ")));
    }
    return absl::OkStatus();
  }

  absl::flat_hash_map<std::string_view, Setter> Setters() {
    absl::flat_hash_map<std::string_view, Setter> setters;
    setters["address"] = [](const YamlSource& v, Config& c) {
      return ReadListenAddress(v, c.address);
    };
    setters["grpc_address"] = [](const YamlSource& v, Config& c) {
      return ReadListenAddress(v, c.grpc_address);
    };
    setters["metrics_address"] = [](const YamlSource& v, Config& c) {
      std::string address;
      POSTERN_RETURN_IF_ERROR(ReadListenAddress(v, address));
      c.metrics_address = std::move(address);
      return absl::OkStatus();
    };
    setters["authorize_service_url"] = [](const YamlSource& v, Config& c) {
      return ReadServiceUrl(v, HttpAllowed::kAnyHost, /*allow_path=*/false,
                            c.authorize_service_url);
    };
    setters["grpc_insecure"] = [](const YamlSource& v, Config& c) {
      return ReadBool(v, c.grpc_insecure);
    };
    setters["certificate_authority_file"] = [this](const YamlSource& v, Config& c) {
      auto path = ReadPath(v);
      if (!path.ok()) return path.status();
      c.certificate_authority_file = *std::move(path);
      return absl::OkStatus();
    };
    setters["override_certificate_name"] = [](const YamlSource& v, Config& c) {
      return ReadNonEmptyString(v, c.override_certificate_name);
    };
    setters["authenticate_service_url"] = [](const YamlSource& v, Config& c) {
      c.authenticate_service_url_is_default = false;
      return ReadServiceUrl(v, HttpAllowed::kNever, /*allow_path=*/false,
                            c.authenticate_service_url);
    };
    setters["idp_provider_url"] = [](const YamlSource& v, Config& c) {
      // Tokens and client secrets cross this connection: plain http only to a
      // provider on this machine (a test or development IdP).
      return ReadServiceUrl(v, HttpAllowed::kLoopbackOnly, /*allow_path=*/true, c.idp_provider_url);
    };
    setters["shared_secret"] = [](const YamlSource& v, Config& c) {
      return ReadSecret(v, c.shared_secret);
    };
    setters["cookie_secret"] = [](const YamlSource& v, Config& c) {
      std::string secret;
      POSTERN_RETURN_IF_ERROR(ReadSecret(v, secret));
      c.cookie_secret = std::move(secret);
      return absl::OkStatus();
    };
    setters["cookie_expire"] = [](const YamlSource& v, Config& c) {
      return ReadPositiveDuration(v, c.cookie_expire);
    };
    setters["request_header_timeout"] = [](const YamlSource& v, Config& c) {
      return ReadPositiveDuration(v, c.request_header_timeout);
    };
    setters["authorize_timeout"] = [](const YamlSource& v, Config& c) {
      return ReadPositiveDuration(v, c.authorize_timeout);
    };
    setters["upstream_dial_timeout"] = [](const YamlSource& v, Config& c) {
      return ReadPositiveDuration(v, c.upstream_dial_timeout);
    };
    setters["shutdown_drain_timeout"] = [](const YamlSource& v, Config& c) {
      return ReadPositiveDuration(v, c.shutdown_drain_timeout);
    };
    setters["certificates"] = [this](const YamlSource& v, Config& c) {
      return LoadCertificates(v, c);
    };
    setters["idp_provider"] = [](const YamlSource& v, Config& c) {
      auto text = v.String();
      if (!text.ok()) return text.status();
      if (*text != "oidc") {
        return v.Error(absl::StrCat("only \"oidc\" is supported, got ", QuoteForError(*text),
                                    "; set idp_provider_url to your provider's OIDC issuer URL"));
      }
      c.idp_provider = *text;
      return absl::OkStatus();
    };
    setters["idp_client_id"] = [](const YamlSource& v, Config& c) {
      return ReadNonEmptyString(v, c.idp_client_id);
    };
    setters["idp_client_secret"] = [](const YamlSource& v, Config& c) {
      return ReadNonEmptyString(v, c.idp_client_secret);
    };
    setters["jwt_groups_claim"] = [](const YamlSource& v, Config& c) {
      return ReadNonEmptyString(v, c.jwt_groups_claim);
    };
    setters["idp_scopes"] = [](const YamlSource& v, Config& c) {
      auto scopes = v.StringList();
      if (!scopes.ok()) return scopes.status();
      if (std::find(scopes->begin(), scopes->end(), "openid") == scopes->end()) {
        return v.Error("must include openid (OpenID Connect requires it)");
      }
      c.idp_scopes = *std::move(scopes);
      return absl::OkStatus();
    };
    setters["programmatic_redirect_domain_whitelist"] = [](const YamlSource& v, Config& c) {
      auto domains = v.StringList();
      if (!domains.ok()) return domains.status();
      c.programmatic_redirect_domain_whitelist = *std::move(domains);
      return absl::OkStatus();
    };
    setters["log_level"] = [](const YamlSource& v, Config& c) {
      auto text = v.String();
      if (!text.ok()) return text.status();
      if (*text == "debug") {
        c.log_level = LogLevel::kDebug;
      } else if (*text == "info") {
        c.log_level = LogLevel::kInfo;
      } else if (*text == "warn") {
        c.log_level = LogLevel::kWarn;
      } else if (*text == "error") {
        c.log_level = LogLevel::kError;
      } else {
        return v.Error(
            absl::StrCat("expected debug, info, warn or error, got ", QuoteForError(*text)));
      }
      return absl::OkStatus();
    };
    setters["proxy_protocol"] = [](const YamlSource& v, Config& c) {
      return ReadBool(v, c.proxy_protocol);
    };
    return setters;
  }

  static absl::Status ReadBool(const YamlSource& source, bool& flag) {
    auto value = source.Bool();
    if (!value.ok()) return value.status();
    flag = *value;
    return absl::OkStatus();
  }

  static absl::Status ReadListenAddress(const YamlSource& source, std::string& address) {
    auto text = source.String();
    if (!text.ok()) return text.status();
    auto host_port = ParseHostPort(*text, /*allow_empty_host=*/true);
    if (!host_port.ok()) {
      return source.Error(absl::StrCat("expected a listen address host:port (port 0 picks any), ",
                                       host_port.status().message()));
    }
    address = *std::move(text);
    return absl::OkStatus();
  }

  enum class HttpAllowed { kNever, kLoopbackOnly, kAnyHost };

  static bool IsLoopback(const HostPort& host) {
    return host.host == "localhost" || host.host == "::1" ||
           (!host.is_ipv6 && host.host.rfind("127.", 0) == 0);
  }

  static absl::Status ReadServiceUrl(const YamlSource& source, HttpAllowed http, bool allow_path,
                                     std::string& url_text) {
    auto text = source.String();
    if (!text.ok()) return text.status();
    const char* expected =
        http == HttpAllowed::kNever ? "an https:// URL" : "an http:// or https:// URL";
    auto url = ParseUrl(*text);
    if (!url.ok()) {
      return source.Error(absl::StrCat("expected ", expected, ": ", url.status().message()));
    }
    if (url->scheme != "https" && !(http != HttpAllowed::kNever && url->scheme == "http")) {
      return source.Error(
          absl::StrCat("expected ", expected, ", got scheme ", QuoteForError(url->scheme)));
    }
    if (url->scheme == "http" && http == HttpAllowed::kLoopbackOnly &&
        !IsLoopback(url->authority)) {
      return source.Error(
          "http:// is only allowed for a provider on this machine (localhost, 127.0.0.0/8, ::1); "
          "use https://");
    }
    if (url->authority.has_port && url->authority.port == 0) {
      return source.Error("port must be from 1 to 65535, got 0");
    }
    std::string normalized = *std::move(text);
    if (!allow_path) {
      if (!url->path.empty() && url->path != "/") {
        return source.Error(
            absl::StrCat("expected no path after host:port, got ", QuoteForError(url->path)));
      }
      if (!url->path.empty()) normalized.pop_back();
    }
    url_text = std::move(normalized);
    return absl::OkStatus();
  }

  static absl::Status ReadSecret(const YamlSource& source, std::string& secret) {
    if (!source.IsScalar()) {
      return source.Error(absl::StrCat("expected a base64 string, got ", source.Describe()));
    }
    auto decoded = DecodeSecret(source.node().Scalar());
    if (!decoded.ok()) return source.Error(decoded.status().message());
    secret = *std::move(decoded);
    return absl::OkStatus();
  }

  static absl::Status ReadPositiveDuration(const YamlSource& source, absl::Duration& duration) {
    auto text = source.String();
    if (!text.ok()) return text.status();
    auto parsed = ParseGoDuration(*text);
    if (!parsed.ok()) return source.Error(parsed.status().message());
    if (*parsed <= absl::ZeroDuration()) return source.Error("must be greater than 0");
    duration = *parsed;
    return absl::OkStatus();
  }

  static absl::Status ReadNonEmptyString(const YamlSource& source, std::string& value) {
    auto text = source.String();
    if (!text.ok()) return text.status();
    if (text->empty()) return source.Error("must not be empty");
    value = *std::move(text);
    return absl::OkStatus();
  }

  absl::StatusOr<std::string> ReadPath(const YamlSource& source) const {
    auto text = source.String();
    if (!text.ok()) return text.status();
    if (text->empty()) return source.Error("expected a file path, got an empty string");
    std::filesystem::path path(*text);
    if (path.is_relative() && !base_dir_.empty()) path = (base_dir_ / path).lexically_normal();
    return path.string();
  }

  absl::Status LoadCertificatePair(const std::optional<YamlSource>& cert,
                                   const std::optional<YamlSource>& key, Config& config) {
    if (!cert.has_value() && !key.has_value()) return absl::OkStatus();
    if (!key.has_value()) {
      return cert->AtKey().Error("certificate_key_file is required with certificate_file");
    }
    if (!cert.has_value()) {
      return key->AtKey().Error("certificate_file is required with certificate_key_file");
    }
    auto cert_file = ReadPath(*cert);
    if (!cert_file.ok()) return cert_file.status();
    auto key_file = ReadPath(*key);
    if (!key_file.ok()) return key_file.status();
    config.certificates.insert(config.certificates.begin(),
                               CertificateFiles{*std::move(cert_file), *std::move(key_file)});
    return absl::OkStatus();
  }

  absl::Status LoadCertificates(const YamlSource& source, Config& config) {
    auto elements = source.Elements();
    if (!elements.ok()) return elements.status();
    for (const YamlSource& element : *elements) {
      auto entries = element.Entries();
      if (!entries.ok()) return entries.status();
      std::optional<std::string> cert, key;
      for (const auto& [name, value] : *entries) {
        if (name != "cert" && name != "key") {
          return value.AtKey().Error(absl::StrCat("unknown certificate setting ",
                                                  QuoteForError(name), "; expected cert and key"));
        }
        auto path = ReadPath(value);
        if (!path.ok()) return path.status();
        (name == "cert" ? cert : key) = *std::move(path);
      }
      if (!cert.has_value() || !key.has_value()) {
        return element.Error(
            absl::StrCat(cert.has_value() ? "key" : "cert",
                         " is required: each certificate needs cert and key file paths"));
      }
      config.certificates.push_back({*std::move(cert), *std::move(key)});
    }
    return absl::OkStatus();
  }

  absl::Status LoadRoutes(const YamlSource& source, Config& config) {
    auto elements = source.Elements();
    if (!elements.ok()) return elements.status();
    for (const YamlSource& element : *elements) {
      auto route = LoadRoute(element, limits_, warnings_);
      if (!route.ok()) return route.status();
      auto [previous, inserted] = route_keys_.emplace(route->key, config.routes.size());
      if (!inserted) {
        const Route& first = config.routes[previous->second];
        return element.Error(absl::StrCat("duplicate route for ", route->key,
                                          "; already defined by ", first.path, " at ",
                                          FormatPosition(file_name_, first.where)));
      }
      config.routes.push_back(*std::move(route));
    }
    return absl::OkStatus();
  }

  // https://<address>, with a host browsers can reach.
  static std::string DefaultAuthenticateUrl(std::string_view address) {
    auto host_port = ParseHostPort(address, /*allow_empty_host=*/true);
    if (!host_port.ok()) return absl::StrCat("https://", AbslView(address));
    if (host_port->host.empty() || host_port->host == "0.0.0.0" || host_port->host == "::") {
      host_port->host = "localhost";
      host_port->is_ipv6 = false;
    }
    return absl::StrCat("https://", host_port->ToString());
  }

  std::string file_name_;
  std::filesystem::path base_dir_;
  policy::ParseLimits limits_;
  std::vector<std::string> warnings_;
  absl::flat_hash_map<std::string, size_t> route_keys_;
};

}  // namespace

absl::StatusOr<LoadedConfig> LoadConfigString(std::string_view yaml, std::string_view file_name) {
  // yaml-cpp reports errors by throwing, and allocation can fail on hostile
  // input: nothing may escape this function.
  try {
    return ConfigLoader(file_name).Load(yaml);
  } catch (const std::exception& error) {
    return absl::InvalidArgumentError(
        absl::StrCat(AbslView(file_name), ": could not load config: ", error.what()));
  }
}

absl::StatusOr<LoadedConfig> LoadConfigFile(const std::string& path) {
  std::error_code error;
  const auto size = std::filesystem::file_size(path, error);
  if (error) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot read config file ", path, ": ", error.message()));
  }
  if (size > kMaxConfigBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": config file larger than ", kMaxConfigBytes >> 20, " MiB"));
  }
  std::ifstream file(path, std::ios::binary);
  std::ostringstream contents;
  contents << file.rdbuf();
  if (!file) {
    return absl::FailedPreconditionError(absl::StrCat("cannot read config file ", path));
  }
  return LoadConfigString(contents.str(), path);
}

}  // namespace postern::config
