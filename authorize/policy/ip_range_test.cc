#include "authorize/policy/ip_range.h"

#include <string>

#include "gtest/gtest.h"

namespace postern::authorize {
namespace {

struct ContainsCase {
  std::string range;
  std::string address;
  bool contained;
};

class IpRangeContainsTest : public testing::TestWithParam<ContainsCase> {};

TEST_P(IpRangeContainsTest, MatchesAsGoNetDoes) {
  const ContainsCase& c = GetParam();
  absl::StatusOr<IpRange> range = IpRange::Parse(c.range);
  ASSERT_TRUE(range.ok()) << range.status();
  std::optional<IpAddress> address = IpAddress::Parse(c.address);
  ASSERT_TRUE(address.has_value()) << c.address;
  EXPECT_EQ(range->Contains(*address), c.contained) << c.range << " ∋ " << c.address;
}

INSTANTIATE_TEST_SUITE_P(Ranges, IpRangeContainsTest,
                         testing::Values(
                             // IPv4 prefixes, including the extremes /0 and /32.
                             ContainsCase{"10.0.0.0/8", "10.255.1.2", true},
                             ContainsCase{"10.0.0.0/8", "11.0.0.1", false},
                             ContainsCase{"10.0.0.0/8", "9.255.255.255", false},
                             ContainsCase{"0.0.0.0/0", "203.0.113.9", true},
                             ContainsCase{"0.0.0.0/0", "2001:db8::1", false},
                             ContainsCase{"192.0.2.7/32", "192.0.2.7", true},
                             ContainsCase{"192.0.2.7/32", "192.0.2.8", false},
                             ContainsCase{"192.0.2.7", "192.0.2.7", true},  // bare address = /32
                             ContainsCase{"192.0.2.0/25", "192.0.2.127", true},
                             ContainsCase{"192.0.2.0/25", "192.0.2.128", false},
                             ContainsCase{"10.1.2.3/8", "10.9.9.9", true},  // host bits ignored
                             // IPv6.
                             ContainsCase{"::1/128", "::1", true},
                             ContainsCase{"::1/128", "::2", false},
                             ContainsCase{"::1", "::1", true},
                             ContainsCase{"2001:db8::/32", "2001:db8:ffff::1", true},
                             ContainsCase{"2001:db8::/32", "2001:db9::1", false},
                             ContainsCase{"2001:db8:0:1::/64", "2001:db8:0:1:ffff::1", true},
                             ContainsCase{"2001:db8:0:1::/64", "2001:db8:0:2::1", false},
                             ContainsCase{"2001:db8::/127", "2001:db8::1", true},
                             ContainsCase{"2001:db8::/127", "2001:db8::2", false},
                             ContainsCase{"::/0", "2001:db8::1", true},
                             ContainsCase{"::/0", "192.0.2.1", false},  // families never mix
                             ContainsCase{"10.0.0.0/8", "2001:db8::a00:1", false},
                             // IPv4-mapped IPv6 counts as IPv4, on either side.
                             ContainsCase{"10.0.0.0/8", "::ffff:10.1.2.3", true},
                             ContainsCase{"10.0.0.0/8", "::ffff:11.1.2.3", false},
                             ContainsCase{"::ffff:10.0.0.0/104", "10.1.2.3", true},
                             ContainsCase{"::ffff:10.0.0.0/104", "11.1.2.3", false},
                             ContainsCase{"::ffff:0:0/96", "198.51.100.1", true}));

TEST(IpAddressTest, RejectsTextThatIsNotOneAddress) {
  for (const char* text : {"", " 10.0.0.1", "10.0.0.1 ", "10.0.0", "10.0.0.256", "10.0.0.1/8",
                           "10.0.0.1:80", "fe80::1%eth0", "::g", "example.com",
                           "0000:0000:0000:0000:0000:0000:0000:0000:0000:0000:0000:0000"}) {
    EXPECT_FALSE(IpAddress::Parse(text).has_value()) << '"' << text << '"';
  }
}

TEST(IpRangeTest, RejectsMalformedRanges) {
  for (const char* text :
       {"", "10.0.0.0/33", "10.0.0.0/-1", "10.0.0.0/", "10.0.0.0/+8", "10.0.0.0/8/8", "::/129",
        "::ffff:10.0.0.0/95", "corp-network", "10.0.0.0/0008"}) {
    absl::StatusOr<IpRange> range = IpRange::Parse(text);
    EXPECT_FALSE(range.ok()) << '"' << text << '"';
    if (!range.ok()) {
      EXPECT_EQ(range.status().code(), absl::StatusCode::kInvalidArgument);
      EXPECT_NE(range.status().message().find(text), std::string::npos) << range.status();
    }
  }
}

}  // namespace
}  // namespace postern::authorize
