// Day sets and clock times for the `day_of_week` and `time_of_day` policy
// criteria, parsed once per config snapshot into small integers:
//
//   absl::StatusOr<DaySet> workdays = ParseDaySet("mon-fri");
//   workdays->Contains(absl::Weekday::saturday);        // false
//   absl::StatusOr<int> nine = ParseClockTime("09:00");  // 32400 seconds
#ifndef POSTERN_AUTHORIZE_POLICY_CALENDAR_H_
#define POSTERN_AUTHORIZE_POLICY_CALENDAR_H_

#include <cstdint>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"

namespace postern::authorize {

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

// ParseDaySet reads a comma-separated list of days and day ranges:
// "tue", "sat,sun", "mon-fri", "fri-mon" (a range may wrap past Sunday).
// Days are English names, three-letter or full, in any letter case; spaces
// around items are ignored. Fails with kInvalidArgument naming the bad item.
absl::StatusOr<DaySet> ParseDaySet(std::string_view text);

// ParseClockTime reads "HH:MM" or "HH:MM:SS" (24-hour clock, 00:00 to
// 23:59:59; the hour may be one digit) and returns seconds since midnight.
// Fails with kInvalidArgument for anything else.
absl::StatusOr<int> ParseClockTime(std::string_view text);

}  // namespace postern::authorize

#endif  // POSTERN_AUTHORIZE_POLICY_CALENDAR_H_
