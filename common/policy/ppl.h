// The policy language (Pomerium's PPL) as a syntax tree.
//
// A route's policy is parsed from YAML once per config snapshot (see
// ppl_parser.h) and evaluated by postern-authorize. This header is only the
// shape of a parsed policy: it knows nothing of YAML or of evaluation.
//
//   policy:
//     - allow:
//         or:
//           - email: {is: contractor@not-example.com}
//           - groups: {has: ["datascience@example.com"]}
//
// parses to one Rule{kAllow, {Expression{kOr, [criterion email, criterion groups]}}}.
#ifndef POSTERN_COMMON_POLICY_PPL_H_
#define POSTERN_COMMON_POLICY_PPL_H_

#include <string>
#include <variant>
#include <vector>

namespace postern::policy {

// Where something was written, for error messages and decision reasons.
// `line` and `column` are 1-based; 0 means "not from a file" (e.g. a rule
// synthesized from a legacy route option).
struct SourcePosition {
  int line = 0;
  int column = 0;
};

// An operand as written in YAML: a boolean, a scalar (numbers keep their
// text), or a list of scalars.
using Value = std::variant<bool, std::string, std::vector<std::string>>;

// One operator with its operand, e.g. `starts_with: admin`. The parser has
// already checked that the operator is valid for its criterion and that the
// operand has the right type, so evaluation can compile without failing.
struct Matcher {
  std::string op;  // "is", "not", "contains", "has", "after", ...
  Value operand;
  SourcePosition where;
};

// One criterion: `email: {is: a@example.com}` or `claim/dept: eng`.
//
// A bare operand (`email: a@example.com`) is stored as a single Matcher with
// the criterion's default operator ("is" for string matchers, "has" for list
// matchers), so the evaluator never sees bare values. Several matchers in one
// criterion are ORed, as in Pomerium.
struct Criterion {
  std::string name;     // "email", "claim", "source_ip", ...
  std::string subpath;  // "dept" for "claim/dept"; empty otherwise
  std::vector<Matcher> matchers;
  SourcePosition where;
};

// A criterion, or one of the four conditionals over sub-expressions:
// kAnd (all match), kOr (any matches), kNot (none matches), kNor (not all match).
struct Expression {
  enum class Kind { kCriterion, kAnd, kOr, kNot, kNor };

  Kind kind = Kind::kCriterion;
  Criterion criterion;               // when kind == kCriterion
  std::vector<Expression> children;  // otherwise; may be empty as written
  SourcePosition where;
};

enum class Action { kAllow, kDeny };

// `allow: {...}` or `deny: {...}`. `conditionals` holds the and/or/not/nor
// entries of the action in the order written (each of kind kAnd/kOr/kNot/kNor).
struct Rule {
  Action action = Action::kAllow;
  std::vector<Expression> conditionals;
  SourcePosition where;
};

// A route's whole policy: its `policy` rules followed by the rules its legacy
// options (allowed_users, allowed_domains, ...) translate to.
struct Policy {
  std::vector<Rule> rules;
};

}  // namespace postern::policy

#endif  // POSTERN_COMMON_POLICY_PPL_H_
