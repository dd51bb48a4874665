#include "authorize/policy/criterion.h"

#include <algorithm>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace postern::authorize {
namespace {

absl::string_view AbslView(std::string_view text) { return {text.data(), text.size()}; }

std::string Where(const policy::SourcePosition& where) {
  if (where.line <= 0) return "";
  return absl::StrCat(" (", where.line, ":", where.column, ")");
}

absl::Status MatcherError(absl::string_view label, const policy::Matcher& matcher,
                          absl::string_view problem) {
  return absl::InvalidArgumentError(
      absl::StrCat(label, Where(matcher.where), ": ", matcher.op, ": ", problem));
}

absl::Status UnknownOperator(absl::string_view label, const policy::Matcher& matcher,
                             absl::string_view valid) {
  return absl::InvalidArgumentError(absl::StrCat(label, Where(matcher.where), ": operator \"",
                                                 matcher.op, "\" is not valid here (use ", valid,
                                                 ")"));
}

// The operand as the policy wrote it, for reasons: a, [a, b], true.
std::string OperandText(const policy::Value& operand) {
  if (const bool* flag = std::get_if<bool>(&operand)) return *flag ? "true" : "false";
  if (const std::string* text = std::get_if<std::string>(&operand)) return *text;
  return absl::StrCat("[", absl::StrJoin(std::get<std::vector<std::string>>(operand), ", "), "]");
}

absl::StatusOr<std::string> StringOperand(absl::string_view label, const policy::Matcher& matcher) {
  if (const std::string* text = std::get_if<std::string>(&matcher.operand)) return *text;
  return MatcherError(label, matcher, "needs a single string");
}

// A list operand; a single string is a list of one, as a bare scalar in YAML.
absl::StatusOr<std::vector<std::string>> ListOperand(absl::string_view label,
                                                     const policy::Matcher& matcher) {
  if (const std::string* text = std::get_if<std::string>(&matcher.operand)) {
    return std::vector<std::string>{*text};
  }
  if (const auto* list = std::get_if<std::vector<std::string>>(&matcher.operand)) return *list;
  return MatcherError(label, matcher, "needs a string or a list of strings");
}

// The whole-criterion text [0] followed by each ORed part alone, when there
// are several parts.
std::vector<std::string> DescribeOred(std::vector<std::string> parts) {
  if (parts.size() == 1) return parts;
  std::vector<std::string> descriptions;
  descriptions.reserve(parts.size() + 1);
  descriptions.push_back(absl::StrJoin(parts, " or "));
  for (std::string& part : parts) descriptions.push_back(std::move(part));
  return descriptions;
}

absl::StatusOr<absl::TimeZone> LoadZone(absl::string_view label, const policy::Matcher& matcher) {
  absl::StatusOr<std::string> name = StringOperand(label, matcher);
  if (!name.ok()) return name.status();
  absl::TimeZone zone;
  if (!absl::LoadTimeZone(*name, &zone)) {
    return MatcherError(label, matcher,
                        absl::StrCat("\"", *name,
                                     "\" is not a known IANA time zone (e.g. Europe/Berlin; is "
                                     "tzdata installed?)"));
  }
  return zone;
}

// A list as a set, e.g. for `has` or `in`.
absl::flat_hash_set<std::string> ToSet(std::vector<std::string> values) {
  return absl::flat_hash_set<std::string>(std::make_move_iterator(values.begin()),
                                          std::make_move_iterator(values.end()));
}

// The list a list criterion reads, or nullopt when the session lacks it.
std::optional<absl::Span<const std::string>> ClaimValues(const Identity& identity,
                                                         const std::string& claim) {
  if (auto it = identity.claims.find(claim); it != identity.claims.end()) return it->second;
  // The session's standard fields, for IdPs whose claims were mapped onto
  // them rather than kept under their own names.
  if (claim == "email" && !identity.email.empty()) {
    return absl::Span<const std::string>(&identity.email, 1);
  }
  if ((claim == "sub" || claim == "user") && !identity.user.empty()) {
    return absl::Span<const std::string>(&identity.user, 1);
  }
  if (claim == "name" && !identity.name.empty()) {
    return absl::Span<const std::string>(&identity.name, 1);
  }
  if (claim == "groups") return absl::Span<const std::string>(identity.groups);
  return std::nullopt;
}

}  // namespace

