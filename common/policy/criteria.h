// The criteria catalogue: which criteria the policy language has, which
// operators each accepts, and what operand each operator takes. The parser
// validates against it, reading operand text with the readers of
// ip_prefix.h and calendar.h; the evaluator compiles with the same readers,
// so a value the parser accepted always compiles.
//
//   const CriterionSpec* email = FindCriterion("email");
//   const OperatorSpec* op = FindOperator(*email, "starts_with");   // kString
//   ValidateOperandText(*FindCriterion("source_ip"), "in", "10.0.0.0/33");  // error
//
// Criteria and their operators:
//   accept, reject, authenticated_user   is: true|false (bare boolean -> is)
//   email, user, domain, http_method     is, not, contains, starts_with,
//                                        ends_with: string; in, not_in: list
//                                        (bare string -> is)
//   groups, claim/<name>                 has, is, exclude: string or list
//                                        (bare string or list -> has; a list
//                                        given to has means "has any of")
//   source_ip                            in: list of addresses or CIDRs (bare
//                                        string/list and `is` normalise to in)
//   date                                 after, before: RFC 3339 timestamp
//   day_of_week                          is: "mon-fri", "sat,sun", "tue"
//                                        (bare -> is); timezone: IANA name
//   time_of_day                          after, before: "HH:MM[:SS]";
//                                        timezone: IANA name
//
// `timezone` is stored as a Matcher like the others (op "timezone"). It is a
// setting of its criterion, not a condition: for date, day_of_week and
// time_of_day the evaluator applies the timezone and requires every remaining
// matcher to hold (after AND before), unlike the ORed matchers of the string
// and list criteria.
#ifndef POSTERN_COMMON_POLICY_CRITERIA_H_
#define POSTERN_COMMON_POLICY_CRITERIA_H_

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "common/policy/ppl.h"

namespace postern::policy {

// How a criterion's values are read; the evaluator switches on it.
enum class CriterionKind {
  kBoolean,    // accept, reject, authenticated_user
  kString,     // email, user, domain, http_method
  kList,       // groups, claim/<name>
  kSourceIp,   // source_ip
  kDate,       // date
  kDayOfWeek,  // day_of_week
  kTimeOfDay,  // time_of_day
};

// The shape an operator's operand must have.
enum class OperandType {
  kBool,          // true / false
  kString,        // one scalar
  kStringList,    // a list of scalars
  kStringOrList,  // either
};

struct OperatorSpec {
  std::string_view name;
  OperandType operand;
};

struct CriterionSpec {
  std::string_view name;
  CriterionKind kind;
  bool requires_subpath;  // claim/<name>; every other criterion refuses one
  // The operator a bare operand (not a map of operators) stands for; empty if
  // the criterion needs an explicit operator (date, time_of_day).
  std::string_view bare_operator;
  absl::Span<const OperatorSpec> operators;
};

// AllCriteria lists the catalogue in a fixed order (for error messages).
absl::Span<const CriterionSpec> AllCriteria();

// FindCriterion returns the criterion named `name` (without subpath), or
// nullptr. The catalogue is static: pointers stay valid for the process.
const CriterionSpec* FindCriterion(std::string_view name);

// FindOperator returns `spec`'s operator named `op`, or nullptr.
const OperatorSpec* FindOperator(const CriterionSpec& spec, std::string_view op);

// OperatorNames is "is, not, contains, ..." for "expected one of" messages.
std::string OperatorNames(const CriterionSpec& spec);

// ValidateOperandText checks one operand string of operator `op` (for a list
// operand, call it for each element). Strings for the string and list
// criteria must not be empty. Returns kInvalidArgument with a
// lower-case message without position (the caller adds it), OK otherwise.
absl::Status ValidateOperandText(const CriterionSpec& spec, std::string_view op,
                                 std::string_view text);

// ValidateMatcher checks a whole matcher: operator known for `spec`, operand
// of the right type, every operand string valid. For ASTs not built by the
// parser (legacy options, tests) and for the evaluator's own assertions.
absl::Status ValidateMatcher(const CriterionSpec& spec, const Matcher& matcher);

}  // namespace postern::policy

#endif  // POSTERN_COMMON_POLICY_CRITERIA_H_
