#include "common/jwt/jws.h"

#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "boost/json/serialize.hpp"
#include "common/crypto/base64.h"
#include "common/crypto/digest.h"
#include "common/jwt/json_object.h"
#include "common/log/log.h"

namespace postern::jwt {
namespace {

namespace json = boost::json;

constexpr std::string_view kHs256Header = R"({"alg":"HS256","typ":"JWT"})";

// The three parts of a compact JWS, still encoded.
struct CompactJws {
  std::string_view header;
  std::string_view payload;
  std::string_view signature;
  std::string_view signing_input;  // "header.payload", what the signature covers
};

absl::Status Rejected(const std::string& reason) { return absl::UnauthenticatedError(reason); }

std::string_view View(const json::string& text) { return {text.data(), text.size()}; }

absl::StatusOr<CompactJws> Split(std::string_view token) {
  if (token.size() > kMaxTokenSize) {
    return Rejected("token is too large (limit " + std::to_string(kMaxTokenSize) + " bytes)");
  }
  const size_t first = token.find('.');
  const size_t second = first == std::string_view::npos ? first : token.find('.', first + 1);
  if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos) {
    return Rejected("token is not a compact JWS (three base64url parts separated by '.')");
  }
  CompactJws jws;
  jws.header = token.substr(0, first);
  jws.payload = token.substr(first + 1, second - first - 1);
  jws.signature = token.substr(second + 1);
  jws.signing_input = token.substr(0, second);
  if (jws.header.empty() || jws.payload.empty()) {
    return Rejected("token has an empty header or payload");
  }
  return jws;
}

absl::StatusOr<json::object> DecodeJsonPart(std::string_view encoded, std::string_view what) {
  absl::StatusOr<std::string> text = crypto::Base64UrlDecode(encoded);
  if (!text.ok()) return Rejected(std::string(what) + " is not unpadded base64url");
  absl::StatusOr<json::object> object = ParseJsonObject(*text, what);
  if (!object.ok()) return Rejected(std::string(object.status().message()));
  return object;
}

// An "alg" value fit to quote in an error message: short and plain, or not at all.
std::string DescribeAlgorithm(const json::value* alg) {
  if (alg == nullptr) return "missing";
  if (!alg->is_string()) return "not a string";
  const std::string_view name = View(alg->get_string());
  if (name.size() > 16) return "unknown";
  for (char c : name) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '+')
      return "unknown";
  }
  return "\"" + std::string(name) + "\"";
}

// Checks the header rules shared by every algorithm and returns its "alg",
// which the caller compares with what it pins.
absl::StatusOr<std::string> CheckHeader(const json::object& header) {
  if (header.contains("crit")) {
    return Rejected("token header has \"crit\" extensions, which are not supported");
  }
  if (const json::value* typ = header.if_contains("typ"); typ != nullptr) {
    if (!typ->is_string() ||
        !absl::EqualsIgnoreCase(
            absl::string_view(typ->get_string().data(), typ->get_string().size()), "JWT")) {
      return Rejected("token header \"typ\" must be JWT");
    }
  }
  const json::value* alg = header.if_contains("alg");
  if (alg == nullptr || !alg->is_string()) {
    return Rejected("token header has no \"alg\" string");
  }
  return std::string(View(alg->get_string()));
}

// A token split, its header decoded and checked: what every verifier reads
// before comparing "alg" with the algorithm it pins.
struct ParsedJws {
  CompactJws parts;
  json::object header;
  std::string alg;
};

absl::StatusOr<ParsedJws> ParseJws(std::string_view token) {
  absl::StatusOr<CompactJws> parts = Split(token);
  if (!parts.ok()) return parts.status();
  absl::StatusOr<json::object> header = DecodeJsonPart(parts->header, "token header");
  if (!header.ok()) return header.status();
  absl::StatusOr<std::string> alg = CheckHeader(*header);
  if (!alg.ok()) return alg.status();
  return ParsedJws{.parts = *parts, .header = *std::move(header), .alg = *std::move(alg)};
}

absl::StatusOr<std::string> DecodeSignature(const CompactJws& jws) {
  absl::StatusOr<std::string> signature = crypto::Base64UrlDecode(jws.signature);
  if (!signature.ok()) return Rejected("token signature is not unpadded base64url");
  return signature;
}