RequestFacts::RequestFacts(const Request& request)
    : request(request), source_ip(IpAddress::Parse(request.source_ip)) {
  if (request.identity != nullptr) {
    const std::string& email = request.identity->email;
    if (size_t at = email.rfind('@'); at != std::string::npos) {
      email_domain = std::string_view(email).substr(at + 1);
    }
  }
}

absl::StatusOr<CompiledCriterion> CompiledCriterion::Compile(const policy::Criterion& criterion) {
  const std::string& name = criterion.name;
  if (name == "claim") {
    if (criterion.subpath.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("claim", Where(criterion.where), ": name the claim, e.g. claim/department"));
    }
    return CompileList(criterion, absl::StrCat("claim/", criterion.subpath), criterion.subpath);
  }
  if (!criterion.subpath.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        name, "/", criterion.subpath, Where(criterion.where), ": only claim takes a /name"));
  }
  if (name != "accept" && name != "reject" && name != "authenticated_user" &&
      criterion.matchers.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, Where(criterion.where), ": needs an operator and a value"));
  }
  if (name == "email") return CompileStrings(criterion, name, StringField::kEmail);
  if (name == "user") return CompileStrings(criterion, name, StringField::kUser);
  if (name == "domain") return CompileStrings(criterion, name, StringField::kDomain);
  if (name == "http_method") return CompileStrings(criterion, name, StringField::kHttpMethod);
  if (name == "groups") return CompileList(criterion, name, std::nullopt);
  if (name == "accept" || name == "reject" || name == "authenticated_user") {
    return CompileConstant(criterion, name);
  }
  if (name == "source_ip") return CompileSourceIp(criterion, name);
  if (name == "date") return CompileDate(criterion, name);
  if (name == "day_of_week") return CompileDayOfWeek(criterion, name);
  if (name == "time_of_day") return CompileTimeOfDay(criterion, name);
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown policy criterion \"", name, "\"", Where(criterion.where),
      " (known: accept, reject, authenticated_user, email, user, domain, groups, claim/<name>, "
      "http_method, source_ip, date, day_of_week, time_of_day)"));
}

absl::StatusOr<CompiledCriterion> CompiledCriterion::CompileStrings(
    const policy::Criterion& criterion, std::string label, StringField field) {
  static constexpr std::pair<const char*, StringOp> kOps[] = {
      {"is", StringOp::kIs},
      {"not", StringOp::kNot},
      {"contains", StringOp::kContains},
      {"starts_with", StringOp::kStartsWith},
      {"ends_with", StringOp::kEndsWith},
      {"in", StringOp::kIn},
      {"not_in", StringOp::kNotIn},
  };
  StringCriterion compiled{field, {}};
  std::vector<std::string> parts;
  for (const policy::Matcher& matcher : criterion.matchers) {
    const auto* op = std::find_if(std::begin(kOps), std::end(kOps),
                                  [&](const auto& known) { return matcher.op == known.first; });
    if (op == std::end(kOps)) {
      return UnknownOperator(label, matcher,
                             "is, not, contains, starts_with, ends_with, in, not_in");
    }
    StringTest test{op->second, {}, {}};
    if (test.op == StringOp::kIn || test.op == StringOp::kNotIn) {
      absl::StatusOr<std::vector<std::string>> values = ListOperand(label, matcher);
      if (!values.ok()) return values.status();
      test.values = ToSet(*std::move(values));
    } else {
      absl::StatusOr<std::string> value = StringOperand(label, matcher);
      if (!value.ok()) return value.status();
      test.value = *std::move(value);
    }
    compiled.tests.push_back(std::move(test));
    parts.push_back(absl::StrCat(label, " ", matcher.op, " ", OperandText(matcher.operand)));
  }
  const bool needs_session = field != StringField::kHttpMethod;
  return CompiledCriterion(std::move(label), needs_session, std::move(compiled),
                           DescribeOred(std::move(parts)));
}

