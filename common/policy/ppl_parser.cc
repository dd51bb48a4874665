#include "common/policy/ppl_parser.h"

#include <exception>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/config/absl_view.h"
#include "common/policy/criteria.h"
#include "common/status_macros.h"

namespace postern::policy {
namespace {

using config::AbslView;
using config::QuoteForError;
using config::YamlSource;

constexpr char kConditionals[] = "and, or, not, nor";

bool ConditionalKind(std::string_view key, Expression::Kind* kind) {
  if (key == "and") {
    *kind = Expression::Kind::kAnd;
  } else if (key == "or") {
    *kind = Expression::Kind::kOr;
  } else if (key == "not") {
    *kind = Expression::Kind::kNot;
  } else if (key == "nor") {
    *kind = Expression::Kind::kNor;
  } else {
    return false;
  }
  return true;
}

std::string KeyList(const std::vector<std::pair<std::string, YamlSource>>& entries) {
  std::vector<std::string> keys;
  for (const auto& entry : entries) keys.push_back(QuoteForError(entry.first));
  return absl::StrJoin(keys, ", ");
}

std::string CriterionNames() {
  std::vector<std::string> names;
  for (const CriterionSpec& spec : AllCriteria()) {
    names.push_back(spec.requires_subpath ? absl::StrCat(AbslView(spec.name), "/<name>")
                                          : std::string(spec.name));
  }
  return absl::StrJoin(names, ", ");
}

class PolicyParser {
 public:
  explicit PolicyParser(ParseLimits& limits) : limits_(limits) {}

  absl::StatusOr<Policy> Parse(const YamlSource& source) {
    Policy policy;
    if (source.IsMap()) {
      auto rule = ParseRule(source);
      if (!rule.ok()) return rule.status();
      policy.rules.push_back(*std::move(rule));
      return policy;
    }
    if (!source.IsList()) {
      return source.Error(absl::StrCat("expected a rule (allow or deny) or a list of rules, got ",
                                       source.Describe()));
    }
    auto elements = source.Elements();
    if (!elements.ok()) return elements.status();
    for (const YamlSource& element : *elements) {
      auto rule = ParseRule(element);
      if (!rule.ok()) return rule.status();
      policy.rules.push_back(*std::move(rule));
    }
    return policy;
  }

 private:
  absl::Status Spend(const YamlSource& at) {
    if (++limits_.used_items > limits_.max_items) {
      return at.Error(absl::StrCat("policy too large: more than ", limits_.max_items,
                                   " terms and values in this file (YAML aliases count each time "
                                   "they are used)"));
    }
    return absl::OkStatus();
  }

  absl::StatusOr<Rule> ParseRule(const YamlSource& source) {
    POSTERN_RETURN_IF_ERROR(Spend(source));
    if (!source.IsMap()) {
      return source.Error(
          absl::StrCat("expected a rule map with allow or deny, got ", source.Describe()));
    }
    auto entries = source.Entries();
    if (!entries.ok()) return entries.status();
    if (entries->size() != 1) {
      return source.Error(absl::StrCat("a rule has exactly one key, allow or deny; got ",
                                       entries->size(), " keys",
                                       entries->empty() ? "" : " (" + KeyList(*entries) + ")"));
    }
    const auto& [action_name, body] = entries->front();
    Rule rule;
    rule.where = body.key_position();
    if (action_name == "allow") {
      rule.action = Action::kAllow;
    } else if (action_name == "deny") {
      rule.action = Action::kDeny;
    } else {
      return body.AtKey().Error(absl::StrCat("unknown rule action ", QuoteForError(action_name),
                                             "; expected allow or deny"));
    }
    if (!body.IsMap()) {
      return body.Error(
          absl::StrCat("expected a map of ", kConditionals, ", got ", body.Describe()));
    }
    auto conditionals = body.Entries();
    if (!conditionals.ok()) return conditionals.status();
    if (conditionals->empty()) {
      return body.Error(absl::StrCat(action_name, " needs at least one of ", kConditionals));
    }
    for (const auto& [name, terms] : *conditionals) {
      Expression::Kind kind;
      if (!ConditionalKind(name, &kind)) {
        return terms.AtKey().Error(absl::StrCat("unknown conditional ", QuoteForError(name),
                                                "; expected one of ", kConditionals,
                                                " with a list of criteria under it"));
      }
      auto conditional = ParseConditional(kind, terms, /*depth=*/1);
      if (!conditional.ok()) return conditional.status();
      rule.conditionals.push_back(*std::move(conditional));
    }
    return rule;
  }

