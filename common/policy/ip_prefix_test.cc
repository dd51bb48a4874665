#include "common/policy/ip_prefix.h"

#include <string>

#include "gtest/gtest.h"

namespace postern::policy {
namespace {

IpAddress Address(const char* text) {
  absl::StatusOr<IpAddress> address = ParseIpAddress(text);
  EXPECT_TRUE(address.ok()) << text;
  return address.ok() ? *address : IpAddress{};
}

struct ContainsCase {
  std::string prefix;
  std::string address;
  bool contained;
};

class IpPrefixContainsTest : public testing::TestWithParam<ContainsCase> {};

TEST_P(IpPrefixContainsTest, MatchesAsGoNetDoes) {
  const ContainsCase& c = GetParam();
  absl::StatusOr<IpPrefix> prefix = ParseIpPrefix(c.prefix);
  ASSERT_TRUE(prefix.ok()) << prefix.status();
  EXPECT_EQ(prefix->Contains(Address(c.address.c_str())), c.contained)
      << c.prefix << " ∋ " << c.address;
}

INSTANTIATE_TEST_SUITE_P(Prefixes, IpPrefixContainsTest,
                         testing::Values(
                             // IPv4 prefixes, including the extremes /0 and /32.
                             ContainsCase{"10.0.0.0/8", "10.255.1.2", true},
                             ContainsCase{"10.0.0.0/8", "11.0.0.1", false},
                             ContainsCase{"10.0.0.0/8", "9.255.255.255", false},
                             ContainsCase{"192.0.2.0/24", "192.0.2.7", true},
                             ContainsCase{"192.0.2.0/24", "192.0.3.7", false},
                             ContainsCase{"0.0.0.0/0", "203.0.113.9", true},
                             ContainsCase{"0.0.0.0/0", "2001:db8::1", false},
                             ContainsCase{"192.0.2.7/32", "192.0.2.7", true},
                             ContainsCase{"192.0.2.7/32", "192.0.2.8", false},
                             ContainsCase{"192.0.2.7", "192.0.2.7", true},  // bare address = /32
                             ContainsCase{"192.0.2.0/25", "192.0.2.127", true},
                             ContainsCase{"192.0.2.0/25", "192.0.2.128", false},
                             // Host bits are ignored, as Go's ParseCIDR does.
                             ContainsCase{"10.1.2.3/8", "10.9.9.9", true},
                             ContainsCase{"10.1.2.3/8", "10.200.0.1", true},
                             ContainsCase{"10.255.0.0/9", "10.128.0.1", true},
                             ContainsCase{"10.255.0.0/9", "10.127.0.1", false},
                             // IPv6.
                             ContainsCase{"::1/128", "::1", true},
                             ContainsCase{"::1/128", "::2", false},
                             ContainsCase{"::1", "::1", true}, ContainsCase{"::1", "::2", false},
                             ContainsCase{"2001:db8::/32", "2001:db8:ffff::1", true},
                             ContainsCase{"2001:db8::/32", "2001:db9::1", false},
                             ContainsCase{"2001:db8:0:1::/64", "2001:db8:0:1:ffff::1", true},
                             ContainsCase{"2001:db8:0:1::/64", "2001:db8:0:2::1", false},
                             ContainsCase{"2001:db8::/127", "2001:db8::1", true},
                             ContainsCase{"2001:db8::/127", "2001:db8::2", false},
                             ContainsCase{"::/0", "2001:db8::1", true},
                             ContainsCase{"::/0", "192.0.2.1", false},  // families never mix
                             ContainsCase{"10.0.0.0/8", "2001:db8::a00:1", false},
                             ContainsCase{"192.0.2.0/24", "2001:db8::1", false},
                             // IPv4-mapped IPv6 counts as IPv4, on either side.
                             ContainsCase{"10.0.0.0/8", "::ffff:10.1.2.3", true},
                             ContainsCase{"10.0.0.0/8", "::ffff:11.1.2.3", false},
                             ContainsCase{"192.0.2.0/24", "::ffff:192.0.2.7", true},
                             ContainsCase{"::ffff:10.0.0.0/104", "10.1.2.3", true},
                             ContainsCase{"::ffff:10.0.0.0/104", "11.1.2.3", false},
                             ContainsCase{"::ffff:0:0/96", "198.51.100.1", true}));

TEST(IpPrefixTest, LengthCountsWithinTheMatchedFamily) {
  EXPECT_EQ(ParseIpPrefix("::1")->length(), 128);
  EXPECT_EQ(ParseIpPrefix("192.0.2.7")->length(), 32);
  EXPECT_EQ(ParseIpPrefix("10.0.0.0/8")->length(), 8);
  EXPECT_EQ(ParseIpPrefix("::ffff:10.0.0.0/104")->length(), 8);
}

TEST(IpAddressTest, RejectsTextThatIsNotOneAddress) {
  for (const char* text :
       {"", " 10.0.0.1", "10.0.0.1 ", "10.0.0", "10.0.0.256", "01.2.3.4", "10.0.0.1/8",
        "10.0.0.0/8", "10.0.0.1:80", "fe80::1%eth0", "::g", "::1::2", "example.com",
        "0000:0000:0000:0000:0000:0000:0000:0000:0000:0000:0000:0000"}) {
    EXPECT_FALSE(ParseIpAddress(text).ok()) << '"' << text << '"';
  }
}

TEST(IpPrefixTest, RejectsMalformedPrefixesQuotingThem) {
  for (const char* text :
       {"", "192.0.2", "192.0.2.256", "01.2.3.4", "fe80::1%eth0", "::1::2", " 10.0.0.1",
        "10.0.0.0/33", "10.0.0.0/-1", "10.0.0.0/", "10.0.0.0/ 8", "10.0.0.0/+8", "10.0.0.0/8/8",
        "::/129", "::ffff:10.0.0.0/95", "corp-network", "example.com", "10.0.0.0/0008"}) {
    absl::StatusOr<IpPrefix> prefix = ParseIpPrefix(text);
    EXPECT_FALSE(prefix.ok()) << '"' << text << '"';
    if (!prefix.ok()) {
      EXPECT_EQ(prefix.status().code(), absl::StatusCode::kInvalidArgument);
      EXPECT_NE(prefix.status().message().find(text), std::string::npos) << prefix.status();
    }
  }
}

TEST(IpPrefixTest, ErrorsSayWhatIsExpected) {
  EXPECT_EQ(std::string(ParseIpPrefix("10.0.0.0/33").status().message()),
            "prefix length in \"10.0.0.0/33\" must be a number from 0 to 32");
  EXPECT_EQ(std::string(ParseIpPrefix("::ffff:10.0.0.0/95").status().message()),
            "prefix length in \"::ffff:10.0.0.0/95\" must be a number from 96 to 128 for an "
            "IPv4-mapped address");
  EXPECT_EQ(std::string(ParseIpPrefix("corp").status().message()),
            "expected an IP address or CIDR such as 192.0.2.0/24 or 2001:db8::/32, got \"corp\"");
}

}  // namespace
}  // namespace postern::policy
