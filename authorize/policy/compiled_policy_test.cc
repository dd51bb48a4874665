#include "authorize/policy/compiled_policy.h"

#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace postern::authorize {

// Readable verdicts in test failures.
void PrintTo(Verdict verdict, std::ostream* out) { *out << VerdictName(verdict); }

namespace {

using policy::Action;
using policy::Criterion;
using policy::Expression;
using policy::Matcher;
using policy::Policy;
using policy::Rule;
using policy::SourcePosition;
using policy::Value;
using testing::ElementsAre;
using Kind = Expression::Kind;
using Strings = std::vector<std::string>;

// Syntax-tree builders, in the shape ppl_parser produces.
Expression Crit(std::string name, std::string op, Value operand) {
  Expression e;
  e.criterion =
      Criterion{std::move(name), "", {Matcher{std::move(op), std::move(operand), {}}}, {}};
  return e;
}
Expression Accept() { return Crit("accept", "is", true); }
Expression Reject() { return Crit("reject", "is", true); }
Expression Email(std::string email) { return Crit("email", "is", std::move(email)); }
Expression Claim(std::string name, std::string op, Value operand) {
  Expression e = Crit("claim", std::move(op), std::move(operand));
  e.criterion.subpath = std::move(name);
  return e;
}
Expression SourceIp(Strings ranges) { return Crit("source_ip", "in", std::move(ranges)); }
Expression Conditional(Kind kind, std::vector<Expression> children) {
  Expression e;
  e.kind = kind;
  e.children = std::move(children);
  return e;
}
Expression And(std::vector<Expression> children) {
  return Conditional(Kind::kAnd, std::move(children));
}
Expression Or(std::vector<Expression> children) {
  return Conditional(Kind::kOr, std::move(children));
}
Expression Not(std::vector<Expression> children) {
  return Conditional(Kind::kNot, std::move(children));
}
Expression Nor(std::vector<Expression> children) {
  return Conditional(Kind::kNor, std::move(children));
}
Rule Allow(std::vector<Expression> conditionals, SourcePosition where = {}) {
  return Rule{Action::kAllow, std::move(conditionals), where};
}
Rule Deny(std::vector<Expression> conditionals, SourcePosition where = {}) {
  return Rule{Action::kDeny, std::move(conditionals), where};
}

CompiledPolicy MustCompile(const Policy& policy) {
  absl::StatusOr<CompiledPolicy> compiled = CompiledPolicy::Compile(policy);
  EXPECT_TRUE(compiled.ok()) << compiled.status();
  return compiled.ok() ? *std::move(compiled) : *CompiledPolicy::Compile(Policy{});
}

const Identity kAlice{.user = "u-alice", .email = "alice@example.com", .groups = {"eng"}};
const Identity kMallory{.user = "u-mallory", .email = "mallory@example.com"};
const Identity kContractor{.user = "u-c", .email = "contractor@not-example.com"};
const Identity kDataScientist{
    .user = "u-ds", .email = "ds@example.com", .groups = {"eng", "datascience@example.com"}};

Decision Decide(const CompiledPolicy& policy, const Identity* identity,
                std::string_view source_ip = "192.0.2.7") {
  return policy.Evaluate(
      Request{.identity = identity, .source_ip = source_ip, .now = absl::FromUnixSeconds(1.7e9)});
}

TEST(CompiledPolicyTest, SeedExampleAllowsDataScienceAndTheContractorOnly) {
  // policy:
  //   - allow:
  //       or:
  //         - email: {is: contractor@not-example.com}
  //         - groups: {has: ["datascience@example.com"]}
  Expression groups = Crit("groups", "has", Strings{"datascience@example.com"});
  const CompiledPolicy policy =
      MustCompile(Policy{{Allow({Or({Email("contractor@not-example.com"), groups})}, {3, 7})}});

  Decision decision = Decide(policy, &kDataScientist);
  EXPECT_EQ(decision.verdict, Verdict::kAllow);
  EXPECT_THAT(decision.reasons,
              ElementsAre("allow: rule 1 (3:7): groups has [datascience@example.com]"));

  decision = Decide(policy, &kContractor);
  EXPECT_EQ(decision.verdict, Verdict::kAllow);
  EXPECT_THAT(decision.reasons,
              ElementsAre("allow: rule 1 (3:7): email is contractor@not-example.com"));

  decision = Decide(policy, &kAlice);
  EXPECT_EQ(decision.verdict, Verdict::kDeny);
  EXPECT_THAT(decision.reasons, ElementsAre("deny: no allow rule matched"));

  const Identity shouty{.user = "u-c2", .email = "Contractor@not-example.com"};
  EXPECT_EQ(Decide(policy, &shouty).verdict, Verdict::kDeny);  // exact match only

  decision = Decide(policy, nullptr);
  EXPECT_EQ(decision.verdict, Verdict::kUnauthenticated);
  EXPECT_THAT(decision.reasons,
              ElementsAre("unauthenticated: rule 1 (3:7) needs a signed-in user (email, groups)"));
}

TEST(CompiledPolicyTest, Conditionals) {
  struct Case {
    std::string name;
    Expression conditional;
    bool matches;
  };
  const Case cases[] = {
      {"and: all", And({Accept(), Accept()}), true},
      {"and: one fails", And({Accept(), Reject()}), false},
      {"or: none", Or({Reject(), Reject()}), false},
      {"or: one", Or({Reject(), Accept()}), true},
      {"not: none match", Not({Reject(), Reject()}), true},
      {"not: one matches", Not({Reject(), Accept()}), false},
      {"nor: all match", Nor({Accept(), Accept()}), false},
      {"nor: not all match", Nor({Accept(), Reject()}), true},
      {"nested", And({Or({Reject(), Accept()}), Not({Reject()}), Nor({Accept(), Reject()})}), true},
      {"nested, one branch false", And({Or({Reject(), Accept()}), Not({Accept()})}), false},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const CompiledPolicy as_allow = MustCompile(Policy{{Allow({c.conditional})}});
    EXPECT_EQ(Decide(as_allow, &kAlice).verdict, c.matches ? Verdict::kAllow : Verdict::kDeny);
    const CompiledPolicy as_deny = MustCompile(Policy{{Allow({Accept()}), Deny({c.conditional})}});
    EXPECT_EQ(Decide(as_deny, &kAlice).verdict, c.matches ? Verdict::kDeny : Verdict::kAllow);
  }
}

TEST(CompiledPolicyTest, EmptyConditionalsAreIgnoredAsIfAbsent) {
  // Pomerium's generator adds no term for an empty and/or/not/nor.
  struct Case {
    std::string name;
    Policy policy;
    Verdict verdict;
    std::string reason;
  };
  const Case cases[] = {
      {"empty not allows nobody", Policy{{Allow({Not({})})}}, Verdict::kDeny,
       "deny: the policy has no allow rule"},
      {"empty nor allows nobody", Policy{{Allow({Nor({})})}}, Verdict::kDeny,
       "deny: the policy has no allow rule"},
      {"empty and allows nobody", Policy{{Allow({And({})})}}, Verdict::kDeny,
       "deny: the policy has no allow rule"},
      {"empty or beside a matching one", Policy{{Allow({Or({}), And({Accept()})})}},
       Verdict::kAllow, "allow: rule 1: accept"},
      {"empty not denies nobody", Policy{{Allow({Accept()}), Deny({Not({})})}}, Verdict::kAllow,
       "allow: rule 1: accept"},
      {"empty nor denies nobody", Policy{{Allow({Accept()}), Deny({Nor({})})}}, Verdict::kAllow,
       "allow: rule 1: accept"},
      {"nested empty not is not 'true'", Policy{{Allow({And({Reject(), Not({})})})}},
       Verdict::kDeny, "deny: no allow rule matched"},
      {"nested empty conditionals vanish", Policy{{Allow({And({Accept(), Not({}), Or({})})})}},
       Verdict::kAllow, "allow: rule 1: accept"},
      {"a conditional of empties is empty", Policy{{Allow({Or({Not({}), And({})})})}},
       Verdict::kDeny, "deny: the policy has no allow rule"},
      {"no rules at all", Policy{}, Verdict::kDeny, "deny: the policy has no allow rule"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const CompiledPolicy policy = MustCompile(c.policy);
    for (const Identity* identity : {&kAlice, static_cast<const Identity*>(nullptr)}) {
      const Decision decision = Decide(policy, identity);
      EXPECT_EQ(decision.verdict, c.verdict);
      EXPECT_THAT(decision.reasons, ElementsAre(c.reason));
    }
  }
}

TEST(CompiledPolicyTest, ConditionalsOfOneRuleAreOred) {
  // allow: {and: [reject], or: [email is alice]}: Pomerium ORs the terms.
  const CompiledPolicy policy =
      MustCompile(Policy{{Allow({And({Reject()}), Or({Email("alice@example.com")})})}});
  EXPECT_EQ(Decide(policy, &kAlice).verdict, Verdict::kAllow);
  EXPECT_EQ(Decide(policy, &kMallory).verdict, Verdict::kDeny);
}

TEST(CompiledPolicyTest, DenyWinsOverAllow) {
  const CompiledPolicy policy = MustCompile(Policy{{
      Allow({Or({Crit("domain", "is", "example.com")})}, {3, 7}),
      Deny({Or({Email("mallory@example.com")})}, {6, 7}),
  }});
  Decision decision = Decide(policy, &kAlice);
  EXPECT_EQ(decision.verdict, Verdict::kAllow);
  EXPECT_THAT(decision.reasons, ElementsAre("allow: rule 1 (3:7): domain is example.com"));

  decision = Decide(policy, &kMallory);
  EXPECT_EQ(decision.verdict, Verdict::kDeny);
  EXPECT_THAT(decision.reasons, ElementsAre("deny: rule 2 (6:7): email is mallory@example.com"));
}

TEST(CompiledPolicyTest, ReportsTheDenyRuleAndTheMissingAllow) {
  const CompiledPolicy policy = MustCompile(Policy{{
      Allow({Or({Email("alice@example.com")})}),
      Deny({And({Crit("groups", "exclude", "eng"), SourceIp({"192.0.2.0/24"})})}),
  }});
  const Decision decision = Decide(policy, &kMallory);
  EXPECT_EQ(decision.verdict, Verdict::kDeny);
  EXPECT_THAT(decision.reasons,
              ElementsAre("deny: rule 2: all of (groups exclude eng; source_ip in [192.0.2.0/24])",
                          "deny: no allow rule matched"));
}

TEST(CompiledPolicyTest, ReasonsNameNotAndNor) {
  const CompiledPolicy policy = MustCompile(Policy{{
      Allow({Nor({Email("alice@example.com"), Email("bob@example.com")})}),
      Deny({Not({Email("carol@example.com"), Email("mallory@example.com")})}),
  }});
  Decision decision = Decide(policy, &kMallory);
  EXPECT_EQ(decision.verdict, Verdict::kAllow);
  EXPECT_THAT(decision.reasons,
              ElementsAre("allow: rule 1: not all of (email is alice@example.com; email is "
                          "bob@example.com)"));
  decision = Decide(policy, &kAlice);
  EXPECT_EQ(decision.verdict, Verdict::kDeny);
  EXPECT_THAT(decision.reasons,
              ElementsAre("deny: rule 2: none of (email is carol@example.com; email is "
                          "mallory@example.com)"));
}

TEST(CompiledPolicyTest, WhenToAskForALogin) {
  struct Case {
    std::string name;
    Policy policy;
    std::string source_ip;
    Verdict verdict;  // without a session
    std::string reason;
  };
  const Expression office = SourceIp({"10.0.0.0/8"});
  const Case cases[] = {
      {"allow on email", Policy{{Allow({Or({Email("alice@example.com")})})}}, "10.0.0.1",
       Verdict::kUnauthenticated, "unauthenticated: rule 1 needs a signed-in user (email)"},
      {"allow on authenticated_user",
       Policy{{Allow({Or({Crit("authenticated_user", "is", true)})})}}, "10.0.0.1",
       Verdict::kUnauthenticated,
       "unauthenticated: rule 1 needs a signed-in user (authenticated_user)"},
      {"deny under not",
       Policy{{Allow({Accept()}), Deny({Not({Email("alice@example.com")})}, {5, 3})}}, "10.0.0.1",
       Verdict::kUnauthenticated, "unauthenticated: rule 2 (5:3) needs a signed-in user (email)"},
      {"deny under nor",
       Policy{{Allow({Accept()}),
               Deny({Nor({Email("alice@example.com"), Crit("groups", "has", "eng")})})}},
       "10.0.0.1", Verdict::kUnauthenticated,
       "unauthenticated: rule 2 needs a signed-in user (email, groups)"},
      {"claim under and", Policy{{Allow({And({office, Claim("dept", "has", "eng")})})}}, "10.0.0.1",
       Verdict::kUnauthenticated, "unauthenticated: rule 1 needs a signed-in user (claim/dept)"},
      // Pomerium keeps the reasons of every false child of a false `and`.
      {"and of source_ip and email, outside", Policy{{Allow({And({office, Email("a@b")})})}},
       "172.16.0.1", Verdict::kUnauthenticated,
       "unauthenticated: rule 1 needs a signed-in user (email)"},
      {"reject", Policy{{Allow({Reject()})}}, "10.0.0.1", Verdict::kDeny,
       "deny: no allow rule matched"},
      {"source_ip only", Policy{{Allow({Or({office})})}}, "172.16.0.1", Verdict::kDeny,
       "deny: no allow rule matched"},
      {"source_ip deny", Policy{{Allow({Accept()}), Deny({Or({office})})}}, "10.0.0.1",
       Verdict::kDeny, "deny: rule 2: source_ip in [10.0.0.0/8]"},
      // A deny that matched without the user's help stays a deny: only the
      // matching deny terms carry reasons (merge_with_or).
      {"deny matched on source_ip, other deny term needs a session",
       Policy{{Allow({Accept()}), Deny({Or({office}), Or({Email("mallory@example.com")})})}},
       "10.0.0.1", Verdict::kDeny, "deny: rule 2: source_ip in [10.0.0.0/8]"},
      {"deny on email that cannot match without a session, allow matched",
       Policy{{Allow({Accept()}), Deny({Or({Email("mallory@example.com")})})}}, "10.0.0.1",
       Verdict::kAllow, "allow: rule 1: accept"},
      {"allow needs a session, deny matched on source_ip",
       Policy{{Allow({Or({Email("alice@example.com")})}), Deny({Or({office})})}}, "10.0.0.1",
       Verdict::kUnauthenticated, "unauthenticated: rule 1 needs a signed-in user (email)"},
      {"allow matched on source_ip, a sibling needed a session",
       Policy{{Allow({Or({office, Email("alice@example.com")})})}}, "10.0.0.1", Verdict::kAllow,
       "allow: rule 1: source_ip in [10.0.0.0/8]"},
      {"authenticated_user: false", Policy{{Allow({Crit("authenticated_user", "is", false)})}},
       "10.0.0.1", Verdict::kAllow, "allow: rule 1: authenticated_user: false"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const CompiledPolicy policy = MustCompile(c.policy);
    const Decision decision = Decide(policy, nullptr, c.source_ip);
    EXPECT_EQ(decision.verdict, c.verdict);
    ASSERT_EQ(decision.reasons.size(), 1u);
    EXPECT_EQ(decision.reasons[0], c.reason);
  }
}

TEST(CompiledPolicyTest, SessionUsersAreNeverAskedToLogIn) {
  const CompiledPolicy policy = MustCompile(Policy{{
      Allow({Or({Email("alice@example.com")})}),
      Deny({Not({Crit("groups", "has", "eng")})}),
  }});
  Decision decision = Decide(policy, &kMallory);
  EXPECT_EQ(decision.verdict, Verdict::kDeny);
  EXPECT_THAT(decision.reasons,
              ElementsAre("deny: rule 2: none of (groups has eng)", "deny: no allow rule matched"));
  EXPECT_EQ(Decide(policy, &kAlice).verdict, Verdict::kAllow);
}

TEST(CompiledPolicyTest, TimeCriteriaInAPolicy) {
  Expression office_hours;
  office_hours.criterion = Criterion{
      "time_of_day",
      "",
      {Matcher{"after", std::string("09:00"), {}}, Matcher{"before", std::string("17:00"), {}},
       Matcher{"timezone", std::string("Europe/Berlin"), {}}},
      {}};
  const CompiledPolicy policy =
      MustCompile(Policy{{Allow({And({Crit("groups", "has", "eng"), office_hours})})}});
  // 2024-07-01 is in CEST (UTC+2): 07:30Z is 09:30 in Berlin, 06:30Z is 08:30.
  Request request{.identity = &kAlice, .source_ip = "192.0.2.7"};
  request.now = absl::FromCivil(absl::CivilSecond(2024, 7, 1, 7, 30, 0), absl::UTCTimeZone());
  Decision decision = policy.Evaluate(request);
  EXPECT_EQ(decision.verdict, Verdict::kAllow);
  EXPECT_THAT(decision.reasons,
              ElementsAre("allow: rule 1: all of (groups has eng; time_of_day after 09:00 and "
                          "before 17:00 (Europe/Berlin))"));
  request.now = absl::FromCivil(absl::CivilSecond(2024, 7, 1, 6, 30, 0), absl::UTCTimeZone());
  EXPECT_EQ(policy.Evaluate(request).verdict, Verdict::kDeny);
}

TEST(CompiledPolicyTest, CompileErrorsNameTheRule) {
  Expression bad = Crit("source_ip", "in", Strings{"10.0.0.0/8", "10.0.0.300"});
  absl::StatusOr<CompiledPolicy> policy =
      CompiledPolicy::Compile(Policy{{Allow({Accept()}), Deny({Or({bad})}, {12, 5})}});
  ASSERT_FALSE(policy.ok());
  EXPECT_EQ(policy.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(policy.status().message()),
              testing::StartsWith("policy rule 2 (12:5): source_ip: in: \"10.0.0.300\""));
}

TEST(CompiledPolicyTest, VerdictNames) {
  EXPECT_EQ(VerdictName(Verdict::kAllow), "allow");
  EXPECT_EQ(VerdictName(Verdict::kDeny), "deny");
  EXPECT_EQ(VerdictName(Verdict::kUnauthenticated), "unauthenticated");
}

TEST(CompiledPolicyTest, CopiesDecideAlike) {
  CompiledPolicy original = MustCompile(Policy{{Allow({Or({Email("alice@example.com")})})}});
  const CompiledPolicy copy = original;
  original = MustCompile(Policy{});  // the copy must not point into the old one
  const Decision decision = Decide(copy, &kAlice);
  EXPECT_EQ(decision.verdict, Verdict::kAllow);
  EXPECT_THAT(decision.reasons, ElementsAre("allow: rule 1: email is alice@example.com"));
}

}  // namespace
}  // namespace postern::authorize
