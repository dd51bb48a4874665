#include "cli/cache_command.h"

#include <iostream>

#include "absl/strings/str_cat.h"
#include "cli/token_cache.h"
#include "common/flags/command_line.h"

namespace postern::cli {
namespace {

constexpr char kUsage[] =
    "usage: postern cache location   print the directory session tokens are cached in\n"
    "       postern cache clear      remove every cached session token";

const std::vector<flags::FlagSpec> kFlags = {
    {.name = "help", .help = "print this help"},
};

int UsageError(absl::string_view message) {
  std::cerr << "postern cache: " << message << "\n" << kUsage << "\n";
  return 2;
}

}  // namespace

int RunCacheCommand(const std::vector<std::string>& args) {
  absl::StatusOr<flags::CommandLine> cl = flags::CommandLine::Parse(args, kFlags);
  if (!cl.ok()) return UsageError(cl.status().message());
  if (cl->Has("help")) {
    std::cout << flags::Help(kUsage, kFlags);
    return 0;
  }
  const std::vector<std::string>& positional = cl->positional();
  if (positional.size() != 1 || (positional[0] != "location" && positional[0] != "clear")) {
    return UsageError(positional.empty() ? "expected location or clear"
                                         : absl::StrCat("unknown subcommand \"", positional[0],
                                                        "\"; expected location or clear"));
  }
  absl::StatusOr<std::string> directory = DefaultCacheDirectory();
  if (!directory.ok()) {
    std::cerr << "postern: " << directory.status().message() << "\n";
    return 1;
  }
  if (positional[0] == "location") {
    std::cout << *directory << "\n";
    return 0;
  }
  absl::StatusOr<int> removed = TokenCache(*directory).Clear();
  if (!removed.ok()) {
    std::cerr << "postern: " << removed.status().message() << "\n";
    return 1;
  }
  std::cout << "removed " << *removed << " cached session token" << (*removed == 1 ? "" : "s")
            << " from " << *directory << "\n";
  return 0;
}

}  // namespace postern::cli