absl::StatusOr<CompiledCriterion> CompiledCriterion::CompileList(const policy::Criterion& criterion,
                                                                 std::string label,
                                                                 std::optional<std::string> claim) {
  static constexpr std::pair<const char*, ListOp> kOps[] = {
      {"has", ListOp::kHas},
      {"is", ListOp::kIs},
      {"exclude", ListOp::kExclude},
  };
  ListCriterion compiled{std::move(claim), {}};
  std::vector<std::string> parts;
  for (const policy::Matcher& matcher : criterion.matchers) {
    const auto* op = std::find_if(std::begin(kOps), std::end(kOps),
                                  [&](const auto& known) { return matcher.op == known.first; });
    if (op == std::end(kOps)) return UnknownOperator(label, matcher, "has, is, exclude");
    absl::StatusOr<std::vector<std::string>> values = ListOperand(label, matcher);
    if (!values.ok()) return values.status();
    compiled.tests.push_back(ListTest{op->second, ToSet(*std::move(values))});
    parts.push_back(absl::StrCat(label, " ", matcher.op, " ", OperandText(matcher.operand)));
  }
  return CompiledCriterion(std::move(label), /*needs_session=*/true, std::move(compiled),
                           DescribeOred(std::move(parts)));
}

absl::StatusOr<CompiledCriterion> CompiledCriterion::CompileConstant(
    const policy::Criterion& criterion, std::string label) {
  // Absent operand: the criterion as a bare key means `true`.
  bool operand = true;
  if (criterion.matchers.size() > 1) {
    return absl::InvalidArgumentError(
        absl::StrCat(label, Where(criterion.where), ": takes one value, true or false"));
  }
  if (!criterion.matchers.empty()) {
    const policy::Matcher& matcher = criterion.matchers.front();
    if (matcher.op != "is") return UnknownOperator(label, matcher, "is");
    const bool* flag = std::get_if<bool>(&matcher.operand);
    if (flag == nullptr) return MatcherError(label, matcher, "needs true or false");
    operand = *flag;
  }
  std::vector<std::string> descriptions = {operand ? label : absl::StrCat(label, ": false")};
  if (label == "authenticated_user") {
    return CompiledCriterion(std::move(label), /*needs_session=*/operand,
                             AuthenticatedUserCriterion{operand}, std::move(descriptions));
  }
  const bool value = label == "accept" ? operand : !operand;
  return CompiledCriterion(std::move(label), /*needs_session=*/false, ConstantCriterion{value},
                           std::move(descriptions));
}

absl::StatusOr<CompiledCriterion> CompiledCriterion::CompileSourceIp(
    const policy::Criterion& criterion, std::string label) {
  SourceIpCriterion compiled;
  std::vector<std::string> parts;
  for (const policy::Matcher& matcher : criterion.matchers) {
    if (matcher.op != "in") return UnknownOperator(label, matcher, "in");
    absl::StatusOr<std::vector<std::string>> texts = ListOperand(label, matcher);
    if (!texts.ok()) return texts.status();
    for (const std::string& text : *texts) {
      absl::StatusOr<IpRange> range = IpRange::Parse(text);
      if (!range.ok()) {
        return MatcherError(label, matcher, absl::StrCat("\"", text, "\" is not an IP or CIDR"));
      }
      compiled.ranges.push_back(*range);
    }
    parts.push_back(absl::StrCat(label, " in ", OperandText(matcher.operand)));
  }
  // One list of ranges: several `in` operators ORed are their union.
  return CompiledCriterion(std::move(label), /*needs_session=*/false, std::move(compiled),
                           {absl::StrJoin(parts, " or ")});
}

absl::StatusOr<CompiledCriterion> CompiledCriterion::CompileDate(const policy::Criterion& criterion,
                                                                 std::string label) {
  DateCriterion compiled;
  std::vector<std::string> parts;
  for (const policy::Matcher& matcher : criterion.matchers) {
    std::optional<absl::Time>* bound = nullptr;
    if (matcher.op == "after") {
      bound = &compiled.after;
    } else if (matcher.op == "before") {
      bound = &compiled.before;
    } else {
      return UnknownOperator(label, matcher, "after, before");
    }
    if (bound->has_value()) return MatcherError(label, matcher, "given twice");
    absl::StatusOr<std::string> text = StringOperand(label, matcher);
    if (!text.ok()) return text.status();
    absl::Time instant;
    std::string error;
    if (!absl::ParseTime(absl::RFC3339_full, *text, &instant, &error)) {
      return MatcherError(label, matcher,
                          absl::StrCat("\"", *text,
                                       "\" is not an RFC 3339 date-time (e.g. "
                                       "2025-01-31T18:00:00Z): ",
                                       error));
    }
    *bound = instant;
    parts.push_back(absl::StrCat(matcher.op, " ", *text));
  }
  return CompiledCriterion(label, /*needs_session=*/false, compiled,
                           {absl::StrCat(label, " ", absl::StrJoin(parts, " and "))});
}

