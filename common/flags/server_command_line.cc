#include "common/flags/server_command_line.h"

#include "common/version.h"

namespace postern::flags {

Invocation ParseServerCommandLine(const ProgramUsage& server, const std::vector<std::string>& args,
                                  std::ostream& out, std::ostream& err) {
  Invocation run = ParseProgramCommandLine(server, args, out, err);
  if (!run.command_line.has_value()) return run;
  const CommandLine& cl = *run.command_line;
  if (cl.Has("version")) {
    out << server.program << " " << kVersion << "\n";
    return {.exit_status = 0};
  }
  if (!cl.positional().empty()) {
    return UsageError(server, "unexpected argument \"" + cl.positional().front() + "\"", err);
  }
  if (!cl.Has("config")) return UsageError(server, "--config FILE is required", err);
  return run;
}

}  // namespace postern::flags
