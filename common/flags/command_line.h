// CommandLine: the flag parser all three binaries share.
//
// absl::ParseCommandLine exits with status 1 on an unknown flag, while Postern's
// command-line contract (DESIGN.md) is exit 2 for bad usage, and the CLI needs
// pomerium-cli's aliases (--pomerium-url for --proxy-url). This parser returns
// errors instead of exiting, so each main decides how to report them.
//
//   const std::vector<FlagSpec> kFlags = {
//       {.name = "config", .value_name = "FILE", .help = "config file (required)"},
//       {.name = "proxy-url", .aliases = {"pomerium-url"}, .value_name = "URL", .help = "..."},
//       {.name = "no-browser", .help = "print the sign-in URL instead of opening it"},
//   };
//   absl::StatusOr<CommandLine> cl = CommandLine::Parse(args, kFlags);
//   if (!cl.ok()) { print error; return 2; }
//   std::string config = cl->Value("config");
//
// Most programs want the usual answers too (errors and --help):
//
//   flags::Invocation run = flags::ParseProgramCommandLine(
//       {.program = "tunnel_load", .usage = kUsage, .flags = kFlags},
//       flags::Arguments(argc, argv), std::cout, std::cerr);
//   if (!run.command_line.has_value()) return run.exit_status;
#ifndef POSTERN_COMMON_FLAGS_COMMAND_LINE_H_
#define POSTERN_COMMON_FLAGS_COMMAND_LINE_H_

#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace postern::flags {

struct FlagSpec {
  std::string name;                  // without dashes: "config"
  std::vector<std::string> aliases;  // other names accepted for the same flag
  std::string value_name;            // empty: a boolean switch taking no value
  std::string help;
};

class CommandLine {
 public:
  // Parse reads `args` (argv without the program name). Accepted forms:
  // `--name value`, `--name=value`, `-name value` (Go-style single dash, as
  // pomerium-cli users type), and `--` ending the flags. A lone `-` is a value
  // or positional argument, never a flag. Errors (kInvalidArgument): unknown
  // flag, missing value, a value given to a switch, the same flag twice.
  static absl::StatusOr<CommandLine> Parse(const std::vector<std::string>& args,
                                           const std::vector<FlagSpec>& specs);

  bool Has(std::string_view name) const;
  // Value returns the flag's value, or `fallback` when it was not given.
  std::string Value(std::string_view name, std::string_view fallback = "") const;
  const std::vector<std::string>& positional() const { return positional_; }

 private:
  std::map<std::string, std::string, std::less<>> values_;
  std::vector<std::string> positional_;
};

// Help renders a usage block: `usage`, then one line per flag.
std::string Help(std::string_view usage, const std::vector<FlagSpec>& specs);

// Arguments turns main's argv into the vector Parse takes (skipping argv[0]).
std::vector<std::string> Arguments(int argc, char** argv);

// ProgramUsage describes one program; `flags` is borrowed, not copied.
struct ProgramUsage {
  std::string_view program;  // "postern-proxy": prefixes every message
  std::string_view usage;    // the usage block printed with errors and --help
  const std::vector<FlagSpec>& flags;
  // Whether arguments besides the flags are the program's to read; when
  // not, a stray one is a usage error (a mistyped flag value, or a
  // subcommand the program does not have).
  bool takes_arguments = true;
};

// Invocation is what main does next: run with `command_line`, or, when it
// is empty, exit with `exit_status` (the answer or the error is already
// written).
struct Invocation {
  std::optional<CommandLine> command_line;
  int exit_status = 0;
};

// ParseProgramCommandLine keeps the contract every Postern program has for
// its flags: an error goes to `err` as "<program>: <what is wrong>"
// followed by the usage, exit 2; --help (when `flags` declares it) writes
// the help to `out`, exit 0; a stray argument, unless the program
// `takes_arguments`, is an error. Otherwise the returned command line is the
// program's to check further.
Invocation ParseProgramCommandLine(const ProgramUsage& program,
                                   const std::vector<std::string>& args, std::ostream& out,
                                   std::ostream& err);

// UsageError writes an error the way ParseProgramCommandLine does and
// returns exit status 2, for the checks a program makes after it.
Invocation UsageError(const ProgramUsage& program, std::string_view error, std::ostream& err);

}  // namespace postern::flags

#endif  // POSTERN_COMMON_FLAGS_COMMAND_LINE_H_