absl::StatusOr<CompiledCriterion> CompiledCriterion::CompileDayOfWeek(
    const policy::Criterion& criterion, std::string label) {
  DayOfWeekCriterion compiled{DaySet(), absl::UTCTimeZone()};
  std::vector<std::string> parts;
  std::string zone_name;
  for (const policy::Matcher& matcher : criterion.matchers) {
    if (matcher.op == "timezone") {
      if (!zone_name.empty()) return MatcherError(label, matcher, "given twice");
      absl::StatusOr<absl::TimeZone> zone = LoadZone(label, matcher);
      if (!zone.ok()) return zone.status();
      compiled.zone = *zone;
      zone_name = std::get<std::string>(matcher.operand);
      continue;
    }
    if (matcher.op != "is") return UnknownOperator(label, matcher, "is, timezone");
    absl::StatusOr<std::string> text = StringOperand(label, matcher);
    if (!text.ok()) return text.status();
    absl::StatusOr<DaySet> days = ParseDaySet(*text);
    if (!days.ok()) return MatcherError(label, matcher, days.status().message());
    compiled.days |= *days;  // several `is` are ORed: their union
    parts.push_back(absl::StrCat("is ", *text));
  }
  if (parts.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(label, Where(criterion.where), ": needs `is`, e.g. is: mon-fri"));
  }
  std::string description = absl::StrCat(label, " ", absl::StrJoin(parts, " or "));
  if (!zone_name.empty()) absl::StrAppend(&description, " (", zone_name, ")");
  return CompiledCriterion(std::move(label), /*needs_session=*/false, compiled, {description});
}

absl::StatusOr<CompiledCriterion> CompiledCriterion::CompileTimeOfDay(
    const policy::Criterion& criterion, std::string label) {
  TimeOfDayCriterion compiled{std::nullopt, std::nullopt, absl::UTCTimeZone()};
  std::vector<std::string> parts;
  std::string zone_name;
  for (const policy::Matcher& matcher : criterion.matchers) {
    if (matcher.op == "timezone") {
      if (!zone_name.empty()) return MatcherError(label, matcher, "given twice");
      absl::StatusOr<absl::TimeZone> zone = LoadZone(label, matcher);
      if (!zone.ok()) return zone.status();
      compiled.zone = *zone;
      zone_name = std::get<std::string>(matcher.operand);
      continue;
    }
    std::optional<int>* bound = nullptr;
    if (matcher.op == "after") {
      bound = &compiled.after;
    } else if (matcher.op == "before") {
      bound = &compiled.before;
    } else {
      return UnknownOperator(label, matcher, "after, before, timezone");
    }
    if (bound->has_value()) return MatcherError(label, matcher, "given twice");
    absl::StatusOr<std::string> text = StringOperand(label, matcher);
    if (!text.ok()) return text.status();
    absl::StatusOr<int> seconds = ParseClockTime(*text);
    if (!seconds.ok()) return MatcherError(label, matcher, seconds.status().message());
    *bound = *seconds;
    parts.push_back(absl::StrCat(matcher.op, " ", *text));
  }
  if (parts.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(label, Where(criterion.where), ": needs `after` and/or `before`"));
  }
  std::string description = absl::StrCat(label, " ", absl::StrJoin(parts, " and "));
  if (!zone_name.empty()) absl::StrAppend(&description, " (", zone_name, ")");
  return CompiledCriterion(std::move(label), /*needs_session=*/false, compiled, {description});
}

CompiledCriterion::Outcome CompiledCriterion::Evaluate(const RequestFacts& facts) const {
  return std::visit([&](const auto& test) { return Match(test, facts); }, test_);
}

CompiledCriterion::Outcome CompiledCriterion::Match(const StringCriterion& criterion,
                                                    const RequestFacts& facts) {
  const Identity* identity = facts.request.identity;
  std::string_view value;
  switch (criterion.field) {
    case StringField::kEmail:
      if (identity == nullptr) return {.needs_session = true};
      value = identity->email;
      break;
    case StringField::kUser:
      if (identity == nullptr) return {.needs_session = true};
      value = identity->user;
      break;
    case StringField::kDomain:
      if (identity == nullptr) return {.needs_session = true};
      if (!facts.email_domain) return {};
      value = *facts.email_domain;
      break;
    case StringField::kHttpMethod:
      value = facts.request.http_method;
      break;
  }
  const int count = static_cast<int>(criterion.tests.size());
  for (int i = 0; i < count; ++i) {
    const StringTest& test = criterion.tests[i];
    bool matched = false;
    switch (test.op) {
      case StringOp::kIs:
        matched = value == test.value;
        break;
      case StringOp::kNot:
        matched = value != test.value;
        break;
      case StringOp::kContains:
        matched = value.find(test.value) != std::string_view::npos;
        break;
      case StringOp::kStartsWith:
        matched = value.starts_with(test.value);
        break;
      case StringOp::kEndsWith:
        matched = value.ends_with(test.value);
        break;
      case StringOp::kIn:
        matched = test.values.contains(AbslView(value));
        break;
      case StringOp::kNotIn:
        matched = !test.values.contains(AbslView(value));
        break;
    }
    if (matched) return {.matched = true, .witness = count > 1 ? i + 1 : 0};
  }
  return {};
}

