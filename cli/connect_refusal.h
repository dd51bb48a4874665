// What a user reads when the proxy answers a CONNECT with anything but 2xx:
// the status turned into a sentence that says what happened and what to do,
// with the proxy's own explanation (its answer's body) included.
//
//   absl::Status why = ExplainRefusal(response, {proxy, target, TokenSource::kNone});
//   // 403: "access to redis.corp.example.com:6379 denied by policy (403: email is not allowed)"
#ifndef POSTERN_CLI_CONNECT_REFUSAL_H_
#define POSTERN_CLI_CONNECT_REFUSAL_H_

#include "absl/status/status.h"
#include "common/tunnel/authority.h"
#include "common/tunnel/connect_response.h"

namespace postern::cli {

// Where the session token sent with the CONNECT came from: the advice after
// a 401 depends on it.
enum class TokenSource {
  kNone,            // no token was sent
  kServiceAccount,  // --service-account or --service-account-file
  kCache,           // the token cached for this proxy
  kLogin,           // the token a browser login just delivered
};

struct RefusalContext {
  tunnel::Authority proxy;
  tunnel::Authority target;
  TokenSource token_source = TokenSource::kNone;
};

// ExplainRefusal returns the error for a refused CONNECT (`response.status`
// not 2xx), with the status code DESIGN.md's table implies:
// kUnauthenticated (401), kPermissionDenied (403), kNotFound (404),
// kUnavailable (502, 503, 504), kFailedPrecondition (anything else). The
// proxy's body is included on one line, control characters replaced and
// bounded in length, since it comes from the network.
absl::Status ExplainRefusal(const tunnel::ConnectResponse& response, const RefusalContext& context);

}  // namespace postern::cli

#endif  // POSTERN_CLI_CONNECT_REFUSAL_H_
