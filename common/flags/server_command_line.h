// The command-line contract both servers (postern-proxy, postern-authorize)
// keep: --help and --version answer and exit 0; an unknown flag, a stray
// argument or a missing --config prints the error and the usage and exits 2.
//
//   flags::Invocation run = flags::ParseServerCommandLine(
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

// ParseServerCommandLine parses `args` (argv without the program name, and
// without a subcommand the caller took off) as ParseProgramCommandLine
// does, and more: --version writes "<program> <version>" to `out`, exit 0;
// a positional argument or a missing --config is an error, exit 2.
// Otherwise the returned command line has --config. The server's `flags`
// must declare "config" (with a value), "help" and "version".
Invocation ParseServerCommandLine(const ProgramUsage& server, const std::vector<std::string>& args,
                                  std::ostream& out, std::ostream& err);

}  // namespace postern::flags

#endif  // POSTERN_COMMON_FLAGS_SERVER_COMMAND_LINE_H_
