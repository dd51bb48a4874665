#include "common/config/config_loader.h"

#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace postern::config {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

constexpr char kTestdata[] = "common/config/testdata/";

std::string Bytes0To31() {
  std::string bytes;
  for (int i = 0; i < 32; ++i) bytes.push_back(static_cast<char>(i));
  return bytes;
}

LoadedConfig MustLoad(const std::string& yaml) {
  auto loaded = LoadConfigString(yaml, "config.yaml");
  EXPECT_TRUE(loaded.ok()) << loaded.status();
  return loaded.ok() ? *std::move(loaded) : LoadedConfig{std::make_shared<Config>(), {}};
}

TEST(ConfigLoaderTest, SeedExampleLoadsVerbatim) {
  auto loaded = LoadConfigFile(absl::StrCat(kTestdata, "seed_example.yaml"));
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_THAT(loaded->warnings, IsEmpty());
  const Config& config = *loaded->config;
  ASSERT_EQ(config.routes.size(), 1u);
  const Route* route = config.FindRoute("redis.corp.example.com:6379");
  ASSERT_NE(route, nullptr);
  EXPECT_EQ(route->from, "tcp+https://redis.corp.example.com:6379");
  EXPECT_EQ(route->to, "tcp://redis.internal.example.com:6379");
  EXPECT_EQ(route->upstream.ToString(), "redis.internal.example.com:6379");
  EXPECT_FALSE(route->bastion_proxy.has_value());
  ASSERT_EQ(route->policy.rules.size(), 1u);
  const auto& any = route->policy.rules[0].conditionals.at(0);
  ASSERT_EQ(any.children.size(), 2u);
  EXPECT_EQ(any.children[0].criterion.name, "email");
  EXPECT_EQ(any.children[1].criterion.name, "groups");
  EXPECT_EQ(route->idle_timeout, absl::ZeroDuration());
  EXPECT_EQ(route->timeout, absl::ZeroDuration());
  // The loader does not demand what only the servers need.
  EXPECT_TRUE(config.shared_secret.empty());
  EXPECT_EQ(std::string(config.RequireAuthorizeSettings().message()),
            "common/config/testdata/seed_example.yaml: postern-authorize needs shared_secret in "
            "its config");
  EXPECT_EQ(std::string(config.RequireProxySettings().message()),
            "common/config/testdata/seed_example.yaml: postern-proxy needs shared_secret and "
            "certificate_file and certificate_key_file (or certificates) in its config");
}

TEST(ConfigLoaderTest, DefaultsWhenUnset) {
  const LoadedConfig loaded = MustLoad("routes: []\n");
  const Config& config = *loaded.config;
  EXPECT_EQ(config.address, "127.0.0.1:8443");
  EXPECT_EQ(config.grpc_address, "127.0.0.1:5443");
  EXPECT_EQ(config.authorize_service_url, "http://127.0.0.1:5443");
  EXPECT_EQ(config.authenticate_service_url, "https://127.0.0.1:8443");
  EXPECT_TRUE(config.authenticate_service_url_is_default);
  EXPECT_EQ(config.cookie_expire, absl::Hours(14));
  EXPECT_FALSE(config.cookie_secret.has_value());
  EXPECT_THAT(config.idp_scopes, ElementsAre("openid", "email", "profile"));
  EXPECT_EQ(config.jwt_groups_claim, "groups");
  EXPECT_THAT(config.programmatic_redirect_domain_whitelist, ElementsAre("localhost"));
  EXPECT_EQ(config.log_level, LogLevel::kInfo);
  EXPECT_FALSE(config.metrics_address.has_value());
  EXPECT_FALSE(config.proxy_protocol);
  EXPECT_TRUE(config.grpc_insecure);
  EXPECT_EQ(config.certificate_authority_file, "");
  EXPECT_EQ(config.override_certificate_name, "");
  EXPECT_EQ(config.request_header_timeout, absl::Seconds(10));
  EXPECT_EQ(config.authorize_timeout, absl::Seconds(5));
  EXPECT_EQ(config.upstream_dial_timeout, absl::Seconds(10));
  EXPECT_EQ(config.shutdown_drain_timeout, absl::Seconds(30));
  EXPECT_TRUE(config.certificates.empty());
  EXPECT_THAT(loaded.warnings, IsEmpty());
}

