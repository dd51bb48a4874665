// What a policy decision is about: who asks (the session's identity, if any),
// from where, how, and when.
//
//   Identity alice{.user = "u1", .email = "alice@example.com", .groups = {"eng"}};
//   Request request{.identity = &alice, .source_ip = "192.0.2.7", .now = absl::Now()};
//   Decision decision = compiled_policy.Evaluate(request);
//
// Both structs are plain data. A Request only borrows: the Identity and the
// text it points to must outlive the Evaluate call that reads it.
#ifndef POSTERN_AUTHORIZE_POLICY_REQUEST_H_
#define POSTERN_AUTHORIZE_POLICY_REQUEST_H_

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/time/time.h"

namespace postern::authorize {

// The signed-in user, as carried by a verified session token.
struct Identity {
  std::string user;   // the session's `sub`; the `user` criterion matches it
  std::string email;  // `email` and `domain` criteria match it
  std::string name;
  std::vector<std::string> groups;  // the `groups` criterion matches it
  // Other IdP claims, each as a list (a scalar claim is a one-element list);
  // `claim/<name>` matches claims[name].
  std::map<std::string, std::vector<std::string>> claims;
};

// One access attempt.
struct Request {
  // nullptr when the client presented no valid session. Criteria about the
  // user then cannot match, and a refusal caused by them asks for a login.
  const Identity* identity = nullptr;
  // The client's address as text ("192.0.2.7", "2001:db8::7"). Text that is
  // not an IP address matches no source_ip range.
  std::string_view source_ip;
  std::string_view http_method = "CONNECT";
  absl::Time now;  // for date, day_of_week and time_of_day
};

}  // namespace postern::authorize

#endif  // POSTERN_AUTHORIZE_POLICY_REQUEST_H_
