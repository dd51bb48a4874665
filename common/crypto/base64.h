// Strict Base64 (RFC 4648) in the standard and URL-safe alphabets.
//
// JOSE segments use the URL-safe alphabet without padding; config secrets
// use the standard alphabet with padding. Decoding is strict on purpose: a
// token or secret has exactly one accepted spelling, so two different strings
// can never verify as the same bytes.
//
//   std::string text = Base64Encode(bytes, Base64Alphabet::kUrlSafe, Base64Padding::kNone);
//   absl::StatusOr<std::string> back =
//       Base64Decode(text, Base64Alphabet::kUrlSafe, Base64Padding::kNone);
#ifndef POSTERN_COMMON_CRYPTO_BASE64_H_
#define POSTERN_COMMON_CRYPTO_BASE64_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace postern::crypto {

enum class Base64Alphabet {
  kStandard,  // A-Z a-z 0-9 + /
  kUrlSafe,   // A-Z a-z 0-9 - _
};

enum class Base64Padding {
  kRequired,  // encode with '='; decoding requires exactly the canonical padding
  kNone,      // encode without '='; decoding rejects any '='
  kOptional,  // encode with '='; decoding accepts canonical padding or none
};

// Base64Encode returns `data` (any bytes) encoded in `alphabet`, padded with
// '=' unless `padding` is kNone. Never fails.
std::string Base64Encode(std::string_view data, Base64Alphabet alphabet = Base64Alphabet::kStandard,
                         Base64Padding padding = Base64Padding::kRequired);

// Base64Decode returns the bytes that `text` encodes. It fails with
// kInvalidArgument (the message names the offending position, never the
// text) on: a character outside `alphabet` (including whitespace and the
// other alphabet's '+' '/' '-' '_'), padding that `padding` does not allow or
// that is not canonical, a length that no encoding has, or non-zero unused
// bits in the last character (so every byte string has exactly one encoding).
absl::StatusOr<std::string> Base64Decode(std::string_view text,
                                         Base64Alphabet alphabet = Base64Alphabet::kStandard,
                                         Base64Padding padding = Base64Padding::kRequired);

// Base64UrlEncode / Base64UrlDecode: the JOSE spelling (RFC 7515 section 2),
// URL-safe alphabet without padding.
std::string Base64UrlEncode(std::string_view data);
absl::StatusOr<std::string> Base64UrlDecode(std::string_view text);

}  // namespace postern::crypto

#endif  // POSTERN_COMMON_CRYPTO_BASE64_H_
