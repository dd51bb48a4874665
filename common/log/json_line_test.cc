#include "common/log/json_line.h"

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "boost/json.hpp"
#include "gtest/gtest.h"

namespace postern::log {
namespace {

const absl::Time kTime = absl::FromUnixMillis(1795000000123);  // 2026-11-18T...

boost::json::object Parse(const std::string& line) {
  EXPECT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1) << "exactly one line";
  boost::json::error_code ec;
  boost::json::value value = boost::json::parse(line, ec);
  EXPECT_FALSE(ec) << ec.message() << " in " << line;
  return value.is_object() ? value.as_object() : boost::json::object();
}

TEST(JsonLineTest, TimeComesFirstInRfc3339UtcWithMilliseconds) {
  const std::string line = JsonLine(kTime).AddString("user", "a@example.com").Line();
  EXPECT_EQ(line.rfind("{\"time\":\"", 0), 0u);
  EXPECT_EQ(Parse(line).at("time").as_string(),
            absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", kTime, absl::UTCTimeZone()));
  EXPECT_NE(line.find("T"), std::string::npos);
  EXPECT_NE(line.find(".123Z\""), std::string::npos);
}

TEST(JsonLineTest, AllFieldKindsRoundTripThroughAJsonParser) {
  const std::vector<std::string> reasons = {"email matched", "group \"ops\""};
  const std::string line = JsonLine(kTime)
                               .AddString("route", "tcp+https://redis.corp.example.com:6379")
                               .AddInt("bytes_up", 1234567890123)
                               .AddInt("negative", -5)
                               .AddDouble("duration_s", 0.25)
                               .AddBool("allowed", true)
                               .AddBool("tls", false)
                               .AddStringList("reasons", reasons)
                               .AddStringList("empty", {})
                               .Line();
  const boost::json::object object = Parse(line);
  EXPECT_EQ(object.at("route").as_string(), "tcp+https://redis.corp.example.com:6379");
  EXPECT_EQ(object.at("bytes_up").as_int64(), 1234567890123);
  EXPECT_EQ(object.at("negative").as_int64(), -5);
  EXPECT_EQ(object.at("duration_s").as_double(), 0.25);
  EXPECT_EQ(object.at("allowed").as_bool(), true);
  EXPECT_EQ(object.at("tls").as_bool(), false);
  ASSERT_EQ(object.at("reasons").as_array().size(), 2u);
  EXPECT_EQ(object.at("reasons").as_array()[1].as_string(), "group \"ops\"");
  EXPECT_TRUE(object.at("empty").as_array().empty());
}

TEST(JsonLineTest, EscapesEverythingThatWouldBreakTheLine) {
  const std::string nasty = std::string("q\"b\\n\nr\rt\tnul") + '\0' + "bell\x07" + "del\x7f";
  const std::string line = JsonLine(kTime).AddString("k\"ey", nasty).Line();
  EXPECT_EQ(Parse(line).at("k\"ey").as_string(), nasty);
  EXPECT_NE(line.find("\\u0000"), std::string::npos);
  EXPECT_NE(line.find("\\u0007"), std::string::npos);
}

TEST(JsonLineTest, KeepsValidUtf8AndReplacesInvalidBytes) {
  const std::string valid = "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x91";
  EXPECT_EQ(Parse(JsonLine(kTime).AddString("v", valid).Line()).at("v").as_string(), valid);

  const std::string replacement = "\xef\xbf\xbd";
  struct Case {
    const char* name;
    std::string input, expected;
  };
  const Case cases[] = {
      {"lone continuation", "a\x80z", "a" + replacement + "z"},
      {"truncated sequence", "a\xe2\x82", "a" + replacement + replacement},
      {"overlong slash", "\xc0\xaf", replacement + replacement},
      {"surrogate", "\xed\xa0\x80", replacement + replacement + replacement},
      {"above U+10FFFF", "\xf4\x90\x80\x80", replacement + replacement + replacement + replacement},
      {"invalid lead", "\xff", replacement},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(Parse(JsonLine(kTime).AddString("v", c.input).Line()).at("v").as_string(),
              c.expected);
  }
}

TEST(JsonLineTest, NonFiniteDoublesAreNull) {
  const boost::json::object object =
      Parse(JsonLine(kTime)
                .AddDouble("nan", std::nan(""))
                .AddDouble("inf", std::numeric_limits<double>::infinity())
                .AddDouble("big", 1e300)
                .Line());
  EXPECT_TRUE(object.at("nan").is_null());
  EXPECT_TRUE(object.at("inf").is_null());
  EXPECT_EQ(object.at("big").as_double(), 1e300);
}

}  // namespace
}  // namespace postern::log
