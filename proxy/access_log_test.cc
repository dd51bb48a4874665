#include "proxy/access_log.h"

#include <string>

#include "absl/time/time.h"
#include "boost/json.hpp"
#include "gtest/gtest.h"

namespace postern::proxy {
namespace {

const absl::Time kTime = absl::FromUnixMillis(1795000000123);

boost::json::object Parse(const std::string& line) {
  EXPECT_EQ(line.find('\n'), line.size() - 1) << "exactly one line";
  boost::json::error_code ec;
  boost::json::value value = boost::json::parse(line, ec);
  EXPECT_FALSE(ec) << ec.message() << " in " << line;
  return value.is_object() ? value.as_object() : boost::json::object();
}

TEST(AccessLogTest, TunnelLineHasEveryFieldOperatorsSearchBy) {
  AccessRecord record{.client = "127.0.0.1:50312",
                      .user = "u1",
                      .email = "a@example.com",
                      .session_id = "jti-1",
                      .authority = "redis.corp.example.com:6379",
                      .route = "tcp+https://redis.corp.example.com:6379",
                      .upstream = "redis.internal:6379",
                      .upstream_address = "10.0.0.7:6379",
                      .decision = "allow",
                      .status = 200,
                      .bytes_up = 5'000'000'000ULL,
                      .bytes_down = 4096,
                      .duration = absl::Milliseconds(5321),
                      .close_reason = "client closed"};
  const std::string line = FormatAccessLine(record, kTime);
  EXPECT_EQ(line.rfind("{\"time\":\"2026-", 0), 0u) << line;
  EXPECT_NE(line.find("\"log\":\"access\""), std::string::npos) << "second field, for grep";
  boost::json::object object = Parse(line);
  EXPECT_EQ(object.at("client").as_string(), "127.0.0.1:50312");
  EXPECT_EQ(object.at("user").as_string(), "u1");
  EXPECT_EQ(object.at("email").as_string(), "a@example.com");
  EXPECT_EQ(object.at("session_id").as_string(), "jti-1");
  EXPECT_EQ(object.at("authority").as_string(), "redis.corp.example.com:6379");
  EXPECT_EQ(object.at("route").as_string(), "tcp+https://redis.corp.example.com:6379");
  EXPECT_EQ(object.at("upstream").as_string(), "redis.internal:6379");
  EXPECT_EQ(object.at("upstream_address").as_string(), "10.0.0.7:6379");
  EXPECT_EQ(object.at("decision").as_string(), "allow");
  EXPECT_EQ(object.at("status").as_int64(), 200);
  EXPECT_EQ(object.at("bytes_up").as_int64(), 5'000'000'000LL) << "more than 32 bits";
  EXPECT_EQ(object.at("bytes_down").as_int64(), 4096);
  EXPECT_EQ(object.at("duration_ms").as_int64(), 5321);
  EXPECT_EQ(object.at("close_reason").as_string(), "client closed");
}

TEST(AccessLogTest, HostileAuthorityStaysOneValidJsonLine) {
  AccessRecord record{.authority = "evil\r\n{\"status\":200}\x01\xff", .status = 404};
  const std::string line = FormatAccessLine(record, kTime);
  boost::json::object object = Parse(line);
  EXPECT_EQ(object.at("status").as_int64(), 404);
  EXPECT_NE(object.at("authority").as_string().find("evil"), boost::json::string::npos);
}

TEST(AccessLogTest, RefusedRequestWithoutRouteHasEmptyFieldsNotMissingOnes) {
  const boost::json::object object =
      Parse(FormatAccessLine(AccessRecord{.status = 400, .close_reason = "bad"}, kTime));
  for (const char* key : {"user", "email", "session_id", "route", "upstream", "decision"}) {
    ASSERT_TRUE(object.contains(key)) << key;
    EXPECT_EQ(object.at(key).as_string(), "") << key;
  }
  EXPECT_EQ(object.at("bytes_up").as_int64(), 0);
}

}  // namespace
}  // namespace postern::proxy
