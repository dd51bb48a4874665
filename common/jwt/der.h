// Minimal DER encoding (X.690) for building public keys and signatures from
// JWK and JWS values (jwt-internal).
//
//   std::string signature = der::Sequence({der::UnsignedInteger(r), der::UnsignedInteger(s)});
//
// Building DER and handing it to d2i_PUBKEY works identically on OpenSSL 3
// and BoringSSL, where their key-construction APIs differ (and OpenSSL 3
// deprecates the RSA_* / EC_KEY_* ones).
#ifndef POSTERN_COMMON_JWT_DER_H_
#define POSTERN_COMMON_JWT_DER_H_

#include <initializer_list>
#include <string>
#include <string_view>

namespace postern::jwt::der {

// Sequence returns a SEQUENCE whose contents are the concatenated `elements`
// (each already DER-encoded).
std::string Sequence(std::initializer_list<std::string> elements);

// UnsignedInteger returns an INTEGER holding the non-negative number whose
// big-endian bytes are `magnitude` (leading zero bytes are dropped, and a zero
// byte is added where the sign bit would otherwise be set). Empty means 0.
std::string UnsignedInteger(std::string_view magnitude);

// BitString returns a BIT STRING of the bytes `data` (no unused bits).
std::string BitString(std::string_view data);

}  // namespace postern::jwt::der

#endif  // POSTERN_COMMON_JWT_DER_H_
