#include "authorize/policy/criterion.h"

#include <algorithm>
#include <utility>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "common/config/absl_view.h"
#include "common/config/error_text.h"
#include "common/policy/criteria.h"

namespace postern::authorize {
namespace {

using config::AbslView;

std::string Where(const policy::SourcePosition& where) {
  if (where.line <= 0) return "";
  return absl::StrCat(" (", where.line, ":", where.column, ")");
}

absl::Status MatcherError(absl::string_view label, const policy::Matcher& matcher,
                          absl::string_view problem) {
  return absl::InvalidArgumentError(
      absl::StrCat(label, Where(matcher.where), ": ", matcher.op, ": ", problem));
}

// UnknownOperator names the operators the catalogue allows for `criterion`,
// which Compile has already found in it.
absl::Status UnknownOperator(absl::string_view label, const policy::Criterion& criterion,
                             const policy::Matcher& matcher) {
  return absl::InvalidArgumentError(absl::StrCat(
      label, Where(matcher.where), ": operator \"", matcher.op, "\" is not valid here (use ",
      policy::OperatorNames(*policy::FindCriterion(criterion.name)), ")"));
}

// "accept, reject, ..., claim/<name>, ...": the catalogue's criteria.
std::string KnownCriteria() {
  std::vector<std::string> names;
  for (const policy::CriterionSpec& spec : policy::AllCriteria()) {
    names.push_back(absl::StrCat(AbslView(spec.name), spec.requires_subpath ? "/<name>" : ""));
  }
  return absl::StrJoin(names, ", ");
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

// One of the operand readers the parser validates with, and what its
// operand is, for errors.
template <typename T>
struct OperandReader {
  absl::StatusOr<T> (*read)(std::string_view text);
  const char* what;
};
constexpr OperandReader<policy::IpPrefix> kIpPrefixReader{policy::ParseIpPrefix, "an IP or CIDR"};
constexpr OperandReader<absl::Time> kTimestampReader{policy::ParseTimestamp,
                                                     "an RFC 3339 date-time"};
constexpr OperandReader<policy::DaySet> kDaysReader{policy::ParseDaysOfWeek, "a day or day range"};
constexpr OperandReader<int> kTimeOfDayReader{policy::ParseTimeOfDay, "a time of day"};
constexpr OperandReader<absl::TimeZone> kTimeZoneReader{policy::ParseTimeZone,
                                                        "a known IANA time zone"};

// ReadOperand reads `text` with `reader`; a refusal quotes the text, says what
// it should be, and gives the reader's reason.
template <typename T>
absl::StatusOr<T> ReadOperand(absl::string_view label, const policy::Matcher& matcher,
                              const std::string& text, const OperandReader<T>& reader) {
  absl::StatusOr<T> value = reader.read(text);
  if (!value.ok()) {
    return MatcherError(label, matcher,
                        absl::StrCat(config::QuoteForError(text), " is not ", reader.what, " (",
                                     value.status().message(), ")"));
  }
  return value;
}

// ReadStringOperand is ReadOperand on a matcher's single string operand.
template <typename T>
absl::StatusOr<T> ReadStringOperand(absl::string_view label, const policy::Matcher& matcher,
                                    const OperandReader<T>& reader) {
  absl::StatusOr<std::string> text = StringOperand(label, matcher);
  if (!text.ok()) return text.status();
  return ReadOperand(label, matcher, *text, reader);
}

// ReadZone takes the `timezone` matcher of day_of_week or time_of_day, which
// may appear once; `zone_name` stays empty until it has.
absl::Status ReadZone(absl::string_view label, const policy::Matcher& matcher,
                      std::string& zone_name, absl::TimeZone& zone) {
  if (!zone_name.empty()) return MatcherError(label, matcher, "given twice");
  absl::StatusOr<absl::TimeZone> read = ReadStringOperand(label, matcher, kTimeZoneReader);
  if (!read.ok()) return read.status();
  zone = *read;
  zone_name = std::get<std::string>(matcher.operand);
  return absl::OkStatus();
}

// DescribeZoned is the description of a day_of_week or time_of_day criterion:
// its parts, then the time zone when the policy named one.
std::string DescribeZoned(absl::string_view label, const std::vector<std::string>& parts,
                          absl::string_view separator, const std::string& zone_name) {
  std::string description = absl::StrCat(label, " ", absl::StrJoin(parts, separator));
  if (!zone_name.empty()) absl::StrAppend(&description, " (", zone_name, ")");
  return description;
}

// ReadZonedMatchers reads the matchers of day_of_week or time_of_day: the
// optional `timezone` into `zone`, every other one through `read_matcher`,
// which adds its part of the description. Returns the description, or the
// first matcher's error, or `needs` when no matcher besides `timezone` came.
absl::StatusOr<std::string> ReadZonedMatchers(
    absl::string_view label, const policy::Criterion& criterion, absl::string_view separator,
    absl::string_view needs, absl::TimeZone& zone,
    absl::FunctionRef<absl::Status(const policy::Matcher&, std::vector<std::string>&)>
        read_matcher) {
  std::vector<std::string> parts;
  std::string zone_name;
  for (const policy::Matcher& matcher : criterion.matchers) {
    absl::Status status = matcher.op == "timezone" ? ReadZone(label, matcher, zone_name, zone)
                                                   : read_matcher(matcher, parts);
    if (!status.ok()) return status;
  }
  if (parts.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(label, Where(criterion.where), ": ", needs));
  }
  return DescribeZoned(label, parts, separator, zone_name);
}

// ReadBound takes an `after` or `before` matcher of date or time_of_day into
// the bound it names (each may appear once) and adds "after <text>" to
// `parts`.
template <typename T>
absl::Status ReadBound(absl::string_view label, const policy::Criterion& criterion,
                       const policy::Matcher& matcher, const OperandReader<T>& reader,
                       std::optional<T>& after, std::optional<T>& before,
                       std::vector<std::string>& parts) {
  std::optional<T>* bound = nullptr;
  if (matcher.op == "after") {
    bound = &after;
  } else if (matcher.op == "before") {
    bound = &before;
  } else {
    return UnknownOperator(label, criterion, matcher);
  }
  if (bound->has_value()) return MatcherError(label, matcher, "given twice");
  absl::StatusOr<T> value = ReadStringOperand(label, matcher, reader);
  if (!value.ok()) return value.status();
  *bound = *value;
  parts.push_back(absl::StrCat(matcher.op, " ", std::get<std::string>(matcher.operand)));
  return absl::OkStatus();
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

RequestFacts::RequestFacts(const Request& request) : request(request) {
  if (absl::StatusOr<policy::IpAddress> address = policy::ParseIpAddress(request.source_ip);
      address.ok()) {
    source_ip = *address;
  }
  if (request.identity != nullptr) {
    const std::string& email = request.identity->email;
    if (size_t at = email.rfind('@'); at != std::string::npos) {
      email_domain = std::string_view(email).substr(at + 1);
    }
  }
}

absl::StatusOr<CompiledCriterion> CompiledCriterion::Compile(const policy::Criterion& criterion) {
  const std::string& name = criterion.name;
  const policy::CriterionSpec* spec = policy::FindCriterion(name);
  if (spec == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("unknown policy criterion \"", name, "\"",
                                                   Where(criterion.where),
                                                   " (known: ", KnownCriteria(), ")"));
  }
  if (spec->requires_subpath && criterion.subpath.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, Where(criterion.where), ": name the claim, e.g. claim/department"));
  }
  if (!spec->requires_subpath && !criterion.subpath.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        name, "/", criterion.subpath, Where(criterion.where), ": only claim takes a /name"));
  }
  if (spec->kind != policy::CriterionKind::kBoolean && criterion.matchers.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, Where(criterion.where), ": needs an operator and a value"));
  }
  switch (spec->kind) {
    case policy::CriterionKind::kBoolean:
      return CompileConstant(criterion, name);
    case policy::CriterionKind::kString:
      return CompileStrings(criterion, name,
                            name == "email"    ? StringField::kEmail
                            : name == "user"   ? StringField::kUser
                            : name == "domain" ? StringField::kDomain
                                               : StringField::kHttpMethod);
    case policy::CriterionKind::kList:
      if (spec->requires_subpath) {
        return CompileList(criterion, absl::StrCat(name, "/", criterion.subpath),
                           criterion.subpath);
      }
      return CompileList(criterion, name, std::nullopt);
    case policy::CriterionKind::kSourceIp:
      return CompileSourceIp(criterion, name);
    case policy::CriterionKind::kDate:
      return CompileDate(criterion, name);
    case policy::CriterionKind::kDayOfWeek:
      return CompileDayOfWeek(criterion, name);
    case policy::CriterionKind::kTimeOfDay:
      return CompileTimeOfDay(criterion, name);
  }
  return absl::InternalError(absl::StrCat("criterion ", name, " has no compiler"));
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
    if (op == std::end(kOps)) return UnknownOperator(label, criterion, matcher);
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
    if (op == std::end(kOps)) return UnknownOperator(label, criterion, matcher);
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
    if (matcher.op != "is") return UnknownOperator(label, criterion, matcher);
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
    if (matcher.op != "in") return UnknownOperator(label, criterion, matcher);
    absl::StatusOr<std::vector<std::string>> texts = ListOperand(label, matcher);
    if (!texts.ok()) return texts.status();
    for (const std::string& text : *texts) {
      absl::StatusOr<policy::IpPrefix> prefix = ReadOperand(label, matcher, text, kIpPrefixReader);
      if (!prefix.ok()) return prefix.status();
      compiled.prefixes.push_back(*prefix);
    }
    parts.push_back(absl::StrCat(label, " in ", OperandText(matcher.operand)));
  }
  // One list of prefixes: several `in` operators ORed are their union.
  return CompiledCriterion(std::move(label), /*needs_session=*/false, std::move(compiled),
                           {absl::StrJoin(parts, " or ")});
}

