#include "authorize/policy/criterion.h"

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace postern::authorize {
namespace {

using policy::Criterion;
using policy::Matcher;
using policy::Value;
using Strings = std::vector<std::string>;

// Syntax-tree builders, in the shape ppl_parser produces.
Matcher Op(std::string op, Value operand) { return Matcher{std::move(op), std::move(operand), {}}; }
Criterion Crit(std::string name, std::vector<Matcher> matchers) {
  return Criterion{std::move(name), "", std::move(matchers), {}};
}
Criterion Claim(std::string subpath, std::vector<Matcher> matchers) {
  return Criterion{"claim", std::move(subpath), std::move(matchers), {}};
}

absl::Time At(const std::string& rfc3339) {
  absl::Time t;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, rfc3339, &t, &error)) ADD_FAILURE() << error;
  return t;
}

const Identity kAlice{
    .user = "u-alice",
    .email = "alice@example.com",
    .name = "Alice",
    .groups = {"eng", "datascience@example.com"},
    .claims = {{"dept", {"eng"}}, {"roles", {"admin", "dev"}}, {"badges", {}}},
};
const Identity kOnlyEng{.user = "u-bob", .email = "bob@example.com", .groups = {"eng"}};
const Identity kNoGroups{.user = "u-carol", .email = "carol@example.com"};
const Identity kOddEmail{.user = "u-odd", .email = "odd@sub@corp.example"};
const Identity kNoAt{.user = "u-local", .email = "localuser"};
const Identity kClaimedEmail{
    .user = "u-dave", .email = "dave@example.com", .claims = {{"email", {"dave@claims.example"}}}};

struct Case {
  std::string name;
  Criterion criterion;
  const Identity* identity;  // nullptr: no session
  bool matched;
  bool needs_session = false;
  std::string source_ip = "192.0.2.7";
  std::string method = "CONNECT";
  absl::Time now = absl::FromUnixSeconds(1700000000);
};

void Check(const std::vector<Case>& cases) {
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    absl::StatusOr<CompiledCriterion> criterion = CompiledCriterion::Compile(c.criterion);
    ASSERT_TRUE(criterion.ok()) << criterion.status();
    const Request request{
        .identity = c.identity, .source_ip = c.source_ip, .http_method = c.method, .now = c.now};
    const CompiledCriterion::Outcome outcome = criterion->Evaluate(RequestFacts(request));
    EXPECT_EQ(outcome.matched, c.matched);
    EXPECT_EQ(outcome.needs_session, c.needs_session);
  }
}

