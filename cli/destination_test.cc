#include "cli/destination.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace postern::cli {
namespace {

using ::testing::HasSubstr;

struct Expected {
  std::string proxy;
  std::string target;
};

Expected Parse(std::string_view dest, std::string_view proxy_url = "") {
  absl::StatusOr<Destination> d = ParseDestination(dest, proxy_url);
  EXPECT_TRUE(d.ok()) << dest << ": " << d.status();
  if (!d.ok()) return {};
  return {d->proxy.ToString(), d->target.ToString()};
}

std::string Error(std::string_view dest, std::string_view proxy_url = "") {
  absl::StatusOr<Destination> d = ParseDestination(dest, proxy_url);
  EXPECT_FALSE(d.ok()) << dest << " parsed as proxy " << d->proxy.ToString() << " target "
                       << d->target.ToString();
  if (d.ok()) return "";
  EXPECT_EQ(d.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(d.status().message());
}

TEST(DestinationTest, HostPortUsesTheHostAsProxyOnPort443) {
  Expected d = Parse("redis.corp.example.com:6379");
  EXPECT_EQ(d.proxy, "redis.corp.example.com:443");
  EXPECT_EQ(d.target, "redis.corp.example.com:6379");
}

TEST(DestinationTest, TcpHttpsUrlIsTheSameAsHostPort) {
  Expected d = Parse("tcp+https://redis.corp.example.com:6379");
  EXPECT_EQ(d.proxy, "redis.corp.example.com:443");
  EXPECT_EQ(d.target, "redis.corp.example.com:6379");
  Expected slash = Parse("TCP+HTTPS://redis.corp.example.com:6379/");
  EXPECT_EQ(slash.proxy, "redis.corp.example.com:443");
  EXPECT_EQ(slash.target, "redis.corp.example.com:6379");
}

TEST(DestinationTest, BastionFormNamesProxyAndTarget) {
  Expected d = Parse("tcp+https://proxy.example.com:8443/db.internal:5432");
  EXPECT_EQ(d.proxy, "proxy.example.com:8443");
  EXPECT_EQ(d.target, "db.internal:5432");
  Expected default_port = Parse("tcp+https://proxy.example.com/db.internal:5432");
  EXPECT_EQ(default_port.proxy, "proxy.example.com:443");
  EXPECT_EQ(default_port.target, "db.internal:5432");
}

TEST(DestinationTest, HostsAreCanonical) {
  Expected d = Parse("Redis.Corp.Example.COM:06379");
  EXPECT_EQ(d.target, "redis.corp.example.com:6379");
  EXPECT_EQ(d.proxy, "redis.corp.example.com:443");
}

TEST(DestinationTest, Ipv6LiteralsInEveryPosition) {
  Expected d = Parse("[fd00::7]:22");
  EXPECT_EQ(d.proxy, "[fd00::7]:443");
  EXPECT_EQ(d.target, "[fd00::7]:22");
  Expected bastion = Parse("tcp+https://[::1]:8443/[FD00:0::7]:22");
  EXPECT_EQ(bastion.proxy, "[::1]:8443");
  EXPECT_EQ(bastion.target, "[fd00::7]:22");
  Expected bastion_default_port = Parse("tcp+https://[::1]/db:5432");
  EXPECT_EQ(bastion_default_port.proxy, "[::1]:443");
  Expected url = Parse("db:5432", "https://[::1]:8443");
  EXPECT_EQ(url.proxy, "[::1]:8443");
}

TEST(DestinationTest, ProxyUrlOverridesTheProxyOfEveryForm) {
  for (std::string_view dest : {"db.internal:5432", "tcp+https://db.internal:5432",
                                "tcp+https://elsewhere.example.com:9443/db.internal:5432"}) {
    Expected d = Parse(dest, "https://proxy.example.com:8443");
    EXPECT_EQ(d.proxy, "proxy.example.com:8443") << dest;
    EXPECT_EQ(d.target, "db.internal:5432") << dest;
  }
  EXPECT_EQ(Parse("db.internal:5432", "https://proxy.example.com").proxy, "proxy.example.com:443");
  EXPECT_EQ(Parse("db.internal:5432", "HTTPS://Proxy.Example.com/").proxy, "proxy.example.com:443");
}

TEST(DestinationTest, BadDestinationsSayWhatIsWrong) {
  EXPECT_THAT(Error(""), HasSubstr("DEST is empty"));
  EXPECT_THAT(Error("redis.corp.example.com"), HasSubstr("port required"));
  EXPECT_THAT(Error("redis.corp.example.com:"), HasSubstr("port required"));
  EXPECT_THAT(Error("redis:0"), HasSubstr("1..65535"));
  EXPECT_THAT(Error("redis:65536"), HasSubstr("1..65535"));
  EXPECT_THAT(Error("redis:ssh"), HasSubstr("decimal"));
  EXPECT_THAT(Error(":6379"), HasSubstr("host required"));
  EXPECT_THAT(Error("fd00::7:22"), HasSubstr("IPv6"));
  EXPECT_THAT(Error("[fd00::7:22"), HasSubstr("']'"));
  EXPECT_THAT(Error("user@redis:6379"), HasSubstr("userinfo"));
  EXPECT_THAT(Error("redis:6379/extra"), HasSubstr("DEST \"redis:6379/extra\""));
  EXPECT_THAT(Error("redis dev:6379"), HasSubstr("letters, digits"));
  EXPECT_THAT(Error("https://redis:6379"), HasSubstr("unsupported scheme \"https\""));
  EXPECT_THAT(Error("tcp://redis:6379"), HasSubstr("unsupported scheme \"tcp\""));
  EXPECT_THAT(Error("tcp+https://redis"), HasSubstr("port required"));
  EXPECT_THAT(Error("tcp+https:///db:5432"), HasSubstr("proxy: host required"));
  EXPECT_THAT(Error("tcp+https://proxy/db"), HasSubstr("destination after the proxy: port"));
  EXPECT_THAT(Error("tcp+https://proxy/db:1/more"), HasSubstr("destination after the proxy"));
  EXPECT_THAT(Error("tcp+https://redis:6379?x=1"), HasSubstr("query"));
  EXPECT_THAT(Error("tcp+https://redis:6379#frag"), HasSubstr("fragment"));
  // Every message lists the accepted forms.
  EXPECT_THAT(Error("redis"), HasSubstr("tcp+https://proxy[:port]/host:port"));
}

TEST(DestinationTest, ControlCharactersAreEscapedInMessages) {
  std::string message = Error(std::string("redis\n:6379"));
  EXPECT_THAT(message, HasSubstr("\\n"));
  EXPECT_EQ(message.find('\n'), std::string::npos);
}

TEST(DestinationTest, BadProxyUrls) {
  auto proxy_error = [](std::string_view url) { return Error("db:5432", url); };
  EXPECT_THAT(proxy_error("proxy.example.com"), HasSubstr("expected https://host[:port]"));
  EXPECT_THAT(proxy_error("http://proxy.example.com"), HasSubstr("use https://, not http://"));
  EXPECT_THAT(proxy_error("https://proxy.example.com/path"), HasSubstr("a path is not allowed"));
  EXPECT_THAT(proxy_error("https://proxy.example.com?x"), HasSubstr("query"));
  EXPECT_THAT(proxy_error("https://proxy.example.com:99999"), HasSubstr("1..65535"));
  EXPECT_THAT(proxy_error("https://"), HasSubstr("--proxy-url"));
  EXPECT_THAT(proxy_error("https://me@proxy"), HasSubstr("userinfo"));
}

}  // namespace
}  // namespace postern::cli
