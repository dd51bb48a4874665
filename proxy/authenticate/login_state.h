// The state of one login attempt, carried by the browser instead of kept in
// the proxy: sealed (AES-256-GCM) under a key derived from the shared secret,
// so any replica can finish a login another one started, and nobody can read
// the PKCE verifier or forge a state.
//
//   LoginStateCodec codec(key);                       // key: 32 bytes
//   absl::StatusOr<LoginState> state = NewLoginState(cli_redirect, absl::Now());
//   absl::StatusOr<std::string> text = codec.Seal(*state, LoginStage::kSignIn);
//   ... /.pomerium/sign_in?state=<text>
//   absl::StatusOr<LoginState> back = codec.Open(text, LoginStage::kSignIn, absl::Now());
//
// A state travels twice: from /login to /sign_in in the sign-in URL
// (kSignIn), then from /sign_in through the provider to /oauth2/callback
// (kCallback), now bound to the browser. The stage is authenticated data, so
// a state cannot be replayed at the other step.
#ifndef POSTERN_PROXY_AUTHENTICATE_LOGIN_STATE_H_
#define POSTERN_PROXY_AUTHENTICATE_LOGIN_STATE_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace postern::authenticate {

// How long a login may take from /login to /oauth2/callback.
inline constexpr absl::Duration kLoginLifetime = absl::Minutes(10);

// Sealed states longer than this are refused unread.
inline constexpr size_t kMaxSealedStateSize = 4096;

struct LoginState {
  std::string id;                // random; names the browser's login cookie
  std::string cli_redirect_uri;  // checked by CheckProgrammaticRedirect
  std::string code_verifier;     // PKCE; secret
  std::string nonce;             // sent to the provider, expected in the id_token
  // Random value also held in the browser's login cookie; empty in a kSignIn
  // state. It ties the callback to the browser that started the sign-in.
  std::string browser_binding;
  absl::Time expires_at;  // whole seconds

  bool operator==(const LoginState&) const = default;
};

enum class LoginStage { kSignIn, kCallback };

// NewLoginState makes a state for `cli_redirect_uri` with a fresh id, PKCE
// verifier and nonce, expiring kLoginLifetime after `now`. kInternal if the
// random generator fails.
absl::StatusOr<LoginState> NewLoginState(std::string cli_redirect_uri, absl::Time now);

// LoginStateCodec seals and opens states. Immutable; thread-safe.
class LoginStateCodec {
 public:
  // `key` must be 32 bytes (crypto::kAeadKeySize), e.g. derived with HKDF;
  // the same on every replica.
  explicit LoginStateCodec(std::string key);

  // Seal returns the state as URL-safe text (base64url, no padding).
  // kInternal only if encryption fails.
  absl::StatusOr<std::string> Seal(const LoginState& state, LoginStage stage) const;

  // Open returns the state in `sealed` if this key sealed it for `stage` and
  // it is unaltered: otherwise kInvalidArgument "sign-in state is invalid".
  // A state past its expiry is kDeadlineExceeded.
  absl::StatusOr<LoginState> Open(std::string_view sealed, LoginStage stage, absl::Time now) const;

 private:
  std::string key_;
};

}  // namespace postern::authenticate

#endif  // POSTERN_PROXY_AUTHENTICATE_LOGIN_STATE_H_
