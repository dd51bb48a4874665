// One compiled policy criterion (`email: {is: a@example.com}`,
// `source_ip: [10.0.0.0/8]`, `time_of_day: {after: "09:00"}`, ...): its
// operands pre-parsed into the form a decision needs (hash sets, CIDR masks,
// absl::Time, loaded time zones), so that matching a request does not parse,
// allocate or lock.
//
//   absl::StatusOr<CompiledCriterion> email = CompiledCriterion::Compile(criterion);
//   RequestFacts facts(request);
//   CompiledCriterion::Outcome outcome = email->Evaluate(facts);
//
// Matching rules, as in Pomerium unless noted:
// - Strings match exactly: no case folding, no trimming.
// - Several operators in one criterion are ORed (`email: {is: a, ends_with: b}`),
//   except that `timezone` qualifies the others, and that date's and
//   time_of_day's `after` and `before` bound one range (both must hold).
// - email, user, domain, groups, claim and authenticated_user need a session;
//   without one they do not match and report `needs_session`. A refusal that
//   such a criterion caused is answered "unauthenticated" (log in and retry).
//   `domain` is the text after the email's last '@'; an email without '@' has
//   no domain and matches no domain criterion (not even `not`/`not_in`).
// - groups and claim/<name> are lists. `has` with a list means "has any of"
//   (Pomerium compares the list as one value, so it never matches: the seed's
//   own example needs "any of"). `is` means the list holds exactly the given
//   values as a set (order and duplicates ignored; a string s means [s]).
//   `exclude` means it holds none of them.
// - claim/<name> reads Identity::claims[name]. When the session has no such
//   claim, the standard fields stand in: claim/email (email), claim/sub and
//   claim/user (user), claim/name (name), claim/groups (groups). A claim that
//   is still missing matches nothing, not even `exclude`.
// - source_ip: see common/policy/ip_prefix.h. A request address that does
//   not parse matches no prefix.
// - date: RFC 3339 instants; `after` includes its instant, `before` excludes
//   its instant, so consecutive windows neither overlap nor leave a gap.
// - time_of_day: "HH:MM[:SS]" on the wall clock of `timezone` (default UTC),
//   so a rule keeps meaning "09:00 local" across daylight-saving changes.
//   `after` inclusive, `before` exclusive; after > before is an overnight
//   window (after 22:00, before 06:00); after == before matches nothing.
// - day_of_week: the weekday on the calendar of `timezone` (default UTC).
// - accept/reject/authenticated_user take a boolean, which is honoured:
//   `accept: false` never matches, `reject: false` always matches, and
//   `authenticated_user: false` matches only requests without a session.
//   (Pomerium ignores the operand, so there `accept: false` grants access to
//   everyone; we refuse to read it that way.)
#ifndef POSTERN_AUTHORIZE_POLICY_CRITERION_H_
#define POSTERN_AUTHORIZE_POLICY_CRITERION_H_

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "authorize/policy/request.h"
#include "common/policy/calendar.h"
#include "common/policy/ip_prefix.h"
#include "common/policy/ppl.h"

namespace postern::authorize {

// What every criterion of one decision may need from the request, derived
// once per decision. Borrows `request`, which must outlive it.
struct RequestFacts {
  explicit RequestFacts(const Request& request);

  const Request& request;
  std::optional<policy::IpAddress> source_ip;    // nullopt when absent or not an address
  std::optional<std::string_view> email_domain;  // nullopt without session or '@'
};

// A criterion ready to evaluate. Immutable after Compile; Evaluate is
// thread-safe and lock-free.
class CompiledCriterion {
 public:
  // Compile checks and pre-parses `criterion`. Fails with kInvalidArgument,
  // naming the criterion and operator, for an unknown criterion or operator,
  // an operand of the wrong type, or an operand that does not parse (CIDR,
  // date, day, time of day, time zone). The parser rejects all of these
  // first, reading operands with the same readers (common/policy/ip_prefix.h,
  // calendar.h), so a parsed policy always compiles; the checks here keep a
  // syntax tree built elsewhere from becoming a policy.
  static absl::StatusOr<CompiledCriterion> Compile(const policy::Criterion& criterion);

  struct Outcome {
    bool matched = false;
    // True when the criterion needs a session and the request has none.
    bool needs_session = false;
    // Index into descriptions() of the most specific text for what matched
    // (the one operator that did, when several are ORed). Valid when matched.
    int witness = 0;
  };

