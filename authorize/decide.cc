#include "authorize/decide.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace postern::authorize {

const char* KindName(CheckOutcome::Kind kind) {
  switch (kind) {
    case CheckOutcome::Kind::kAllow:
      return "allow";
    case CheckOutcome::Kind::kDeny:
      return "deny";
    case CheckOutcome::Kind::kUnauthenticated:
      return "unauthenticated";
    case CheckOutcome::Kind::kNoRoute:
      return "no_route";
  }
  return "deny";
}

Identity IdentityOf(const session::Session& session) {
  return Identity{.user = session.subject,
                  .email = session.email,
                  .name = session.name,
                  .groups = session.groups,
                  .claims = session.claims};
}

CheckOutcome Decide(const RoutePolicies& policies, const CheckInput& input) {
  CheckOutcome outcome;
  const CompiledPolicy* policy = policies.Find(input.route);
  if (policy == nullptr) {
    outcome.kind = CheckOutcome::Kind::kNoRoute;
    outcome.reasons.push_back(absl::StrCat("no route for ", input.route));
    return outcome;
  }

  std::string session_problem;
  if (!input.session_token.empty()) {
    absl::StatusOr<session::Session> session = session::VerifySessionToken(
        input.session_token, session::AsSecret(policies.config().shared_secret), input.now,
        session::kDefaultSessionAudience);
    if (session.ok()) {
      outcome.session = *std::move(session);
    } else {
      session_problem = absl::StrCat("session rejected: ", session.status().message());
    }
  }

  std::optional<Identity> identity;
  if (outcome.session.has_value()) identity = IdentityOf(*outcome.session);
  Decision decision = policy->Evaluate(Request{.identity = identity ? &*identity : nullptr,
                                               .source_ip = input.source_ip,
                                               .http_method = input.http_method,
                                               .now = input.now});
  switch (decision.verdict) {
    case Verdict::kAllow:
      outcome.kind = CheckOutcome::Kind::kAllow;
      break;
    case Verdict::kDeny:
      outcome.kind = CheckOutcome::Kind::kDeny;
      break;
    case Verdict::kUnauthenticated:
      outcome.kind = CheckOutcome::Kind::kUnauthenticated;
      break;
  }
  if (!session_problem.empty()) outcome.reasons.push_back(std::move(session_problem));
  for (std::string& reason : decision.reasons) outcome.reasons.push_back(std::move(reason));
  return outcome;
}

}  // namespace postern::authorize
