#include "common/flags/server_command_line.h"

#include "common/version.h"

namespace postern::flags {

Invocation ParseServerCommandLine(const ProgramUsage& server, const std::vector<std::string>& args,
                                  std::ostream& out, std::ostream& err) {
  ProgramUsage flags_only = server;
  flags_only.takes_arguments = false;
  Invocation run = ParseProgramCommandLine(flags_only, args, out, err);
  if (!run.command_line.has_value()) return run;
  const CommandLine& cl = *run.command_line;
  if (cl.Has("version")) {
    out << server.program << " " << kVersion << "\n";
    return {.exit_status = 0};
  }
  if (!cl.Has("config")) return UsageError(server, "--config FILE is required", err);
  return run;
}

}  // namespace postern::flags
