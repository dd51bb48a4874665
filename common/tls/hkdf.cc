#include "common/tls/hkdf.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <array>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/tls/ssl_ptr.h"

namespace postern::tls {
namespace {

constexpr size_t kHashLength = 32;  // SHA-256

absl::Status Hmac(absl::Span<const uint8_t> key, absl::Span<const uint8_t> data, uint8_t* out) {
  unsigned int out_length = 0;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), data.data(), data.size(), out,
           &out_length) == nullptr ||
      out_length != kHashLength) {
    return absl::InternalError(absl::StrCat("HMAC-SHA256 failed: ", LastSslError()));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<uint8_t>> HkdfSha256Extract(absl::Span<const uint8_t> salt,
                                                       absl::Span<const uint8_t> secret) {
  static constexpr std::array<uint8_t, kHashLength> kZeroSalt{};
  if (salt.empty()) salt = kZeroSalt;
  std::vector<uint8_t> prk(kHashLength);
  if (absl::Status status = Hmac(salt, secret, prk.data()); !status.ok()) return status;
  return prk;
}

absl::StatusOr<std::vector<uint8_t>> HkdfSha256Expand(absl::Span<const uint8_t> prk,
                                                      absl::Span<const uint8_t> info,
                                                      size_t length) {
  if (prk.size() < kHashLength) {
    return absl::InvalidArgumentError(
        absl::StrCat("HKDF pseudorandom key is ", prk.size(), " bytes; at least 32 needed"));
  }
  if (length > 255 * kHashLength) {
    return absl::InvalidArgumentError(
        absl::StrCat("HKDF-SHA256 cannot produce ", length, " bytes; at most 8160"));
  }
  // T(i) = HMAC(prk, T(i-1) || info || i); output is T(1) || T(2) || ...
  std::vector<uint8_t> output;
  output.reserve(length);
  std::vector<uint8_t> block;  // T(i-1), then T(i)
  std::vector<uint8_t> input;
  for (uint8_t counter = 1; output.size() < length; ++counter) {
    input.assign(block.begin(), block.end());
    input.insert(input.end(), info.begin(), info.end());
    input.push_back(counter);
    block.resize(kHashLength);
    if (absl::Status status = Hmac(prk, input, block.data()); !status.ok()) return status;
    size_t take = std::min(kHashLength, length - output.size());
    output.insert(output.end(), block.begin(), block.begin() + take);
  }
  // The blocks are key material; do not leave copies in freed memory.
  OPENSSL_cleanse(block.data(), block.size());
  OPENSSL_cleanse(input.data(), input.size());
  return output;
}

}  // namespace postern::tls
