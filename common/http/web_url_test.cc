#include "common/http/web_url.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace postern::http {
namespace {

TEST(WebUrlTest, ReadsTheParts) {
  absl::StatusOr<WebUrl> url = ParseWebUrl("HTTPS://IdP.Example.com:8443/a/b%20c?x=1&y=/?z");
  ASSERT_TRUE(url.ok()) << url.status();
  EXPECT_TRUE(url->https);
  EXPECT_EQ(url->host, "idp.example.com");
  EXPECT_EQ(url->host_kind, HostKind::kName);
  EXPECT_EQ(url->port, 8443);
  EXPECT_EQ(url->path, "/a/b%20c");
  EXPECT_EQ(url->query, "x=1&y=/?z");
  EXPECT_EQ(url->Target(), "/a/b%20c?x=1&y=/?z");
  EXPECT_EQ(url->Authority(), "idp.example.com:8443");
  EXPECT_EQ(url->ToString(), "https://idp.example.com:8443/a/b%20c?x=1&y=/?z");
}

TEST(WebUrlTest, FillsDefaults) {
  absl::StatusOr<WebUrl> url = ParseWebUrl("http://127.0.0.1");
  ASSERT_TRUE(url.ok()) << url.status();
  EXPECT_EQ(url->host_kind, HostKind::kIpv4);
  EXPECT_EQ(url->port, 80);
  EXPECT_FALSE(url->has_port);
  EXPECT_EQ(url->Target(), "/");
  EXPECT_EQ(url->ToString(), "http://127.0.0.1/");
  EXPECT_EQ(ParseWebUrl("https://x.example")->port, 443);
  EXPECT_EQ(ParseWebUrl("http://x.example?q")->Target(), "/?q");
  EXPECT_EQ(ParseWebUrl("http://x.example/?")->ToString(), "http://x.example/?");
}

TEST(WebUrlTest, ReadsIpv6) {
  absl::StatusOr<WebUrl> url = ParseWebUrl("http://[0:0::1]:8000/");
  ASSERT_TRUE(url.ok()) << url.status();
  EXPECT_EQ(url->host, "::1");
  EXPECT_EQ(url->host_kind, HostKind::kIpv6);
  EXPECT_EQ(url->Authority(), "[::1]:8000");
  EXPECT_TRUE(IsLoopback(*url));
}

TEST(WebUrlTest, HostsAreWhatABrowserDials) {
  // Boost.URL 1.81 reads this one as host 127.0.0.1.
  absl::StatusOr<WebUrl> url = ParseWebUrl("http://127.0.0.1.evil.com/x");
  ASSERT_TRUE(url.ok()) << url.status();
  EXPECT_EQ(url->host, "127.0.0.1.evil.com");
  EXPECT_EQ(url->host_kind, HostKind::kName);
  EXPECT_FALSE(IsLoopback(*url));
  EXPECT_EQ(ParseWebUrl("http://127.1/")->host_kind, HostKind::kName);
  EXPECT_EQ(ParseWebUrl("http://2130706433/")->host_kind, HostKind::kName);
  EXPECT_EQ(ParseWebUrl("http://127.000.0.1/")->host_kind, HostKind::kName);
}

TEST(WebUrlTest, RefusesWhatCouldBeReadTwoWays) {
  for (const char* text : {
           "",
           "127.0.0.1",
           "//127.0.0.1/",
           "ftp://x.example/",
           "javascript://x.example/",
           "http://",
           "http:///path",
           "http://user@x.example/",
           "http://@x.example/",
           "http://a:b@x.example/",
           "http://x.example:/",
           "http://x.example:0/",
           "http://x.example:65536/",
           "http://x.example:8o/",
           "http://x.example:-1/",
           "http://x.example/#frag",
           "http://x.example#",
           "http://x.example\\@evil.com/",
           "http://x.example\\.evil.com/",
           "http://x.example/\\evil",
           "http://x.example/a b",
           "http://x.example/a\r\nb",
           "http://x.example/?a=\"",
           "http://x.example/%zz",
           "http://x.example/%2",
           "http://%31%32%37.0.0.1/",
           "http://x..example/",
           "http://.x.example/",
           "http://x.example./",
           "http://[::1/",
           "http://[::1]x/",
           "http://[::g]/",
           "http://::1/",
           "http://xn--caf\xc3\xa9.example/",
           "http://x.example/\xc3\xa9",
       }) {
    EXPECT_EQ(ParseWebUrl(text).status().code(), absl::StatusCode::kInvalidArgument) << text;
  }
}

TEST(WebUrlTest, MessagesDoNotRepeatTheUrl) {
  absl::Status status = ParseWebUrl("http://x.example/?code=secret#x").status();
  EXPECT_THAT(status.message(), ::testing::Not(::testing::HasSubstr("secret")));
}

TEST(WebUrlTest, KnowsLoopback) {
  for (const char* text : {"http://localhost/", "http://LOCALHOST:1/", "http://127.0.0.1/",
                           "http://127.255.0.9/", "http://[::1]/"}) {
    EXPECT_TRUE(IsLoopback(*ParseWebUrl(text))) << text;
  }
  for (const char* text : {"http://localhost.example/", "http://128.0.0.1/", "http://[::2]/",
                           "http://[::ffff:127.0.0.1]/", "http://0.0.0.0/", "http://10.0.0.1/"}) {
    EXPECT_FALSE(IsLoopback(*ParseWebUrl(text))) << text;
  }
}

TEST(WebUrlTest, AppendsQueries) {
  EXPECT_EQ(AppendQuery("http://127.0.0.1:1/", "a=1"), "http://127.0.0.1:1/?a=1");
  EXPECT_EQ(AppendQuery("http://127.0.0.1:1/cb?x=y", "a=1"), "http://127.0.0.1:1/cb?x=y&a=1");
  EXPECT_EQ(AppendQuery("http://127.0.0.1:1/cb?", "a=1"), "http://127.0.0.1:1/cb?a=1");
}

}  // namespace
}  // namespace postern::http
