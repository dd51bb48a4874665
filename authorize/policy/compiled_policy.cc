#include "authorize/policy/compiled_policy.h"

#include <algorithm>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace postern::authorize {
namespace {

using Kind = policy::Expression::Kind;

std::string Where(const policy::SourcePosition& where) {
  if (where.line <= 0) return "";
  return absl::StrCat(" (", where.line, ":", where.column, ")");
}

const char* ConditionalWords(Kind kind) {
  switch (kind) {
    case Kind::kAnd:
      return "all of";
    case Kind::kOr:
      return "any of";
    case Kind::kNot:
      return "none of";
    case Kind::kNor:
      return "not all of";
    case Kind::kCriterion:
      break;
  }
  return "";
}

}  // namespace

std::string_view VerdictName(Verdict verdict) {
  switch (verdict) {
    case Verdict::kAllow:
      return "allow";
    case Verdict::kDeny:
      return "deny";
    case Verdict::kUnauthenticated:
      return "unauthenticated";
  }
  return "deny";
}

absl::StatusOr<std::optional<CompiledPolicy::Node>> CompiledPolicy::CompileNode(
    const policy::Expression& expression, const std::string& reason_prefix,
    std::vector<std::string>& session_labels) {
  Node node;
  node.kind = expression.kind;
  if (expression.kind == Kind::kCriterion) {
    absl::StatusOr<CompiledCriterion> criterion = CompiledCriterion::Compile(expression.criterion);
    if (!criterion.ok()) return criterion.status();
    for (const std::string& description : criterion->descriptions()) {
      node.match_reasons.push_back(absl::StrCat(reason_prefix, description));
    }
    if (criterion->needs_session() && std::find(session_labels.begin(), session_labels.end(),
                                                criterion->label()) == session_labels.end()) {
      session_labels.push_back(criterion->label());
    }
    node.criterion = *std::move(criterion);
    return node;
  }

  std::vector<std::string> child_texts;
  for (const policy::Expression& child : expression.children) {
    absl::StatusOr<std::optional<Node>> compiled =
        CompileNode(child, reason_prefix, session_labels);
    if (!compiled.ok()) return compiled.status();
    if (!compiled->has_value()) continue;  // an empty conditional: as if absent
    child_texts.push_back((*compiled)->match_reasons.front().substr(reason_prefix.size()));
    node.children.push_back(**std::move(compiled));
  }
  if (node.children.empty()) return std::nullopt;
  node.match_reasons.push_back(absl::StrCat(reason_prefix, ConditionalWords(expression.kind), " (",
                                            absl::StrJoin(child_texts, "; "), ")"));
  return node;
}

absl::StatusOr<std::optional<CompiledPolicy::Rule>> CompiledPolicy::CompileRule(
    const policy::Rule& rule, int number) {
  const std::string name = absl::StrCat("rule ", number, Where(rule.where));
  const std::string reason_prefix =
      absl::StrCat(rule.action == policy::Action::kAllow ? "allow: " : "deny: ", name, ": ");
  Rule compiled;
  std::vector<std::string> session_labels;
  for (const policy::Expression& conditional : rule.conditionals) {
    absl::StatusOr<std::optional<Node>> node =
        CompileNode(conditional, reason_prefix, session_labels);
    if (!node.ok()) {
      return absl::Status(node.status().code(),
                          absl::StrCat("policy ", name, ": ", node.status().message()));
    }
    if (node->has_value()) compiled.conditionals.push_back(**std::move(node));
  }
  if (compiled.conditionals.empty()) return std::nullopt;
  if (!session_labels.empty()) {
    compiled.unauthenticated_reason =
        absl::StrCat("unauthenticated: ", name, " needs a signed-in user (",
                     absl::StrJoin(session_labels, ", "), ")");
  }
  return compiled;
}

absl::StatusOr<CompiledPolicy> CompiledPolicy::Compile(const policy::Policy& policy) {
  CompiledPolicy compiled;
  for (size_t i = 0; i < policy.rules.size(); ++i) {
    const policy::Rule& rule = policy.rules[i];
    absl::StatusOr<std::optional<Rule>> rule_or = CompileRule(rule, static_cast<int>(i) + 1);
    if (!rule_or.ok()) return rule_or.status();
    if (!rule_or->has_value()) continue;
    (rule.action == policy::Action::kAllow ? compiled.allow_rules_ : compiled.deny_rules_)
        .push_back(**std::move(rule_or));
  }
  compiled.no_allow_reason_ = compiled.allow_rules_.empty() ? "deny: the policy has no allow rule"
                                                            : "deny: no allow rule matched";
  return compiled;
}

