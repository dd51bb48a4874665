#include "common/policy/legacy_options.h"

#include <string>
#include <vector>

#include "common/policy/criteria.h"
#include "gtest/gtest.h"

namespace postern::policy {
namespace {

// "name/subpath op operand" for compact assertions.
std::string Describe(const Expression& expression) {
  const Criterion& criterion = expression.criterion;
  std::string text = criterion.name;
  if (!criterion.subpath.empty()) text += "/" + criterion.subpath;
  for (const Matcher& matcher : criterion.matchers) {
    text += " " + matcher.op + " ";
    if (const auto* value = std::get_if<std::string>(&matcher.operand)) text += *value;
    if (const auto* flag = std::get_if<bool>(&matcher.operand)) text += *flag ? "true" : "false";
  }
  return text;
}

std::vector<std::string> Terms(const Rule& rule) {
  std::vector<std::string> terms;
  for (const Expression& child : rule.conditionals.at(0).children) terms.push_back(Describe(child));
  return terms;
}

void ExpectValid(const std::vector<Rule>& rules) {
  for (const Rule& rule : rules) {
    for (const Expression& conditional : rule.conditionals) {
      for (const Expression& child : conditional.children) {
        const CriterionSpec* spec = FindCriterion(child.criterion.name);
        ASSERT_NE(spec, nullptr) << child.criterion.name;
        for (const Matcher& matcher : child.criterion.matchers) {
          EXPECT_TRUE(ValidateMatcher(*spec, matcher).ok()) << Describe(child);
        }
      }
    }
  }
}

TEST(LegacyOptionsTest, NothingSetMeansNoRules) {
  EXPECT_TRUE(TranslateLegacyOptions(LegacyOptions{}).empty());
}

TEST(LegacyOptionsTest, AllowedUsersMatchUserOrEmail) {
  LegacyOptions options;
  options.allowed_users = {{"alice", {3, 7}}, {"bob@example.com", {4, 7}}};
  options.allowed_users_where = {2, 5};
  const std::vector<Rule> rules = TranslateLegacyOptions(options);
  ASSERT_EQ(rules.size(), 1u);
  EXPECT_EQ(rules[0].action, Action::kAllow);
  EXPECT_EQ(rules[0].where.line, 2);
  EXPECT_EQ(rules[0].conditionals[0].kind, Expression::Kind::kOr);
  EXPECT_EQ(Terms(rules[0]),
            (std::vector<std::string>{"user is alice", "email is alice", "user is bob@example.com",
                                      "email is bob@example.com"}));
  EXPECT_EQ(rules[0].conditionals[0].children[2].criterion.where.line, 4);
  ExpectValid(rules);
}

TEST(LegacyOptionsTest, AllowedDomains) {
  LegacyOptions options;
  options.allowed_domains = {{"example.com", {}}, {"example.org", {}}};
  const std::vector<Rule> rules = TranslateLegacyOptions(options);
  ASSERT_EQ(rules.size(), 1u);
  EXPECT_EQ(Terms(rules[0]),
            (std::vector<std::string>{"domain is example.com", "domain is example.org"}));
  ExpectValid(rules);
}

TEST(LegacyOptionsTest, AllowedIdpClaimsHaveAnyListedValue) {
  LegacyOptions options;
  options.allowed_idp_claims = {{"department", {{"eng", {}}, {"ops", {}}}, {}},
                                {"org", {{"acme", {}}}, {}}};
  const std::vector<Rule> rules = TranslateLegacyOptions(options);
  ASSERT_EQ(rules.size(), 1u);
  EXPECT_EQ(Terms(rules[0]),
            (std::vector<std::string>{"claim/department has eng", "claim/department has ops",
                                      "claim/org has acme"}));
  ExpectValid(rules);
}

TEST(LegacyOptionsTest, FlagsBecomeBooleanCriteria) {
  LegacyOptions options;
  options.allow_any_authenticated_user = true;
  options.allow_public_unauthenticated_access = true;
  const std::vector<Rule> rules = TranslateLegacyOptions(options);
  ASSERT_EQ(rules.size(), 2u);
  EXPECT_EQ(Terms(rules[0]), (std::vector<std::string>{"authenticated_user is true"}));
  EXPECT_EQ(Terms(rules[1]), (std::vector<std::string>{"accept is true"}));
  ExpectValid(rules);
}

TEST(LegacyOptionsTest, EveryOptionGivesOneRuleInAFixedOrder) {
  LegacyOptions options;
  options.allow_public_unauthenticated_access = true;
  options.allowed_idp_claims = {{"org", {{"acme", {}}}, {}}};
  options.allowed_users = {{"alice", {}}};
  options.allowed_domains = {{"example.com", {}}};
  options.allow_any_authenticated_user = true;
  const std::vector<Rule> rules = TranslateLegacyOptions(options);
  ASSERT_EQ(rules.size(), 5u);
  EXPECT_EQ(Terms(rules[0])[0], "user is alice");
  EXPECT_EQ(Terms(rules[1])[0], "domain is example.com");
  EXPECT_EQ(Terms(rules[2])[0], "claim/org has acme");
  EXPECT_EQ(Terms(rules[3])[0], "authenticated_user is true");
  EXPECT_EQ(Terms(rules[4])[0], "accept is true");
}

}  // namespace
}  // namespace postern::policy
