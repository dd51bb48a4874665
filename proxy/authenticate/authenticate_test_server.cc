// Test-only: the login endpoints served on their own, over https (or plain
// http) on loopback, so that tests and the scripted browser can walk a whole
// login against a real OpenID provider before the proxy's listener exists.
// Never a production binary.
//
//   authenticate_test_server --shared-secret BASE64 --idp-provider-url URL
//       --idp-client-id ID --idp-client-secret SECRET --tls-cert proxy.pem
//       --tls-key proxy-key.pem [--address 127.0.0.1:0] [--idp-ca-file ca.pem] ...
//   ... INFO listening on 127.0.0.1:40123
//
// The settings are flags named after the config keys rather than a config
// file: this tool exercises the login endpoints, not the config loader.
// authenticate_service_url defaults to https://127.0.0.1:<bound port> (http://
// without --tls-cert). SIGTERM or SIGINT: exit 0. Bad flags: exit 2.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstdio>
#include <exception>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/config/config.h"
#include "common/config/duration.h"
#include "common/config/secret.h"
#include "common/config/url.h"
#include "common/flags/command_line.h"
#include "common/log/log.h"
#include "proxy/authenticate/authenticate_handler.h"
#include "proxy/authenticate/authenticate_http.h"

namespace postern::authenticate {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

const std::vector<flags::FlagSpec> kFlags = {
    {.name = "shared-secret", .value_name = "BASE64", .help = "shared_secret (required)"},
    {.name = "cookie-secret", .value_name = "BASE64", .help = "cookie_secret"},
    {.name = "cookie-expire", .value_name = "DURATION", .help = "cookie_expire (14h)"},
    {.name = "idp-provider-url", .value_name = "URL", .help = "idp_provider_url (required)"},
    {.name = "idp-client-id", .value_name = "ID", .help = "idp_client_id (required)"},
    {.name = "idp-client-secret", .value_name = "SECRET", .help = "idp_client_secret (required)"},
    {.name = "jwt-groups-claim", .value_name = "NAME", .help = "jwt_groups_claim (groups)"},
    {.name = "authenticate-service-url", .value_name = "URL", .help = "authenticate_service_url"},
    {.name = "address", .value_name = "HOST:PORT", .help = "listen address (default 127.0.0.1:0)"},
    {.name = "tls-cert", .value_name = "PEM", .help = "serve https with this certificate chain"},
    {.name = "tls-key", .value_name = "PEM", .help = "private key for --tls-cert"},
    {.name = "idp-ca-file", .value_name = "PEM", .help = "CA to trust for an https provider"},
    {.name = "provider-timeout", .value_name = "DURATION", .help = "per provider call (10s)"},
    {.name = "jwks-min-refetch-interval",
     .value_name = "DURATION",
     .help = "between JWKS refetches for unknown key ids (10s)"},
    {.name = "help", .help = "show this help"},
};
constexpr char kUsage[] = "authenticate_test_server --shared-secret B64 --idp-provider-url URL ...";

int Usage(absl::string_view error) {
  std::cerr << "authenticate_test_server: " << error << "\n" << flags::Help(kUsage, kFlags);
  return 2;
}

asio::awaitable<void> Connection(tcp::socket socket, asio::ssl::context* tls,
                                 std::shared_ptr<AuthenticateHandler> handler) {
  if (tls == nullptr) {
    co_await ServeAuthenticateRequest(socket, *handler, "");
    co_return;
  }
  asio::ssl::stream<tcp::socket> stream(std::move(socket), *tls);
  auto [ec] = co_await stream.async_handshake(asio::ssl::stream_base::server,
                                              asio::as_tuple(asio::use_awaitable));
  if (ec) co_return;
  co_await ServeAuthenticateRequest(stream, *handler, "");
}

asio::awaitable<void> Accept(tcp::acceptor& acceptor, asio::ssl::context* tls,
                             std::shared_ptr<AuthenticateHandler> handler) {
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
    if (ec) co_return;
    asio::co_spawn(acceptor.get_executor(), Connection(std::move(socket), tls, handler),
                   asio::detached);
  }
}