TEST(ConfigLoaderTest, AuthorizeOverTls) {
  const LoadedConfig loaded = MustLoad(
      "shared_secret: AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n"
      "authorize_service_url: https://127.0.0.1:5443\n"
      "grpc_insecure: false\n"
      "certificate_authority_file: /etc/postern/internal-ca.pem\n"
      "override_certificate_name: authorize.internal.example.com\n");
  const Config& config = *loaded.config;
  EXPECT_FALSE(config.grpc_insecure);
  EXPECT_EQ(config.certificate_authority_file, "/etc/postern/internal-ca.pem");
  EXPECT_EQ(config.override_certificate_name, "authorize.internal.example.com");
  // Serving TLS needs a certificate; authorize refuses to start without one
  // rather than fall back to plain text.
  EXPECT_EQ(std::string(config.RequireAuthorizeSettings().message()),
            "config.yaml: grpc_insecure is false, so postern-authorize serves TLS and needs a "
            "certificate: set certificate_file and certificate_key_file (or certificates)");
  EXPECT_THAT(loaded.warnings, IsEmpty());
  // The proxy's TLS settings with a plain-text URL: loaded, but the operator
  // is told that the link is not what they may think.
  const LoadedConfig plain = MustLoad(
      "authorize_service_url: http://10.0.0.5:5443\n"
      "certificate_authority_file: /etc/postern/internal-ca.pem\n");
  EXPECT_THAT(plain.warnings,
              ElementsAre("config.yaml: certificate_authority_file and override_certificate_name "
                          "only apply to an https:// authorize_service_url; "
                          "http://10.0.0.5:5443 is plain text"));
  const LoadedConfig with_certificate = MustLoad(
      "shared_secret: AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n"
      "grpc_insecure: false\n"
      "certificate_file: authorize.pem\n"
      "certificate_key_file: authorize-key.pem\n");
  EXPECT_TRUE(with_certificate.config->RequireAuthorizeSettings().ok());
}