TEST(CompiledCriterionTest, StringCriteria) {
  Check({
      {"email is", Crit("email", {Op("is", "alice@example.com")}), &kAlice, true},
      {"email is, other user", Crit("email", {Op("is", "alice@example.com")}), &kOnlyEng, false},
      {"email is exact, no case folding", Crit("email", {Op("is", "Alice@example.com")}), &kAlice,
       false},
      {"email is exact, no trimming", Crit("email", {Op("is", "alice@example.com ")}), &kAlice,
       false},
      {"email not", Crit("email", {Op("not", "bob@example.com")}), &kAlice, true},
      {"email not, same", Crit("email", {Op("not", "alice@example.com")}), &kAlice, false},
      {"email contains", Crit("email", {Op("contains", "ce@ex")}), &kAlice, true},
      {"email contains, absent", Crit("email", {Op("contains", "bob")}), &kAlice, false},
      {"email starts_with", Crit("email", {Op("starts_with", "alice@")}), &kAlice, true},
      {"email starts_with, no", Crit("email", {Op("starts_with", "ALICE")}), &kAlice, false},
      {"email ends_with", Crit("email", {Op("ends_with", "@example.com")}), &kAlice, true},
      {"email ends_with, no", Crit("email", {Op("ends_with", "@example.org")}), &kAlice, false},
      {"email in", Crit("email", {Op("in", Strings{"x@y", "alice@example.com"})}), &kAlice, true},
      {"email in, no", Crit("email", {Op("in", Strings{"x@y"})}), &kAlice, false},
      {"email in empty list", Crit("email", {Op("in", Strings{})}), &kAlice, false},
      {"email not_in", Crit("email", {Op("not_in", Strings{"x@y"})}), &kAlice, true},
      {"email not_in, listed", Crit("email", {Op("not_in", Strings{"alice@example.com"})}), &kAlice,
       false},
      {"operators are ORed",
       Crit("email", {Op("is", "nobody@example.com"), Op("ends_with", "@example.com")}), &kAlice,
       true},
      {"operators are ORed, none", Crit("email", {Op("is", "x"), Op("starts_with", "y")}), &kAlice,
       false},
      {"email without session", Crit("email", {Op("is", "alice@example.com")}), nullptr, false,
       true},
      {"email not without session", Crit("email", {Op("not", "alice@example.com")}), nullptr, false,
       true},
      {"user is", Crit("user", {Op("is", "u-alice")}), &kAlice, true},
      {"user is, other", Crit("user", {Op("is", "u-alice")}), &kOnlyEng, false},
      {"user without session", Crit("user", {Op("is", "u-alice")}), nullptr, false, true},
      {"domain is", Crit("domain", {Op("is", "example.com")}), &kAlice, true},
      {"domain is exact", Crit("domain", {Op("is", "Example.com")}), &kAlice, false},
      {"domain ends_with", Crit("domain", {Op("ends_with", ".example")}), &kOddEmail, true},
      {"domain after the last @", Crit("domain", {Op("is", "corp.example")}), &kOddEmail, true},
      {"no @, no domain: is", Crit("domain", {Op("is", "localuser")}), &kNoAt, false},
      {"no @, no domain: not", Crit("domain", {Op("not", "example.com")}), &kNoAt, false},
      {"no @, no domain: not_in", Crit("domain", {Op("not_in", Strings{"a"})}), &kNoAt, false},
      {"domain without session", Crit("domain", {Op("is", "example.com")}), nullptr, false, true},
      {"http_method is", Crit("http_method", {Op("is", "CONNECT")}), &kAlice, true},
      {"http_method exact", Crit("http_method", {Op("is", "connect")}), &kAlice, false},
      {"http_method needs no session", Crit("http_method", {Op("in", Strings{"CONNECT"})}), nullptr,
       true},
      {"http_method GET", Crit("http_method", {Op("is", "CONNECT")}), nullptr, false, false,
       "192.0.2.7", "GET"},
  });
}

