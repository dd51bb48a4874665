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
#ifndef POSTERN_COMMON_FLAGS_COMMAND_LINE_H_
#define POSTERN_COMMON_FLAGS_COMMAND_LINE_H_

#include <map>
#include <optional>
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

}  // namespace postern::flags

#endif  // POSTERN_COMMON_FLAGS_COMMAND_LINE_H_
