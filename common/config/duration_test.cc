#include "common/config/duration.h"

#include <string>

#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace postern::config {
namespace {

TEST(DurationTest, GoSyntax) {
  EXPECT_EQ(*ParseGoDuration("14h"), absl::Hours(14));
  EXPECT_EQ(*ParseGoDuration("1h30m"), absl::Minutes(90));
  EXPECT_EQ(*ParseGoDuration("90s"), absl::Seconds(90));
  EXPECT_EQ(*ParseGoDuration("500ms"), absl::Milliseconds(500));
  EXPECT_EQ(*ParseGoDuration("1.5h"), absl::Minutes(90));
  EXPECT_EQ(*ParseGoDuration(".5s"), absl::Milliseconds(500));
  EXPECT_EQ(*ParseGoDuration("2m3.25s"), absl::Milliseconds(123250));
  EXPECT_EQ(*ParseGoDuration("10us"), absl::Microseconds(10));
  EXPECT_EQ(*ParseGoDuration("10\xC2\xB5s"), absl::Microseconds(10));
  EXPECT_EQ(*ParseGoDuration("7ns"), absl::Nanoseconds(7));
  EXPECT_EQ(*ParseGoDuration("0"), absl::ZeroDuration());
  EXPECT_EQ(*ParseGoDuration("-1m"), absl::Minutes(-1));
  EXPECT_EQ(*ParseGoDuration("+1m"), absl::Minutes(1));
}

TEST(DurationTest, RefusesWhatGoRefuses) {
  for (const char* text : {"", "30", "00", "h", "1d", "1 h", " 1h", "1h ", "1.h.5", "-", ".s",
                           "1hh", "inf", "1e3s", "1H"}) {
    EXPECT_FALSE(ParseGoDuration(text).ok()) << text;
  }
  EXPECT_EQ(std::string(ParseGoDuration("30").status().message()),
            "expected a duration such as 14h, 1h30m, 90s or 500ms, got \"30\"");
}

TEST(DurationTest, OverflowIsAnErrorNotAWrap) {
  EXPECT_TRUE(ParseGoDuration("2562047h").ok());
  EXPECT_EQ(std::string(ParseGoDuration("2562048h").status().message()),
            "duration \"2562048h\" out of range");
  EXPECT_FALSE(ParseGoDuration("99999999999999999999999s").ok());
  EXPECT_FALSE(ParseGoDuration("9223372036854775807ns1ns").ok());
  EXPECT_EQ(*ParseGoDuration("0.000000000001h"), absl::Nanoseconds(3));
}

}  // namespace
}  // namespace postern::config