TEST(CompiledCriterionTest, ListCriteria) {
  Check({
      {"groups has", Crit("groups", {Op("has", "eng")}), &kAlice, true},
      {"groups has, exact", Crit("groups", {Op("has", "Eng")}), &kAlice, false},
      {"groups has any of", Crit("groups", {Op("has", Strings{"ops", "datascience@example.com"})}),
       &kAlice, true},
      {"groups has none of", Crit("groups", {Op("has", Strings{"ops", "sales"})}), &kAlice, false},
      {"groups has empty list", Crit("groups", {Op("has", Strings{})}), &kAlice, false},
      {"groups has, no groups", Crit("groups", {Op("has", "eng")}), &kNoGroups, false},
      {"groups is one", Crit("groups", {Op("is", "eng")}), &kOnlyEng, true},
      {"groups is one, has more", Crit("groups", {Op("is", "eng")}), &kAlice, false},
      {"groups is set, any order",
       Crit("groups", {Op("is", Strings{"datascience@example.com", "eng"})}), &kAlice, true},
      {"groups is set, missing one", Crit("groups", {Op("is", Strings{"eng", "ops"})}), &kOnlyEng,
       false},
      {"groups is empty, none", Crit("groups", {Op("is", Strings{})}), &kNoGroups, true},
      {"groups exclude", Crit("groups", {Op("exclude", "ops")}), &kAlice, true},
      {"groups exclude, member", Crit("groups", {Op("exclude", "eng")}), &kAlice, false},
      {"groups exclude list", Crit("groups", {Op("exclude", Strings{"ops", "eng"})}), &kAlice,
       false},
      {"groups exclude, no groups", Crit("groups", {Op("exclude", "eng")}), &kNoGroups, true},
      {"groups without session", Crit("groups", {Op("has", "eng")}), nullptr, false, true},
      {"groups exclude without session", Crit("groups", {Op("exclude", "eng")}), nullptr, false,
       true},
      {"claim has", Claim("dept", {Op("has", "eng")}), &kAlice, true},
      {"claim has, exact", Claim("dept", {Op("has", "ENG")}), &kAlice, false},
      {"claim is set", Claim("roles", {Op("is", Strings{"dev", "admin"})}), &kAlice, true},
      {"claim is, not all", Claim("roles", {Op("is", "admin")}), &kAlice, false},
      {"claim exclude", Claim("roles", {Op("exclude", "root")}), &kAlice, true},
      {"empty claim: has", Claim("badges", {Op("has", "gold")}), &kAlice, false},
      {"empty claim: exclude", Claim("badges", {Op("exclude", "gold")}), &kAlice, true},
      {"missing claim: has", Claim("shoe_size", {Op("has", "42")}), &kAlice, false},
      {"missing claim: exclude", Claim("shoe_size", {Op("exclude", "42")}), &kAlice, false},
      {"claim/email from the email field", Claim("email", {Op("has", "alice@example.com")}),
       &kAlice, true},
      {"claim/email from claims first", Claim("email", {Op("has", "dave@claims.example")}),
       &kClaimedEmail, true},
      {"claim/sub from the user field", Claim("sub", {Op("is", "u-alice")}), &kAlice, true},
      {"claim/name from the name field", Claim("name", {Op("has", "Alice")}), &kAlice, true},
      {"claim/name missing", Claim("name", {Op("exclude", "Alice")}), &kOnlyEng, false},
      {"claim/groups from groups", Claim("groups", {Op("has", "eng")}), &kOnlyEng, true},
      {"claim without session", Claim("dept", {Op("has", "eng")}), nullptr, false, true},
  });
}

TEST(CompiledCriterionTest, ConstantCriteria) {
  Check({
      {"accept", Crit("accept", {Op("is", true)}), nullptr, true},
      {"accept, bare", Crit("accept", {}), nullptr, true},
      {"accept: false", Crit("accept", {Op("is", false)}), &kAlice, false},
      {"reject", Crit("reject", {Op("is", true)}), &kAlice, false},
      {"reject without session is no login reason", Crit("reject", {Op("is", true)}), nullptr,
       false, false},
      {"reject: false", Crit("reject", {Op("is", false)}), &kAlice, true},
      {"authenticated_user", Crit("authenticated_user", {Op("is", true)}), &kAlice, true},
      {"authenticated_user without session", Crit("authenticated_user", {Op("is", true)}), nullptr,
       false, true},
      {"authenticated_user: false, session", Crit("authenticated_user", {Op("is", false)}), &kAlice,
       false},
      {"authenticated_user: false, no session", Crit("authenticated_user", {Op("is", false)}),
       nullptr, true},
  });
}

TEST(CompiledCriterionTest, SourceIp) {
  const Criterion v4 = Crit("source_ip", {Op("in", Strings{"10.0.0.0/8", "192.0.2.7/32"})});
  const Criterion v6 = Crit("source_ip", {Op("in", Strings{"::1/128", "2001:db8::/32"})});
  const Criterion everyone = Crit("source_ip", {Op("in", Strings{"0.0.0.0/0"})});
  const Criterion mapped = Crit("source_ip", {Op("in", Strings{"::ffff:10.0.0.0/104"})});
  Check({
      {"in first range", v4, &kAlice, true, false, "10.20.30.40"},
      {"/32", v4, &kAlice, true, false, "192.0.2.7"},
      {"/32 neighbour", v4, &kAlice, false, false, "192.0.2.8"},
      {"needs no session", v4, nullptr, true, false, "10.0.0.1"},
      {"outside, no session: plain no", v4, nullptr, false, false, "172.16.0.1"},
      {"v4-mapped client", v4, &kAlice, true, false, "::ffff:10.1.1.1"},
      {"v6 client vs v4 ranges", v4, &kAlice, false, false, "2001:db8::1"},
      {"v4-mapped range, v4 client", mapped, &kAlice, true, false, "10.1.2.3"},
      {"v4-mapped range, outside", mapped, &kAlice, false, false, "11.1.2.3"},
      {"/0", everyone, &kAlice, true, false, "203.0.113.1"},
      {"/0 is IPv4 only", everyone, &kAlice, false, false, "2001:db8::1"},
      {"::1/128", v6, &kAlice, true, false, "::1"},
      {"::1/128 neighbour", v6, &kAlice, false, false, "::2"},
      {"2001:db8::/32", v6, &kAlice, true, false, "2001:db8:abcd::9"},
      {"outside 2001:db8::/32", v6, &kAlice, false, false, "2001:db9::9"},
      {"not an address", v4, &kAlice, false, false, "not-an-ip"},
      {"address with port", v4, &kAlice, false, false, "10.0.0.1:4242"},
      {"empty address", everyone, &kAlice, false, false, ""},
  });
}

