// Which session token `postern tcp` sends: --service-account, else
// --service-account-file, else the token cached for the proxy, else none.
//
//   absl::StatusOr<ChosenToken> chosen = ChooseSessionToken(settings, &cache, absl::Now());
//   if (!chosen.ok()) { print chosen.status().message(); exit 2; }
//   for (const std::string& w : chosen->warnings) log::Warn("%s", w);
#ifndef POSTERN_CLI_SESSION_TOKEN_H_
#define POSTERN_CLI_SESSION_TOKEN_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "cli/connect_refusal.h"
#include "cli/tcp_flags.h"
#include "cli/token_cache.h"

namespace postern::cli {

struct ChosenToken {
  std::string token;  // empty: none; a secret, never logged
  TokenSource source = TokenSource::kNone;
  // Things the user should know, e.g. that the given token has expired.
  std::vector<std::string> warnings;
  // Why the cache supplied nothing (for a debug line); empty otherwise.
  std::string cache_miss;
};

// ChooseSessionToken picks the token as above. `cache` may be null (no
// cache directory). A token from the command line or its file must be
// sendable: kInvalidArgument names the flag if the file cannot be read or
// holds no token, or if the token has characters no JWT has. One that has
// expired, or whose expiry cannot be read, is still sent (the proxy has the
// last word) with a warning.
absl::StatusOr<ChosenToken> ChooseSessionToken(const TcpSettings& settings, const TokenCache* cache,
                                               absl::Time now);

}  // namespace postern::cli

#endif  // POSTERN_CLI_SESSION_TOKEN_H_
