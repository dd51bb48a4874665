#include "common/policy/criteria.h"

#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace postern::policy {
namespace {

IpAddress Address(const char* text) {
  auto address = ParseIpAddress(text);
  EXPECT_TRUE(address.ok()) << text;
  return address.ok() ? *address : IpAddress{};
}

TEST(CriteriaTest, CatalogueKnowsEveryCriterionAndOnlyThose) {
  for (const char* name :
       {"accept", "reject", "authenticated_user", "email", "user", "domain", "http_method",
        "groups", "claim", "source_ip", "date", "day_of_week", "time_of_day"}) {
    EXPECT_NE(FindCriterion(name), nullptr) << name;
  }
  EXPECT_EQ(FindCriterion("http_path"), nullptr);
  EXPECT_EQ(FindCriterion("Email"), nullptr);
  EXPECT_TRUE(FindCriterion("claim")->requires_subpath);
  EXPECT_FALSE(FindCriterion("groups")->requires_subpath);
}

TEST(CriteriaTest, OperatorsPerCriterion) {
  const CriterionSpec& email = *FindCriterion("email");
  EXPECT_EQ(FindOperator(email, "in")->operand, OperandType::kStringList);
  EXPECT_EQ(FindOperator(email, "ends_with")->operand, OperandType::kString);
  EXPECT_EQ(FindOperator(email, "has"), nullptr);
  const CriterionSpec& groups = *FindCriterion("groups");
  EXPECT_EQ(FindOperator(groups, "exclude")->operand, OperandType::kStringOrList);
  EXPECT_EQ(FindOperator(groups, "contains"), nullptr);
  EXPECT_EQ(OperatorNames(*FindCriterion("time_of_day")), "after, before, timezone");
}

TEST(CriteriaTest, IpPrefixesMatchTheirOwnFamilyOnly) {
  auto office = ParseIpPrefix("192.0.2.0/24");
  ASSERT_TRUE(office.ok());
  EXPECT_TRUE(office->Contains(Address("192.0.2.7")));
  EXPECT_FALSE(office->Contains(Address("192.0.3.7")));
  EXPECT_FALSE(office->Contains(Address("2001:db8::1")));

  auto v6 = ParseIpPrefix("2001:db8::/32");
  ASSERT_TRUE(v6.ok());
  EXPECT_TRUE(v6->Contains(Address("2001:db8:ffff::1")));
  EXPECT_FALSE(v6->Contains(Address("2001:db9::1")));

  auto everything = ParseIpPrefix("0.0.0.0/0");
  ASSERT_TRUE(everything.ok());
  EXPECT_TRUE(everything->Contains(Address("203.0.113.9")));
}

TEST(CriteriaTest, SingleAddressIsAFullLengthPrefix) {
  auto host = ParseIpPrefix("::1");
  ASSERT_TRUE(host.ok());
  EXPECT_EQ(host->length, 128);
  EXPECT_TRUE(host->Contains(Address("::1")));
  EXPECT_FALSE(host->Contains(Address("::2")));
}

TEST(CriteriaTest, HostBitsAreClearedLikeGo) {
  auto prefix = ParseIpPrefix("10.1.2.3/8");
  ASSERT_TRUE(prefix.ok());
  EXPECT_TRUE(prefix->Contains(Address("10.200.0.1")));
  auto odd = ParseIpPrefix("10.255.0.0/9");
  ASSERT_TRUE(odd.ok());
  EXPECT_TRUE(odd->Contains(Address("10.128.0.1")));
  EXPECT_FALSE(odd->Contains(Address("10.127.0.1")));
}

TEST(CriteriaTest, Ipv4MappedPeerAddressesMatchIpv4Prefixes) {
  auto office = ParseIpPrefix("192.0.2.0/24");
  ASSERT_TRUE(office.ok());
  EXPECT_TRUE(office->Contains(Address("::ffff:192.0.2.7")));
}

TEST(CriteriaTest, BadAddressesAndPrefixes) {
  for (const char* text : {"", "192.0.2", "192.0.2.256", "01.2.3.4", "fe80::1%eth0", "::1::2",
                           "10.0.0.0/-1", "10.0.0.0/33", "::/129", "10.0.0.0/", "10.0.0.0/8/8",
                           "10.0.0.0/ 8", "example.com", " 10.0.0.1"}) {
    EXPECT_FALSE(ParseIpPrefix(text).ok()) << text;
  }
  EXPECT_FALSE(ParseIpAddress("10.0.0.0/8").ok());
  EXPECT_EQ(std::string(ParseIpPrefix("10.0.0.0/33").status().message()),
            "prefix length in \"10.0.0.0/33\" must be a number from 0 to 32");
}

TEST(CriteriaTest, Timestamps) {
  auto utc = ParseTimestamp("2026-01-02T15:04:05Z");
  ASSERT_TRUE(utc.ok());
  EXPECT_EQ(*utc, absl::FromCivil(absl::CivilSecond(2026, 1, 2, 15, 4, 5), absl::UTCTimeZone()));
  auto offset = ParseTimestamp("2026-01-02T16:04:05.5+01:00");
  ASSERT_TRUE(offset.ok());
  EXPECT_EQ(*offset - *utc, absl::Milliseconds(500));
  for (const char* text : {"2026-01-02", "2026-01-02T15:04:05", " 2026-01-02T15:04:05Z",
                           "2026-13-02T15:04:05Z", "2026-01-02 15:04:05Z", "yesterday"}) {
    EXPECT_FALSE(ParseTimestamp(text).ok()) << text;
  }
}

TEST(CriteriaTest, DaysOfWeek) {
  constexpr auto kBit = [](absl::Weekday day) { return DaySet(1u << static_cast<int>(day)); };
  EXPECT_EQ(*ParseDaysOfWeek("tue"), kBit(absl::Weekday::tuesday));
  EXPECT_EQ(*ParseDaysOfWeek("mon-fri"), 0x1f);
  EXPECT_EQ(*ParseDaysOfWeek("sat,sun"),
            kBit(absl::Weekday::saturday) | kBit(absl::Weekday::sunday));
  EXPECT_EQ(*ParseDaysOfWeek("Saturday, SUN"),
            kBit(absl::Weekday::saturday) | kBit(absl::Weekday::sunday));
  EXPECT_EQ(*ParseDaysOfWeek("fri-mon"),
            kBit(absl::Weekday::friday) | kBit(absl::Weekday::saturday) |
                kBit(absl::Weekday::sunday) | kBit(absl::Weekday::monday));
  for (const char* text : {"", "mon-", "-fri", "mon--fri", "mo", "mon,,fri", "mon-tue-wed", "1"}) {
    EXPECT_FALSE(ParseDaysOfWeek(text).ok()) << text;
  }
}

TEST(CriteriaTest, TimesOfDay) {
  EXPECT_EQ(*ParseTimeOfDay("00:00"), 0);
  EXPECT_EQ(*ParseTimeOfDay("9:30"), 9 * 3600 + 30 * 60);
  EXPECT_EQ(*ParseTimeOfDay("23:59:59"), 86399);
  for (const char* text : {"24:00", "12:60", "12:00:60", "12", "12:5", "123:00", "-1:00",
                           "12:00:", "+9:00", "12:00:00:00"}) {
    EXPECT_FALSE(ParseTimeOfDay(text).ok()) << text;
  }
}

TEST(CriteriaTest, TimeZonesFromTzdata) {
  auto paris = ParseTimeZone("Europe/Paris");
  ASSERT_TRUE(paris.ok());
  EXPECT_EQ(paris->name(), "Europe/Paris");
  EXPECT_TRUE(ParseTimeZone("UTC").ok());
  for (const char* text : {"", "Mars/Olympus", "localtime", "/etc/passwd", "../zoneinfo/UTC",
                           "Europe/../UTC", "Europe/Paris "}) {
    EXPECT_FALSE(ParseTimeZone(text).ok()) << text;
  }
}

TEST(CriteriaTest, ValidateMatcherChecksOperatorOperandTypeAndText) {
  const CriterionSpec& email = *FindCriterion("email");
  EXPECT_TRUE(ValidateMatcher(email, {"is", std::string("a@example.com"), {}}).ok());
  EXPECT_TRUE(ValidateMatcher(email, {"in", std::vector<std::string>{"a", "b"}, {}}).ok());
  EXPECT_EQ(std::string(ValidateMatcher(email, {"in", std::string("a"), {}}).message()),
            "email in: expected a list");
  EXPECT_EQ(std::string(ValidateMatcher(email, {"has", std::string("a"), {}}).message()),
            "unknown operator \"has\" for email; expected one of is, not, contains, starts_with, "
            "ends_with, in, not_in");
  const CriterionSpec& accept = *FindCriterion("accept");
  EXPECT_TRUE(ValidateMatcher(accept, {"is", true, {}}).ok());
  EXPECT_FALSE(ValidateMatcher(accept, {"is", std::string("true"), {}}).ok());
  const CriterionSpec& source_ip = *FindCriterion("source_ip");
  EXPECT_TRUE(ValidateMatcher(source_ip, {"in", std::vector<std::string>{"10.0.0.0/8"}, {}}).ok());
  EXPECT_FALSE(
      ValidateMatcher(source_ip, {"in", std::vector<std::string>{"10.0.0.0/88"}, {}}).ok());
  // The parser normalises `is` away; the tree only ever holds `in`.
  EXPECT_FALSE(ValidateMatcher(source_ip, {"is", std::string("10.0.0.1"), {}}).ok());
  const CriterionSpec& time_of_day = *FindCriterion("time_of_day");
  EXPECT_TRUE(ValidateMatcher(time_of_day, {"timezone", std::string("Asia/Tokyo"), {}}).ok());
  EXPECT_FALSE(ValidateMatcher(time_of_day, {"after", std::string("noon"), {}}).ok());
}

}  // namespace
}  // namespace postern::policy