CompiledPolicy::Outcome CompiledPolicy::EvaluateNode(const Node& node, const RequestFacts& facts,
                                                     bool exhaustive) {
  switch (node.kind) {
    case Kind::kCriterion: {
      const CompiledCriterion::Outcome outcome = node.criterion->Evaluate(facts);
      return {outcome.matched, outcome.needs_session,
              outcome.matched ? &node.match_reasons[outcome.witness] : nullptr};
    }
    case Kind::kAnd:
    case Kind::kNot: {
      // not = and over the negated children (Pomerium: "(NOT A) AND (NOT B)").
      const bool negate = node.kind == Kind::kNot;
      bool all = true;
      bool session_any = false;
      bool session_failing = false;
      const std::string* first_reason = nullptr;
      for (const Node& child : node.children) {
        const Outcome outcome = EvaluateNode(child, facts, exhaustive);
        session_any |= outcome.needs_session;
        if (outcome.matched == negate) {
          all = false;
          session_failing |= outcome.needs_session;
          if (!exhaustive) break;
        } else if (first_reason == nullptr) {
          first_reason = outcome.reason;
        }
      }
      if (!all) return {false, session_failing, nullptr};
      // A lone child of `and` says more than "all of (it)".
      const bool lone = !negate && node.children.size() == 1;
      return {true, session_any, lone ? first_reason : &node.match_reasons.front()};
    }
    case Kind::kOr:
    case Kind::kNor: {
      // nor = or over the negated children (Pomerium: "(NOT A) OR (NOT B)").
      const bool negate = node.kind == Kind::kNor;
      bool any = false;
      bool session_any = false;
      bool session_matching = false;
      const std::string* first_reason = nullptr;
      for (const Node& child : node.children) {
        const Outcome outcome = EvaluateNode(child, facts, exhaustive);
        session_any |= outcome.needs_session;
        if (outcome.matched != negate) {
          if (!any) first_reason = negate ? &node.match_reasons.front() : outcome.reason;
          any = true;
          session_matching |= outcome.needs_session;
          if (!exhaustive) break;
        }
      }
      if (!any) return {false, session_any, nullptr};
      return {true, session_matching, first_reason};
    }
  }
  return {};
}

CompiledPolicy::SideOutcome CompiledPolicy::EvaluateSide(const std::vector<Rule>& rules,
                                                         const RequestFacts& facts,
                                                         bool exhaustive) {
  // All conditionals of all rules of one action are ORed, as in `or` above.
  bool any = false;
  const std::string* first_reason = nullptr;
  const Rule* session_any_rule = nullptr;
  const Rule* session_matching_rule = nullptr;
  for (const Rule& rule : rules) {
    for (const Node& conditional : rule.conditionals) {
      const Outcome outcome = EvaluateNode(conditional, facts, exhaustive);
      if (outcome.needs_session && session_any_rule == nullptr) session_any_rule = &rule;
      if (!outcome.matched) continue;
      if (!any) first_reason = outcome.reason;
      any = true;
      if (outcome.needs_session && session_matching_rule == nullptr) {
        session_matching_rule = &rule;
      }
      if (!exhaustive) return {{true, false, first_reason}, nullptr};
    }
  }
  if (any) return {{true, session_matching_rule != nullptr, first_reason}, session_matching_rule};
  return {{false, session_any_rule != nullptr, nullptr}, session_any_rule};
}

Decision CompiledPolicy::Evaluate(const Request& request) const {
  const RequestFacts facts(request);
  // Only a request without a session can have criteria that need one, so
  // only then must every branch be looked at.
  const bool exhaustive = request.identity == nullptr;
  const SideOutcome allow = EvaluateSide(allow_rules_, facts, exhaustive);
  const SideOutcome deny = EvaluateSide(deny_rules_, facts, exhaustive);

  Decision decision;
  if (allow.outcome.matched && !deny.outcome.matched) {
    decision.verdict = Verdict::kAllow;
    decision.reasons.push_back(*allow.outcome.reason);
    return decision;
  }
  if (allow.outcome.needs_session || deny.outcome.needs_session) {
    decision.verdict = Verdict::kUnauthenticated;
    const Rule* rule =
        allow.outcome.needs_session ? allow.needs_session_rule : deny.needs_session_rule;
    decision.reasons.push_back(rule->unauthenticated_reason);
    return decision;
  }
  decision.verdict = Verdict::kDeny;
  if (deny.outcome.matched) decision.reasons.push_back(*deny.outcome.reason);
  if (!allow.outcome.matched) decision.reasons.push_back(no_allow_reason_);
  return decision;
}

}  // namespace postern::authorize
