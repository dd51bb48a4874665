#include "common/policy/ppl_parser.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace postern::policy {
namespace {

using ::testing::ElementsAre;

// Parses `allow: {or: [<term>]}` and returns the single criterion.
Criterion ParseTerm(const std::string& term) {
  auto policy = ParsePolicyYaml(absl::StrCat("allow:\n  or:\n    - ", term, "\n"));
  EXPECT_TRUE(policy.ok()) << policy.status();
  if (!policy.ok()) return {};
  EXPECT_EQ(policy->rules.size(), 1u);
  EXPECT_EQ(policy->rules[0].conditionals.size(), 1u);
  EXPECT_EQ(policy->rules[0].conditionals[0].children.size(), 1u);
  return policy->rules[0].conditionals[0].children[0].criterion;
}

TEST(PplParserTest, SeedExampleParsesToOneAllowRuleWithTwoCriteria) {
  auto policy = ParsePolicyYaml(R"(
- allow:
    or:
      - email:
          is: contractor@not-example.com
      - groups:
          has: ["datascience@example.com"]
)");
  ASSERT_TRUE(policy.ok()) << policy.status();
  ASSERT_EQ(policy->rules.size(), 1u);
  const Rule& rule = policy->rules[0];
  EXPECT_EQ(rule.action, Action::kAllow);
  EXPECT_EQ(rule.where.line, 2);
  EXPECT_EQ(rule.where.column, 3);
  ASSERT_EQ(rule.conditionals.size(), 1u);
  const Expression& any = rule.conditionals[0];
  EXPECT_EQ(any.kind, Expression::Kind::kOr);
  ASSERT_EQ(any.children.size(), 2u);
  const Criterion& email = any.children[0].criterion;
  EXPECT_EQ(email.name, "email");
  ASSERT_EQ(email.matchers.size(), 1u);
  EXPECT_EQ(email.matchers[0].op, "is");
  EXPECT_EQ(std::get<std::string>(email.matchers[0].operand), "contractor@not-example.com");
  EXPECT_EQ(email.where.line, 4);
  EXPECT_EQ(email.where.column, 9);
  const Criterion& groups = any.children[1].criterion;
  EXPECT_EQ(groups.name, "groups");
  EXPECT_EQ(groups.matchers[0].op, "has");
  EXPECT_THAT(std::get<std::vector<std::string>>(groups.matchers[0].operand),
              ElementsAre("datascience@example.com"));
}

TEST(PplParserTest, SingleRuleMapIsAPolicyOfOneRule) {
  auto policy = ParsePolicyYaml("deny:\n  and:\n    - user: mallory\n");
  ASSERT_TRUE(policy.ok()) << policy.status();
  ASSERT_EQ(policy->rules.size(), 1u);
  EXPECT_EQ(policy->rules[0].action, Action::kDeny);
  EXPECT_EQ(policy->rules[0].conditionals[0].kind, Expression::Kind::kAnd);
}

TEST(PplParserTest, ConditionalsKeepTheirOrderAndKinds) {
  auto policy = ParsePolicyYaml(R"(
- allow:
    and: [{domain: example.com}]
    not: [{user: mallory}]
    nor: [{email: a@x}, {email: b@x}]
    or: []
)");
  ASSERT_TRUE(policy.ok()) << policy.status();
  const auto& conditionals = policy->rules[0].conditionals;
  ASSERT_EQ(conditionals.size(), 4u);
  EXPECT_EQ(conditionals[0].kind, Expression::Kind::kAnd);
  EXPECT_EQ(conditionals[1].kind, Expression::Kind::kNot);
  EXPECT_EQ(conditionals[2].kind, Expression::Kind::kNor);
  EXPECT_EQ(conditionals[2].children.size(), 2u);
  EXPECT_EQ(conditionals[3].kind, Expression::Kind::kOr);
  EXPECT_TRUE(conditionals[3].children.empty());
}

TEST(PplParserTest, NestedConditionals) {
  auto policy = ParsePolicyYaml(R"(
- allow:
    or:
      - and:
          - domain: example.com
          - not:
              - user: mallory
      - accept: true
)");
  ASSERT_TRUE(policy.ok()) << policy.status();
  const Expression& any = policy->rules[0].conditionals[0];
  ASSERT_EQ(any.children.size(), 2u);
  const Expression& all = any.children[0];
  EXPECT_EQ(all.kind, Expression::Kind::kAnd);
  ASSERT_EQ(all.children.size(), 2u);
  EXPECT_EQ(all.children[0].criterion.name, "domain");
  EXPECT_EQ(all.children[1].kind, Expression::Kind::kNot);
  EXPECT_EQ(all.children[1].children[0].criterion.name, "user");
  EXPECT_EQ(any.children[1].criterion.name, "accept");
}

TEST(PplParserTest, BooleanCriteria) {
  for (const char* name : {"accept", "reject", "authenticated_user"}) {
    SCOPED_TRACE(name);
    Criterion bare = ParseTerm(absl::StrCat(name, ": true"));
    EXPECT_EQ(bare.name, name);
    ASSERT_EQ(bare.matchers.size(), 1u);
    EXPECT_EQ(bare.matchers[0].op, "is");
    EXPECT_EQ(std::get<bool>(bare.matchers[0].operand), true);
    Criterion explicit_is = ParseTerm(absl::StrCat(name, ": {is: false}"));
    EXPECT_EQ(std::get<bool>(explicit_is.matchers[0].operand), false);
  }
}

TEST(PplParserTest, StringMatcherOperators) {
  for (const char* name : {"email", "user", "domain", "http_method"}) {
    SCOPED_TRACE(name);
    Criterion bare = ParseTerm(absl::StrCat(name, ": someone"));
    EXPECT_EQ(bare.matchers[0].op, "is");
    EXPECT_EQ(std::get<std::string>(bare.matchers[0].operand), "someone");
    for (const char* op : {"is", "not", "contains", "starts_with", "ends_with"}) {
      Criterion c = ParseTerm(absl::StrCat(name, ": {", op, ": abc}"));
      ASSERT_EQ(c.matchers.size(), 1u);
      EXPECT_EQ(c.matchers[0].op, op);
      EXPECT_EQ(std::get<std::string>(c.matchers[0].operand), "abc");
    }
    for (const char* op : {"in", "not_in"}) {
      Criterion c = ParseTerm(absl::StrCat(name, ": {", op, ": [a, b]}"));
      EXPECT_EQ(c.matchers[0].op, op);
      EXPECT_THAT(std::get<std::vector<std::string>>(c.matchers[0].operand), ElementsAre("a", "b"));
    }
  }
}

TEST(PplParserTest, SeveralOperatorsInOneCriterionBecomeSeveralMatchersInOrder) {
  Criterion c = ParseTerm("email: {starts_with: admin, ends_with: '@example.com'}");
  ASSERT_EQ(c.matchers.size(), 2u);
  EXPECT_EQ(c.matchers[0].op, "starts_with");
  EXPECT_EQ(c.matchers[1].op, "ends_with");
  EXPECT_EQ(std::get<std::string>(c.matchers[1].operand), "@example.com");
}

TEST(PplParserTest, NumbersKeepTheirText) {
  Criterion c = ParseTerm("user: 007");
  EXPECT_EQ(std::get<std::string>(c.matchers[0].operand), "007");
}

TEST(PplParserTest, ListMatcherOperators) {
  Criterion bare_string = ParseTerm("groups: admins");
  EXPECT_EQ(bare_string.matchers[0].op, "has");
  EXPECT_EQ(std::get<std::string>(bare_string.matchers[0].operand), "admins");
  Criterion bare_list = ParseTerm("groups: [admins, ops]");
  EXPECT_EQ(bare_list.matchers[0].op, "has");
  EXPECT_THAT(std::get<std::vector<std::string>>(bare_list.matchers[0].operand),
              ElementsAre("admins", "ops"));
  for (const char* op : {"has", "is", "exclude"}) {
    SCOPED_TRACE(op);
    Criterion single = ParseTerm(absl::StrCat("groups: {", op, ": admins}"));
    EXPECT_EQ(single.matchers[0].op, op);
    EXPECT_EQ(std::get<std::string>(single.matchers[0].operand), "admins");
    Criterion list = ParseTerm(absl::StrCat("groups: {", op, ": [a, b]}"));
    EXPECT_THAT(std::get<std::vector<std::string>>(list.matchers[0].operand),
                ElementsAre("a", "b"));
  }
}

TEST(PplParserTest, ClaimTakesTheRestOfTheKeyAsSubpath) {
  Criterion c = ParseTerm("claim/department: engineering");
  EXPECT_EQ(c.name, "claim");
  EXPECT_EQ(c.subpath, "department");
  EXPECT_EQ(c.matchers[0].op, "has");
  // Namespaced claims (Auth0 style) contain slashes themselves.
  Criterion namespaced = ParseTerm("'claim/https://example.com/roles': {exclude: [intern]}");
  EXPECT_EQ(namespaced.subpath, "https://example.com/roles");
  EXPECT_EQ(namespaced.matchers[0].op, "exclude");
}

TEST(PplParserTest, SourceIpFormsAllBecomeInWithAList) {
  for (const char* term : {"source_ip: 192.0.2.7", "source_ip: {is: 192.0.2.7}",
                           "source_ip: {in: [192.0.2.7]}", "source_ip: [192.0.2.7]"}) {
    SCOPED_TRACE(term);
    Criterion c = ParseTerm(term);
    ASSERT_EQ(c.matchers.size(), 1u);
    EXPECT_EQ(c.matchers[0].op, "in");
    EXPECT_THAT(std::get<std::vector<std::string>>(c.matchers[0].operand),
                ElementsAre("192.0.2.7"));
  }
  Criterion mixed = ParseTerm("source_ip: ['10.0.0.0/8', '2001:db8::/32', '::1']");
  EXPECT_THAT(std::get<std::vector<std::string>>(mixed.matchers[0].operand),
              ElementsAre("10.0.0.0/8", "2001:db8::/32", "::1"));
}

TEST(PplParserTest, DateTakesAfterAndBefore) {
  Criterion c =
      ParseTerm("date: {after: '2026-01-01T00:00:00Z', before: '2026-12-31T23:59:59+01:00'}");
  ASSERT_EQ(c.matchers.size(), 2u);
  EXPECT_EQ(c.matchers[0].op, "after");
  EXPECT_EQ(c.matchers[1].op, "before");
}

TEST(PplParserTest, DayOfWeekBareOrWithTimezone) {
  Criterion bare = ParseTerm("day_of_week: mon-fri");
  EXPECT_EQ(bare.matchers[0].op, "is");
  EXPECT_EQ(std::get<std::string>(bare.matchers[0].operand), "mon-fri");
  Criterion zoned = ParseTerm("day_of_week: {is: 'sat,sun', timezone: Europe/Paris}");
  ASSERT_EQ(zoned.matchers.size(), 2u);
  EXPECT_EQ(zoned.matchers[1].op, "timezone");
  EXPECT_EQ(std::get<std::string>(zoned.matchers[1].operand), "Europe/Paris");
}

TEST(PplParserTest, TimeOfDayTakesAfterBeforeAndTimezone) {
  Criterion c = ParseTerm("time_of_day: {after: '9:00', before: '17:30:00', timezone: UTC}");
  ASSERT_EQ(c.matchers.size(), 3u);
  EXPECT_EQ(c.matchers[0].op, "after");
  EXPECT_EQ(c.matchers[1].op, "before");
  EXPECT_EQ(c.matchers[2].op, "timezone");
}

struct BadPolicy {
  const char* yaml;
  const char* error;
};

void PrintTo(const BadPolicy& bad, std::ostream* out) { *out << bad.yaml; }

class PplParserErrorTest : public ::testing::TestWithParam<BadPolicy> {};

TEST_P(PplParserErrorTest, NamesPositionPathAndProblem) {
  auto policy = ParsePolicyYaml(GetParam().yaml);
  ASSERT_FALSE(policy.ok());
  EXPECT_EQ(policy.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(std::string(policy.status().message()), GetParam().error);
}

INSTANTIATE_TEST_SUITE_P(
    Errors, PplParserErrorTest,
    ::testing::Values(
        BadPolicy{"just a string",
                  "policy.yaml:1:1: policy: expected a rule (allow or deny) or a list of "
                  "rules, got a string"},
        BadPolicy{"- permit: {or: []}",
                  "policy.yaml:1:3: policy[0].permit: unknown rule action \"permit\"; "
                  "expected allow or deny"},
        BadPolicy{"- allow: {or: []}\n  deny: {or: []}",
                  "policy.yaml:1:3: policy[0]: a rule has exactly one key, allow or deny; got 2 "
                  "keys (\"allow\", \"deny\")"},
        BadPolicy{"- [allow]",
                  "policy.yaml:1:3: policy[0]: expected a rule map with allow or deny, got a "
                  "list"},
        BadPolicy{"allow: {}",
                  "policy.yaml:1:8: policy.allow: allow needs at least one of and, or, not, nor"},
        BadPolicy{"allow:",
                  "policy.yaml:1:1: policy.allow: expected a map of and, or, not, nor, got "
                  "nothing"},
        BadPolicy{"allow:\n  email: a@example.com",
                  "policy.yaml:2:3: policy.allow.email: unknown conditional \"email\"; expected "
                  "one of and, or, not, nor with a list of criteria under it"},
        BadPolicy{"allow:\n  or:\n    email: a@example.com",
                  "policy.yaml:3:5: policy.allow.or: expected a list of criteria, got a map"},
        BadPolicy{"allow:\n  or:\n    - email: a\n      user: b",
                  "policy.yaml:3:7: policy.allow.or[0]: a criterion map has exactly one key; got "
                  "2 keys (\"email\", \"user\"); write each as its own list item"},
        BadPolicy{"allow:\n  or:\n    - a@example.com",
                  "policy.yaml:3:7: policy.allow.or[0]: expected a criterion such as {email: "
                  "{is: ...}} or a nested and, or, not, nor, got a string"},
        BadPolicy{"allow:\n  or:\n    - http_path: /admin",
                  "policy.yaml:3:7: policy.allow.or[0].http_path: unknown criterion "
                  "\"http_path\"; expected one of accept, reject, authenticated_user, email, "
                  "user, domain, http_method, groups, claim/<name>, source_ip, date, "
                  "day_of_week, time_of_day"},
        BadPolicy{"allow:\n  or:\n    - email: {matches: a}",
                  "policy.yaml:3:15: policy.allow.or[0].email.matches: unknown operator "
                  "\"matches\" for email; expected one of is, not, contains, starts_with, "
                  "ends_with, in, not_in"},
        BadPolicy{"allow:\n  or:\n    - groups: {contains: a}",
                  "policy.yaml:3:16: policy.allow.or[0].groups.contains: unknown operator "
                  "\"contains\" for groups; expected one of has, is, exclude"},
        BadPolicy{"allow:\n  or:\n    - email: {in: a@example.com}",
                  "policy.yaml:3:19: policy.allow.or[0].email.in: expected a list of strings, "
                  "got a string"},
        BadPolicy{"allow:\n  or:\n    - email: {is: [a, b]}",
                  "policy.yaml:3:19: policy.allow.or[0].email.is: expected a string, got a list"},
        BadPolicy{"allow:\n  or:\n    - email: [a, b]",
                  "policy.yaml:3:14: policy.allow.or[0].email: expected a string, got a list"},
        BadPolicy{"allow:\n  or:\n    - email: {is: }",
                  "policy.yaml:3:15: policy.allow.or[0].email.is: expected a string, got nothing"},
        BadPolicy{"allow:\n  or:\n    - groups: [a, [b]]",
                  "policy.yaml:3:19: policy.allow.or[0].groups[1]: expected a string, got a list"},
        BadPolicy{"allow:\n  or:\n    - accept: yes",
                  "policy.yaml:3:15: policy.allow.or[0].accept: expected true or false, got "
                  "\"yes\""},
        BadPolicy{"allow:\n  or:\n    - authenticated_user: 'true'",
                  "policy.yaml:3:27: policy.allow.or[0].authenticated_user: expected true or "
                  "false, got \"true\""},
        BadPolicy{"allow:\n  or:\n    - claim: admin",
                  "policy.yaml:3:7: policy.allow.or[0].claim: claim needs a claim name, as in "
                  "claim/department"},
        BadPolicy{"allow:\n  or:\n    - claim/: admin",
                  "policy.yaml:3:7: policy.allow.or[0].claim/: claim needs a claim name, as in "
                  "claim/department"},
        BadPolicy{"allow:\n  or:\n    - email/primary: a@example.com",
                  "policy.yaml:3:7: policy.allow.or[0].email/primary: email takes no subpath; "
                  "got \"email/primary\""},
        BadPolicy{"allow:\n  or:\n    - source_ip: 192.0.2.300",
                  "policy.yaml:3:18: policy.allow.or[0].source_ip: expected an IP address or "
                  "CIDR such as 192.0.2.0/24 or 2001:db8::/32, got \"192.0.2.300\""},
        BadPolicy{"allow:\n  or:\n    - source_ip: ['10.0.0.0/8', '10.0.0.0/33']",
                  "policy.yaml:3:33: policy.allow.or[0].source_ip[1]: prefix length in "
                  "\"10.0.0.0/33\" must be a number from 0 to 32"},
        BadPolicy{"allow:\n  or:\n    - source_ip: {in: '::1/129'}",
                  "policy.yaml:3:23: policy.allow.or[0].source_ip.in: expected a list of "
                  "strings, got a string"},
        BadPolicy{"allow:\n  or:\n    - source_ip: {within: '::1'}",
                  "policy.yaml:3:19: policy.allow.or[0].source_ip.within: unknown operator "
                  "\"within\" for source_ip; expected one of is, in"},
        BadPolicy{"allow:\n  or:\n    - date: '2026-01-01T00:00:00Z'",
                  "policy.yaml:3:13: policy.allow.or[0].date: expected a map of operators "
                  "(after, before), got a string"},
        BadPolicy{"allow:\n  or:\n    - date: {after: '2026-01-01'}",
                  "policy.yaml:3:21: policy.allow.or[0].date.after: expected an RFC 3339 "
                  "timestamp such as 2026-01-02T15:04:05Z, got \"2026-01-01\""},
        BadPolicy{"allow:\n  or:\n    - day_of_week: mon-funday",
                  "policy.yaml:3:20: policy.allow.or[0].day_of_week: expected days of the week "
                  "such as \"mon-fri\", \"sat,sun\" or \"tue\", got \"mon-funday\""},
        BadPolicy{"allow:\n  or:\n    - day_of_week: {timezone: UTC}",
                  "policy.yaml:3:20: policy.allow.or[0].day_of_week: day_of_week needs is "
                  "besides timezone"},
        BadPolicy{"allow:\n  or:\n    - time_of_day: {after: '25:00'}",
                  "policy.yaml:3:28: policy.allow.or[0].time_of_day.after: expected a time of "
                  "day as HH:MM or HH:MM:SS (24-hour), got \"25:00\""},
        BadPolicy{"allow:\n  or:\n    - time_of_day: {after: '09:00', timezone: Mars/Olympus}",
                  "policy.yaml:3:47: policy.allow.or[0].time_of_day.timezone: unknown time zone "
                  "\"Mars/Olympus\"; expected an IANA name such as Europe/Paris or UTC"},
        BadPolicy{"allow:\n  or:\n    - time_of_day: {timezone: ../../etc/passwd, after: '09:00'}",
                  "policy.yaml:3:31: policy.allow.or[0].time_of_day.timezone: unknown time zone "
                  "\"../../etc/passwd\"; expected an IANA name such as Europe/Paris or UTC"},
        BadPolicy{"allow:\n  or:\n    - time_of_day: {timezone: UTC}",
                  "policy.yaml:3:20: policy.allow.or[0].time_of_day: time_of_day needs after or "
                  "before besides timezone"},
        BadPolicy{"allow:\n  or:\n    - email: {ends_with: ''}",
                  "policy.yaml:3:26: policy.allow.or[0].email.ends_with: expected a non-empty "
                  "string"},
        BadPolicy{"allow:\n  or:\n    - groups: [admins, '']",
                  "policy.yaml:3:24: policy.allow.or[0].groups[1]: expected a non-empty string"},
        BadPolicy{"allow:\n  or:\n    - email: {}",
                  "policy.yaml:3:14: policy.allow.or[0].email: expected at least one operator "
                  "(is, not, contains, starts_with, ends_with, in, not_in)"},
        BadPolicy{"allow:\n  or:\n    - email: {is: a, is: b}",
                  "policy.yaml:3:22: policy.allow.or[0].email.is: duplicate key \"is\" (first at "
                  "line 3)"},
        BadPolicy{"allow:\n  or:\n    - email: {is: \"a\\nb\"}\n    - \"bad\\x01\\e\": 1",
                  "policy.yaml:4:7: policy.allow.or[1].bad\x01\x1b: unknown criterion "
                  "\"bad\\x01\\x1b\"; expected one of accept, reject, authenticated_user, email, "
                  "user, domain, http_method, groups, claim/<name>, source_ip, date, "
                  "day_of_week, time_of_day"},
        BadPolicy{"allow:\n  or:\n    - bad\x01: 1",
                  "policy.yaml:3:10: invalid YAML: control character U+0001 is not allowed"},
        BadPolicy{"allow:\n  or:\n    - email: caf\xc3",
                  "policy.yaml:3:17: invalid YAML: byte 0xc3 is not valid UTF-8"},
        BadPolicy{"allow: {or: [",
                  "policy.yaml:1:1: invalid YAML: end of sequence flow not found"}));

std::string Nest(int depth) {
  std::string yaml = "allow:\n  or:\n";
  std::string indent = "    ";
  for (int i = 0; i < depth; ++i) {
    absl::StrAppend(&yaml, indent, "- or:\n");
    indent += "    ";
  }
  absl::StrAppend(&yaml, indent, "- accept: true\n");
  return yaml;
}

TEST(PplParserTest, NestingUpToTheLimitParses) {
  // The rule's own `or` is level 1.
  EXPECT_TRUE(ParsePolicyYaml(Nest(31)).ok()) << ParsePolicyYaml(Nest(31)).status();
}

TEST(PplParserTest, NestingPastTheLimitIsAnError) {
  auto policy = ParsePolicyYaml(Nest(32));
  ASSERT_FALSE(policy.ok());
  // The rule's `or` is level 1, so the 32nd nested `or` (line 34) is level 33.
  std::string path = "policy.allow.or";
  for (int i = 0; i < 32; ++i) path += "[0].or";
  EXPECT_EQ(
      std::string(policy.status().message()),
      absl::StrCat("policy.yaml:34:131: ", path, ": conditionals nested deeper than 32 levels"));
}

TEST(PplParserTest, SelfReferencingAliasStopsAtTheDepthLimit) {
  auto policy = ParsePolicyYaml("allow:\n  or: &loop\n    - or: *loop\n");
  ASSERT_FALSE(policy.ok());
  EXPECT_THAT(std::string(policy.status().message()),
              ::testing::HasSubstr("conditionals nested deeper than 32 levels"));
}

TEST(PplParserTest, AliasBombRunsOutOfBudgetInsteadOfMemory) {
  // Ten levels of ten-fold reuse: 10^10 terms if expanded.
  std::string yaml = "allow:\n  or:\n    - &a0 {accept: true}\n";
  for (int i = 1; i <= 10; ++i) {
    absl::StrAppend(&yaml, "    - &a", i, " {or: [");
    for (int j = 0; j < 10; ++j) absl::StrAppend(&yaml, j ? ", " : "", "*a", i - 1);
    absl::StrAppend(&yaml, "]}\n");
  }
  // A small budget keeps the test fast; the default (200000) behaves alike.
  ParseLimits limits;
  limits.max_items = 20000;
  auto policy = ParsePolicy(config::YamlSource(YAML::Load(yaml), "policy.yaml", "policy"), limits);
  ASSERT_FALSE(policy.ok());
  EXPECT_THAT(
      std::string(policy.status().message()),
      ::testing::HasSubstr("policy too large: more than 20000 terms and values in this file "
                           "(YAML aliases count each time they are used)"));
}

TEST(PplParserTest, LimitsAreSharedAcrossCalls) {
  // One rule, its `or`, one term: three items per parse.
  ParseLimits limits;
  limits.max_items = 5;
  YAML::Node node = YAML::Load("allow: {or: [{accept: true}]}");
  ASSERT_TRUE(ParsePolicy(config::YamlSource(node, "f.yaml", "policy"), limits).ok());
  EXPECT_EQ(limits.used_items, 3);
  EXPECT_FALSE(ParsePolicy(config::YamlSource(node, "f.yaml", "policy"), limits).ok());
}

}  // namespace
}  // namespace postern::policy
