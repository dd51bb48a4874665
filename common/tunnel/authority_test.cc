#include "common/tunnel/authority.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace postern::tunnel {
namespace {

using ::testing::HasSubstr;

TEST(ParseAuthorityTest, CanonicalizesNamesPortsAndIpv6) {
  struct Case {
    std::string text;
    std::string host;
    uint16_t port;
    std::string canonical;
  };
  for (const Case& c : std::vector<Case>{
           {"redis.corp.example.com:6379", "redis.corp.example.com", 6379,
            "redis.corp.example.com:6379"},
           {"Redis.CORP.example.com:6379", "redis.corp.example.com", 6379,
            "redis.corp.example.com:6379"},
           {"10.0.0.1:22", "10.0.0.1", 22, "10.0.0.1:22"},
           {"db_1:05432", "db_1", 5432, "db_1:5432"},
           {"h:1", "h", 1, "h:1"},
           {"h:65535", "h", 65535, "h:65535"},
           {"[::1]:22", "::1", 22, "[::1]:22"},
           {"[0:0:0:0:0:0:0:1]:22", "::1", 22, "[::1]:22"},
           {"[2001:DB8::A]:443", "2001:db8::a", 443, "[2001:db8::a]:443"},
       }) {
    absl::StatusOr<Authority> a = ParseAuthority(c.text);
    ASSERT_TRUE(a.ok()) << c.text << ": " << a.status();
    EXPECT_EQ(a->host, c.host) << c.text;
    EXPECT_EQ(a->port, c.port) << c.text;
    EXPECT_EQ(a->ToString(), c.canonical) << c.text;
  }
}

TEST(ParseAuthorityTest, RejectsWithMessageNamingTheProblem) {
  struct Case {
    std::string text;
    std::string message;
  };
  for (const Case& c : std::vector<Case>{
           {"", "port required"},
           {"example.com", "port required"},
           {"example.com:", "port required"},
           {":80", "host required"},
           {"example.com:0", "1..65535"},
           {"example.com:65536", "1..65535"},
           {"example.com:70000", "1..65535"},
           {"example.com:123456", "1..65535"},
           {"example.com:-1", "decimal"},
           {"example.com:+80", "decimal"},
           {"example.com: 80", "decimal"},
           {"example.com:0x50", "decimal"},
           {"user@example.com:80", "userinfo"},
           {"user:pw@example.com:80", "userinfo"},
           {"example.com:80/path", "path"},
           {"http://example.com:80", "path"},
           {"example.com:80?q", "path"},
           {"example.com:80#f", "path"},
           {"::1:22", "brackets"},
           {"2001:db8::1:443", "brackets"},
           {"[::1]", "port required"},
           {"[::1]22", "port required"},
           {"[::1:22", "closing"},
           {"[fe80::1%25eth0]:22", "invalid IPv6"},
           {"[not-ip]:22", "invalid IPv6"},
           {"[]:22", "invalid IPv6"},
           {"exa mple.com:80", "only letters"},
           {"example.com\r\nX: y:80", "only letters"},
           {std::string("exa\0mple:80", 11), "only letters"},
           {"ex%61mple.com:80", "only letters"},
           {".example.com:80", "empty label"},
           {"example.com.:80", "empty label"},
           {"a..b:80", "empty label"},
           {std::string(254, 'a') + ":80", "253"},
       }) {
    absl::StatusOr<Authority> a = ParseAuthority(c.text);
    ASSERT_FALSE(a.ok()) << c.text;
    EXPECT_EQ(a.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(a.status().message(), HasSubstr(c.message)) << c.text;
  }
}

TEST(ParseAuthorityTest, ErrorMessagesEscapeHostileBytes) {
  absl::StatusOr<Authority> a = ParseAuthority("evil\r\nSet-Cookie: x:80");
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.status().message().find('\r'), std::string::npos);
  EXPECT_EQ(a.status().message().find('\n'), std::string::npos);
}

}  // namespace
}  // namespace postern::tunnel
