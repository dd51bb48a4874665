#include "common/policy/legacy_options.h"

#include <string>
#include <utility>
#include <vector>

namespace postern::policy {
namespace {

Expression CriterionExpression(std::string name, std::string subpath, std::string op, Value operand,
                               SourcePosition where) {
  Expression expression;
  expression.kind = Expression::Kind::kCriterion;
  expression.where = where;
  expression.criterion.name = std::move(name);
  expression.criterion.subpath = std::move(subpath);
  expression.criterion.where = where;
  expression.criterion.matchers.push_back(Matcher{std::move(op), std::move(operand), where});
  return expression;
}

Rule AllowRule(Expression::Kind kind, std::vector<Expression> children, SourcePosition where) {
  Expression conditional;
  conditional.kind = kind;
  conditional.children = std::move(children);
  conditional.where = where;
  Rule rule;
  rule.action = Action::kAllow;
  rule.where = where;
  rule.conditionals.push_back(std::move(conditional));
  return rule;
}

}  // namespace

std::vector<Rule> TranslateLegacyOptions(const LegacyOptions& options) {
  std::vector<Rule> rules;
  if (!options.allowed_users.empty()) {
    std::vector<Expression> terms;
    for (const LegacyValue& user : options.allowed_users) {
      terms.push_back(CriterionExpression("user", "", "is", user.value, user.where));
      terms.push_back(CriterionExpression("email", "", "is", user.value, user.where));
    }
    rules.push_back(
        AllowRule(Expression::Kind::kOr, std::move(terms), options.allowed_users_where));
  }
  if (!options.allowed_domains.empty()) {
    std::vector<Expression> terms;
    for (const LegacyValue& domain : options.allowed_domains) {
      terms.push_back(CriterionExpression("domain", "", "is", domain.value, domain.where));
    }
    rules.push_back(
        AllowRule(Expression::Kind::kOr, std::move(terms), options.allowed_domains_where));
  }
  std::vector<Expression> claim_terms;
  for (const LegacyClaim& claim : options.allowed_idp_claims) {
    for (const LegacyValue& value : claim.values) {
      claim_terms.push_back(
          CriterionExpression("claim", claim.claim, "has", value.value, value.where));
    }
  }
  if (!claim_terms.empty()) {
    rules.push_back(
        AllowRule(Expression::Kind::kOr, std::move(claim_terms), options.allowed_idp_claims_where));
  }
  if (options.allow_any_authenticated_user) {
    std::vector<Expression> terms;
    terms.push_back(CriterionExpression("authenticated_user", "", "is", true,
                                        options.allow_any_authenticated_user_where));
    rules.push_back(AllowRule(Expression::Kind::kAnd, std::move(terms),
                              options.allow_any_authenticated_user_where));
  }
  if (options.allow_public_unauthenticated_access) {
    std::vector<Expression> terms;
    terms.push_back(CriterionExpression("accept", "", "is", true,
                                        options.allow_public_unauthenticated_access_where));
    rules.push_back(AllowRule(Expression::Kind::kAnd, std::move(terms),
                              options.allow_public_unauthenticated_access_where));
  }
  return rules;
}

}  // namespace postern::policy