TEST(CompiledCriterionTest, Date) {
  const Criterion after = Crit("date", {Op("after", "2024-06-01T00:00:00Z")});
  const Criterion before = Crit("date", {Op("before", "2024-06-01T00:00:00+02:00")});
  const Criterion range =
      Crit("date", {Op("after", "2024-06-01T00:00:00Z"), Op("before", "2024-07-01T00:00:00Z")});
  Check({
      {"after, later", after, nullptr, true, false, "", "", At("2024-06-01T00:00:01Z")},
      {"after includes its instant", after, nullptr, true, false, "", "",
       At("2024-06-01T00:00:00Z")},
      {"after, earlier", after, nullptr, false, false, "", "", At("2024-05-31T23:59:59Z")},
      {"before with offset, earlier", before, nullptr, true, false, "", "",
       At("2024-05-31T21:59:59Z")},
      {"before excludes its instant", before, nullptr, false, false, "", "",
       At("2024-05-31T22:00:00Z")},
      {"range: inside", range, nullptr, true, false, "", "", At("2024-06-15T12:00:00Z")},
      {"range: both bounds hold, not either", range, nullptr, false, false, "", "",
       At("2024-07-02T00:00:00Z")},
      {"range: before it", range, nullptr, false, false, "", "", At("2024-05-02T00:00:00Z")},
  });
}

TEST(CompiledCriterionTest, DayOfWeekInTimeZones) {
  // 2024-03-10T23:30Z is Sunday in UTC and Monday 12:30 in Auckland (UTC+13).
  const absl::Time sunday_night_utc = At("2024-03-10T23:30:00Z");
  Check({
      {"weekday range, UTC default", Crit("day_of_week", {Op("is", "mon-fri")}), nullptr, false,
       false, "", "", sunday_night_utc},
      {"weekday range in Auckland",
       Crit("day_of_week", {Op("is", "mon-fri"), Op("timezone", "Pacific/Auckland")}), nullptr,
       true, false, "", "", sunday_night_utc},
      {"weekend list", Crit("day_of_week", {Op("is", "sat,sun")}), nullptr, true, false, "", "",
       sunday_night_utc},
      {"single day", Crit("day_of_week", {Op("is", "tue")}), nullptr, true, false, "", "",
       At("2024-03-12T10:00:00Z")},
      {"several `is` are ORed", Crit("day_of_week", {Op("is", "tue"), Op("is", "sun")}), nullptr,
       true, false, "", "", sunday_night_utc},
      {"west of UTC it is still Sunday",
       Crit("day_of_week", {Op("is", "sun"), Op("timezone", "America/Los_Angeles")}), nullptr, true,
       false, "", "", At("2024-03-11T06:59:59Z")},
      {"west of UTC, Monday begins",
       Crit("day_of_week", {Op("is", "sun"), Op("timezone", "America/Los_Angeles")}), nullptr,
       false, false, "", "", At("2024-03-11T07:00:00Z")},
  });
}

