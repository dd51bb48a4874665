// mint_session: prints a session token signed with a shared secret, so a load
// run can send the session a real proxy would forward after login.
//
//   mint_session --secret-file secret.b64 --email oncall@example.com --groups eng,sre > s.jwt
//
// A stand-in until `postern-proxy service-account` exists; the token is what
// common/session mints for a logged-in user.
#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "bench/authorize/bench_secret.h"
#include "common/config/duration.h"
#include "common/flags/command_line.h"
#include "common/session/session.h"

namespace postern::bench {
namespace {

constexpr char kUsage[] =
    "usage: mint_session (--secret BASE64 | --secret-file FILE) [--subject ID] [--email ADDR]\n"
    "                    [--groups A,B] [--lifetime 1h]\n"
    "\n"
    "Prints a session token (HS256 with the shared secret) for benchmarks and tests.";

const std::vector<flags::FlagSpec> kFlags = WithSecretFlags({
    {.name = "subject", .value_name = "ID", .help = "the user id (sub); default bench-user"},
    {.name = "email", .value_name = "ADDR", .help = "the user's email; default none"},
    {.name = "groups", .value_name = "A,B", .help = "comma-separated groups; default none"},
    {.name = "lifetime", .value_name = "DURATION", .help = "validity, Go syntax; default 1h"},
    {.name = "help", .help = "print this help"},
});

int Main(int argc, char** argv) {
  flags::Invocation run =
      flags::ParseProgramCommandLine({.program = "mint_session", .usage = kUsage, .flags = kFlags, .takes_arguments = false},
                                     flags::Arguments(argc, argv), std::cout, std::cerr);
  if (!run.command_line.has_value()) return run.exit_status;
  const flags::CommandLine& cl = *run.command_line;
  absl::StatusOr<std::string> secret = SecretFromFlags(cl);
  if (!secret.ok()) {
    std::cerr << "mint_session: " << secret.status().message() << "\n";
    return 2;
  }
  absl::StatusOr<absl::Duration> lifetime = config::ParseGoDuration(cl.Value("lifetime", "1h"));
  if (!lifetime.ok() || *lifetime <= absl::ZeroDuration()) {
    std::cerr << "mint_session: --lifetime must be a positive duration such as 1h or 90s\n";
    return 2;
  }
  std::vector<std::string> groups;
  if (cl.Has("groups")) groups = absl::StrSplit(cl.Value("groups"), ',', absl::SkipEmpty());

  const absl::Time now = absl::Now();
  std::cout << session::MintSessionToken(
                   session::Session{.subject = cl.Value("subject", "bench-user"),
                                    .email = cl.Value("email"),
                                    .groups = std::move(groups),
                                    .issued_at = now,
                                    .expires_at = now + *lifetime},
                   session::AsSecret(*secret))
            << "\n";
  return 0;
}

}  // namespace
}  // namespace postern::bench

int main(int argc, char** argv) { return postern::bench::Main(argc, argv); }