TEST(ConfigLoaderTest, FullFileSetsEverything) {
  auto loaded = LoadConfigFile(absl::StrCat(kTestdata, "full.yaml"));
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_THAT(loaded->warnings, IsEmpty());
  const Config& config = *loaded->config;
  EXPECT_EQ(config.file_name, "common/config/testdata/full.yaml");
  EXPECT_EQ(config.address, "0.0.0.0:8443");
  EXPECT_EQ(config.grpc_address, "127.0.0.1:5444");
  EXPECT_EQ(config.authorize_service_url, "https://authorize.internal.example.com:5443");
  EXPECT_EQ(config.shared_secret, Bytes0To31());
  ASSERT_TRUE(config.cookie_secret.has_value());
  EXPECT_EQ(config.cookie_secret->size(), 32u);
  EXPECT_EQ(config.cookie_secret->substr(0, 3), "\xfb\xff\xfe");
  EXPECT_EQ(config.cookie_expire, absl::Minutes(90));
  ASSERT_EQ(config.certificates.size(), 2u);
  EXPECT_EQ(config.certificates[0].cert_file, "common/config/testdata/certs/proxy.pem");
  EXPECT_EQ(config.certificates[0].key_file, "common/config/testdata/certs/proxy-key.pem");
  EXPECT_EQ(config.certificates[1].cert_file, "/etc/postern/other.pem");
  EXPECT_EQ(config.certificates[1].key_file, "common/config/other-key.pem");
  EXPECT_EQ(config.authenticate_service_url, "https://login.example.com");
  EXPECT_FALSE(config.authenticate_service_url_is_default);
  EXPECT_EQ(config.idp_provider, "oidc");
  EXPECT_EQ(config.idp_provider_url, "https://idp.example.com/realms/corp");
  EXPECT_EQ(config.idp_client_id, "postern");
  EXPECT_EQ(config.idp_client_secret, "client-secret-value");
  EXPECT_THAT(config.idp_scopes, ElementsAre("openid", "email", "profile", "groups"));
  EXPECT_EQ(config.jwt_groups_claim, "roles");
  EXPECT_THAT(config.programmatic_redirect_domain_whitelist,
              ElementsAre("localhost", "cli.example.com"));
  EXPECT_EQ(config.log_level, LogLevel::kDebug);
  EXPECT_EQ(config.metrics_address, "127.0.0.1:9090");
  EXPECT_TRUE(config.proxy_protocol);
  EXPECT_EQ(config.request_header_timeout, absl::Seconds(5));
  EXPECT_EQ(config.authorize_timeout, absl::Milliseconds(2500));
  EXPECT_EQ(config.upstream_dial_timeout, absl::Seconds(3));
  EXPECT_EQ(config.shutdown_drain_timeout, absl::Minutes(1));
  EXPECT_TRUE(config.RequireProxySettings().ok());
  EXPECT_TRUE(config.RequireAuthorizeSettings().ok());

  ASSERT_EQ(config.routes.size(), 3u);
  const Route* redis = config.FindRoute("redis.corp.example.com:6379");
  ASSERT_NE(redis, nullptr);
  EXPECT_EQ(redis->name, "redis");
  EXPECT_EQ(redis->path, "routes[0]");
  EXPECT_EQ(redis->where.line, 29);
  EXPECT_EQ(redis->idle_timeout, absl::Minutes(30));
  EXPECT_EQ(redis->timeout, absl::Hours(8));
  // Two written rules, then allowed_users, allowed_domains, allowed_idp_claims.
  ASSERT_EQ(redis->policy.rules.size(), 5u);
  EXPECT_EQ(redis->policy.rules[1].action, policy::Action::kDeny);
  const auto& claims = redis->policy.rules[4].conditionals.at(0).children;
  ASSERT_EQ(claims.size(), 3u);
  EXPECT_EQ(claims[2].criterion.subpath, "org");
  EXPECT_EQ(std::get<std::string>(claims[2].criterion.matchers[0].operand), "acme");

  const Route* ssh = config.FindRoute("[::1]:22");
  ASSERT_NE(ssh, nullptr);
  ASSERT_TRUE(ssh->bastion_proxy.has_value());
  EXPECT_EQ(ssh->bastion_proxy->ToString(), "proxy.example.com:8443");
  EXPECT_EQ(ssh->upstream.ToString(), "[::1]:22");
  ASSERT_EQ(ssh->policy.rules.size(), 1u);
  EXPECT_EQ(ssh->policy.rules[0].conditionals[0].children[0].criterion.name, "accept");

  EXPECT_NE(config.FindRoute("pg.corp.example.com:5432"), nullptr);
  EXPECT_EQ(config.FindRoute("pg.corp.example.com:5433"), nullptr);
  EXPECT_EQ(config.FindRoute("Redis.Corp.Example.com:6379"), nullptr)
      << "keys are normalised; callers normalise the CONNECT target too";
}

TEST(ConfigLoaderTest, DefaultAuthenticateUrlFollowsAddress) {
  EXPECT_EQ(MustLoad("address: 10.0.0.5:443\n").config->authenticate_service_url,
            "https://10.0.0.5:443");
  EXPECT_EQ(MustLoad("address: ':8443'\n").config->authenticate_service_url,
            "https://localhost:8443");
  EXPECT_EQ(MustLoad("address: '[::]:8443'\n").config->authenticate_service_url,
            "https://localhost:8443");
  EXPECT_EQ(MustLoad("address: '[::1]:8443'\n").config->authenticate_service_url,
            "https://[::1]:8443");
}

