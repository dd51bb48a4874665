#include "proxy/authenticate/pkce.h"

#include <string>
#include <string_view>

#include "common/crypto/base64.h"
#include "common/crypto/digest.h"
#include "common/crypto/random.h"

namespace postern::authenticate {

absl::StatusOr<std::string> NewCodeVerifier() {
  absl::StatusOr<std::string> bytes = crypto::RandomBytes(32);
  if (!bytes.ok()) return bytes.status();
  return crypto::Base64UrlEncode(*bytes);
}

std::string CodeChallengeS256(std::string_view verifier) {
  return crypto::Base64UrlEncode(crypto::Sha256(verifier));
}

}  // namespace postern::authenticate