  absl::StatusOr<Expression> ParseConditional(Expression::Kind kind, const YamlSource& terms,
                                              int depth) {
    if (depth > limits_.max_depth) {
      return terms.AtKey().Error(
          absl::StrCat("conditionals nested deeper than ", limits_.max_depth, " levels"));
    }
    POSTERN_RETURN_IF_ERROR(Spend(terms));
    if (!terms.IsList()) {
      return terms.Error(absl::StrCat("expected a list of criteria, got ", terms.Describe()));
    }
    Expression expression;
    expression.kind = kind;
    expression.where = terms.key_position();
    auto elements = terms.Elements();
    if (!elements.ok()) return elements.status();
    for (const YamlSource& term : *elements) {
      auto child = ParseTerm(term, depth);
      if (!child.ok()) return child.status();
      expression.children.push_back(*std::move(child));
    }
    return expression;
  }

  absl::StatusOr<Expression> ParseTerm(const YamlSource& term, int depth) {
    POSTERN_RETURN_IF_ERROR(Spend(term));
    if (!term.IsMap()) {
      return term.Error(absl::StrCat("expected a criterion such as {email: {is: ...}} or a nested ",
                                     kConditionals, ", got ", term.Describe()));
    }
    auto entries = term.Entries();
    if (!entries.ok()) return entries.status();
    if (entries->size() != 1) {
      return term.Error(absl::StrCat(
          "a criterion map has exactly one key; got ", entries->size(), " keys",
          entries->empty() ? "" : " (" + KeyList(*entries) + "); write each as its own list item"));
    }
    const auto& [key, value] = entries->front();
    Expression::Kind kind;
    if (ConditionalKind(key, &kind)) return ParseConditional(kind, value, depth + 1);
    Expression expression;
    expression.kind = Expression::Kind::kCriterion;
    expression.where = value.key_position();
    auto criterion = ParseCriterion(key, value);
    if (!criterion.ok()) return criterion.status();
    expression.criterion = *std::move(criterion);
    return expression;
  }

  absl::StatusOr<Criterion> ParseCriterion(const std::string& key, const YamlSource& value) {
    Criterion criterion;
    criterion.where = value.key_position();
    const size_t slash = key.find('/');
    criterion.name = key.substr(0, slash);
    if (slash != std::string::npos) criterion.subpath = key.substr(slash + 1);
    const CriterionSpec* spec = FindCriterion(criterion.name);
    if (spec == nullptr) {
      return value.AtKey().Error(absl::StrCat("unknown criterion ", QuoteForError(criterion.name),
                                              "; expected one of ", CriterionNames()));
    }
    if (spec->requires_subpath && criterion.subpath.empty()) {
      return value.AtKey().Error(absl::StrCat(AbslView(spec->name), " needs a claim name, as in ",
                                              AbslView(spec->name), "/department"));
    }
    if (!spec->requires_subpath && slash != std::string::npos) {
      return value.AtKey().Error(
          absl::StrCat(AbslView(spec->name), " takes no subpath; got ", QuoteForError(key)));
    }
    if (value.IsMap()) {
      POSTERN_RETURN_IF_ERROR(ParseOperators(*spec, value, criterion.matchers));
    } else {
      auto matcher = ParseBare(*spec, value);
      if (!matcher.ok()) return matcher.status();
      criterion.matchers.push_back(*std::move(matcher));
    }
    return criterion;
  }

  // A bare operand: `email: a@example.com`, `groups: [a, b]`, `accept: true`.
  absl::StatusOr<Matcher> ParseBare(const CriterionSpec& spec, const YamlSource& value) {
    if (spec.bare_operator.empty()) {
      return value.Error(absl::StrCat("expected a map of operators (", OperatorNames(spec),
                                      "), got ", value.Describe()));
    }
    const OperatorSpec* op = FindOperator(spec, spec.bare_operator);
    // source_ip: a single address is a one-element list.
    const OperandType type =
        spec.kind == CriterionKind::kSourceIp ? OperandType::kStringOrList : op->operand;
    auto operand = ParseOperand(spec, op->name, type, value);
    if (!operand.ok()) return operand.status();
    Matcher matcher{std::string(op->name), *std::move(operand), value.position()};
    Normalize(spec, matcher);
    return matcher;
  }

