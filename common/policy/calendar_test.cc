#include "common/policy/calendar.h"

#include <initializer_list>
#include <string>

#include "absl/time/civil_time.h"
#include "gtest/gtest.h"

namespace postern::policy {
namespace {

using absl::Weekday;

DaySet Days(std::initializer_list<Weekday> days) {
  DaySet set;
  for (Weekday day : days) set.Add(day);
  return set;
}

TEST(ParseTimestampTest, ReadsRfc3339WithAZone) {
  absl::StatusOr<absl::Time> utc = ParseTimestamp("2026-01-02T15:04:05Z");
  ASSERT_TRUE(utc.ok());
  EXPECT_EQ(*utc, absl::FromCivil(absl::CivilSecond(2026, 1, 2, 15, 4, 5), absl::UTCTimeZone()));
  absl::StatusOr<absl::Time> offset = ParseTimestamp("2026-01-02T16:04:05.5+01:00");
  ASSERT_TRUE(offset.ok());
  EXPECT_EQ(*offset - *utc, absl::Milliseconds(500));
}

TEST(ParseTimestampTest, RejectsWhatIsNotOneTimestamp) {
  for (const char* text :
       {"", "2026-01-02", "2026-01-02T15:04:05", " 2026-01-02T15:04:05Z", "2026-01-02T15:04:05Z ",
        "2026-13-02T15:04:05Z", "2026-01-02 15:04:05Z", "yesterday"}) {
    EXPECT_FALSE(ParseTimestamp(text).ok()) << '"' << text << '"';
  }
}

TEST(ParseDaysOfWeekTest, ReadsDaysListsAndRanges) {
  struct Case {
    std::string text;
    DaySet want;
  };
  const Case cases[] = {
      {"tue", Days({Weekday::tuesday})},
      {"Tuesday", Days({Weekday::tuesday})},
      {"sat,sun", Days({Weekday::saturday, Weekday::sunday})},
      {"sat, sun", Days({Weekday::saturday, Weekday::sunday})},
      {"Saturday, SUN", Days({Weekday::saturday, Weekday::sunday})},
      {"mon-fri", Days({Weekday::monday, Weekday::tuesday, Weekday::wednesday, Weekday::thursday,
                        Weekday::friday})},
      {"fri-mon", Days({Weekday::friday, Weekday::saturday, Weekday::sunday, Weekday::monday})},
      {"MON-WED,fri",
       Days({Weekday::monday, Weekday::tuesday, Weekday::wednesday, Weekday::friday})},
      {"sun-sun", Days({Weekday::sunday})},
  };
  for (const Case& c : cases) {
    absl::StatusOr<DaySet> days = ParseDaysOfWeek(c.text);
    ASSERT_TRUE(days.ok()) << c.text << ": " << days.status();
    EXPECT_EQ(*days, c.want) << c.text;
  }
}

TEST(ParseDaysOfWeekTest, RejectsWhatIsNotADay) {
  for (const char* text : {"", "mo", "mon-", "-fri", "mon--fri", "mon,,tue", "mon-tue-wed",
                           "mon - fri", "1", "1-5", "weekend"}) {
    absl::StatusOr<DaySet> days = ParseDaysOfWeek(text);
    EXPECT_FALSE(days.ok()) << '"' << text << '"';
    if (!days.ok()) {
      EXPECT_EQ(days.status().code(), absl::StatusCode::kInvalidArgument);
    }
  }
}

TEST(ParseTimeOfDayTest, ReadsHoursMinutesAndSeconds) {
  EXPECT_EQ(*ParseTimeOfDay("00:00"), 0);
  EXPECT_EQ(*ParseTimeOfDay("09:30"), 9 * 3600 + 30 * 60);
  EXPECT_EQ(*ParseTimeOfDay("9:30"), 9 * 3600 + 30 * 60);
  EXPECT_EQ(*ParseTimeOfDay("17:00:15"), 17 * 3600 + 15);
  EXPECT_EQ(*ParseTimeOfDay("23:59:59"), 86399);
}

TEST(ParseTimeOfDayTest, RejectsWhatIsNotAClockTime) {
  for (const char* text :
       {"", "9", "12", "24:00", "12:60", "12:00:60", "12:0", "12:5", "12:00:", "012:00", "123:00",
        "12:00 pm", " 12:00", "-1:00", "+9:00", "12:00:00:00"}) {
    EXPECT_FALSE(ParseTimeOfDay(text).ok()) << '"' << text << '"';
  }
}

TEST(ParseTimeZoneTest, LoadsIanaZonesFromTzdata) {
  absl::StatusOr<absl::TimeZone> paris = ParseTimeZone("Europe/Paris");
  ASSERT_TRUE(paris.ok());
  EXPECT_EQ(paris->name(), "Europe/Paris");
  EXPECT_TRUE(ParseTimeZone("UTC").ok());
}

TEST(ParseTimeZoneTest, RefusesUnknownAndPathLikeNames) {
  for (const char* text : {"", "Mars/Olympus", "localtime", "/etc/passwd", "../zoneinfo/UTC",
                           "Europe/../UTC", "Europe/Paris "}) {
    EXPECT_FALSE(ParseTimeZone(text).ok()) << '"' << text << '"';
  }
}

}  // namespace
}  // namespace postern::policy