TEST(ConfigLoaderTest, PlainHttpIdpOnlyOnLoopback) {
  for (const char* url :
       {"http://127.0.0.1:5556/dex", "http://localhost:8080", "http://[::1]:80"}) {
    EXPECT_EQ(MustLoad(absl::StrCat("idp_provider_url: '", url, "'\n")).config->idp_provider_url,
              url);
  }
}

TEST(ConfigLoaderTest, RelativePathsResolveAgainstTheConfigDirectory) {
  auto loaded =
      LoadConfigString("certificate_file: tls/cert.pem\ncertificate_key_file: /abs/key.pem\n",
                       "/etc/postern/config.yaml");
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->config->certificates[0].cert_file, "/etc/postern/tls/cert.pem");
  EXPECT_EQ(loaded->config->certificates[0].key_file, "/abs/key.pem");
}

TEST(ConfigLoaderTest, PomeriumTopLevelPolicyIsARouteList) {
  const LoadedConfig loaded = MustLoad(R"(
policy:
  - from: tcp+https://a.example.com:22
    to: tcp://a.internal:22
    allowed_domains: [example.com]
)");
  const Route* route = loaded.config->FindRoute("a.example.com:22");
  ASSERT_NE(route, nullptr);
  EXPECT_EQ(route->path, "policy[0]");
}

TEST(ConfigLoaderTest, UnknownSettingsGiveOneWarningNamingThem) {
  const LoadedConfig loaded =
      MustLoad("autocert: true\naddress: 127.0.0.1:8443\ninsecure_server: true\nservices: all\n");
  EXPECT_THAT(loaded.warnings,
              ElementsAre("config.yaml:1:1: unknown settings ignored: \"autocert\", "
                          "\"insecure_server\", \"services\""));
}

TEST(ConfigLoaderTest, HttpOnlyAndUnknownRouteOptionsWarn) {
  const LoadedConfig loaded = MustLoad(R"(routes:
  - from: tcp+https://a.example.com:22
    to: tcp://a.internal:22
    allow_any_authenticated_user: true
    prefix_rewrite: /x
    set_request_headers: {X-A: b}
    tls_skip_verify: true
    colour: blue
)");
  EXPECT_THAT(loaded.warnings,
              ElementsAre("config.yaml:2:5: routes[0]: prefix_rewrite, set_request_headers, "
                          "tls_skip_verify have no effect on a TCP route",
                          "config.yaml:2:5: routes[0]: unknown route options ignored: \"colour\""));
  EXPECT_EQ(loaded.config->routes.size(), 1u);
}

TEST(ConfigLoaderTest, RouteWithoutPolicyWarnsThatEverythingIsDenied) {
  const LoadedConfig loaded =
      MustLoad("routes:\n  - from: tcp+https://a.example.com:22\n    to: tcp://a.internal:22\n");
  EXPECT_THAT(loaded.warnings,
              ElementsAre("config.yaml:2:5: routes[0]: no policy; every connection to "
                          "a.example.com:22 will be denied"));
}

TEST(ConfigLoaderTest, EmptyFileLoadsDefaultsWithAWarning) {
  for (const char* text : {"", "# nothing here\n", "---\n"}) {
    const LoadedConfig loaded = MustLoad(text);
    EXPECT_THAT(loaded.warnings, ElementsAre("config.yaml: config file has no settings")) << text;
    EXPECT_TRUE(loaded.config->routes.empty());
  }
}

TEST(ConfigLoaderTest, MissingFileNamesThePath) {
  auto loaded = LoadConfigFile("/nonexistent/postern.yaml");
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(loaded.status().message()),
              HasSubstr("cannot read config file /nonexistent/postern.yaml: "));
}