  // Evaluate matches the criterion against one request.
  Outcome Evaluate(const RequestFacts& facts) const;

  // Human-readable texts for decision reasons, fixed at compile time:
  // [0] the whole criterion, e.g. "email is a@example.com or domain is
  // example.com"; [1..] each ORed operator alone, when there are several.
  const std::vector<std::string>& descriptions() const { return descriptions_; }

  // "email", "claim/dept", ...: the criterion as named in the policy.
  const std::string& label() const { return label_; }

  // True for criteria about the signed-in user (see the header comment).
  bool needs_session() const { return needs_session_; }

 private:
  enum class StringField { kEmail, kUser, kDomain, kHttpMethod };
  enum class StringOp { kIs, kNot, kContains, kStartsWith, kEndsWith, kIn, kNotIn };
  enum class ListOp { kHas, kIs, kExclude };

  struct StringTest {
    StringOp op;
    std::string value;                        // for single-string operators
    absl::flat_hash_set<std::string> values;  // for in / not_in
  };
  struct StringCriterion {
    StringField field;
    std::vector<StringTest> tests;  // ORed
  };
  struct ListTest {
    ListOp op;
    absl::flat_hash_set<std::string> values;
  };
  struct ListCriterion {
    std::optional<std::string> claim;  // nullopt: the session's groups
    std::vector<ListTest> tests;       // ORed
  };
  struct ConstantCriterion {
    bool value;  // accept/reject, after applying the operand
  };
  struct AuthenticatedUserCriterion {
    bool want_session;
  };
  struct SourceIpCriterion {
    std::vector<policy::IpPrefix> prefixes;
  };
  struct DateCriterion {
    std::optional<absl::Time> after;   // inclusive
    std::optional<absl::Time> before;  // exclusive
  };
  struct DayOfWeekCriterion {
    policy::DaySet days;
    absl::TimeZone zone;
  };
  struct TimeOfDayCriterion {
    std::optional<int> after;   // seconds since midnight, inclusive
    std::optional<int> before;  // exclusive
    absl::TimeZone zone;
  };
  using Test =
      std::variant<StringCriterion, ListCriterion, ConstantCriterion, AuthenticatedUserCriterion,
                   SourceIpCriterion, DateCriterion, DayOfWeekCriterion, TimeOfDayCriterion>;

  CompiledCriterion(std::string label, bool needs_session, Test test,
                    std::vector<std::string> descriptions)
      : label_(std::move(label)),
        needs_session_(needs_session),
        test_(std::move(test)),
        descriptions_(std::move(descriptions)) {}

  static absl::StatusOr<CompiledCriterion> CompileStrings(const policy::Criterion& criterion,
                                                          std::string label, StringField field);
  static absl::StatusOr<CompiledCriterion> CompileList(const policy::Criterion& criterion,
                                                       std::string label,
                                                       std::optional<std::string> claim);
  static absl::StatusOr<CompiledCriterion> CompileConstant(const policy::Criterion& criterion,
                                                           std::string label);
  static absl::StatusOr<CompiledCriterion> CompileSourceIp(const policy::Criterion& criterion,
                                                           std::string label);
  static absl::StatusOr<CompiledCriterion> CompileDate(const policy::Criterion& criterion,
                                                       std::string label);
  static absl::StatusOr<CompiledCriterion> CompileDayOfWeek(const policy::Criterion& criterion,
                                                            std::string label);
  static absl::StatusOr<CompiledCriterion> CompileTimeOfDay(const policy::Criterion& criterion,
                                                            std::string label);

  static Outcome Match(const StringCriterion& test, const RequestFacts& facts);
  static Outcome Match(const ListCriterion& test, const RequestFacts& facts);
  static Outcome Match(const ConstantCriterion& test, const RequestFacts& facts);
  static Outcome Match(const AuthenticatedUserCriterion& test, const RequestFacts& facts);
  static Outcome Match(const SourceIpCriterion& test, const RequestFacts& facts);
  static Outcome Match(const DateCriterion& test, const RequestFacts& facts);
  static Outcome Match(const DayOfWeekCriterion& test, const RequestFacts& facts);
  static Outcome Match(const TimeOfDayCriterion& test, const RequestFacts& facts);

  std::string label_;
  bool needs_session_;
  Test test_;
  std::vector<std::string> descriptions_;
};

}  // namespace postern::authorize

#endif  // POSTERN_AUTHORIZE_POLICY_CRITERION_H_
