#include "common/flags/server_command_line.h"

#include "common/version.h"

namespace postern::flags {
namespace {

ServerInvocation UsageError(const ServerUsage& server, std::string_view error, std::ostream& err) {
  err << server.program << ": " << error << "\n" << server.usage << "\n";
  return {.exit_status = 2};
}

}  // namespace

ServerInvocation ParseServerCommandLine(const ServerUsage& server,
                                        const std::vector<std::string>& args, std::ostream& out,
                                        std::ostream& err) {
  absl::StatusOr<CommandLine> cl = CommandLine::Parse(args, server.flags);
  if (!cl.ok()) return UsageError(server, std::string(cl.status().message()), err);
  if (cl->Has("help")) {
    out << Help(server.usage, server.flags);
    return {.exit_status = 0};
  }
  if (cl->Has("version")) {
    out << server.program << " " << kVersion << "\n";
    return {.exit_status = 0};
  }
  if (!cl->positional().empty()) {
    return UsageError(server, "unexpected argument \"" + cl->positional().front() + "\"", err);
  }
  if (!cl->Has("config")) return UsageError(server, "--config FILE is required", err);
  return {.command_line = *std::move(cl)};
}

}  // namespace postern::flags