absl::StatusOr<CompiledCriterion> CompiledCriterion::CompileDate(const policy::Criterion& criterion,
                                                                 std::string label) {
  DateCriterion compiled;
  std::vector<std::string> parts;
  for (const policy::Matcher& matcher : criterion.matchers) {
    absl::Status status = ReadBound(label, criterion, matcher, kTimestampReader, compiled.after,
                                    compiled.before, parts);
    if (!status.ok()) return status;
  }
  return CompiledCriterion(label, /*needs_session=*/false, compiled,
                           {absl::StrCat(label, " ", absl::StrJoin(parts, " and "))});
}

absl::StatusOr<CompiledCriterion> CompiledCriterion::CompileDayOfWeek(
    const policy::Criterion& criterion, std::string label) {
  DayOfWeekCriterion compiled{policy::DaySet(), absl::UTCTimeZone()};
  absl::StatusOr<std::string> description = ReadZonedMatchers(
      label, criterion, " or ", "needs `is`, e.g. is: mon-fri", compiled.zone,
      [&](const policy::Matcher& matcher, std::vector<std::string>& parts) -> absl::Status {
        if (matcher.op != "is") return UnknownOperator(label, criterion, matcher);
        absl::StatusOr<policy::DaySet> days = ReadStringOperand(label, matcher, kDaysReader);
        if (!days.ok()) return days.status();
        compiled.days |= *days;  // several `is` are ORed: their union
        parts.push_back(absl::StrCat("is ", std::get<std::string>(matcher.operand)));
        return absl::OkStatus();
      });
  if (!description.ok()) return description.status();
  return CompiledCriterion(std::move(label), /*needs_session=*/false, compiled, {*description});
}

absl::StatusOr<CompiledCriterion> CompiledCriterion::CompileTimeOfDay(
    const policy::Criterion& criterion, std::string label) {
  TimeOfDayCriterion compiled{std::nullopt, std::nullopt, absl::UTCTimeZone()};
  absl::StatusOr<std::string> description =
      ReadZonedMatchers(label, criterion, " and ", "needs `after` and/or `before`", compiled.zone,
                        [&](const policy::Matcher& matcher, std::vector<std::string>& parts) {
                          return ReadBound(label, criterion, matcher, kTimeOfDayReader,
                                           compiled.after, compiled.before, parts);
                        });
  if (!description.ok()) return description.status();
  return CompiledCriterion(std::move(label), /*needs_session=*/false, compiled, {*description});
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
  for (const policy::IpPrefix& prefix : criterion.prefixes) {
    if (prefix.Contains(*facts.source_ip)) return {.matched = true};
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
