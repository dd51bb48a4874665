#include "common/config/url.h"

#include <string>

#include "gtest/gtest.h"

namespace postern::config {
namespace {

std::string ErrorOf(const char* text) {
  auto url = ParseUrl(text);
  EXPECT_FALSE(url.ok()) << text;
  return std::string(url.status().message());
}

TEST(UrlTest, RouteUrlLowerCasesSchemeAndHost) {
  auto url = ParseUrl("TCP+HTTPS://Redis.Corp.Example.com:6379");
  ASSERT_TRUE(url.ok()) << url.status();
  EXPECT_EQ(url->scheme, "tcp+https");
  EXPECT_EQ(url->authority.host, "redis.corp.example.com");
  EXPECT_EQ(url->authority.port, 6379);
  EXPECT_TRUE(url->authority.has_port);
  EXPECT_EQ(url->authority.ToString(), "redis.corp.example.com:6379");
  EXPECT_EQ(url->path, "");
}

TEST(UrlTest, BastionPathIsKept) {
  auto url = ParseUrl("tcp+https://proxy.example.com/db.internal:5432");
  ASSERT_TRUE(url.ok()) << url.status();
  EXPECT_FALSE(url->authority.has_port);
  EXPECT_EQ(url->authority.ToString(), "proxy.example.com");
  EXPECT_EQ(url->path, "/db.internal:5432");
}

TEST(UrlTest, Ipv6LiteralsAreCanonical) {
  auto url = ParseUrl("tcp://[0:0:0::1]:22");
  ASSERT_TRUE(url.ok()) << url.status();
  EXPECT_TRUE(url->authority.is_ipv6);
  EXPECT_EQ(url->authority.ToString(), "[::1]:22");
  auto upper = ParseHostPort("[2001:DB8::A]:443");
  ASSERT_TRUE(upper.ok());
  EXPECT_EQ(upper->ToString(), "[2001:db8::a]:443");
}

TEST(UrlTest, RefusesWhatCouldConfuseARouteKey) {
  EXPECT_EQ(ErrorOf("redis.example.com:6379"),
            "expected a URL such as scheme://host:port, got \"redis.example.com:6379\"");
  EXPECT_EQ(ErrorOf("tcp://user:pw@host:1"), "user info (user@) not allowed in URL");
  EXPECT_EQ(ErrorOf("tcp://host:1?x=1"), "query (?...) not allowed in URL");
  EXPECT_EQ(ErrorOf("tcp://host:1#frag"), "fragment (#...) not allowed in URL");
  EXPECT_EQ(ErrorOf("tcp://:1"), "host required");
  EXPECT_EQ(ErrorOf("tcp://host:"), "empty port after ':'");
  EXPECT_EQ(ErrorOf("tcp://host:+1"), "port must be a number, got \"+1\"");
  EXPECT_EQ(ErrorOf("tcp://host:65536"), "port \"65536\" out of range; the largest port is 65535");
  EXPECT_EQ(ErrorOf("tcp://host:99999999999999999999"),
            "port \"99999999999999999999\" out of range; the largest port is 65535");
  EXPECT_EQ(ErrorOf("tcp://::1:22"),
            "IPv6 addresses must be written in brackets, as in [::1]:22; got \"::1:22\"");
  EXPECT_EQ(ErrorOf("tcp://[::1:22"), "missing ']' after IPv6 address in \"[::1:22\"");
  EXPECT_EQ(ErrorOf("tcp://[fe80::1%25eth0]:22"), "invalid IPv6 address \"fe80::1%25eth0\"");
  EXPECT_EQ(ErrorOf("tcp://[::1]x:22"), "expected ':port' after ']' in \"[::1]x:22\"");
  EXPECT_EQ(
      ErrorOf("tcp://ho%73t:22"),
      "invalid character \"%\" in host \"ho%73t\"; expected letters, digits, '-', '_' and '.'");
  EXPECT_EQ(ErrorOf("tcp://a..b:22"),
            "invalid host \"a..b\"; each dot-separated label needs 1 to 63 characters");
  EXPECT_EQ(ErrorOf("tcp+https://proxy/a%20b:1"),
            "invalid character in URL path \"/a%20b:1\"; percent-encoding, spaces and non-ASCII "
            "are not allowed");
}

TEST(UrlTest, HostPortForListenersAndConnectTargets) {
  auto any = ParseHostPort(":8443", /*allow_empty_host=*/true);
  ASSERT_TRUE(any.ok());
  EXPECT_EQ(any->host, "");
  EXPECT_EQ(any->port, 8443);
  EXPECT_FALSE(ParseHostPort(":8443").ok());
  EXPECT_EQ(std::string(ParseHostPort("localhost").status().message()),
            "expected host:port, got \"localhost\"");
  auto zero = ParseHostPort("127.0.0.1:0");
  ASSERT_TRUE(zero.ok());
  EXPECT_EQ(zero->port, 0);
}

}  // namespace
}  // namespace postern::config
