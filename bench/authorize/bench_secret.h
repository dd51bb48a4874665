// The shared secret for the benchmark tools, from `--secret BASE64` or
// `--secret-file FILE` (the file holds the base64 text, as a config's
// shared_secret does), so the tools and the server under test agree.
//
//   absl::StatusOr<std::string> secret = SecretFromFlags(command_line);
//   session::MintServiceToken(session::AsSecret(*secret), absl::Now());
#ifndef POSTERN_BENCH_AUTHORIZE_BENCH_SECRET_H_
#define POSTERN_BENCH_AUTHORIZE_BENCH_SECRET_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/flags/command_line.h"

namespace postern::bench {

// WithSecretFlags returns `specs` after the two flags SecretFromFlags reads
// (--secret, --secret-file). A function, not constants, because tools build
// their flag lists during static initialization.
std::vector<flags::FlagSpec> WithSecretFlags(std::vector<flags::FlagSpec> specs);

// SecretFromFlags returns the decoded 32-byte secret. Exactly one of the two
// flags must be given; a missing file, bad base64 or wrong length is
// kInvalidArgument naming the flag (never echoing the secret).
absl::StatusOr<std::string> SecretFromFlags(const flags::CommandLine& command_line);

}  // namespace postern::bench

#endif  // POSTERN_BENCH_AUTHORIZE_BENCH_SECRET_H_
