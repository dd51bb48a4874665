#include "authorize/service_token_cache.h"

#include <string>

#include "common/crypto/digest.h"
#include "common/session/service_token.h"
#include "common/session/session.h"

namespace postern::authorize {
namespace {

struct Remembered {
  const ServiceTokenCache* owner = nullptr;
  std::string token;
  std::string secret;
  absl::Time expires_at = absl::InfinitePast();
};

}  // namespace

absl::Status ServiceTokenCache::Verify(std::string_view token, std::string_view secret,
                                       absl::Time now) const {
  thread_local Remembered remembered;
  if (remembered.owner == this && now < remembered.expires_at &&
      crypto::ConstantTimeEquals(remembered.secret, secret) &&
      crypto::ConstantTimeEquals(remembered.token, token)) {
    return absl::OkStatus();
  }
  absl::StatusOr<absl::Time> expires_at =
      session::VerifyServiceTokenExpiry(token, session::AsSecret(secret), now);
  if (!expires_at.ok()) return expires_at.status();
  remembered = Remembered{.owner = this,
                          .token = std::string(token),
                          .secret = std::string(secret),
                          .expires_at = *expires_at};
  return absl::OkStatus();
}

}  // namespace postern::authorize
