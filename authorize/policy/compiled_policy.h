// A route's policy compiled for fast, lock-free decisions.
//
// Compile once per config snapshot, evaluate per connection attempt:
//
//   absl::StatusOr<CompiledPolicy> policy = CompiledPolicy::Compile(route.policy);
//   Identity alice{.user = "u1", .email = "contractor@not-example.com"};
//   Decision decision = policy->Evaluate({.identity = &alice, .source_ip = "192.0.2.7",
//                                         .now = absl::Now()});
//   // decision.verdict == Verdict::kAllow,
//   // decision.reasons == {"allow: rule 1 (3:7): email is contractor@not-example.com"}
//
// Semantics (Pomerium's PPL; see criterion.h for single criteria):
// - Access needs at least one matching allow rule and no matching deny rule:
//   deny wins. A policy without allow rules denies everything.
// - and: all children match; or: any matches; not: none matches; nor: not all
//   match.
// - A rule's several conditionals (`allow: {and: [...], or: [...]}`) are ORed,
//   like all rules of the same action: Pomerium's generator
//   (pkg/policy/generator/generator.go, Generate) collects one term per
//   non-empty and/or/not/nor of every rule of an action and ORs the terms.
// - A conditional with no children is ignored as if absent: Pomerium's
//   generator skips `len(...) == 0` conditionals, so an empty `not` denies
//   nobody and an empty `and` allows nobody. We apply the same at every level
//   of nesting: a nested conditional whose children are all empty (or
//   ignored) is itself ignored.
// - "unauthenticated" (log in, then retry) answers a request that is not
//   granted when a criterion needing a session (email, user, domain, groups,
//   claim, authenticated_user) was evaluated without one AND contributed to
//   the outcome of its allow or deny side: as in Pomerium, where such a
//   criterion yields false with reason "user-unauthenticated" and the `and`/
//   `or` merges keep the reasons of the children that agree with the
//   result (pkg/policy/rules/rules.go merge_with_and / merge_with_or;
//   not/nor invert the value and keep the reasons). So `deny: {not: [email:
//   ...]}` without a session asks for a login, while a deny rule that matched
//   on source_ip alone is a plain deny even if another deny criterion needed
//   a session. Refusals no session could change (reject, source_ip, no allow
//   rule, no rules at all) are a plain deny. Unlike Pomerium, which redirects
//   to login whenever that reason appears, a request that is granted stays
//   granted.
#ifndef POSTERN_AUTHORIZE_POLICY_COMPILED_POLICY_H_
#define POSTERN_AUTHORIZE_POLICY_COMPILED_POLICY_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "authorize/policy/criterion.h"
#include "authorize/policy/request.h"
#include "common/policy/ppl.h"

namespace postern::authorize {

enum class Verdict {
  kAllow,
  kDeny,             // known user (or none needed), and no
  kUnauthenticated,  // not granted, and a login may change that
};

// VerdictName is "allow", "deny" or "unauthenticated", as in `eval` output.
std::string_view VerdictName(Verdict verdict);

struct Decision {
  Verdict verdict = Verdict::kDeny;
  // What decided, for logs and for `postern-authorize eval`; at least one.
  // Stable forms:
  //   "allow: rule 1 (3:7): email is contractor@not-example.com"
  //   "deny: rule 2 (9:7): source_ip in [10.0.0.0/8]"
  //   "deny: no allow rule matched" / "deny: the policy has no allow rule"
  //   "unauthenticated: rule 1 (3:7) needs a signed-in user (email, groups)"
  // Rules are numbered from 1 in policy order; "(line:column)" appears when
  // the rule came from a file.
  std::vector<std::string> reasons;
};

// An immutable compiled policy. Copyable; Evaluate is thread-safe and takes
// no lock.
class CompiledPolicy {
 public:
  // Compile checks and pre-parses every criterion of `policy` (see
  // CompiledCriterion::Compile). Fails with kInvalidArgument naming the rule
  // and criterion at fault.
  static absl::StatusOr<CompiledPolicy> Compile(const policy::Policy& policy);

  // Evaluate decides one request. Allocates only the returned reasons.
  Decision Evaluate(const Request& request) const;

 private:
  // One expression node: a criterion, or a conditional over children.
  struct Node {
    policy::Expression::Kind kind = policy::Expression::Kind::kCriterion;
    std::optional<CompiledCriterion> criterion;  // when kind == kCriterion
    std::vector<Node> children;
    // The reason reported when this node decides that its rule matched,
    // prefixed with action and rule ("allow: rule 1: ..."); for a criterion,
    // one per entry of CompiledCriterion::descriptions().
    std::vector<std::string> match_reasons;
  };

  struct Rule {
    std::vector<Node> conditionals;  // ORed; never empty
    std::string unauthenticated_reason;
  };

  // The result of a node, a rule or a whole side (allow or deny).
  struct Outcome {
    bool matched = false;
    bool needs_session = false;           // see the header comment
    const std::string* reason = nullptr;  // when matched
  };
  struct SideOutcome {
    Outcome outcome;
    const Rule* needs_session_rule = nullptr;  // a rule that set needs_session
  };

  static absl::StatusOr<std::optional<Node>> CompileNode(const policy::Expression& expression,
                                                         const std::string& reason_prefix,
                                                         std::vector<std::string>& session_labels);
  static absl::StatusOr<std::optional<Rule>> CompileRule(const policy::Rule& rule, int number);

  // `exhaustive` evaluates every child even after the result is known, as
  // needed to tell which session criteria contributed; without a session to
  // worry about, evaluation stops early.
  static Outcome EvaluateNode(const Node& node, const RequestFacts& facts, bool exhaustive);
  static SideOutcome EvaluateSide(const std::vector<Rule>& rules, const RequestFacts& facts,
                                  bool exhaustive);

  std::vector<Rule> allow_rules_;
  std::vector<Rule> deny_rules_;
  std::string no_allow_reason_;
};

}  // namespace postern::authorize

#endif  // POSTERN_AUTHORIZE_POLICY_COMPILED_POLICY_H_