absl::Status WrongAlgorithm(const json::object& header, std::string_view expected) {
  return Rejected("token algorithm " + DescribeAlgorithm(header.if_contains("alg")) +
                  " is not accepted; expected " + std::string(expected));
}

absl::StatusOr<json::object> DecodeClaims(const CompactJws& jws) {
  return DecodeJsonPart(jws.payload, "token payload");
}

absl::Status BadSignature() { return Rejected("token signature is invalid"); }

// Verifies an asymmetric signature after the header has been checked.
absl::StatusOr<json::object> VerifySignatureAndDecode(const CompactJws& jws,
                                                      absl::Span<const Jwk* const> candidates) {
  absl::StatusOr<std::string> signature = DecodeSignature(jws);
  if (!signature.ok()) return signature.status();
  for (const Jwk* key : candidates) {
    if (key->VerifySignature(jws.signing_input, *signature)) return DecodeClaims(jws);
  }
  return BadSignature();
}

}  // namespace

std::string SignHs256(const json::object& claims, std::string_view key) {
  if (key.size() < kMinHs256KeySize) {
    log::Fatal("SignHs256 called with a %d-byte key; at least %d bytes are required", key.size(),
               kMinHs256KeySize);
  }
  std::string token = crypto::Base64UrlEncode(kHs256Header);
  token.push_back('.');
  token.append(crypto::Base64UrlEncode(json::serialize(claims)));
  const std::string mac = crypto::HmacSha256(key, token);
  token.push_back('.');
  token.append(crypto::Base64UrlEncode(mac));
  return token;
}

absl::StatusOr<json::object> VerifyHs256(std::string_view token, std::string_view key) {
  if (key.size() < kMinHs256KeySize) {
    return absl::InvalidArgumentError("HS256 key must be at least " +
                                      std::to_string(kMinHs256KeySize) + " bytes");
  }
  absl::StatusOr<ParsedJws> jws = ParseJws(token);
  if (!jws.ok()) return jws.status();
  if (jws->alg != "HS256") return WrongAlgorithm(jws->header, "HS256");

  absl::StatusOr<std::string> signature = DecodeSignature(jws->parts);
  if (!signature.ok()) return signature.status();
  if (!crypto::ConstantTimeEquals(crypto::HmacSha256(key, jws->parts.signing_input), *signature)) {
    return BadSignature();
  }
  return DecodeClaims(jws->parts);
}

absl::StatusOr<json::object> VerifyWithKey(std::string_view token, const Jwk& key) {
  const Jwk* candidates[] = {&key};
  absl::StatusOr<ParsedJws> jws = ParseJws(token);
  if (!jws.ok()) return jws.status();
  if (jws->alg != JwsAlgorithmName(key.algorithm())) {
    return WrongAlgorithm(jws->header, JwsAlgorithmName(key.algorithm()));
  }
  return VerifySignatureAndDecode(jws->parts, candidates);
}

absl::StatusOr<json::object> VerifyWithKeySet(std::string_view token, absl::Span<const Jwk> keys) {
  absl::StatusOr<ParsedJws> jws = ParseJws(token);
  if (!jws.ok()) return jws.status();
  JwsAlgorithm algorithm;
  if (jws->alg == "RS256") {
    algorithm = JwsAlgorithm::kRs256;
  } else if (jws->alg == "ES256") {
    algorithm = JwsAlgorithm::kEs256;
  } else {
    return WrongAlgorithm(jws->header, "RS256 or ES256");
  }

  const json::value* kid = jws->header.if_contains("kid");
  if (kid != nullptr && !kid->is_string()) return Rejected("token header \"kid\" must be a string");
  std::vector<const Jwk*> candidates;
  for (const Jwk& key : keys) {
    if (key.algorithm() != algorithm) continue;
    if (kid != nullptr && key.key_id() != View(kid->get_string())) continue;
    candidates.push_back(&key);
  }
  if (candidates.empty()) {
    if (kid != nullptr) {
      return absl::NotFoundError("no " + jws->alg +
                                 " key in the provider's key set has the token's kid");
    }
    return Rejected("the provider's key set has no " + jws->alg + " key");
  }
  return VerifySignatureAndDecode(jws->parts, candidates);
}

absl::StatusOr<json::object> DecodeUnverifiedClaims(std::string_view token) {
  absl::StatusOr<CompactJws> jws = Split(token);
  if (!jws.ok()) return jws.status();
  return DecodeClaims(*jws);
}

}  // namespace postern::jwt
