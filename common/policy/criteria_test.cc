#include "common/policy/criteria.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace postern::policy {
namespace {

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
