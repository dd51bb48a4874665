// `postern tcp`: flags, TLS and token set-up, then either the local listener
// or the stdin/stdout tunnel, until the work is done or a signal arrives.
//
//   int main(int argc, char** argv) { ... return RunTcpCommand(args_after_tcp); }
#ifndef POSTERN_CLI_TCP_COMMAND_H_
#define POSTERN_CLI_TCP_COMMAND_H_

#include <string>
#include <vector>

namespace postern::cli {

// RunTcpCommand runs `postern tcp` with the arguments after "tcp" and
// returns the exit status: 0 after a clean end (SIGINT, SIGTERM or SIGHUP
// close every tunnel first; with --listen -, also when the tunnel ends),
// 1 on a runtime failure (port in use, the tunnel could not be opened or
// broke), 2 on bad usage or configuration (flags, DEST, CA file, token
// file). Fatal errors are one line on stderr: "postern: <reason>".
int RunTcpCommand(const std::vector<std::string>& args);

}  // namespace postern::cli

#endif  // POSTERN_CLI_TCP_COMMAND_H_
