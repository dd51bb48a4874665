// Decide: the whole authorize decision for one tunnel, from raw inputs.
//
// Verifies the session token (HS256 with the shared secret, algorithm pinned,
// exp strict, iat/nbf with 60 s skew, audience checked), finds the route's
// compiled policy and evaluates it. A token that fails verification counts as
// no session: the policy may still allow public routes, and otherwise the
// answer asks the user to log in again. The gRPC service and tests share it.
//
//   CheckOutcome outcome = Decide(*policies, {.route = "redis.corp.example.com:6379",
//                                             .session_token = token,
//                                             .source_ip = "192.0.2.7",
//                                             .now = absl::Now()});
#ifndef POSTERN_AUTHORIZE_DECIDE_H_
#define POSTERN_AUTHORIZE_DECIDE_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "authorize/route_policies.h"
#include "common/session/session.h"

namespace postern::authorize {

struct CheckInput {
  std::string route;          // route key, "host:port"
  std::string session_token;  // empty: none presented
  std::string source_ip;
  std::string http_method = "CONNECT";
  absl::Time now;
};

struct CheckOutcome {
  enum class Kind { kAllow, kDeny, kUnauthenticated, kNoRoute };
  Kind kind = Kind::kDeny;
  std::vector<std::string> reasons;
  std::optional<session::Session> session;  // the verified session, if any
};

// KindName returns "allow", "deny", "unauthenticated" or "no_route".
const char* KindName(CheckOutcome::Kind kind);

// IdentityOf maps a verified session to what policies match against.
Identity IdentityOf(const session::Session& session);

// Decide never fails: every problem is an outcome with a reason.
CheckOutcome Decide(const RoutePolicies& policies, const CheckInput& input);

}  // namespace postern::authorize

#endif  // POSTERN_AUTHORIZE_DECIDE_H_
