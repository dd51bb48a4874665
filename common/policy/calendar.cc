#include "common/policy/calendar.h"

#include <charconv>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "common/config/absl_view.h"
#include "common/config/error_text.h"
#include "re2/re2.h"

namespace postern::policy {
namespace {

constexpr int kDaysPerWeek = 7;

struct DayName {
  const char* abbreviation;
  const char* full;
  absl::Weekday day;
};

// In week order starting Monday, so that a range walks forward through it.
constexpr DayName kDayNames[kDaysPerWeek] = {
    {"mon", "monday", absl::Weekday::monday},       {"tue", "tuesday", absl::Weekday::tuesday},
    {"wed", "wednesday", absl::Weekday::wednesday}, {"thu", "thursday", absl::Weekday::thursday},
    {"fri", "friday", absl::Weekday::friday},       {"sat", "saturday", absl::Weekday::saturday},
    {"sun", "sunday", absl::Weekday::sunday},
};

// Position of the day in kDayNames, or nullopt for an unknown name.
std::optional<int> DayIndex(absl::string_view name) {
  const std::string lower = absl::AsciiStrToLower(name);
  for (int i = 0; i < kDaysPerWeek; ++i) {
    if (lower == kDayNames[i].abbreviation || lower == kDayNames[i].full) return i;
  }
  return std::nullopt;
}

// ClockField reads exactly `digits` decimal digits (1 or 2 when `digits` is
// 0) as a number in [0, max]; nullopt otherwise (signs, spaces, too large).
std::optional<int> ClockField(absl::string_view field, size_t digits, int max) {
  const bool size_ok =
      digits == 0 ? field.size() == 1 || field.size() == 2 : field.size() == digits;
  unsigned value = 0;
  const char* end = field.data() + field.size();
  if (!size_ok || std::from_chars(field.data(), end, value).ptr != end ||
      value > static_cast<unsigned>(max)) {
    return std::nullopt;
  }
  return static_cast<int>(value);
}

}  // namespace

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
  DaySet days;
  for (absl::string_view item : absl::StrSplit(config::AbslView(text), ',')) {
    item = absl::StripAsciiWhitespace(item);
    const size_t dash = item.find('-');
    const std::optional<int> first = DayIndex(item.substr(0, dash));
    const std::optional<int> last =
        dash == absl::string_view::npos ? first : DayIndex(item.substr(dash + 1));
    if (!first || !last) {
      return absl::InvalidArgumentError(absl::StrCat(
          "expected days of the week such as \"mon-fri\", \"sat,sun\" or \"tue\", got ",
          config::QuoteForError(text)));
    }
    for (int i = *first;; i = (i + 1) % kDaysPerWeek) {
      days.Add(kDayNames[i].day);
      if (i == *last) break;
    }
  }
  return days;
}

absl::StatusOr<int> ParseTimeOfDay(std::string_view text) {
  const std::vector<absl::string_view> fields = absl::StrSplit(config::AbslView(text), ':');
  std::optional<int> hour, minute, second = 0;
  if (fields.size() == 2 || fields.size() == 3) {
    hour = ClockField(fields[0], /*digits=*/0, 23);
    minute = ClockField(fields[1], /*digits=*/2, 59);
    if (fields.size() == 3) second = ClockField(fields[2], /*digits=*/2, 59);
  }
  if (!hour || !minute || !second) {
    return absl::InvalidArgumentError(
        absl::StrCat("expected a time of day as HH:MM or HH:MM:SS (24-hour), got ",
                     config::QuoteForError(text)));
  }
  return *hour * 3600 + *minute * 60 + *second;
}

absl::StatusOr<absl::TimeZone> ParseTimeZone(std::string_view text) {
  // Zone names become file names under the tzdata directory: keep them to the
  // IANA alphabet so a name can never walk out of it.
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
