#include "common/policy/criteria.h"

#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/config/absl_view.h"
#include "common/config/error_text.h"
#include "common/policy/calendar.h"
#include "common/policy/ip_prefix.h"

namespace postern::policy {
namespace {

constexpr OperatorSpec kBooleanOps[] = {{"is", OperandType::kBool}};
constexpr OperatorSpec kStringOps[] = {
    {"is", OperandType::kString},         {"not", OperandType::kString},
    {"contains", OperandType::kString},   {"starts_with", OperandType::kString},
    {"ends_with", OperandType::kString},  {"in", OperandType::kStringList},
    {"not_in", OperandType::kStringList},
};
constexpr OperatorSpec kListOps[] = {
    {"has", OperandType::kStringOrList},
    {"is", OperandType::kStringOrList},
    {"exclude", OperandType::kStringOrList},
};
// The parser normalises source_ip to `in`; `is` is accepted as written input
// only (ValidateMatcher refuses it so the evaluator sees one form).
constexpr OperatorSpec kSourceIpOps[] = {{"in", OperandType::kStringList}};
constexpr OperatorSpec kDateOps[] = {{"after", OperandType::kString},
                                     {"before", OperandType::kString}};
constexpr OperatorSpec kDayOfWeekOps[] = {{"is", OperandType::kString},
                                          {"timezone", OperandType::kString}};
constexpr OperatorSpec kTimeOfDayOps[] = {{"after", OperandType::kString},
                                          {"before", OperandType::kString},
                                          {"timezone", OperandType::kString}};

constexpr CriterionSpec kCriteria[] = {
    {"accept", CriterionKind::kBoolean, false, "is", kBooleanOps},
    {"reject", CriterionKind::kBoolean, false, "is", kBooleanOps},
    {"authenticated_user", CriterionKind::kBoolean, false, "is", kBooleanOps},
    {"email", CriterionKind::kString, false, "is", kStringOps},
    {"user", CriterionKind::kString, false, "is", kStringOps},
    {"domain", CriterionKind::kString, false, "is", kStringOps},
    {"http_method", CriterionKind::kString, false, "is", kStringOps},
    {"groups", CriterionKind::kList, false, "has", kListOps},
    {"claim", CriterionKind::kList, true, "has", kListOps},
    {"source_ip", CriterionKind::kSourceIp, false, "in", kSourceIpOps},
    {"date", CriterionKind::kDate, false, "", kDateOps},
    {"day_of_week", CriterionKind::kDayOfWeek, false, "is", kDayOfWeekOps},
    {"time_of_day", CriterionKind::kTimeOfDay, false, "", kTimeOfDayOps},
};

}  // namespace

absl::Span<const CriterionSpec> AllCriteria() { return kCriteria; }

const CriterionSpec* FindCriterion(std::string_view name) {
  for (const CriterionSpec& spec : kCriteria) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

const OperatorSpec* FindOperator(const CriterionSpec& spec, std::string_view op) {
  for (const OperatorSpec& candidate : spec.operators) {
    if (candidate.name == op) return &candidate;
  }
  return nullptr;
}

std::string OperatorNames(const CriterionSpec& spec) {
  std::vector<absl::string_view> names;
  for (const OperatorSpec& op : spec.operators) names.push_back(config::AbslView(op.name));
  return absl::StrJoin(names, ", ");
}

absl::Status ValidateOperandText(const CriterionSpec& spec, std::string_view op,
                                 std::string_view text) {
  switch (spec.kind) {
    case CriterionKind::kBoolean:
      return absl::OkStatus();
    case CriterionKind::kString:
    case CriterionKind::kList:
      // An empty operand would match a missing attribute (a session
      // without an email) or, for contains/starts_with, everyone.
      if (text.empty()) return absl::InvalidArgumentError("expected a non-empty string");
      return absl::OkStatus();
    case CriterionKind::kSourceIp:
      return ParseIpPrefix(text).status();
    case CriterionKind::kDate:
      return ParseTimestamp(text).status();
    case CriterionKind::kDayOfWeek:
      if (op == "timezone") return ParseTimeZone(text).status();
      return ParseDaysOfWeek(text).status();
    case CriterionKind::kTimeOfDay:
      if (op == "timezone") return ParseTimeZone(text).status();
      return ParseTimeOfDay(text).status();
  }
  return absl::InternalError("unhandled criterion kind");
}

absl::Status ValidateMatcher(const CriterionSpec& spec, const Matcher& matcher) {
  const OperatorSpec* op = FindOperator(spec, matcher.op);
  if (op == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown operator ", config::QuoteForError(matcher.op), " for ",
                     config::AbslView(spec.name), "; expected one of ", OperatorNames(spec)));
  }
  const bool is_bool = std::holds_alternative<bool>(matcher.operand);
  const bool is_string = std::holds_alternative<std::string>(matcher.operand);
  const bool is_list = std::holds_alternative<std::vector<std::string>>(matcher.operand);
  bool type_ok = false;
  std::string_view expected;
  switch (op->operand) {
    case OperandType::kBool:
      type_ok = is_bool;
      expected = "true or false";
      break;
    case OperandType::kString:
      type_ok = is_string;
      expected = "a string";
      break;
    case OperandType::kStringList:
      type_ok = is_list;
      expected = "a list";
      break;
    case OperandType::kStringOrList:
      type_ok = is_string || is_list;
      expected = "a string or a list";
      break;
  }
  if (!type_ok) {
    return absl::InvalidArgumentError(absl::StrCat(config::AbslView(spec.name), " ", matcher.op,
                                                   ": expected ", config::AbslView(expected)));
  }
  if (const auto* text = std::get_if<std::string>(&matcher.operand)) {
    return ValidateOperandText(spec, matcher.op, *text);
  }
  if (const auto* list = std::get_if<std::vector<std::string>>(&matcher.operand)) {
    for (const std::string& text : *list) {
      if (auto status = ValidateOperandText(spec, matcher.op, text); !status.ok()) return status;
    }
  }
  return absl::OkStatus();
}

}  // namespace postern::policy
