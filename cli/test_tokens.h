// Test-only: real session tokens (signed with a throwaway secret) with a
// chosen expiry, for tests of what the CLI reads from a token.
//
//   std::string token = TokenExpiringAt(absl::Now() + absl::Hours(1));
#ifndef POSTERN_CLI_TEST_TOKENS_H_
#define POSTERN_CLI_TEST_TOKENS_H_

#include <string>

#include "absl/time/time.h"

namespace postern::cli {

// TokenExpiringAt returns a session token for "test-user" whose exp is
// `expiry`, issued an hour before it.
std::string TokenExpiringAt(absl::Time expiry);

}  // namespace postern::cli

#endif  // POSTERN_CLI_TEST_TOKENS_H_
