#include "cli/listen_address.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace postern::cli {
namespace {

using ::testing::HasSubstr;

TEST(ListenAddressTest, AcceptsIpLiteralsAndLocalhost) {
  struct Case {
    const char* text;
    const char* ip;
    uint16_t port;
    const char* shown;
  };
  for (const Case& c : {
           Case{"127.0.0.1:0", "127.0.0.1", 0, "127.0.0.1:0"},
           Case{"127.0.0.1:6379", "127.0.0.1", 6379, "127.0.0.1:6379"},
           Case{"0.0.0.0:22", "0.0.0.0", 22, "0.0.0.0:22"},
           Case{"[::1]:0", "::1", 0, "[::1]:0"},
           Case{"[0:0::1]:65535", "::1", 65535, "[::1]:65535"},
           Case{"localhost:8080", "127.0.0.1", 8080, "127.0.0.1:8080"},
           Case{"LocalHost:8080", "127.0.0.1", 8080, "127.0.0.1:8080"},
       }) {
    absl::StatusOr<ListenAddress> address = ParseListenAddress(c.text);
    ASSERT_TRUE(address.ok()) << c.text << ": " << address.status();
    EXPECT_EQ(address->ip, c.ip) << c.text;
    EXPECT_EQ(address->port, c.port) << c.text;
    EXPECT_EQ(address->ToString(), c.shown) << c.text;
  }
  EXPECT_EQ(ParseListenAddress(kDefaultListenAddress)->ToString(), "127.0.0.1:0");
}

TEST(ListenAddressTest, RefusesWhatCannotBeBound) {
  struct Case {
    const char* text;
    const char* reason;
  };
  for (const Case& c : {
           Case{"127.0.0.1", "port required"},
           Case{"127.0.0.1:", "port must be 0..65535"},
           Case{"127.0.0.1:65536", "port must be 0..65535"},
           Case{"127.0.0.1:-1", "port must be 0..65535"},
           Case{"127.0.0.1:http", "port must be 0..65535"},
           Case{":6379", "address required"},
           Case{"::1:0", "must be in brackets"},
           Case{"[::1]", "port required"},
           Case{"[::1:0", "lacks its ']'"},
           Case{"[::g]:0", "invalid IPv6"},
           Case{"db.example.com:0", "an IP address or localhost"},
           Case{"127.0.0.256:0", "an IP address or localhost"},
           Case{"", "port required"},
       }) {
    absl::StatusOr<ListenAddress> address = ParseListenAddress(c.text);
    ASSERT_FALSE(address.ok()) << c.text << " parsed as " << address->ToString();
    EXPECT_EQ(address.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(address.status().message(), HasSubstr(c.reason)) << c.text;
    EXPECT_THAT(address.status().message(), HasSubstr("--listen")) << c.text;
  }
}

}  // namespace
}  // namespace postern::cli
