// The time rules shared by every Postern-minted token (session-internal).
//
//   if (absl::Status s = CheckValidityWindow(claims, now, "session"); !s.ok()) return s;
//
// Postern's tokens are minted and verified by replicas of the same service,
// whose clocks may differ a little, so "issued"/"not before" get kMaxClockSkew
// of grace. Expiry gets none: an expired token is refused at once.
#ifndef POSTERN_COMMON_SESSION_VALIDITY_WINDOW_H_
#define POSTERN_COMMON_SESSION_VALIDITY_WINDOW_H_

#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "boost/json/object.hpp"

namespace postern::session {

inline constexpr absl::Duration kMaxClockSkew = absl::Seconds(60);

// IssuedAndExpiry is what CheckValidityWindow read.
struct IssuedAndExpiry {
  absl::Time issued_at;
  absl::Time expires_at;
};

// CheckValidityWindow requires the NumericDate claims "iat" and "exp", and
// accepts "nbf" if present. It fails with kUnauthenticated "<noun> expired"
// if now >= exp, "<noun> was issued in the future" if iat > now + skew,
// "<noun> is not valid yet" if nbf > now + skew, and "<noun> expires before it
// was issued" if exp <= iat.
absl::StatusOr<IssuedAndExpiry> CheckValidityWindow(const boost::json::object& claims,
                                                    absl::Time now, std::string_view noun);

}  // namespace postern::session

#endif  // POSTERN_COMMON_SESSION_VALIDITY_WINDOW_H_
