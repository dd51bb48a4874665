#include "common/jwt/der.h"

#include <cstdint>

namespace postern::jwt::der {
namespace {

constexpr uint8_t kInteger = 0x02;
constexpr uint8_t kBitString = 0x03;
constexpr uint8_t kSequence = 0x30;

std::string TagLengthValue(uint8_t tag, std::string_view value) {
  std::string out(1, static_cast<char>(tag));
  if (value.size() < 0x80) {
    out.push_back(static_cast<char>(value.size()));
  } else {
    std::string length;
    for (size_t n = value.size(); n > 0; n >>= 8)
      length.insert(length.begin(), static_cast<char>(n & 0xff));
    out.push_back(static_cast<char>(0x80 | length.size()));
    out.append(length);
  }
  out.append(value);
  return out;
}

}  // namespace

std::string Sequence(std::initializer_list<std::string> elements) {
  std::string contents;
  for (const std::string& element : elements) contents.append(element);
  return TagLengthValue(kSequence, contents);
}

std::string UnsignedInteger(std::string_view magnitude) {
  while (!magnitude.empty() && magnitude.front() == '\0') magnitude.remove_prefix(1);
  std::string contents;
  if (magnitude.empty() || (static_cast<uint8_t>(magnitude.front()) & 0x80) != 0) {
    contents.push_back('\0');
  }
  contents.append(magnitude);
  return TagLengthValue(kInteger, contents);
}

std::string BitString(std::string_view data) {
  std::string contents(1, '\0');  // number of unused bits in the last byte
  contents.append(data);
  return TagLengthValue(kBitString, contents);
}

}  // namespace postern::jwt::der
