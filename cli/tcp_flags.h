// The command line of `postern tcp`, pomerium-cli compatible:
//
//   postern tcp [--listen ADDR:PORT | --listen -] [--proxy-url URL] DEST
//               [--ca-cert-file PEM] [--disable-tls-verification]
//               [--service-account JWT | --service-account-file FILE]
//               [--browser-cmd PROGRAM] [--no-browser] [--log-level LEVEL]
//
//   absl::StatusOr<TcpSettings> settings = ParseTcpFlags(args);   // args after "tcp"
//   if (!settings.ok()) { print settings.status().message(); exit 2; }
//
// Only the command line is checked here (no file is read), so every
// mistake a user can make in it is reported before anything else happens.
#ifndef POSTERN_CLI_TCP_FLAGS_H_
#define POSTERN_CLI_TCP_FLAGS_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "cli/destination.h"
#include "cli/listen_address.h"
#include "common/log/log.h"

namespace postern::cli {

struct TcpSettings {
  bool help = false;  // --help: print TcpUsage(), nothing else is set
  Destination destination;
  // Where to accept local connections; nullopt for --listen - (stdin/stdout).
  std::optional<ListenAddress> listen;
  std::string ca_cert_file;  // --ca-cert-file / --alternate-ca-path
  bool disable_tls_verification = false;
  std::string service_account;       // --service-account: a secret, never logged
  std::string service_account_file;  // --service-account-file
  std::string browser_cmd;           // --browser-cmd (for the browser login)
  bool no_browser = false;           // --no-browser (for the browser login)
  log::Level log_level = log::Level::kInfo;
};

// ParseTcpFlags reads the arguments after `tcp`. Errors (kInvalidArgument),
// each naming the flag or argument: unknown flag, missing value, a flag
// given twice, no DEST or more than one, a bad DEST, --proxy-url or
// --listen, an unknown --log-level, --service-account together with
// --service-account-file, --ca-cert-file together with
// --disable-tls-verification.
absl::StatusOr<TcpSettings> ParseTcpFlags(const std::vector<std::string>& args);

// TcpUsage returns the help text of `postern tcp`.
std::string TcpUsage();

}  // namespace postern::cli

#endif  // POSTERN_CLI_TCP_FLAGS_H_
