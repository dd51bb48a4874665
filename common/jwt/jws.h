// Compact JWS (RFC 7515) signing and verification for JWTs, with the
// algorithm pinned by the caller: never taken from the token.
//
//   std::string token = SignHs256(claims, secret);
//   absl::StatusOr<boost::json::object> claims = VerifyHs256(token, secret);
//   absl::StatusOr<boost::json::object> id_claims = VerifyWithKeySet(id_token, provider_keys);
//
// Verification checks, in order: size (kMaxTokenSize, before any decoding),
// shape (exactly three strict-base64url parts), header (a JSON object whose
// "alg" is the pinned algorithm; "crit" is refused; "typ", if present, is
// "JWT"; "jku"/"jwk"/"x5u"/"x5c" are ignored, never fetched or trusted), the
// signature (HMACs compared in constant time), and only then the payload (a
// JSON object). Claims such as exp/aud are the caller's to check (see
// claims.h): their rules differ between Postern sessions and OIDC id_tokens.
//
// Every token problem is kUnauthenticated with a short reason that never
// contains the token; key problems are kInvalidArgument.
//
// Claims are returned as boost::json::object: a JWT's claims are arbitrary
// JSON and both users (sessions, OIDC id_tokens) need to read arbitrary
// members. Headers that must stay light (common/session/session.h) keep Boost
// out instead.
#ifndef POSTERN_COMMON_JWT_JWS_H_
#define POSTERN_COMMON_JWT_JWS_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "boost/json/object.hpp"
#include "common/jwt/jwk.h"

namespace postern::jwt {

// Larger tokens are refused before they are decoded. Postern's session tokens
// are well under 4 KiB; OIDC id_tokens with many groups can reach ~8 KiB.
inline constexpr size_t kMaxTokenSize = 16 * 1024;

// HMAC keys shorter than the hash output are refused (RFC 7518 section 3.2).
inline constexpr size_t kMinHs256KeySize = 32;

// SignHs256 returns a compact JWS with header {"alg":"HS256","typ":"JWT"}
// over the serialized `claims`. `key` must be at least kMinHs256KeySize
// bytes; a shorter key is a programming error (config validation ensures it)
// and aborts.
std::string SignHs256(const boost::json::object& claims, std::string_view key);

// VerifyHs256 returns the claims of `token` if it is an HS256 JWS made with
// `key`. kInvalidArgument if `key` is shorter than kMinHs256KeySize.
absl::StatusOr<boost::json::object> VerifyHs256(std::string_view token, std::string_view key);

// VerifyWithKey returns the claims of `token` if it is signed by `key` with
// the key's own algorithm (RS256 for RSA keys, ES256 for P-256 keys).
absl::StatusOr<boost::json::object> VerifyWithKey(std::string_view token, const Jwk& key);

// VerifyWithKeySet verifies `token` against a provider's keys. The header's
// "alg" must be RS256 or ES256. If the header has a "kid", only keys with
// that key id and algorithm are tried, and if there are none the result is
// kNotFound (the caller may refresh the key set once and retry); without a
// "kid", every key of the token's algorithm is tried.
absl::StatusOr<boost::json::object> VerifyWithKeySet(std::string_view token,
                                                     absl::Span<const Jwk> keys);

// DecodeUnverifiedClaims returns the payload of `token` WITHOUT checking the
// signature or header. Only for a party that holds no key and uses the result
// for nothing but a hint (the CLI reading "exp" to skip stale cached tokens).
absl::StatusOr<boost::json::object> DecodeUnverifiedClaims(std::string_view token);

}  // namespace postern::jwt

#endif  // POSTERN_COMMON_JWT_JWS_H_
