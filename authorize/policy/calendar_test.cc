#include "authorize/policy/calendar.h"

#include <initializer_list>
#include <string>

#include "gtest/gtest.h"

namespace postern::authorize {
namespace {

using absl::Weekday;

DaySet Days(std::initializer_list<Weekday> days) {
  DaySet set;
  for (Weekday day : days) set.Add(day);
  return set;
}

TEST(ParseDaySetTest, ReadsDaysListsAndRanges) {
  struct Case {
    std::string text;
    DaySet want;
  };
  const Case cases[] = {
      {"tue", Days({Weekday::tuesday})},
      {"Tuesday", Days({Weekday::tuesday})},
      {"sat,sun", Days({Weekday::saturday, Weekday::sunday})},
      {"sat, sun", Days({Weekday::saturday, Weekday::sunday})},
      {"mon-fri", Days({Weekday::monday, Weekday::tuesday, Weekday::wednesday, Weekday::thursday,
                        Weekday::friday})},
      {"fri-mon", Days({Weekday::friday, Weekday::saturday, Weekday::sunday, Weekday::monday})},
      {"MON-WED,fri",
       Days({Weekday::monday, Weekday::tuesday, Weekday::wednesday, Weekday::friday})},
      {"sun-sun", Days({Weekday::sunday})},
  };
  for (const Case& c : cases) {
    absl::StatusOr<DaySet> days = ParseDaySet(c.text);
    ASSERT_TRUE(days.ok()) << c.text << ": " << days.status();
    EXPECT_EQ(*days, c.want) << c.text;
  }
}

TEST(ParseDaySetTest, RejectsWhatIsNotADay) {
  for (const char* text : {"", "mo", "mon-", "-fri", "mon--fri", "mon,,tue", "1-5", "weekend"}) {
    absl::StatusOr<DaySet> days = ParseDaySet(text);
    EXPECT_FALSE(days.ok()) << '"' << text << '"';
    if (!days.ok()) {
      EXPECT_EQ(days.status().code(), absl::StatusCode::kInvalidArgument);
    }
  }
}

TEST(ParseClockTimeTest, ReadsHoursMinutesAndSeconds) {
  EXPECT_EQ(*ParseClockTime("00:00"), 0);
  EXPECT_EQ(*ParseClockTime("09:30"), 9 * 3600 + 30 * 60);
  EXPECT_EQ(*ParseClockTime("9:30"), 9 * 3600 + 30 * 60);
  EXPECT_EQ(*ParseClockTime("17:00:15"), 17 * 3600 + 15);
  EXPECT_EQ(*ParseClockTime("23:59:59"), 86399);
}

TEST(ParseClockTimeTest, RejectsWhatIsNotAClockTime) {
  for (const char* text : {"", "9", "24:00", "12:60", "12:00:60", "12:0", "12:00:", "012:00",
                           "12:00 pm", "-1:00", "12:00:00:00"}) {
    EXPECT_FALSE(ParseClockTime(text).ok()) << '"' << text << '"';
  }
}

}  // namespace
}  // namespace postern::authorize
