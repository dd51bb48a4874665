#include "cli/test_tokens.h"

#include <string>

#include "common/session/session.h"

namespace postern::cli {

std::string TokenExpiringAt(absl::Time expiry) {
  static const std::string kSecret(32, 'k');
  session::Session session{.subject = "test-user",
                           .email = "test-user@example.com",
                           .issued_at = expiry - absl::Hours(1),
                           .expires_at = expiry};
  return session::MintSessionToken(session, session::AsSecret(kSecret));
}

}  // namespace postern::cli
