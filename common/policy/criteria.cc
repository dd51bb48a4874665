#include "common/policy/criteria.h"

#include <arpa/inet.h>

#include <array>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/config/absl_view.h"
#include "common/config/error_text.h"
#include "re2/re2.h"

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

constexpr std::string_view kDayNames[7][2] = {
    {"mon", "monday"}, {"tue", "tuesday"},  {"wed", "wednesday"}, {"thu", "thursday"},
    {"fri", "friday"}, {"sat", "saturday"}, {"sun", "sunday"},
};

int DayIndex(std::string_view name) {
  const std::string lower = absl::AsciiStrToLower(config::AbslView(name));
  for (int i = 0; i < 7; ++i) {
    if (lower == kDayNames[i][0] || lower == kDayNames[i][1]) return i;
  }
  return -1;
}

// Digits parses a run of ASCII digits only (SimpleAtoi would also take a
// sign and surrounding spaces).
bool Digits(std::string_view text, size_t max_digits, int* value) {
  if (text.empty() || text.size() > max_digits) return false;
  int result = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    result = result * 10 + (c - '0');
  }
  *value = result;
  return true;
}

std::vector<std::string_view> SplitTime(std::string_view text) {
  std::vector<std::string_view> parts;
  for (absl::string_view part : absl::StrSplit(config::AbslView(text), ':')) {
    parts.push_back(config::StdView(part));
  }
  return parts;
}

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

absl::StatusOr<IpAddress> ParseIpAddress(std::string_view text) {
  // inet_pton needs a NUL-terminated string; anything longer than the
  // longest textual IPv6 address cannot be one.
  char buffer[INET6_ADDRSTRLEN] = {};
  if (text.empty() || text.size() >= sizeof(buffer)) {
    return absl::InvalidArgumentError(
        absl::StrCat("expected an IPv4 or IPv6 address, got ", config::QuoteForError(text)));
  }
  std::memcpy(buffer, text.data(), text.size());
  IpAddress address;
  if (inet_pton(AF_INET, buffer, address.bytes.data()) == 1) return address;
  if (inet_pton(AF_INET6, buffer, address.bytes.data()) == 1) {
    static constexpr uint8_t kMappedPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::memcmp(address.bytes.data(), kMappedPrefix, sizeof(kMappedPrefix)) == 0) {
      IpAddress v4;
      std::memcpy(v4.bytes.data(), address.bytes.data() + 12, 4);
      return v4;
    }
    address.is_v6 = true;
    return address;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("expected an IPv4 or IPv6 address, got ", config::QuoteForError(text)));
}

bool IpPrefix::Contains(const IpAddress& address) const {
  if (address.is_v6 != network.is_v6) return false;
  int remaining = length;
  for (size_t i = 0; remaining > 0; ++i, remaining -= 8) {
    const uint8_t mask = remaining >= 8 ? 0xff : static_cast<uint8_t>(0xff << (8 - remaining));
    if ((address.bytes[i] & mask) != network.bytes[i]) return false;
  }
  return true;
}

absl::StatusOr<IpPrefix> ParseIpPrefix(std::string_view text) {
  const size_t slash = text.find('/');
  const std::string_view address_text = text.substr(0, slash);
  char buffer[INET6_ADDRSTRLEN] = {};
  IpPrefix prefix;
  bool parsed = false;
  if (!address_text.empty() && address_text.size() < sizeof(buffer)) {
    std::memcpy(buffer, address_text.data(), address_text.size());
    if (inet_pton(AF_INET, buffer, prefix.network.bytes.data()) == 1) {
      parsed = true;
    } else if (inet_pton(AF_INET6, buffer, prefix.network.bytes.data()) == 1) {
      prefix.network.is_v6 = true;
      parsed = true;
    }
  }
  if (!parsed) {
    return absl::InvalidArgumentError(
        absl::StrCat("expected an IP address or CIDR such as 192.0.2.0/24 or 2001:db8::/32, got ",
                     config::QuoteForError(text)));
  }
  const int max_length = prefix.network.is_v6 ? 128 : 32;
  prefix.length = max_length;
  if (slash != std::string_view::npos) {
    if (!Digits(text.substr(slash + 1), 3, &prefix.length) || prefix.length > max_length) {
      return absl::InvalidArgumentError(absl::StrCat("prefix length in ",
                                                     config::QuoteForError(text),
                                                     " must be a number from 0 to ", max_length));
    }
  }
  // Clear host bits so Contains can compare masked bytes directly.
  for (int bit = prefix.length; bit < 128; ++bit) {
    prefix.network.bytes[bit / 8] &= static_cast<uint8_t>(~(0x80 >> (bit % 8)));
  }
  return prefix;
}

