#include "proxy/authenticate/login_state.h"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "common/crypto/aead.h"
#include "common/crypto/base64.h"
#include "common/crypto/random.h"
#include "common/jwt/json_object.h"
#include "proxy/authenticate/pkce.h"

namespace postern::authenticate {
namespace {

std::string_view AssociatedData(LoginStage stage) {
  return stage == LoginStage::kSignIn ? "postern login state v1 sign_in"
                                      : "postern login state v1 callback";
}

absl::Status Invalid() {
  return absl::InvalidArgumentError("sign-in state is invalid or was not issued by this proxy");
}

absl::StatusOr<std::string> RandomText(size_t bytes) {
  absl::StatusOr<std::string> random = crypto::RandomBytes(bytes);
  if (!random.ok()) return random.status();
  return crypto::Base64UrlEncode(*random);
}

bool ReadString(const boost::json::object& object, std::string_view name, std::string& out) {
  const boost::json::value* value = object.if_contains(name);
  if (value == nullptr || !value->is_string()) return false;
  out = std::string(value->get_string());
  return true;
}

}  // namespace

absl::StatusOr<LoginState> NewLoginState(std::string cli_redirect_uri, absl::Time now) {
  LoginState state;
  absl::StatusOr<std::string> id = RandomText(12);
  absl::StatusOr<std::string> verifier = NewCodeVerifier();
  absl::StatusOr<std::string> nonce = RandomText(24);
  for (const auto* part : {&id, &verifier, &nonce}) {
    if (!part->ok()) return part->status();
  }
  state.id = *std::move(id);
  state.cli_redirect_uri = std::move(cli_redirect_uri);
  state.code_verifier = *std::move(verifier);
  state.nonce = *std::move(nonce);
  state.expires_at = absl::FromUnixSeconds(absl::ToUnixSeconds(now + kLoginLifetime));
  return state;
}

LoginStateCodec::LoginStateCodec(std::string key) : key_(std::move(key)) {}

absl::StatusOr<std::string> LoginStateCodec::Seal(const LoginState& state, LoginStage stage) const {
  boost::json::object object;
  object["id"] = state.id;
  object["redirect"] = state.cli_redirect_uri;
  object["verifier"] = state.code_verifier;
  object["nonce"] = state.nonce;
  object["binding"] = state.browser_binding;
  object["exp"] = absl::ToUnixSeconds(state.expires_at);
  absl::StatusOr<std::string> sealed =
      crypto::Seal(key_, boost::json::serialize(object), AssociatedData(stage));
  if (!sealed.ok()) return sealed.status();
  return crypto::Base64UrlEncode(*sealed);
}

absl::StatusOr<LoginState> LoginStateCodec::Open(std::string_view sealed, LoginStage stage,
                                                 absl::Time now) const {
  if (sealed.empty() || sealed.size() > kMaxSealedStateSize) return Invalid();
  absl::StatusOr<std::string> bytes = crypto::Base64UrlDecode(sealed);
  if (!bytes.ok()) return Invalid();
  absl::StatusOr<std::string> plain = crypto::Open(key_, *bytes, AssociatedData(stage));
  if (!plain.ok()) return Invalid();
  // Authentic from here on: a malformed payload is a bug, still not a crash.
  absl::StatusOr<boost::json::object> object = jwt::ParseJsonObject(*plain, "sign-in state");
  if (!object.ok()) return Invalid();
  LoginState state;
  const boost::json::value* exp = object->if_contains("exp");
  if (!ReadString(*object, "id", state.id) ||
      !ReadString(*object, "redirect", state.cli_redirect_uri) ||
      !ReadString(*object, "verifier", state.code_verifier) ||
      !ReadString(*object, "nonce", state.nonce) ||
      !ReadString(*object, "binding", state.browser_binding) || exp == nullptr ||
      !exp->is_int64()) {
    return Invalid();
  }
  state.expires_at = absl::FromUnixSeconds(exp->get_int64());
  if (now >= state.expires_at) {
    return absl::DeadlineExceededError("this sign-in was started more than 10 minutes ago");
  }
  return state;
}

}  // namespace postern::authenticate
