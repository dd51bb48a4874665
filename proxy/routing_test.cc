// The proxy routes a CONNECT by looking its parsed authority up in the
// config: the parser's canonical form and the loader's route keys must
// agree for every spelling a client may use. This pins that contract.
#include <string>

#include "common/config/config_loader.h"
#include "common/tunnel/connect_request.h"
#include "gtest/gtest.h"

namespace postern::proxy {
namespace {

constexpr char kConfig[] = R"(
routes:
  - from: tcp+https://Redis.Corp.Example.com:6379
    to: tcp://redis.internal:6379
    policy: [{allow: {and: [{authenticated_user: true}]}}]
  - from: tcp+https://proxy.corp.example.com:8443/ssh.corp.example.com:22
    to: tcp://ssh.internal:22
    policy: [{allow: {and: [{authenticated_user: true}]}}]
  - from: tcp+https://[0:0::1]:5432
    to: tcp://[::1]:5432
    policy: [{allow: {and: [{authenticated_user: true}]}}]
  - from: tcp+https://10.1.2.3:3306
    to: tcp://mysql.internal:3306
    policy: [{allow: {and: [{authenticated_user: true}]}}]
)";

// RouteFor parses a CONNECT for `target` and returns the `to` of the route
// the proxy would pick, or "" for none (404).
std::string RouteFor(const config::Config& config, const std::string& target) {
  tunnel::ConnectRequestParser parser;
  const std::string request = "CONNECT " + target + " HTTP/1.1\r\nHost: " + target + "\r\n\r\n";
  EXPECT_EQ(parser.Feed(request), tunnel::ConnectRequestParser::Progress::kDone) << target;
  const config::Route* route = config.FindRoute(parser.request().authority);
  return route == nullptr ? "" : route->to;
}

class RoutingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<config::LoadedConfig> loaded = config::LoadConfigString(kConfig, "test.yaml");
    ASSERT_TRUE(loaded.ok()) << loaded.status();
    config_ = loaded->config;
  }
  std::shared_ptr<const config::Config> config_;
};

TEST_F(RoutingTest, HostCaseDoesNotMatter) {
  EXPECT_EQ(RouteFor(*config_, "redis.corp.example.com:6379"), "tcp://redis.internal:6379");
  EXPECT_EQ(RouteFor(*config_, "REDIS.corp.EXAMPLE.com:6379"), "tcp://redis.internal:6379");
}

TEST_F(RoutingTest, PortIsPartOfTheKey) {
  EXPECT_EQ(RouteFor(*config_, "redis.corp.example.com:6380"), "");
  EXPECT_EQ(RouteFor(*config_, "redis.corp.example.com:06379"), "tcp://redis.internal:6379")
      << "leading zeros are the same port";
}

TEST_F(RoutingTest, BastionRouteIsFoundByTheTargetInItsPath) {
  EXPECT_EQ(RouteFor(*config_, "ssh.corp.example.com:22"), "tcp://ssh.internal:22");
  EXPECT_EQ(RouteFor(*config_, "proxy.corp.example.com:8443"), "")
      << "the bastion proxy itself is not a route";
}

TEST_F(RoutingTest, Ipv6LiteralsMatchInAnySpelling) {
  EXPECT_EQ(RouteFor(*config_, "[::1]:5432"), "tcp://[::1]:5432");
  EXPECT_EQ(RouteFor(*config_, "[0:0:0:0:0:0:0:1]:5432"), "tcp://[::1]:5432");
}

TEST_F(RoutingTest, Ipv4Literal) {
  EXPECT_EQ(RouteFor(*config_, "10.1.2.3:3306"), "tcp://mysql.internal:3306");
  EXPECT_EQ(RouteFor(*config_, "10.1.2.4:3306"), "");
}

TEST_F(RoutingTest, SuffixOrPrefixOfAHostIsNotAMatch) {
  EXPECT_EQ(RouteFor(*config_, "corp.example.com:6379"), "");
  EXPECT_EQ(RouteFor(*config_, "xredis.corp.example.com:6379"), "");
}

}  // namespace
}  // namespace postern::proxy