absl::StatusOr<absl::Time> ParseTimestamp(std::string_view text) {
  // absl::ParseTime alone would also accept surrounding spaces.
  static const LazyRE2 kRfc3339 = {
      R"(\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2}))"};
  absl::Time time;
  std::string error;
  if (!RE2::FullMatch(text, *kRfc3339) ||
      !absl::ParseTime(absl::RFC3339_full, config::AbslView(text), &time, &error)) {
    return absl::InvalidArgumentError(
        absl::StrCat("expected an RFC 3339 timestamp such as 2026-01-02T15:04:05Z, got ",
                     config::QuoteForError(text)));
  }
  return time;
}

absl::StatusOr<DaySet> ParseDaysOfWeek(std::string_view text) {
  const auto error = [&] {
    return absl::InvalidArgumentError(
        absl::StrCat("expected days of the week such as \"mon-fri\", \"sat,sun\" or \"tue\", got ",
                     config::QuoteForError(text)));
  };
  DaySet days = 0;
  for (absl::string_view item : absl::StrSplit(config::AbslView(text), ',')) {
    item = absl::StripAsciiWhitespace(item);
    const std::string_view day_range = config::StdView(item);
    const size_t dash = day_range.find('-');
    const int first = DayIndex(day_range.substr(0, dash));
    const int last = dash == std::string_view::npos ? first : DayIndex(day_range.substr(dash + 1));
    if (first < 0 || last < 0) return error();
    for (int day = first;; day = (day + 1) % 7) {
      days |= static_cast<DaySet>(1u << day);
      if (day == last) break;
    }
  }
  return days;
}

absl::StatusOr<int> ParseTimeOfDay(std::string_view text) {
  const std::vector<std::string_view> parts = SplitTime(text);
  int hours = 0, minutes = 0, seconds = 0;
  const bool ok = (parts.size() == 2 || parts.size() == 3) && Digits(parts[0], 2, &hours) &&
                  hours < 24 && parts[1].size() == 2 && Digits(parts[1], 2, &minutes) &&
                  minutes < 60 &&
                  (parts.size() == 2 ||
                   (parts[2].size() == 2 && Digits(parts[2], 2, &seconds) && seconds < 60));
  if (!ok) {
    return absl::InvalidArgumentError(
        absl::StrCat("expected a time of day as HH:MM or HH:MM:SS (24-hour), got ",
                     config::QuoteForError(text)));
  }
  return hours * 3600 + minutes * 60 + seconds;
}

absl::StatusOr<absl::TimeZone> ParseTimeZone(std::string_view text) {
  // Zone names become file names under the tzdata directory: keep them to the
  // IANA alphabet so a name can never walk out of it. "localtime" is refused
  // because replicas on differently configured machines would disagree.
  static const LazyRE2 kZoneName = {R"([A-Za-z][A-Za-z0-9_+\-]*(/[A-Za-z0-9_+\-]+)*)"};
  absl::TimeZone zone;
  if (text == "localtime" || !RE2::FullMatch(text, *kZoneName) ||
      !absl::LoadTimeZone(config::AbslView(text), &zone)) {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown time zone ", config::QuoteForError(text),
                     "; expected an IANA name such as Europe/Paris or UTC"));
  }
  return zone;
}

}  // namespace postern::policy
