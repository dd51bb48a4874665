// postern: the workstation client. Carries local TCP connections (or
// stdin/stdout) to services behind postern-proxy.
//
//   postern tcp [--listen ADDR:PORT | --listen -] [--proxy-url URL] DEST ...
//   postern cache location | postern cache clear
#include <iostream>
#include <string>
#include <vector>

#include "cli/cache_command.h"
#include "cli/tcp_command.h"
#include "common/flags/command_line.h"
#include "common/version.h"

namespace {

constexpr char kUsage[] =
    "usage: postern tcp [flags] DEST      carry local connections to DEST through the proxy\n"
    "       postern cache location|clear  where session tokens are cached; remove them\n"
    "       postern --version\n"
    "\n"
    "Run `postern tcp --help` for the tunnel's flags.\n";

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args = postern::flags::Arguments(argc, argv);
  if (args.empty()) {
    std::cerr << kUsage;
    return 2;
  }
  const std::string command = args.front();
  args.erase(args.begin());
  if (command == "tcp") return postern::cli::RunTcpCommand(args);
  if (command == "cache") return postern::cli::RunCacheCommand(args);
  if (command == "--help" || command == "-help" || command == "-h" || command == "help") {
    std::cout << kUsage;
    return 0;
  }
  if (command == "--version" || command == "-version" || command == "version") {
    std::cout << "postern " << postern::kVersion << "\n";
    return 0;
  }
  std::cerr << "postern: unknown command \"" << command << "\"\n" << kUsage;
  return 2;
}
