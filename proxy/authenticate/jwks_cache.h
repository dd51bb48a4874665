// The provider's signing keys (its JWK Set at jwks_uri), cached, and fetched
// again when an id_token names a key id the cache does not hold: that is how
// providers roll keys. Refetches are rate-limited so that tokens with made-up
// key ids cannot turn into a stream of requests to the provider.
//
//   JwksCache keys([&]() -> asio::awaitable<absl::StatusOr<std::string>> {
//     co_return co_await FetchJwksDocument();
//   });
//   absl::StatusOr<boost::json::object> claims = co_await keys.Verify(id_token, absl::Now());
#ifndef POSTERN_PROXY_AUTHENTICATE_JWKS_CACHE_H_
#define POSTERN_PROXY_AUTHENTICATE_JWKS_CACHE_H_

#include <boost/asio/awaitable.hpp>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "boost/json/object.hpp"
#include "common/jwt/jwk.h"

namespace postern::authenticate {

// Returns the JWK Set document's text, or why it could not be fetched.
using JwksFetcher = std::function<boost::asio::awaitable<absl::StatusOr<std::string>>()>;

// JwksCache is thread-safe: Verify may run concurrently from any executors.
// Concurrent misses may fetch more than once; the last good set wins.
class JwksCache {
 public:
  // `fetch` must stay callable for the cache's life. After a fetch (good or
  // failed), an unknown key id causes another only once
  // `min_refetch_interval` has passed.
  explicit JwksCache(JwksFetcher fetch, absl::Duration min_refetch_interval = absl::Seconds(10));

  // Verify returns the claims of `token` if it is a JWS signed (RS256 or
  // ES256, as the key says) by one of the provider's keys. The first call
  // fetches the keys; a token whose "kid" is not among them triggers one
  // refetch (subject to the interval) and a second try. Errors: the fetch's
  // own error (keys never loaded), kUnavailable for an unusable JWK Set,
  // kUnauthenticated for a token that does not verify ("... signed by a key
  // the provider does not publish" for an unknown kid), with no part of the
  // token in the message.
  boost::asio::awaitable<absl::StatusOr<boost::json::object>> Verify(std::string token,
                                                                     absl::Time now);

 private:
  using KeySet = std::shared_ptr<const std::vector<jwt::Jwk>>;

  // Fetches and stores the keys; returns them or the failure.
  boost::asio::awaitable<absl::StatusOr<KeySet>> Refresh(absl::Time now);

  const JwksFetcher fetch_;
  const absl::Duration min_refetch_interval_;
  std::mutex
      mutex_;  // guards the two below; std::, not absl::Mutex, so a --config=tsan run sees it
  KeySet keys_;
  absl::Time last_fetch_ = absl::InfinitePast();
};

}  // namespace postern::authenticate

#endif  // POSTERN_PROXY_AUTHENTICATE_JWKS_CACHE_H_
