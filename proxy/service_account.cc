#include "proxy/service_account.h"

#include <string_view>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "common/config/config_loader.h"
#include "common/config/duration.h"
#include "common/flags/command_line.h"
#include "common/session/session.h"

namespace postern::proxy {
namespace {

constexpr char kUsage[] =
    "usage: postern-proxy service-account --config FILE --email EMAIL [--user USER]\n"
    "                                     [--groups G1,G2] [--ttl 1h]\n"
    "\n"
    "Prints a session token (JWT) for automation, signed with the config's\n"
    "shared_secret. Use it as `postern tcp --service-account TOKEN` or in a\n"
    "CONNECT request's `Authorization: Pomerium TOKEN` header.";

const std::vector<flags::FlagSpec> kFlags = {
    {.name = "config", .value_name = "FILE", .help = "config file (YAML) with shared_secret"},
    {.name = "email", .value_name = "EMAIL", .help = "the account's email, required"},
    {.name = "user", .value_name = "USER", .help = "the session's subject (default: the email)"},
    {.name = "groups", .value_name = "G1,G2", .help = "comma-separated groups"},
    {.name = "ttl",
     .value_name = "DURATION",
     .help = "how long the token is valid, e.g. 30m, 12h (default 1h)"},
    {.name = "help", .help = "print this help"},
};

constexpr absl::Duration kDefaultTtl = absl::Hours(1);

const flags::ProgramUsage kProgram = {.program = "postern-proxy service-account",
                                      .usage = kUsage,
                                      .flags = kFlags,
                                      .takes_arguments = false};

int Usage(std::ostream& err, std::string_view problem) {
  return flags::UsageError(kProgram, problem, err).exit_status;
}

}  // namespace

int RunServiceAccount(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  flags::Invocation run = flags::ParseProgramCommandLine(kProgram, args, out, err);
  if (!run.command_line.has_value()) return run.exit_status;
  const flags::CommandLine& cl = *run.command_line;
  if (!cl.Has("config")) return Usage(err, "--config FILE is required");
  const std::string email = cl.Value("email");
  if (email.empty()) return Usage(err, "--email EMAIL is required");
  if (cl.Has("user") && cl.Value("user").empty()) return Usage(err, "--user must not be empty");

  absl::Duration ttl = kDefaultTtl;
  if (cl.Has("ttl")) {
    absl::StatusOr<absl::Duration> parsed = config::ParseGoDuration(cl.Value("ttl"));
    if (!parsed.ok()) return Usage(err, absl::StrCat("--ttl: ", parsed.status().message()));
    if (*parsed <= absl::ZeroDuration()) return Usage(err, "--ttl must be positive");
    ttl = *parsed;
  }

  std::vector<std::string> groups;
  if (cl.Has("groups")) {
    for (absl::string_view group : absl::StrSplit(cl.Value("groups"), ',', absl::SkipEmpty())) {
      groups.emplace_back(group);
    }
  }

  absl::StatusOr<config::LoadedConfig> loaded = config::LoadConfigFile(cl.Value("config"));
  if (!loaded.ok()) {
    err << "postern-proxy service-account: " << loaded.status().message() << "\n";
    return 2;
  }
  if (loaded->config->shared_secret.empty()) {
    err << "postern-proxy service-account: " << loaded->config->file_name
        << ": shared_secret is required to sign tokens\n";
    return 2;
  }

  const absl::Time now = absl::Now();
  session::Session account{.subject = cl.Has("user") ? cl.Value("user") : email,
                           .email = email,
                           .groups = std::move(groups),
                           .issued_at = now,
                           .expires_at = now + ttl};
  out << session::MintSessionToken(account, session::AsSecret(loaded->config->shared_secret))
      << "\n";
  return 0;
}

}  // namespace postern::proxy
