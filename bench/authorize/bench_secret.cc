#include "bench/authorize/bench_secret.h"

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "common/config/secret.h"

namespace postern::bench {

std::vector<flags::FlagSpec> WithSecretFlags(std::vector<flags::FlagSpec> specs) {
  std::vector<flags::FlagSpec> all = {
      {.name = "secret", .value_name = "BASE64", .help = "the shared secret, base64 (32 bytes)"},
      {.name = "secret-file",
       .value_name = "FILE",
       .help = "a file holding the shared secret in base64, as the config's shared_secret"},
  };
  all.insert(all.end(), specs.begin(), specs.end());
  return all;
}

absl::StatusOr<std::string> SecretFromFlags(const flags::CommandLine& command_line) {
  const bool inline_secret = command_line.Has("secret");
  const bool file_secret = command_line.Has("secret-file");
  if (inline_secret == file_secret) {
    return absl::InvalidArgumentError("give exactly one of --secret BASE64 and --secret-file FILE");
  }
  std::string text;
  std::string source = "--secret";
  if (inline_secret) {
    text = command_line.Value("secret");
  } else {
    const std::string path = command_line.Value("secret-file");
    source = absl::StrCat("--secret-file ", path);
    std::ifstream file(path, std::ios::binary);
    if (!file) return absl::InvalidArgumentError(absl::StrCat("cannot read ", source));
    std::ostringstream contents;
    contents << file.rdbuf();
    text = contents.str();
  }
  absl::StatusOr<std::string> secret = config::DecodeSecret(text);
  if (!secret.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(source, ": ", secret.status().message()));
  }
  return secret;
}

}  // namespace postern::bench