CompiledCriterion::Outcome CompiledCriterion::Match(const ListCriterion& criterion,
                                                    const RequestFacts& facts) {
  const Identity* identity = facts.request.identity;
  if (identity == nullptr) return {.needs_session = true};
  absl::Span<const std::string> list = identity->groups;
  if (criterion.claim) {
    std::optional<absl::Span<const std::string>> values = ClaimValues(*identity, *criterion.claim);
    if (!values) return {};
    list = *values;
  }
  const auto in = [](const absl::flat_hash_set<std::string>& set) {
    return [&set](const std::string& value) { return set.contains(value); };
  };
  const int count = static_cast<int>(criterion.tests.size());
  for (int i = 0; i < count; ++i) {
    const ListTest& test = criterion.tests[i];
    bool matched = false;
    switch (test.op) {
      case ListOp::kHas:
        matched = std::any_of(list.begin(), list.end(), in(test.values));
        break;
      case ListOp::kExclude:
        matched = std::none_of(list.begin(), list.end(), in(test.values));
        break;
      case ListOp::kIs:
        matched = std::all_of(list.begin(), list.end(), in(test.values)) &&
                  std::all_of(test.values.begin(), test.values.end(), [&](const std::string& v) {
                    return std::find(list.begin(), list.end(), v) != list.end();
                  });
        break;
    }
    if (matched) return {.matched = true, .witness = count > 1 ? i + 1 : 0};
  }
  return {};
}

CompiledCriterion::Outcome CompiledCriterion::Match(const ConstantCriterion& criterion,
                                                    const RequestFacts&) {
  return {.matched = criterion.value};
}

CompiledCriterion::Outcome CompiledCriterion::Match(const AuthenticatedUserCriterion& criterion,
                                                    const RequestFacts& facts) {
  const bool has_session = facts.request.identity != nullptr;
  return {.matched = has_session == criterion.want_session,
          .needs_session = criterion.want_session && !has_session};
}

CompiledCriterion::Outcome CompiledCriterion::Match(const SourceIpCriterion& criterion,
                                                    const RequestFacts& facts) {
  if (!facts.source_ip) return {};
  for (const IpRange& range : criterion.ranges) {
    if (range.Contains(*facts.source_ip)) return {.matched = true};
  }
  return {};
}

CompiledCriterion::Outcome CompiledCriterion::Match(const DateCriterion& criterion,
                                                    const RequestFacts& facts) {
  const absl::Time now = facts.request.now;
  return {.matched = (!criterion.after || now >= *criterion.after) &&
                     (!criterion.before || now < *criterion.before)};
}

CompiledCriterion::Outcome CompiledCriterion::Match(const DayOfWeekCriterion& criterion,
                                                    const RequestFacts& facts) {
  const absl::CivilDay day = absl::ToCivilDay(facts.request.now, criterion.zone);
  return {.matched = criterion.days.Contains(absl::GetWeekday(day))};
}

CompiledCriterion::Outcome CompiledCriterion::Match(const TimeOfDayCriterion& criterion,
                                                    const RequestFacts& facts) {
  const absl::CivilSecond clock = absl::ToCivilSecond(facts.request.now, criterion.zone);
  const int seconds = clock.hour() * 3600 + clock.minute() * 60 + clock.second();
  const std::optional<int>& after = criterion.after;
  const std::optional<int>& before = criterion.before;
  bool matched;
  if (after && before && *after > *before) {
    matched = seconds >= *after || seconds < *before;  // overnight window
  } else {
    matched = (!after || seconds >= *after) && (!before || seconds < *before);
  }
  return {.matched = matched};
}

}  // namespace postern::authorize
