#include "common/crypto/base64.h"

#include <array>
#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace postern::crypto {
namespace {

constexpr std::string_view kStandardChars =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::string_view kUrlSafeChars =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

constexpr uint8_t kInvalid = 0xff;

using DecodeTable = std::array<uint8_t, 256>;

constexpr DecodeTable MakeDecodeTable(std::string_view chars) {
  DecodeTable table{};
  for (auto& entry : table) entry = kInvalid;
  for (size_t i = 0; i < chars.size(); ++i) table[static_cast<uint8_t>(chars[i])] = i;
  return table;
}

constexpr DecodeTable kStandardTable = MakeDecodeTable(kStandardChars);
constexpr DecodeTable kUrlSafeTable = MakeDecodeTable(kUrlSafeChars);

absl::Status BadCharacter(size_t position) {
  return absl::InvalidArgumentError(
      absl::StrCat("invalid base64: unexpected character at offset ", position));
}

}  // namespace

std::string Base64Encode(std::string_view data, Base64Alphabet alphabet, Base64Padding padding) {
  const std::string_view chars =
      alphabet == Base64Alphabet::kStandard ? kStandardChars : kUrlSafeChars;
  const bool pad = padding != Base64Padding::kNone;
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= data.size(); i += 3) {
    const uint32_t group = static_cast<uint8_t>(data[i]) << 16 |
                           static_cast<uint8_t>(data[i + 1]) << 8 |
                           static_cast<uint8_t>(data[i + 2]);
    out.push_back(chars[group >> 18 & 0x3f]);
    out.push_back(chars[group >> 12 & 0x3f]);
    out.push_back(chars[group >> 6 & 0x3f]);
    out.push_back(chars[group & 0x3f]);
  }
  const size_t rest = data.size() - i;
  if (rest == 1) {
    const uint32_t group = static_cast<uint8_t>(data[i]) << 16;
    out.push_back(chars[group >> 18 & 0x3f]);
    out.push_back(chars[group >> 12 & 0x3f]);
    if (pad) out.append("==");
  } else if (rest == 2) {
    const uint32_t group = static_cast<uint8_t>(data[i]) << 16 | static_cast<uint8_t>(data[i + 1])
                                                                     << 8;
    out.push_back(chars[group >> 18 & 0x3f]);
    out.push_back(chars[group >> 12 & 0x3f]);
    out.push_back(chars[group >> 6 & 0x3f]);
    if (pad) out.push_back('=');
  }
  return out;
}

absl::StatusOr<std::string> Base64Decode(std::string_view text, Base64Alphabet alphabet,
                                         Base64Padding padding) {
  const DecodeTable& table = alphabet == Base64Alphabet::kStandard ? kStandardTable : kUrlSafeTable;

  // Split off the padding, then check it is the one canonical padding.
  size_t data_length = text.size();
  while (data_length > 0 && text[data_length - 1] == '=') --data_length;
  const size_t pad_length = text.size() - data_length;
  if (pad_length > 0) {
    if (padding == Base64Padding::kNone) {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid base64: padding '=' not allowed (offset ", data_length, ")"));
    }
    if (text.size() % 4 != 0 || pad_length > 2 || pad_length != (4 - data_length % 4) % 4) {
      return absl::InvalidArgumentError("invalid base64: wrong padding");
    }
  } else if (padding == Base64Padding::kRequired && text.size() % 4 != 0) {
    return absl::InvalidArgumentError("invalid base64: missing padding");
  }
  if (data_length % 4 == 1) {
    return absl::InvalidArgumentError("invalid base64: truncated (length leaves a lone character)");
  }

  std::string out;
  out.reserve(data_length / 4 * 3 + 2);
  uint32_t accumulator = 0;
  int bits = 0;
  for (size_t i = 0; i < data_length; ++i) {
    const uint8_t value = table[static_cast<uint8_t>(text[i])];
    if (value == kInvalid) return BadCharacter(i);
    accumulator = (accumulator << 6 | value) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>(accumulator >> bits & 0xff));
    }
  }
  // The last character may carry 2 or 4 bits that belong to no byte; they
  // must be zero or the same bytes would have several spellings.
  if (bits > 0 && (accumulator & ((1u << bits) - 1)) != 0) {
    return absl::InvalidArgumentError("invalid base64: non-zero trailing bits");
  }
  return out;
}

std::string Base64UrlEncode(std::string_view data) {
  return Base64Encode(data, Base64Alphabet::kUrlSafe, Base64Padding::kNone);
}

absl::StatusOr<std::string> Base64UrlDecode(std::string_view text) {
  return Base64Decode(text, Base64Alphabet::kUrlSafe, Base64Padding::kNone);
}

}  // namespace postern::crypto
