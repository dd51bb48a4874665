// The validated, immutable configuration snapshot every Postern binary works
// from: global settings and the TCP routes with their parsed policies.
// Built only by the loader (config_loader.h); shared read-only as
// std::shared_ptr<const Config> and swapped whole on reload.
//
//   std::shared_ptr<const Config> config = ...;        // from LoadConfigFile
//   if (const Route* route = config->FindRoute("redis.corp.example.com:6379")) {
//     Dial(route->upstream);                            // redis.internal.example.com:6379
//   }
#ifndef POSTERN_COMMON_CONFIG_CONFIG_H_
#define POSTERN_COMMON_CONFIG_CONFIG_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/config/url.h"
#include "common/policy/ppl.h"

namespace postern::config {

// One TCP route: `from: tcp+https://host:port` (or the bastion form
// `tcp+https://proxy:port/host:port`), `to: tcp://host:port`.
struct Route {
  // "host:port" clients CONNECT to: lower-case host, IPv6 in brackets. The
  // route table is keyed by it.
  std::string key;
  std::string from;  // as written
  std::string to;    // as written
  // Bastion form only: the proxy the client dials ("proxy:8443"), while
  // `key` is the target in the path. Absent for the ordinary form.
  std::optional<HostPort> bastion_proxy;
  HostPort upstream;  // from `to`; always has a port
  // `policy` rules followed by those the legacy options translate to. No
  // rules means every request is denied.
  policy::Policy policy;
  absl::Duration idle_timeout = absl::ZeroDuration();  // zero: no idle limit
  absl::Duration timeout = absl::ZeroDuration();       // zero: no maximum duration
  std::string name;                                    // optional `name:` for logs
  // Where the route was written, for messages: "routes[3]" and its position.
  std::string path;
  policy::SourcePosition where;
};

// A TLS certificate and its private key, as file paths (made absolute
// against the config file's directory when written relative). The loader
// does not read them.
struct CertificateFiles {
  std::string cert_file;
  std::string key_file;

  bool operator==(const CertificateFiles&) const = default;
};

enum class LogLevel { kDebug, kInfo, kWarn, kError };

struct Config {
  std::string file_name;  // the config file, as given to the loader

  // Listeners and service addresses.
  std::string address = "127.0.0.1:8443";       // proxy HTTPS listener (port 0: any)
  std::string grpc_address = "127.0.0.1:5443";  // authorize gRPC listener
  std::string authorize_service_url = "http://127.0.0.1:5443";
  // The proxy-to-authorize link. Authorize serves plain-text gRPC while
  // `grpc_insecure` is true (the default, so that an upgrade changes no
  // running link) and TLS with `certificates` once it is false. The proxy
  // verifies an https:// authorize_service_url against the PEM roots in
  // `certificate_authority_file` (empty: the system trust store), by the
  // name `override_certificate_name` (empty: the URL's host).
  bool grpc_insecure = true;
  std::string certificate_authority_file;
  std::string override_certificate_name;
  // External URL of the proxy's login endpoints, without a trailing slash.
  // Defaults to "https://" + address (an unspecified host becomes localhost);
  // `authenticate_service_url_is_default` lets a proxy that bound port 0
  // rebuild it with the real port.
  std::string authenticate_service_url = "https://127.0.0.1:8443";
  bool authenticate_service_url_is_default = true;
  std::optional<std::string> metrics_address;
  bool proxy_protocol = false;

  // Secrets: raw decoded bytes (kSecretSize each). Never log them.
  std::string shared_secret;  // empty when not configured
  std::optional<std::string> cookie_secret;
  absl::Duration cookie_expire = absl::Hours(14);

  std::vector<CertificateFiles> certificates;  // certificate_file/_key_file first

  // OpenID Connect provider.
  std::string idp_provider;  // "oidc" or empty
  std::string idp_provider_url;
  std::string idp_client_id;
  std::string idp_client_secret;
  std::vector<std::string> idp_scopes = {"openid", "email", "profile"};
  std::string jwt_groups_claim = "groups";
  std::vector<std::string> programmatic_redirect_domain_whitelist = {"localhost"};

  LogLevel log_level = LogLevel::kInfo;

  // Proxy timeouts.
  absl::Duration request_header_timeout = absl::Seconds(10);
  absl::Duration authorize_timeout = absl::Seconds(5);
  absl::Duration upstream_dial_timeout = absl::Seconds(10);
  absl::Duration shutdown_drain_timeout = absl::Seconds(30);

  std::vector<Route> routes;

  // FindRoute returns the route whose key is `key` ("host:port", lower-case
  // host, IPv6 in brackets; normalise a client's CONNECT target with
  // ParseHostPort(...)->ToString() first), or nullptr. O(1). The pointer
  // lives as long as this Config. Thread-safe on a const Config.
  const Route* FindRoute(std::string_view key) const;

  // IndexRoutes builds the table FindRoute uses. The loader calls it; code
  // that assembles a Config by hand (tests) must call it after filling
  // `routes`. Fails with kInvalidArgument if two routes share a key.
  absl::Status IndexRoutes();

  // RequireProxySettings checks what postern-proxy cannot start without:
  // shared_secret and at least one certificate. kFailedPrecondition naming
  // the missing keys and the file otherwise.
  absl::Status RequireProxySettings() const;

  // RequireAuthorizeSettings checks what postern-authorize's server needs:
  // shared_secret, and a certificate when grpc_insecure is false (`eval`
  // needs none of these).
  absl::Status RequireAuthorizeSettings() const;

 private:
  absl::flat_hash_map<std::string, size_t> route_index_;
};

}  // namespace postern::config

#endif  // POSTERN_COMMON_CONFIG_CONFIG_H_
