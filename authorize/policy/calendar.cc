#include "authorize/policy/calendar.h"

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"

namespace postern::authorize {
namespace {

constexpr int kDaysPerWeek = 7;

struct DayName {
  const char* abbreviation;
  const char* full;
  absl::Weekday day;
};

// In week order starting Monday, so that a range walks forward through it.
constexpr std::array<DayName, kDaysPerWeek> kDayNames = {{
    {"mon", "monday", absl::Weekday::monday},
    {"tue", "tuesday", absl::Weekday::tuesday},
    {"wed", "wednesday", absl::Weekday::wednesday},
    {"thu", "thursday", absl::Weekday::thursday},
    {"fri", "friday", absl::Weekday::friday},
    {"sat", "saturday", absl::Weekday::saturday},
    {"sun", "sunday", absl::Weekday::sunday},
}};

// Position of the day in kDayNames, or nullopt for an unknown name.
std::optional<int> DayIndex(absl::string_view name) {
  const std::string lower = absl::AsciiStrToLower(absl::StripAsciiWhitespace(name));
  for (int i = 0; i < kDaysPerWeek; ++i) {
    if (lower == kDayNames[i].abbreviation || lower == kDayNames[i].full) return i;
  }
  return std::nullopt;
}

absl::Status BadDay(absl::string_view item, absl::string_view text) {
  return absl::InvalidArgumentError(
      absl::StrCat("day_of_week: \"", item, "\" in \"", text,
                   "\" is not a day or day range (use e.g. mon, sat,sun or mon-fri)"));
}

// Parses two digits (or one, when `allow_one_digit`) in [0, max]; -1 if bad.
int ParseClockField(absl::string_view field, bool allow_one_digit, int max) {
  if (field.size() != 2 && !(allow_one_digit && field.size() == 1)) return -1;
  int value = 0;
  for (char c : field) {
    if (c < '0' || c > '9') return -1;
    value = value * 10 + (c - '0');
  }
  return value <= max ? value : -1;
}

}  // namespace

absl::StatusOr<DaySet> ParseDaySet(std::string_view text) {
  const absl::string_view all(text.data(), text.size());
  DaySet days;
  for (absl::string_view item : absl::StrSplit(all, ',')) {
    const size_t dash = item.find('-');
    const std::optional<int> first = DayIndex(item.substr(0, dash));
    if (!first) return BadDay(item, all);
    if (dash == absl::string_view::npos) {
      days.Add(kDayNames[*first].day);
      continue;
    }
    const std::optional<int> last = DayIndex(item.substr(dash + 1));
    if (!last) return BadDay(item, all);
    for (int i = *first;; i = (i + 1) % kDaysPerWeek) {
      days.Add(kDayNames[i].day);
      if (i == *last) break;
    }
  }
  return days;
}

absl::StatusOr<int> ParseClockTime(std::string_view text) {
  const absl::string_view all(text.data(), text.size());
  const std::vector<absl::string_view> fields = absl::StrSplit(all, ':');
  int hour = -1, minute = -1, second = 0;
  if (fields.size() == 2 || fields.size() == 3) {
    hour = ParseClockField(fields[0], /*allow_one_digit=*/true, 23);
    minute = ParseClockField(fields[1], /*allow_one_digit=*/false, 59);
    if (fields.size() == 3) second = ParseClockField(fields[2], /*allow_one_digit=*/false, 59);
  }
  if (hour < 0 || minute < 0 || second < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "time_of_day: \"", all, "\" is not a time of day (use HH:MM or HH:MM:SS, 24-hour)"));
  }
  return hour * 3600 + minute * 60 + second;
}

}  // namespace postern::authorize
