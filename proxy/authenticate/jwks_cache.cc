#include "proxy/authenticate/jwks_cache.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/jwt/jws.h"

namespace postern::authenticate {

JwksCache::JwksCache(JwksFetcher fetch, absl::Duration min_refetch_interval)
    : fetch_(std::move(fetch)), min_refetch_interval_(min_refetch_interval) {}

boost::asio::awaitable<absl::StatusOr<JwksCache::KeySet>> JwksCache::Refresh(absl::Time now) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    last_fetch_ = now;
  }
  absl::StatusOr<std::string> document = co_await fetch_();
  if (!document.ok()) co_return document.status();
  absl::StatusOr<std::vector<jwt::Jwk>> keys = jwt::ParseJwkSet(*document);
  if (!keys.ok()) {
    co_return absl::UnavailableError(absl::StrCat(
        "the identity provider's signing keys are unusable: ", keys.status().message()));
  }
  auto key_set = std::make_shared<const std::vector<jwt::Jwk>>(*std::move(keys));
  std::lock_guard<std::mutex> lock(mutex_);
  keys_ = key_set;
  co_return key_set;
}

boost::asio::awaitable<absl::StatusOr<boost::json::object>> JwksCache::Verify(std::string token,
                                                                              absl::Time now) {
  KeySet keys;
  bool may_refetch;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    keys = keys_;
    may_refetch = now - last_fetch_ >= min_refetch_interval_;
  }
  if (keys == nullptr) {
    absl::StatusOr<KeySet> fetched = co_await Refresh(now);
    if (!fetched.ok()) co_return fetched.status();
    keys = *std::move(fetched);
    may_refetch = false;
  }
  absl::StatusOr<boost::json::object> claims = jwt::VerifyWithKeySet(token, *keys);
  if (claims.status().code() == absl::StatusCode::kNotFound && may_refetch) {
    absl::StatusOr<KeySet> fetched = co_await Refresh(now);
    if (!fetched.ok()) co_return fetched.status();
    claims = jwt::VerifyWithKeySet(token, **fetched);
  }
  if (claims.status().code() == absl::StatusCode::kNotFound) {
    co_return absl::UnauthenticatedError(
        "the ID token was signed by a key the identity provider does not publish");
  }
  co_return claims;
}

}  // namespace postern::authenticate
