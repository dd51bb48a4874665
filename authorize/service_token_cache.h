// ServiceTokenCache: verifies the proxy's service tokens, remembering the
// last one verified on each thread.
//
// A proxy reuses one service token for ~30 s, so nearly every Check carries a
// token this thread has already verified; re-verifying it (HMAC plus JSON)
// was ~8% of a Check's CPU. A remembered token is accepted again only if the
// presented bytes are identical (compared in constant time), the shared
// secret is the same one it was verified with (a reload may rotate it), and
// its `exp` has not passed. Anything else takes the full verification.
//
//   ServiceTokenCache cache;
//   absl::Status ok = cache.Verify(token, secret, absl::Now());
#ifndef POSTERN_AUTHORIZE_SERVICE_TOKEN_CACHE_H_
#define POSTERN_AUTHORIZE_SERVICE_TOKEN_CACHE_H_

#include <string_view>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace postern::authorize {

class ServiceTokenCache {
 public:
  // Verify has VerifyServiceToken's contract. Thread-safe: the memory is per
  // thread and per cache instance, so it takes no lock.
  absl::Status Verify(std::string_view token, std::string_view secret, absl::Time now) const;
};

}  // namespace postern::authorize

#endif  // POSTERN_AUTHORIZE_SERVICE_TOKEN_CACHE_H_
