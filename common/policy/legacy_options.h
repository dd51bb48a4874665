// Pomerium's older per-route access options, translated into policy rules so
// that the evaluator has one language to evaluate.
//
//   LegacyOptions options;
//   options.allowed_users = {"alice"};
//   options.allowed_domains = {"example.com"};
//   std::vector<Rule> rules = TranslateLegacyOptions(options);
//   // allow: {or: [{user: {is: alice}}, {email: {is: alice}}]}
//   // allow: {or: [{domain: {is: example.com}}]}
//
// Translation (each option that is set becomes one allow rule, in this order):
//   allowed_users: [u...]                 -> allow or [user is u, email is u ...]
//   allowed_domains: [d...]               -> allow or [domain is d ...]
//   allowed_idp_claims: {k: [v...]}       -> allow or [claim/k has v ...]
//   allow_any_authenticated_user: true    -> allow and [authenticated_user is true]
//   allow_public_unauthenticated_access   -> allow and [accept is true]
#ifndef POSTERN_COMMON_POLICY_LEGACY_OPTIONS_H_
#define POSTERN_COMMON_POLICY_LEGACY_OPTIONS_H_

#include <string>
#include <utility>
#include <vector>

#include "common/policy/ppl.h"

namespace postern::policy {

// A value from the config file with where it was written, so that a decision
// reason can point at the option that granted access.
struct LegacyValue {
  std::string value;
  SourcePosition where;
};

struct LegacyClaim {
  std::string claim;  // the claim name, e.g. "department"
  std::vector<LegacyValue> values;
  SourcePosition where;
};

// The legacy options of one route as the loader read them. Empty lists and
// false flags produce no rule. `*_where` is the option key's position
// (0:0 when unknown).
struct LegacyOptions {
  std::vector<LegacyValue> allowed_users;
  SourcePosition allowed_users_where;
  std::vector<LegacyValue> allowed_domains;
  SourcePosition allowed_domains_where;
  std::vector<LegacyClaim> allowed_idp_claims;
  SourcePosition allowed_idp_claims_where;
  bool allow_any_authenticated_user = false;
  SourcePosition allow_any_authenticated_user_where;
  bool allow_public_unauthenticated_access = false;
  SourcePosition allow_public_unauthenticated_access_where;
};

// TranslateLegacyOptions returns the allow rules `options` stand for. Every
// matcher it builds passes ValidateMatcher. Never fails.
std::vector<Rule> TranslateLegacyOptions(const LegacyOptions& options);

}  // namespace postern::policy

#endif  // POSTERN_COMMON_POLICY_LEGACY_OPTIONS_H_