TEST(ConfigLoaderTest, SecretsNeverAppearInErrors) {
  const std::string secret = "c3VwZXIgc2VjcmV0IHZhbHVlIHRoYXQgaXMgMzEgYnl0ZXM";
  for (const char* key : {"shared_secret", "cookie_secret"}) {
    auto loaded = LoadConfigString(absl::StrCat(key, ": ", secret, "\n"), "config.yaml");
    ASSERT_FALSE(loaded.ok());
    EXPECT_THAT(std::string(loaded.status().message()), Not(HasSubstr(secret.substr(0, 8))));
  }
}

TEST(ConfigLoaderTest, TooLargeFileIsRefusedBeforeParsing) {
  auto loaded = LoadConfigString(std::string(kMaxConfigBytes + 1, '#'), "config.yaml");
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(std::string(loaded.status().message()), "config.yaml: config file larger than 16 MiB");
}

TEST(ConfigLoaderTest, RouteAliasesCountAgainstTheFileBudget) {
  // One list of 1000 users reused by 201 routes: 201000 values.
  std::string yaml = "users: &users [";
  for (int i = 0; i < 1000; ++i) absl::StrAppend(&yaml, i ? ", " : "", "u", i);
  absl::StrAppend(&yaml, "]\nroutes:\n");
  for (int i = 0; i < 201; ++i) {
    absl::StrAppend(&yaml, "  - {from: 'tcp+https://h", i, ":1', to: 'tcp://u:1', ",
                    "allowed_users: *users}\n");
  }
  auto loaded = LoadConfigString(yaml, "config.yaml");
  ASSERT_FALSE(loaded.ok());
  EXPECT_THAT(std::string(loaded.status().message()),
              HasSubstr("config too large: more than 200000 terms and values in this file"));
}

struct BadConfig {
  const char* yaml;
  const char* error;
};

void PrintTo(const BadConfig& bad, std::ostream* out) { *out << bad.yaml; }

class ConfigLoaderErrorTest : public ::testing::TestWithParam<BadConfig> {};

TEST_P(ConfigLoaderErrorTest, NamesFileLineColumnKeyPathAndProblem) {
  auto loaded = LoadConfigString(GetParam().yaml, "config.yaml");
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(std::string(loaded.status().message()), GetParam().error);
}

#define ROUTE(from, to) "routes:\n  - from: " from "\n    to: " to "\n"

