// Parsing a route's `policy:` YAML into the policy syntax tree (ppl.h),
// validated against the criteria catalogue (criteria.h) so that evaluation
// never meets an unknown criterion, operator or malformed operand.
//
//   YAML::Node node = ...;  // the value of a route's `policy:` key
//   absl::StatusOr<Policy> policy =
//       ParsePolicy(YamlSource(node, "config.yaml"), limits);
//   // error: "config.yaml:7:13: routes[0].policy[0].allow.or[1].groups: unknown
//   //         operator \"contains\" for groups; expected one of has, is, exclude"
//
// Accepted shapes: a policy is one rule map or a list of them; a rule map has
// exactly one key, `allow` or `deny`, whose value maps `and`, `or`, `not`,
// `nor` to lists of terms; a term is a one-key map, either a nested
// conditional (`{or: [...]}`) or a criterion (`email: ...`, `claim/dept: ...`).
#ifndef POSTERN_COMMON_POLICY_PPL_PARSER_H_
#define POSTERN_COMMON_POLICY_PPL_PARSER_H_

#include <cstdint>
#include <string_view>

#include "absl/status/statusor.h"
#include "common/config/yaml_source.h"
#include "common/policy/ppl.h"

namespace postern::policy {

// Bounds that keep a hostile file from exhausting the stack (deep nesting,
// or a YAML alias that refers to itself) or memory (aliases reused so that a
// small file expands to millions of terms). One instance is shared by every
// policy of a config file so that the budget covers the whole file.
struct ParseLimits {
  // Conditionals nested deeper than this are an error.
  int max_depth = 32;
  // Each term, matcher and operand string costs one; more than max_items in
  // total is an error. The config loader charges legacy option values too.
  // A parsed term takes a few hundred bytes, so this caps a file's policies
  // at tens of megabytes and well under a second of parsing (optimised).
  int64_t max_items = 200'000;
  int64_t used_items = 0;
};

// ParsePolicy parses `policy` (the value of a `policy:` key; its path and
// position name the key in errors). Returns the rules in the order written,
// or kInvalidArgument "file:line:col: key.path: message" for the first
// problem. Thread-compatible; `limits` is updated.
absl::StatusOr<Policy> ParsePolicy(const config::YamlSource& policy, ParseLimits& limits);

// ParsePolicyYaml parses YAML text holding just a policy, for tools and
// tests. Errors name `file_name` and the path "policy".
absl::StatusOr<Policy> ParsePolicyYaml(std::string_view yaml,
                                       std::string_view file_name = "policy.yaml");

}  // namespace postern::policy

#endif  // POSTERN_COMMON_POLICY_PPL_PARSER_H_
