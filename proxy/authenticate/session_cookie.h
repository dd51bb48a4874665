// The browser session: an encrypted cookie holding the identity from the
// last provider login and when it ends, so that a second `postern` login in
// the same browser gets a session token without a trip to the provider.
//
//   SessionCookieCodec codec(cookie_key);                 // 32 bytes
//   absl::StatusOr<std::string> value = codec.Encode(session);
//   ... Set-Cookie: __Host-postern_session=<value>; Path=/; HttpOnly; Secure; SameSite=Lax
//   absl::StatusOr<session::Session> again = codec.Decode(value, absl::Now());
//
// The cookie is sealed with AES-256-GCM (cookie_secret, or a key derived
// from shared_secret), so it is private and cannot be forged, and it is as
// good on every replica.
#ifndef POSTERN_PROXY_AUTHENTICATE_SESSION_COOKIE_H_
#define POSTERN_PROXY_AUTHENTICATE_SESSION_COOKIE_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/session/session.h"

namespace postern::authenticate {

// The cookie's name over plain http (a loopback test setup) ...
inline constexpr std::string_view kSessionCookieName = "_postern_session";
// ... and with Secure cookies (an https authenticate_service_url, i.e. always
// in production). The "__Host-" prefix makes browsers accept the cookie only
// from this very host, over https, with Path=/ and no Domain: a sibling
// subdomain, or a network attacker answering a plain-http page of one, cannot
// plant a cookie of its own here (for example its own genuine browser
// session, to sign the user's next login in as the attacker).
inline constexpr std::string_view kSecureSessionCookieName = "__Host-postern_session";

// Browsers keep cookies up to about 4 KiB including name and attributes.
inline constexpr size_t kMaxSessionCookieValueSize = 3800;

// SessionCookieCodec seals and opens session cookie values. Immutable;
// thread-safe.
class SessionCookieCodec {
 public:
  // `key` must be 32 bytes.
  explicit SessionCookieCodec(std::string key);

  // Encode returns the cookie value for `session`: subject, email, name,
  // groups, extra claims, issued_at and expires_at (id, issuer and audience
  // are per token and not kept). kResourceExhausted if the value would be
  // longer than kMaxSessionCookieValueSize (an identity with very many
  // groups: that user simply always goes through the provider).
  absl::StatusOr<std::string> Encode(const session::Session& session) const;

  // Decode returns the session in `value` if this key sealed it, it is
  // unaltered, and its expires_at is after `now`. kUnauthenticated otherwise
  // (the message says whether it expired); never crashes on any input.
  absl::StatusOr<session::Session> Decode(std::string_view value, absl::Time now) const;

 private:
  std::string key_;
};

}  // namespace postern::authenticate

#endif  // POSTERN_PROXY_AUTHENTICATE_SESSION_COOKIE_H_