TEST(CompiledCriterionTest, TimeOfDayFollowsLocalClockAcrossDst) {
  // New York: EST (UTC-5) until 2024-03-10 07:00Z, EDT (UTC-4) until
  // 2024-11-03 06:00Z. 09:00-17:00 local moves by an hour in UTC.
  const Criterion office = Crit("time_of_day", {Op("after", "09:00"), Op("before", "17:00"),
                                                Op("timezone", "America/New_York")});
  const Criterion skipped_hour = Crit("time_of_day", {Op("after", "02:00"), Op("before", "03:00"),
                                                      Op("timezone", "America/New_York")});
  Check({
      {"13:30Z is 08:30 EST", office, nullptr, false, false, "", "", At("2024-03-08T13:30:00Z")},
      {"13:30Z is 09:30 EDT", office, nullptr, true, false, "", "", At("2024-03-11T13:30:00Z")},
      {"21:30Z is 16:30 EST", office, nullptr, true, false, "", "", At("2024-03-08T21:30:00Z")},
      {"21:30Z is 17:30 EDT", office, nullptr, false, false, "", "", At("2024-03-11T21:30:00Z")},
      {"fall back: 20:59Z is 16:59 EDT", office, nullptr, true, false, "", "",
       At("2024-11-01T20:59:00Z")},
      {"fall back: 21:59Z is 16:59 EST", office, nullptr, true, false, "", "",
       At("2024-11-04T21:59:00Z")},
      {"before is exclusive: 22:00Z is 17:00 EST", office, nullptr, false, false, "", "",
       At("2024-11-04T22:00:00Z")},
      {"after is inclusive: 14:00Z is 09:00 EST", office, nullptr, true, false, "", "",
       At("2024-11-04T14:00:00Z")},
      {"the skipped hour never happens: 01:59:59 EST", skipped_hour, nullptr, false, false, "", "",
       At("2024-03-10T06:59:59Z")},
      {"the skipped hour never happens: 03:00 EDT", skipped_hour, nullptr, false, false, "", "",
       At("2024-03-10T07:00:00Z")},
  });
}

TEST(CompiledCriterionTest, TimeOfDayWindows) {
  const Criterion night = Crit("time_of_day", {Op("after", "22:00"), Op("before", "06:00")});
  const Criterion morning = Crit("time_of_day", {Op("before", "12:00:30")});
  const Criterion evening = Crit("time_of_day", {Op("after", "18:00")});
  const Criterion empty = Crit("time_of_day", {Op("after", "09:00"), Op("before", "09:00")});
  Check({
      {"overnight: late", night, nullptr, true, false, "", "", At("2024-01-01T23:00:00Z")},
      {"overnight: early", night, nullptr, true, false, "", "", At("2024-01-01T05:59:59Z")},
      {"overnight: ends", night, nullptr, false, false, "", "", At("2024-01-01T06:00:00Z")},
      {"overnight: noon", night, nullptr, false, false, "", "", At("2024-01-01T12:00:00Z")},
      {"before only, seconds", morning, nullptr, true, false, "", "", At("2024-01-01T12:00:29Z")},
      {"before only, after it", morning, nullptr, false, false, "", "", At("2024-01-01T12:00:30Z")},
      {"after only", evening, nullptr, true, false, "", "", At("2024-01-01T23:59:59Z")},
      {"after only, midnight", evening, nullptr, false, false, "", "", At("2024-01-02T00:00:00Z")},
      {"after == before matches nothing", empty, nullptr, false, false, "", "",
       At("2024-01-01T09:00:00Z")},
  });
}