int Run(int argc, char** argv) {
  absl::StatusOr<flags::CommandLine> cl =
      flags::CommandLine::Parse(flags::Arguments(argc, argv), kFlags);
  if (!cl.ok()) return Usage(cl.status().message());
  if (cl->Has("help")) {
    std::cout << flags::Help(kUsage, kFlags);
    return 0;
  }
  if (cl->Has("tls-cert") != cl->Has("tls-key"))
    return Usage("--tls-cert and --tls-key go together");
  config::Config config;
  absl::StatusOr<std::string> shared_secret = config::DecodeSecret(cl->Value("shared-secret"));
  if (!shared_secret.ok())
    return Usage(absl::StrCat("--shared-secret: ", shared_secret.status().message()));
  config.shared_secret = *std::move(shared_secret);
  if (cl->Has("cookie-secret")) {
    absl::StatusOr<std::string> cookie_secret = config::DecodeSecret(cl->Value("cookie-secret"));
    if (!cookie_secret.ok())
      return Usage(absl::StrCat("--cookie-secret: ", cookie_secret.status().message()));
    config.cookie_secret = *std::move(cookie_secret);
  }
  if (cl->Has("cookie-expire")) {
    absl::StatusOr<absl::Duration> expire = config::ParseGoDuration(cl->Value("cookie-expire"));
    if (!expire.ok()) return Usage(absl::StrCat("--cookie-expire: ", expire.status().message()));
    config.cookie_expire = *expire;
  }
  config.idp_provider_url = cl->Value("idp-provider-url");
  config.idp_client_id = cl->Value("idp-client-id");
  config.idp_client_secret = cl->Value("idp-client-secret");
  config.jwt_groups_claim = cl->Value("jwt-groups-claim", "groups");
  config.authenticate_service_url_is_default = !cl->Has("authenticate-service-url");
  config.authenticate_service_url = cl->Value("authenticate-service-url");
  AuthenticateOptions options;
  if (cl->Has("provider-timeout") &&
      !absl::ParseDuration(cl->Value("provider-timeout"), &options.provider_timeout)) {
    return Usage("--provider-timeout: expected a duration such as 2s");
  }
  if (cl->Has("jwks-min-refetch-interval") &&
      !absl::ParseDuration(cl->Value("jwks-min-refetch-interval"),
                           &options.jwks_min_refetch_interval)) {
    return Usage("--jwks-min-refetch-interval: expected a duration such as 0s");
  }
  options.provider_tls.ca_cert_file = cl->Value("idp-ca-file");
  absl::StatusOr<config::HostPort> address =
      config::ParseHostPort(cl->Value("address", "127.0.0.1:0"));
  if (!address.ok()) return Usage(address.status().message());

  asio::io_context io;
  std::optional<asio::ssl::context> tls;
  if (cl->Has("tls-cert")) {
    tls.emplace(asio::ssl::context::tls_server);
    tls->set_options(asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1);
    boost::system::error_code ec;
    tls->use_certificate_chain_file(cl->Value("tls-cert"), ec);
    if (!ec) tls->use_private_key_file(cl->Value("tls-key"), asio::ssl::context::pem, ec);
    if (ec) return Usage(absl::StrCat("TLS certificate or key: ", ec.message()));
  }
  tcp::acceptor acceptor(io);
  try {
    tcp::endpoint endpoint(asio::ip::make_address(address->host), address->port);
    acceptor.open(endpoint.protocol());
    acceptor.set_option(tcp::acceptor::reuse_address(true));
    acceptor.bind(endpoint);
    acceptor.listen();
  } catch (const std::exception& e) {
    std::cerr << "authenticate_test_server: cannot listen on " << address->ToString() << ": "
              << e.what() << "\n";
    return 1;
  }
  const tcp::endpoint bound = acceptor.local_endpoint();
  const std::string listening = absl::StrCat(bound.address().to_string(), ":", bound.port());
  if (config.authenticate_service_url_is_default) {
    options.authenticate_service_url = absl::StrCat(tls ? "https://" : "http://", listening);
  }
  absl::StatusOr<std::shared_ptr<AuthenticateHandler>> handler =
      AuthenticateHandler::Create(config, options);
  if (!handler.ok()) return Usage(handler.status().message());

  asio::signal_set signals(io, SIGTERM, SIGINT);
  signals.async_wait([&](const boost::system::error_code&, int) {
    boost::system::error_code ignored;
    acceptor.close(ignored);
    io.stop();
  });
  asio::co_spawn(io, Accept(acceptor, tls ? &*tls : nullptr, *handler), asio::detached);
  log::Info("listening on %s (login endpoints at %s)", listening,
            (*handler)->authenticate_service_url());
  io.run();
  return 0;
}

}  // namespace
}  // namespace postern::authenticate

int main(int argc, char** argv) { return postern::authenticate::Run(argc, argv); }
