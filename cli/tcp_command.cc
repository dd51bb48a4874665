#include "cli/tcp_command.h"

#include <signal.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <exception>
#include <iostream>
#include <memory>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "cli/browser_login.h"
#include "cli/local_listener.h"
#include "cli/session_token.h"
#include "cli/stdio_tunnel.h"
#include "cli/tcp_flags.h"
#include "cli/token_cache.h"
#include "cli/tunnel_dialer.h"
#include "common/log/log.h"
#include "common/tls/client_context.h"

namespace postern::cli {
namespace {

namespace asio = boost::asio;

constexpr int kExitRuntime = 1;
constexpr int kExitUsage = 2;

int Fail(int status, absl::string_view message) {
  log::WriteLine(2, absl::StrCat("postern: ", message, "\n"));
  return status;
}

// Always shown, whatever --log-level says: the user asked for an insecure
// connection and must be reminded of it on every run.
void WarnVerificationDisabled() {
  log::WriteLine(2,
                 "postern: WARNING: TLS verification is disabled (--disable-tls-verification): "
                 "the proxy is not authenticated, and anyone between you and it can read your "
                 "session token and your traffic\n");
}

std::string SignalName(int signal_number) {
  switch (signal_number) {
    case SIGINT:
      return "SIGINT";
    case SIGTERM:
      return "SIGTERM";
    case SIGHUP:
      return "SIGHUP";
  }
  return absl::StrCat("signal ", signal_number);
}

int RunListener(asio::io_context& io, asio::signal_set& signals, const ListenAddress& address,
                TunnelDialer& dialer) {
  absl::StatusOr<std::unique_ptr<LocalListener>> listener =
      LocalListener::Open(io, address, dialer);
  if (!listener.ok()) return Fail(kExitRuntime, listener.status().message());
  // The port is what the user needs to go on, so it is shown at any level.
  const std::string listening = absl::StrCat("listening on ", (*listener)->local_address());
  if (log::IsEnabled(log::Level::kInfo)) {
    log::Info("%s", listening);
  } else {
    log::WriteLine(2, absl::StrCat(listening, "\n"));
  }
  (*listener)->Start();
  signals.async_wait([&](const boost::system::error_code& ec, int signal_number) {
    if (ec) return;
    log::Info("shutting down (%s): closing %d open tunnel(s)", SignalName(signal_number),
              static_cast<int>((*listener)->open_tunnels()));
    (*listener)->Shutdown();
  });
  io.run();
  return 0;
}

int RunStdio(asio::io_context& io, asio::signal_set& signals, TunnelDialer& dialer) {
  StdioTunnel stdio(io.get_executor(), dialer);
  std::optional<absl::Status> result;
  asio::co_spawn(io, stdio.Run(), [&](std::exception_ptr failure, absl::Status status) {
    result = failure ? absl::InternalError("tunnel failed unexpectedly") : std::move(status);
    signals.cancel();
  });
  signals.async_wait([&](const boost::system::error_code& ec, int signal_number) {
    if (ec) return;
    log::Info("shutting down (%s)", SignalName(signal_number));
    stdio.Cancel();
  });
  io.run();
  if (result.has_value() && !result->ok()) return Fail(kExitRuntime, result->message());
  return 0;
}

}  // namespace

int RunTcpCommand(const std::vector<std::string>& args) {
  absl::StatusOr<TcpSettings> settings = ParseTcpFlags(args);
  if (!settings.ok()) {
    return Fail(kExitUsage, absl::StrCat(settings.status().message(), " (see postern tcp --help)"));
  }
  if (settings->help) {
    std::cout << TcpUsage();
    return 0;
  }
  log::SetLevel(settings->log_level);
  if (settings->disable_tls_verification) WarnVerificationDisabled();

  absl::StatusOr<tls::ClientContext> tls =
      tls::ClientContext::Create({.ca_cert_file = settings->ca_cert_file,
                                  .disable_verification = settings->disable_tls_verification});
  if (!tls.ok()) {
    // The library names the file; the user needs the flag too.
    return Fail(kExitUsage, settings->ca_cert_file.empty()
                                ? std::string(tls.status().message())
                                : absl::StrCat("--ca-cert-file ", tls.status().message()));
  }

  std::optional<TokenCache> cache;
  if (absl::StatusOr<std::string> directory = DefaultCacheDirectory(); directory.ok()) {
    cache.emplace(*directory);
  }
  absl::StatusOr<ChosenToken> token =
      ChooseSessionToken(*settings, cache ? &*cache : nullptr, absl::Now());
  if (!token.ok()) return Fail(kExitUsage, token.status().message());
  for (const std::string& warning : token->warnings) log::Warn("%s", warning);
  if (!token->cache_miss.empty()) log::Debug("%s", token->cache_miss);
  if (token->source == TokenSource::kCache) {
    log::Debug("using the cached session for %s", settings->destination.proxy.ToString());
  }

  // The relay writes to sockets and pipes whose readers may be gone; that
  // must be an error on one tunnel, not the end of the process.
  signal(SIGPIPE, SIG_IGN);

  asio::io_context io(1);
  asio::signal_set signals(io, SIGINT, SIGTERM, SIGHUP);
  BrowserLogin login({.proxy = settings->destination.proxy,
                      .tls = {.ca_cert_file = settings->ca_cert_file,
                              .disable_verification = settings->disable_tls_verification},
                      .browser_cmd = settings->browser_cmd,
                      .no_browser = settings->no_browser,
                      .cache = cache ? &*cache : nullptr,
                      .timeout = LoginTimeoutFromEnvironment()});
  TunnelDialer dialer(io.get_executor(), *tls,
                      {.proxy = settings->destination.proxy,
                       .target = settings->destination.target,
                       .token = std::move(token->token),
                       .token_source = token->source,
                       .custom_ca = !settings->ca_cert_file.empty(),
                       .login = [&login] { return login.Login(); }});
  try {
    if (settings->listen.has_value()) return RunListener(io, signals, *settings->listen, dialer);
    return RunStdio(io, signals, dialer);
  } catch (const std::exception& e) {
    return Fail(kExitRuntime, e.what());
  }
}

}  // namespace postern::cli