TEST(CompiledCriterionTest, DescribesWhatMatched) {
  absl::StatusOr<CompiledCriterion> email = CompiledCriterion::Compile(
      Crit("email", {Op("is", "bob@example.com"), Op("ends_with", "@example.com")}));
  ASSERT_TRUE(email.ok()) << email.status();
  EXPECT_EQ(email->descriptions(),
            (Strings{"email is bob@example.com or email ends_with @example.com",
                     "email is bob@example.com", "email ends_with @example.com"}));
  const Request request{.identity = &kAlice};
  const CompiledCriterion::Outcome outcome = email->Evaluate(RequestFacts(request));
  ASSERT_TRUE(outcome.matched);
  EXPECT_EQ(email->descriptions()[outcome.witness], "email ends_with @example.com");

  absl::StatusOr<CompiledCriterion> groups =
      CompiledCriterion::Compile(Crit("groups", {Op("has", Strings{"a", "b"})}));
  ASSERT_TRUE(groups.ok());
  EXPECT_EQ(groups->descriptions(), Strings{"groups has [a, b]"});
  EXPECT_EQ(groups->label(), "groups");
  EXPECT_TRUE(groups->needs_session());

  absl::StatusOr<CompiledCriterion> office =
      CompiledCriterion::Compile(Crit("time_of_day", {Op("after", "09:00"), Op("before", "17:00"),
                                                      Op("timezone", "Europe/Berlin")}));
  ASSERT_TRUE(office.ok());
  EXPECT_EQ(office->descriptions(),
            Strings{"time_of_day after 09:00 and before 17:00 (Europe/Berlin)"});
  EXPECT_FALSE(office->needs_session());

  absl::StatusOr<CompiledCriterion> dept =
      CompiledCriterion::Compile(Claim("dept", {Op("is", "eng")}));
  ASSERT_TRUE(dept.ok());
  EXPECT_EQ(dept->label(), "claim/dept");
  EXPECT_EQ(dept->descriptions(), Strings{"claim/dept is eng"});
}

TEST(CompiledCriterionTest, RejectsBadSyntaxTreesWithActionableErrors) {
  struct Bad {
    Criterion criterion;
    std::string message_part;
  };
  Criterion positioned = Crit("email", {Matcher{"has", std::string("x"), {3, 9}}});
  const Bad cases[] = {
      {Crit("favourite_colour", {Op("is", "blue")}),
       "unknown policy criterion \"favourite_colour\""},
      {positioned, "email (3:9): operator \"has\" is not valid here"},
      {Crit("email", {Op("is", true)}), "needs a single string"},
      {Crit("email", {Op("in", true)}), "needs a string or a list"},
      {Crit("email", {}), "needs an operator"},
      {Crit("groups", {Op("starts_with", "a")}), "use has, is, exclude"},
      {Crit("accept", {Op("is", "yes")}), "needs true or false"},
      {Crit("source_ip", {Op("in", Strings{"10.0.0.0/33"})}), "\"10.0.0.0/33\" is not an IP"},
      {Crit("source_ip", {Op("is", "10.0.0.1")}), "use in"},
      {Crit("source_ip", {Op("in", Strings{"::ffff:10.0.0.0/95"})}), "from 96 to 128"},
      {Crit("date", {Op("before", "2024-06-01T00:00:00Z ")}), "not an RFC 3339 date-time"},
      {Crit("day_of_week", {Op("is", "mon - fri")}), "\"mon - fri\""},
      {Crit("time_of_day", {Op("after", "09:00"), Op("timezone", "localtime")}),
       "\"localtime\" is not a known IANA time zone"},
      {Crit("date", {Op("after", "2024-06-01")}), "not an RFC 3339 date-time"},
      {Crit("date", {Op("after", "2024-06-01T00:00:00Z"), Op("after", "2024-06-02T00:00:00Z")}),
       "given twice"},
      {Crit("day_of_week", {Op("is", "someday")}), "\"someday\""},
      {Crit("day_of_week", {Op("timezone", "UTC")}), "needs `is`"},
      {Crit("time_of_day", {Op("after", "25:00")}), "not a time of day"},
      {Crit("time_of_day", {Op("after", "09:00"), Op("timezone", "Mars/Olympus_Mons")}),
       "\"Mars/Olympus_Mons\" is not a known IANA time zone"},
      {Crit("email", {Op("timezone", "UTC")}), "operator \"timezone\" is not valid"},
      {Crit("claim", {Op("has", "x")}), "name the claim"},
      {Criterion{"email", "work", {Op("is", "x")}, {}}, "only claim takes a /name"},
  };
  for (const Bad& bad : cases) {
    absl::StatusOr<CompiledCriterion> criterion = CompiledCriterion::Compile(bad.criterion);
    ASSERT_FALSE(criterion.ok()) << bad.message_part;
    EXPECT_EQ(criterion.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(criterion.status().message().find(bad.message_part), std::string::npos)
        << criterion.status();
  }
}

}  // namespace
}  // namespace postern::authorize
