// The criteria catalogue: which criteria the policy language has, which
// operators each accepts, what operand each operator takes, and how operand
// text is read (IP prefixes, timestamps, days of the week, times of day, time
// zones). The parser validates against it; the evaluator compiles with the
// same readers, so a value the parser accepted always compiles.
//
//   const CriterionSpec* email = FindCriterion("email");
//   const OperatorSpec* op = FindOperator(*email, "starts_with");   // kString
//   absl::StatusOr<IpPrefix> office = ParseIpPrefix("192.0.2.0/24");
//   bool inside = office->Contains(*ParseIpAddress("192.0.2.7"));
//
// Criteria and their operators:
//   accept, reject, authenticated_user   is: true|false (bare boolean -> is)
//   email, user, domain, http_method     is, not, contains, starts_with,
//                                        ends_with: string; in, not_in: list
//                                        (bare string -> is)
//   groups, claim/<name>                 has, is, exclude: string or list
//                                        (bare string or list -> has; a list
//                                        given to has means "has any of")
//   source_ip                            in: list of addresses or CIDRs (bare
//                                        string/list and `is` normalise to in)
//   date                                 after, before: RFC 3339 timestamp
//   day_of_week                          is: "mon-fri", "sat,sun", "tue"
//                                        (bare -> is); timezone: IANA name
//   time_of_day                          after, before: "HH:MM[:SS]";
//                                        timezone: IANA name
//
// `timezone` is stored as a Matcher like the others (op "timezone"). It is a
// setting of its criterion, not a condition: for date, day_of_week and
// time_of_day the evaluator applies the timezone and requires every remaining
// matcher to hold (after AND before), unlike the ORed matchers of the string
// and list criteria.
#ifndef POSTERN_COMMON_POLICY_CRITERIA_H_
#define POSTERN_COMMON_POLICY_CRITERIA_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "common/policy/ppl.h"

namespace postern::policy {

// How a criterion's values are read; the evaluator switches on it.
enum class CriterionKind {
  kBoolean,    // accept, reject, authenticated_user
  kString,     // email, user, domain, http_method
  kList,       // groups, claim/<name>
  kSourceIp,   // source_ip
  kDate,       // date
  kDayOfWeek,  // day_of_week
  kTimeOfDay,  // time_of_day
};

// The shape an operator's operand must have.
enum class OperandType {
  kBool,          // true / false
  kString,        // one scalar
  kStringList,    // a list of scalars
  kStringOrList,  // either
};

struct OperatorSpec {
  std::string_view name;
  OperandType operand;
};

struct CriterionSpec {
  std::string_view name;
  CriterionKind kind;
  bool requires_subpath;  // claim/<name>; every other criterion refuses one
  // The operator a bare operand (not a map of operators) stands for; empty if
  // the criterion needs an explicit operator (date, time_of_day).
  std::string_view bare_operator;
  absl::Span<const OperatorSpec> operators;
};

// AllCriteria lists the catalogue in a fixed order (for error messages).
absl::Span<const CriterionSpec> AllCriteria();

// FindCriterion returns the criterion named `name` (without subpath), or
// nullptr. The catalogue is static: pointers stay valid for the process.
const CriterionSpec* FindCriterion(std::string_view name);

// FindOperator returns `spec`'s operator named `op`, or nullptr.
const OperatorSpec* FindOperator(const CriterionSpec& spec, std::string_view op);

// OperatorNames is "is, not, contains, ..." for "expected one of" messages.
std::string OperatorNames(const CriterionSpec& spec);

// ValidateOperandText checks one operand string of operator `op` (for a list
// operand, call it for each element). Strings for the string and list
// criteria must not be empty. Returns kInvalidArgument with a
// lower-case message without position (the caller adds it), OK otherwise.
absl::Status ValidateOperandText(const CriterionSpec& spec, std::string_view op,
                                 std::string_view text);

// ValidateMatcher checks a whole matcher: operator known for `spec`, operand
// of the right type, every operand string valid. For ASTs not built by the
// parser (legacy options, tests) and for the evaluator's own assertions.
absl::Status ValidateMatcher(const CriterionSpec& spec, const Matcher& matcher);

// An IPv4 or IPv6 address, network byte order. IPv4 uses bytes [0, 4).
struct IpAddress {
  bool is_v6 = false;
  std::array<uint8_t, 16> bytes{};
};

// ParseIpAddress reads a textual address (inet_pton rules: no zone, no
// leading zeros tricks). An IPv4-mapped IPv6 address (::ffff:192.0.2.7, as a
// dual-stack listener reports IPv4 peers) is returned as the IPv4 address so
// that IPv4 prefixes match it.
absl::StatusOr<IpAddress> ParseIpAddress(std::string_view text);

// An address prefix: "192.0.2.0/24", "2001:db8::/32", or a single address
// (a /32 or /128). Host bits past the prefix are cleared, as Go's ParseCIDR
// does, so "10.1.2.3/8" means 10.0.0.0/8.
struct IpPrefix {
  IpAddress network;
  int length = 0;

  // Contains is true if `address` is of the same family and inside.
  bool Contains(const IpAddress& address) const;
};

absl::StatusOr<IpPrefix> ParseIpPrefix(std::string_view text);

// ParseTimestamp reads an RFC 3339 timestamp with a zone offset or Z, e.g.
// "2026-01-02T15:04:05Z", "2026-01-02T15:04:05.5+01:00".
absl::StatusOr<absl::Time> ParseTimestamp(std::string_view text);

// A set of weekdays; bit i is absl::Weekday value i (monday = 0 ... sunday = 6).
using DaySet = uint8_t;

// ParseDaysOfWeek reads a comma-separated list of days or ranges: "mon-fri",
// "sat,sun", "tue", "Monday". Names are case-insensitive, three-letter or
// full. A range may wrap the week ("fri-mon" is fri, sat, sun, mon).
absl::StatusOr<DaySet> ParseDaysOfWeek(std::string_view text);

// ParseTimeOfDay reads "HH:MM" or "HH:MM:SS" (24-hour, hour may be one digit)
// and returns seconds since midnight.
absl::StatusOr<int> ParseTimeOfDay(std::string_view text);

// ParseTimeZone loads an IANA zone ("Europe/Paris", "UTC") from the system's
// tzdata. Fails for unknown names.
absl::StatusOr<absl::TimeZone> ParseTimeZone(std::string_view text);

}  // namespace postern::policy

#endif  // POSTERN_COMMON_POLICY_CRITERIA_H_
