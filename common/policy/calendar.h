// Readers for the time criteria's operands (date, day_of_week, time_of_day and
// their `timezone`): the ones the config parser validates with and
// postern-authorize compiles with, so a value the parser accepted always
// compiles, to the same meaning. Each reads once per config snapshot into the
// form a decision compares against.
//
//   absl::StatusOr<absl::Time> launch = ParseTimestamp("2026-01-02T15:04:05Z");
//   absl::StatusOr<DaySet> workdays = ParseDaysOfWeek("mon-fri");
//   workdays->Contains(absl::Weekday::saturday);         // false
//   absl::StatusOr<int> nine = ParseTimeOfDay("09:00");   // 32400 seconds
//   absl::StatusOr<absl::TimeZone> paris = ParseTimeZone("Europe/Paris");
//
// Every reader takes the text exactly: no surrounding spaces (except around
// the items of a day list), and fails with kInvalidArgument quoting it.
#ifndef POSTERN_COMMON_POLICY_CALENDAR_H_
#define POSTERN_COMMON_POLICY_CALENDAR_H_

#include <cstdint>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace postern::policy {

// ParseTimestamp reads an RFC 3339 timestamp with a zone offset or Z, e.g.
// "2026-01-02T15:04:05Z", "2026-01-02T15:04:05.5+01:00".
absl::StatusOr<absl::Time> ParseTimestamp(std::string_view text);

// A set of weekdays as a bitmask (bit i = absl::Weekday with value i).
class DaySet {
 public:
  DaySet() = default;

  bool Contains(absl::Weekday day) const { return (bits_ >> static_cast<int>(day)) & 1; }
  void Add(absl::Weekday day) { bits_ |= static_cast<uint8_t>(1u << static_cast<int>(day)); }
  DaySet& operator|=(DaySet other) {
    bits_ |= other.bits_;
    return *this;
  }
  bool operator==(const DaySet&) const = default;

 private:
  uint8_t bits_ = 0;
};

// ParseDaysOfWeek reads a comma-separated list of days and day ranges:
// "tue", "sat,sun", "mon-fri", "Saturday, SUN". Days are English names,
// three-letter or full, in any letter case; spaces around an item are
// ignored, spaces inside a range are not ("mon - fri" is refused). A range
// may wrap past Sunday ("fri-mon" is fri, sat, sun, mon).
absl::StatusOr<DaySet> ParseDaysOfWeek(std::string_view text);

// ParseTimeOfDay reads "HH:MM" or "HH:MM:SS" (24-hour clock, 00:00 to
// 23:59:59; the hour may be one digit, minutes and seconds are two) and
// returns seconds since midnight.
absl::StatusOr<int> ParseTimeOfDay(std::string_view text);

// ParseTimeZone loads an IANA zone ("Europe/Paris", "UTC") from the system's
// tzdata. Fails for unknown names, for names outside the IANA alphabet (so a
// name cannot walk out of the tzdata directory), and for "localtime", which
// replicas on differently configured machines would read differently.
absl::StatusOr<absl::TimeZone> ParseTimeZone(std::string_view text);

}  // namespace postern::policy

#endif  // POSTERN_COMMON_POLICY_CALENDAR_H_