  absl::Status ParseOperators(const CriterionSpec& spec, const YamlSource& value,
                              std::vector<Matcher>& matchers) {
    auto entries = value.Entries();
    if (!entries.ok()) return entries.status();
    if (entries->empty()) {
      return value.Error(
          absl::StrCat("expected at least one operator (", OperatorNames(spec), ")"));
    }
    bool has_condition = false;
    for (const auto& [name, operand_source] : *entries) {
      POSTERN_RETURN_IF_ERROR(Spend(operand_source));
      OperandType type;
      if (spec.kind == CriterionKind::kSourceIp && name == "is") {
        type = OperandType::kStringOrList;
      } else if (const OperatorSpec* op = FindOperator(spec, name); op != nullptr) {
        type = op->operand;
      } else {
        return operand_source.AtKey().Error(
            absl::StrCat("unknown operator ", QuoteForError(name), " for ", AbslView(spec.name),
                         "; expected one of ",
                         spec.kind == CriterionKind::kSourceIp ? "is, in" : OperatorNames(spec)));
      }
      auto operand = ParseOperand(spec, name, type, operand_source);
      if (!operand.ok()) return operand.status();
      Matcher matcher{name, *std::move(operand), operand_source.key_position()};
      Normalize(spec, matcher);
      if (matcher.op != "timezone") has_condition = true;
      matchers.push_back(std::move(matcher));
    }
    if (!has_condition) {
      return value.Error(absl::StrCat(
          AbslView(spec.name), " needs ",
          spec.kind == CriterionKind::kDayOfWeek ? "is" : "after or before", " besides timezone"));
    }
    return absl::OkStatus();
  }

  absl::StatusOr<Value> ParseOperand(const CriterionSpec& spec, std::string_view op,
                                     OperandType type, const YamlSource& source) {
    const char* expected = type == OperandType::kBool         ? "true or false"
                           : type == OperandType::kString     ? "a string"
                           : type == OperandType::kStringList ? "a list of strings"
                                                              : "a string or a list";
    if (type == OperandType::kBool) {
      if (!source.IsBoolean()) {
        return source.Error(absl::StrCat("expected true or false, got ",
                                         source.IsScalar() ? QuoteForError(source.node().Scalar())
                                                           : std::string(source.Describe())));
      }
      auto value = source.Bool();
      if (!value.ok()) return value.status();
      return Value(*value);
    }
    const bool scalar_ok = type == OperandType::kString || type == OperandType::kStringOrList;
    const bool list_ok = type == OperandType::kStringList || type == OperandType::kStringOrList;
    if (source.IsScalar() && scalar_ok) {
      std::string text = source.node().Scalar();
      POSTERN_RETURN_IF_ERROR(CheckText(spec, op, text, source));
      return Value(std::move(text));
    }
    if (source.IsList() && list_ok) {
      auto elements = source.Elements();
      if (!elements.ok()) return elements.status();
      std::vector<std::string> values;
      values.reserve(elements->size());
      for (const YamlSource& element : *elements) {
        POSTERN_RETURN_IF_ERROR(Spend(element));
        if (!element.IsScalar()) {
          return element.Error(absl::StrCat("expected a string, got ", element.Describe()));
        }
        POSTERN_RETURN_IF_ERROR(CheckText(spec, op, element.node().Scalar(), element));
        values.push_back(element.node().Scalar());
      }
      return Value(std::move(values));
    }
    return source.Error(absl::StrCat("expected ", expected, ", got ", source.Describe()));
  }

  static absl::Status CheckText(const CriterionSpec& spec, std::string_view op,
                                std::string_view text, const YamlSource& at) {
    absl::Status status = ValidateOperandText(spec, op, text);
    if (!status.ok()) return at.Error(status.message());
    return absl::OkStatus();
  }

  // source_ip has one operator in the tree: `in` with a list.
  static void Normalize(const CriterionSpec& spec, Matcher& matcher) {
    if (spec.kind != CriterionKind::kSourceIp) return;
    matcher.op = "in";
    if (auto* text = std::get_if<std::string>(&matcher.operand)) {
      matcher.operand = std::vector<std::string>{std::move(*text)};
    }
  }

  ParseLimits& limits_;
};

}  // namespace

absl::StatusOr<Policy> ParsePolicy(const YamlSource& policy, ParseLimits& limits) {
  return PolicyParser(limits).Parse(policy);
}

absl::StatusOr<Policy> ParsePolicyYaml(std::string_view yaml, std::string_view file_name) {
  auto document = config::ParseYamlDocument(yaml, file_name);
  if (!document.ok()) return document.status();
  ParseLimits limits;
  try {
    return ParsePolicy(YamlSource(*document, file_name, "policy"), limits);
  } catch (const std::exception& error) {
    return absl::InternalError(absl::StrCat("policy parser failed: ", error.what()));
  }
}

}  // namespace postern::policy