INSTANTIATE_TEST_SUITE_P(
    Routes, ConfigLoaderErrorTest,
    ::testing::Values(
        BadConfig{ROUTE("tcp+https://redis.example.com", "tcp://r:6379"),
                  "config.yaml:2:11: routes[0].from: port required in tcp+https URL"},
        BadConfig{ROUTE("tcp+https://redis.example.com:0", "tcp://r:6379"),
                  "config.yaml:2:11: routes[0].from: port must be from 1 to 65535, got 0"},
        BadConfig{ROUTE("tcp+https://redis.example.com:70000", "tcp://r:6379"),
                  "config.yaml:2:11: routes[0].from: port \"70000\" out of range; the largest "
                  "port is 65535"},
        BadConfig{ROUTE("https://app.example.com", "http://app.internal"),
                  "config.yaml:2:11: routes[0].from: HTTP routes are not supported by Postern; "
                  "from must be tcp+https://host:port"},
        BadConfig{ROUTE("udp+https://dns.example.com:53", "tcp://r:53"),
                  "config.yaml:2:11: routes[0].from: from must be a tcp+https://host:port URL, got "
                  "scheme \"udp+https\""},
        BadConfig{ROUTE("tcp+https://dns.example.com:53", "udp://r:53"),
                  "config.yaml:3:9: routes[0].to: to must be a tcp://host:port URL, got scheme "
                  "\"udp\""},
        BadConfig{ROUTE("tcp+https://app.example.com:443", "https://app.internal:443"),
                  "config.yaml:3:9: routes[0].to: a tcp+https route needs a tcp://host:port "
                  "upstream, got https://"},
        BadConfig{ROUTE("tcp+https://redis.example.com:6379", "[tcp://a:6379, tcp://b:6379]"),
                  "config.yaml:3:9: routes[0].to: only one upstream is supported; write to as a "
                  "single tcp://host:port URL"},
        BadConfig{"routes:\n  - to: tcp://r:6379\n",
                  "config.yaml:2:5: routes[0]: from is required, as in from: "
                  "tcp+https://host:port"},
        BadConfig{"routes:\n  - from: tcp+https://r.example.com:1\n",
                  "config.yaml:2:5: routes[0]: to is required, as in to: tcp://host:port"},
        BadConfig{ROUTE("tcp+https://admin@redis.example.com:6379", "tcp://r:6379"),
                  "config.yaml:2:11: routes[0].from: user info (user@) not allowed in URL"},
        BadConfig{ROUTE("tcp+https://redis.example.com:6379?db=1", "tcp://r:6379"),
                  "config.yaml:2:11: routes[0].from: query (?...) not allowed in URL"},
        BadConfig{ROUTE("'tcp+https://redis.example.com:6379#x'", "tcp://r:6379"),
                  "config.yaml:2:11: routes[0].from: fragment (#...) not allowed in URL"},
        BadConfig{ROUTE("tcp+https://:6379", "tcp://r:6379"),
                  "config.yaml:2:11: routes[0].from: host required"},
        BadConfig{ROUTE("tcp+https://redis.example.com:6379", "tcp://r"),
                  "config.yaml:3:9: routes[0].to: port required in tcp URL"},
        BadConfig{ROUTE("tcp+https://redis.example.com:6379", "tcp://r:6379/0"),
                  "config.yaml:3:9: routes[0].to: to takes no path; got \"/0\" after host:port"},
        BadConfig{ROUTE("tcp+https://redis.example.com:6379", "tcp://::1:6379"),
                  "config.yaml:3:9: routes[0].to: IPv6 addresses must be written in brackets, as "
                  "in [::1]:22; got \"::1:6379\""},
        BadConfig{ROUTE("tcp+https://proxy.example.com:8443/", "tcp://r:22"),
                  "config.yaml:2:11: routes[0].from: expected /host:port after the proxy in a "
                  "bastion from URL, got path \"/\""},
        BadConfig{ROUTE("tcp+https://proxy.example.com:8443/db.internal", "tcp://r:22"),
                  "config.yaml:2:11: routes[0].from: bastion target: expected host:port, got "
                  "\"db.internal\""},
        BadConfig{"routes:\n"
                  "  - from: tcp+https://redis.example.com:6379\n"
                  "    to: tcp://a:6379\n"
                  "    allowed_domains: [example.com]\n"
                  "  - from: tcp+https://REDIS.example.com:6379\n"
                  "    to: tcp://b:6379\n",
                  "config.yaml:5:5: routes[1]: duplicate route for redis.example.com:6379; "
                  "already defined by routes[0] at config.yaml:2:5"},
        BadConfig{"routes:\n  - tcp+https://redis.example.com:6379\n",
                  "config.yaml:2:5: routes[0]: expected a route map with from and to, got a "
                  "string"},
        BadConfig{"routes:\n  from: tcp+https://redis.example.com:6379\n",
                  "config.yaml:2:3: routes: expected a list, got a map"},
        BadConfig{ROUTE("tcp+https://r.example.com:1", "tcp://r:1") "    idle_timeout: -1s\n",
                  "config.yaml:4:19: routes[0].idle_timeout: must not be negative (0 turns the "
                  "limit off)"},
        BadConfig{ROUTE("tcp+https://r.example.com:1", "tcp://r:1") "    timeout: 30\n",
                  "config.yaml:4:14: routes[0].timeout: expected a duration such as 14h, 1h30m, "
                  "90s or 500ms, got \"30\""},
        BadConfig{ROUTE("tcp+https://r.example.com:1", "tcp://r:1") "    allowed_users: [a, '']\n",
                  "config.yaml:4:24: routes[0].allowed_users[1]: must not be empty"},
        BadConfig{ROUTE("tcp+https://r.example.com:1", "tcp://r:1") "    allowed_users: alice\n",
                  "config.yaml:4:20: routes[0].allowed_users: expected a list, got a string"},
        BadConfig{ROUTE("tcp+https://r.example.com:1",
                        "tcp://r:1") "    allowed_idp_claims:\n      dept: {is: eng}\n",
                  "config.yaml:5:13: routes[0].allowed_idp_claims.dept: expected a claim value or "
                  "a list of values, got a map"},
        BadConfig{ROUTE("tcp+https://r.example.com:1",
                        "tcp://r:1") "    allow_any_authenticated_user: yes\n",
                  "config.yaml:4:35: routes[0].allow_any_authenticated_user: expected true or "
                  "false, got \"yes\""},
        BadConfig{ROUTE("tcp+https://r.example.com:1", "tcp://r:1") "    policy:\n"
                                                                    "      - allow:\n"
                                                                    "          or:\n"
                                                                    "            - claim: admin\n",
                  "config.yaml:7:15: routes[0].policy[0].allow.or[0].claim: claim needs a claim "
                  "name, as in claim/department"},
        BadConfig{
            ROUTE("tcp+https://r.example.com:1", "tcp://r:1") "    policy:\n"
                                                              "      - allow:\n"
                                                              "          or:\n"
                                                              "            - email: {like: a}\n",
            "config.yaml:7:23: routes[0].policy[0].allow.or[0].email.like: unknown operator "
            "\"like\" for email; expected one of is, not, contains, starts_with, ends_with, "
            "in, not_in"}));

