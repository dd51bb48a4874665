#include "cli/tcp_flags.h"

#include "absl/strings/str_cat.h"
#include "common/flags/command_line.h"

namespace postern::cli {
namespace {

constexpr char kUsage[] =
    "usage: postern tcp [flags] DEST\n"
    "\n"
    "Carries local TCP connections to DEST through the Postern (or Pomerium) proxy.\n"
    "DEST is host:port (proxy https://host:443), tcp+https://host:port (the same),\n"
    "or tcp+https://proxy[:port]/host:port (proxy named in the URL). Each local\n"
    "connection gets its own tunnel. With --listen -, stdin and stdout are the one\n"
    "tunnel, for ssh: ssh -o ProxyCommand='postern tcp --listen - %h:%p' host";

const std::vector<flags::FlagSpec>& Specs() {
  static const std::vector<flags::FlagSpec>* specs = new std::vector<flags::FlagSpec>{
      {.name = "listen",
       .value_name = "ADDR:PORT",
       .help = "local address to accept connections on (default 127.0.0.1:0, a free port); "
               "- joins stdin/stdout to one tunnel"},
      {.name = "proxy-url",
       .aliases = {"pomerium-url"},
       .value_name = "URL",
       .help = "the proxy to use, https://host[:port], instead of the one DEST implies"},
      {.name = "ca-cert-file",
       .aliases = {"alternate-ca-path"},
       .value_name = "PEM",
       .help = "trust the CA certificates in this file instead of the system's"},
      {.name = "disable-tls-verification",
       .help = "do not verify the proxy's certificate (INSECURE: anyone in the path can read "
               "your session token)"},
      {.name = "service-account",
       .value_name = "JWT",
       .help = "session token to send (e.g. from `postern-proxy service-account`)"},
      {.name = "service-account-file",
       .value_name = "FILE",
       .help = "read the session token to send from FILE"},
      {.name = "browser-cmd",
       .value_name = "PROGRAM",
       .help = "program to open the sign-in URL with (run with the URL as its one argument)"},
      {.name = "no-browser", .help = "print the sign-in URL instead of opening a browser"},
      {.name = "log-level",
       .value_name = "LEVEL",
       .help = "debug, info (default), warn or error; logs go to stderr"},
      {.name = "help", .help = "print this help"},
  };
  return *specs;
}

}  // namespace

std::string TcpUsage() { return flags::Help(kUsage, Specs()); }

absl::StatusOr<TcpSettings> ParseTcpFlags(const std::vector<std::string>& args) {
  absl::StatusOr<flags::CommandLine> cl = flags::CommandLine::Parse(args, Specs());
  if (!cl.ok()) return cl.status();
  TcpSettings settings;
  if (cl->Has("help")) {
    settings.help = true;
    return settings;
  }

  const std::vector<std::string>& positional = cl->positional();
  if (positional.empty()) {
    return absl::InvalidArgumentError(
        "DEST required (e.g. postern tcp redis.corp.example.com:6379)");
  }
  if (positional.size() > 1) {
    return absl::InvalidArgumentError(absl::StrCat("one DEST expected, got ", positional.size(),
                                                   " (unexpected \"", positional[1], "\")"));
  }
  absl::StatusOr<Destination> destination =
      ParseDestination(positional.front(), cl->Value("proxy-url"));
  if (!destination.ok()) return destination.status();
  settings.destination = *destination;

  const std::string listen = cl->Value("listen", kDefaultListenAddress);
  if (listen != "-") {
    absl::StatusOr<ListenAddress> address = ParseListenAddress(listen);
    if (!address.ok()) return address.status();
    settings.listen = *address;
  }

  if (cl->Has("log-level")) {
    absl::StatusOr<log::Level> level = log::ParseLevel(cl->Value("log-level"));
    if (!level.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("--log-level \"", cl->Value("log-level"),
                                                     "\": expected debug, info, warn or error"));
    }
    settings.log_level = *level;
  }

  settings.ca_cert_file = cl->Value("ca-cert-file");
  settings.disable_tls_verification = cl->Has("disable-tls-verification");
  if (settings.disable_tls_verification && !settings.ca_cert_file.empty()) {
    return absl::InvalidArgumentError(
        "--ca-cert-file and --disable-tls-verification contradict each other; choose one");
  }
  if (cl->Has("ca-cert-file") && settings.ca_cert_file.empty()) {
    return absl::InvalidArgumentError("--ca-cert-file needs a file name");
  }

  if (cl->Has("service-account") && cl->Has("service-account-file")) {
    return absl::InvalidArgumentError(
        "--service-account and --service-account-file both given; choose one");
  }
  settings.service_account = cl->Value("service-account");
  settings.service_account_file = cl->Value("service-account-file");
  if (cl->Has("service-account") && settings.service_account.empty()) {
    return absl::InvalidArgumentError("--service-account needs a token");
  }
  if (cl->Has("service-account-file") && settings.service_account_file.empty()) {
    return absl::InvalidArgumentError("--service-account-file needs a file name");
  }
  settings.browser_cmd = cl->Value("browser-cmd");
  settings.no_browser = cl->Has("no-browser");
  return settings;
}

}  // namespace postern::cli
