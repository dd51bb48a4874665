// The command-line contract both servers (postern-proxy, postern-authorize)
// keep: --help and --version answer and exit 0; an unknown flag, a stray
// argument or a missing --config prints the error and the usage and exits 2.
//
//   flags::ServerInvocation run = flags::ParseServerCommandLine(
//       {.program = "postern-proxy", .usage = kUsage, .flags = kFlags}, args,
//       std::cout, std::cerr);
//   if (!run.command_line.has_value()) return run.exit_status;
//   return Serve(run.command_line->Value("config"));
#ifndef POSTERN_COMMON_FLAGS_SERVER_COMMAND_LINE_H_
#define POSTERN_COMMON_FLAGS_SERVER_COMMAND_LINE_H_

#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "common/flags/command_line.h"

namespace postern::flags {

// ServerUsage describes one server binary. `flags` must declare "config"
// (with a value), "help" and "version"; it is borrowed, not copied.
struct ServerUsage {
  std::string_view program;  // "postern-proxy": prefixes every message
  std::string_view usage;    // the usage block printed with errors and --help
  const std::vector<FlagSpec>& flags;
};

// ServerInvocation is what main does next: serve with `command_line`, or,
// when it is empty, exit with `exit_status` (the answer or the error is
// already written).
struct ServerInvocation {
  std::optional<CommandLine> command_line;
  int exit_status = 0;
};

// ParseServerCommandLine parses `args` (argv without the program name, and
// without a subcommand the caller took off). --help writes the help to
// `out`; --version writes "<program> <version>" to `out`; both exit 0.
// Errors go to `err` as "<program>: <what is wrong>" followed by the usage,
// exit 2. Otherwise the returned command line has --config.
ServerInvocation ParseServerCommandLine(const ServerUsage& server,
                                        const std::vector<std::string>& args, std::ostream& out,
                                        std::ostream& err);

}  // namespace postern::flags

#endif  // POSTERN_COMMON_FLAGS_SERVER_COMMAND_LINE_H_