INSTANTIATE_TEST_SUITE_P(
    Settings, ConfigLoaderErrorTest,
    ::testing::Values(
        BadConfig{"shared_secret: AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHg==\n",
                  "config.yaml:1:16: shared_secret: expected base64 of exactly 32 bytes, got 31 "
                  "bytes; generate one with: head -c32 /dev/urandom | base64"},
        BadConfig{"shared_secret: 'not base64, surely!'\n",
                  "config.yaml:1:16: shared_secret: expected base64, found a character outside "
                  "the base64 alphabets; generate one with: head -c32 /dev/urandom | base64"},
        BadConfig{"cookie_secret: [a]\n",
                  "config.yaml:1:16: cookie_secret: expected a base64 string, got a list"},
        BadConfig{"cookie_expire: 14\n",
                  "config.yaml:1:16: cookie_expire: expected a duration such as 14h, 1h30m, 90s "
                  "or 500ms, got \"14\""},
        BadConfig{"cookie_expire: 0s\n", "config.yaml:1:16: cookie_expire: must be greater than 0"},
        BadConfig{"authorize_timeout: -5s\n",
                  "config.yaml:1:20: authorize_timeout: must be greater than 0"},
        BadConfig{"idp_provider: google\n",
                  "config.yaml:1:15: idp_provider: only \"oidc\" is supported, got \"google\"; set "
                  "idp_provider_url to your provider's OIDC issuer URL"},
        BadConfig{"log_level: verbose\n",
                  "config.yaml:1:12: log_level: expected debug, info, warn or error, got "
                  "\"verbose\""},
        BadConfig{"authorize_service_url: grpc://authorize:5443\n",
                  "config.yaml:1:24: authorize_service_url: expected an http:// or https:// URL, "
                  "got scheme \"grpc\""},
        BadConfig{"authenticate_service_url: http://login.example.com\n",
                  "config.yaml:1:27: authenticate_service_url: expected an https:// URL, got "
                  "scheme \"http\""},
        BadConfig{"authenticate_service_url: https://login.example.com/oauth2\n",
                  "config.yaml:1:27: authenticate_service_url: expected no path after host:port, "
                  "got \"/oauth2\""},
        BadConfig{"idp_provider_url: https://idp.example.com/?tenant=x\n",
                  "config.yaml:1:19: idp_provider_url: expected an http:// or https:// URL: query "
                  "(?...) not allowed in URL"},
        BadConfig{"idp_provider_url: http://idp.example.com\n",
                  "config.yaml:1:19: idp_provider_url: http:// is only allowed for a provider on "
                  "this machine (localhost, 127.0.0.0/8, ::1); use https://"},
        BadConfig{"address: 8443\n",
                  "config.yaml:1:10: address: expected a listen address host:port (port 0 picks "
                  "any), expected host:port, got \"8443\""},
        BadConfig{"grpc_address: 'localhost:http'\n",
                  "config.yaml:1:15: grpc_address: expected a listen address host:port (port 0 "
                  "picks any), port must be a number, got \"http\""},
        BadConfig{"certificate_file: proxy.pem\n",
                  "config.yaml:1:1: certificate_file: certificate_key_file is required with "
                  "certificate_file"},
        BadConfig{"certificates:\n  - cert: a.pem\n",
                  "config.yaml:2:5: certificates[0]: key is required: each certificate needs cert "
                  "and key file paths"},
        BadConfig{"certificates:\n  - {cert: a.pem, key: a.key, ca: ca.pem}\n",
                  "config.yaml:2:31: certificates[0].ca: unknown certificate setting \"ca\"; "
                  "expected cert and key"},
        BadConfig{"certificate_file: ''\ncertificate_key_file: k.pem\n",
                  "config.yaml:1:19: certificate_file: expected a file path, got an empty string"},
        BadConfig{"idp_scopes: [email, profile]\n",
                  "config.yaml:1:13: idp_scopes: must include openid (OpenID Connect requires it)"},
        BadConfig{"idp_scopes: openid email\n",
                  "config.yaml:1:13: idp_scopes: expected a list, got a string"},
        BadConfig{"jwt_groups_claim: ''\n",
                  "config.yaml:1:19: jwt_groups_claim: must not be empty"},
        BadConfig{"grpc_insecure: yes please\n",
                  "config.yaml:1:16: grpc_insecure: expected true or false, got \"yes please\""},
        BadConfig{"certificate_authority_file: ''\n",
                  "config.yaml:1:29: certificate_authority_file: expected a file path, got an "
                  "empty string"},
        BadConfig{"override_certificate_name: ''\n",
                  "config.yaml:1:28: override_certificate_name: must not be empty"},
        BadConfig{"proxy_protocol: on\n",
                  "config.yaml:1:17: proxy_protocol: expected true or false, got \"on\""},
        BadConfig{"metrics_address: '[::1]'\n",
                  "config.yaml:1:18: metrics_address: expected a listen address host:port (port 0 "
                  "picks any), expected host:port, got \"[::1]\""}));

INSTANTIATE_TEST_SUITE_P(
    Documents, ConfigLoaderErrorTest,
    ::testing::Values(
        BadConfig{"- address: 127.0.0.1:8443\n",
                  "config.yaml:1:1: expected a map of settings, got a list"},
        BadConfig{"address: [\n", "config.yaml:2:1: invalid YAML: end of sequence flow not found"},
        BadConfig{"address: 127.0.0.1:1\nlog_level: info\naddress: 127.0.0.1:2\n",
                  "config.yaml:3:1: address: duplicate key \"address\" (first at line 1)"},
        BadConfig{"address: 127.0.0.1:1\n---\nlog_level: info\n",
                  "config.yaml:2:1: config file holds more than one YAML document (---); keep "
                  "one"},
        BadConfig{"? [a, b]\n: c\n", "config.yaml:1:3: expected a string key, got a list"}));

}  // namespace
}  // namespace postern::config
