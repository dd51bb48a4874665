#include "common/log/json_line.h"

#include <charconv>
#include <cmath>

#include "common/log/log.h"

namespace postern::log {
namespace {

constexpr std::string_view kReplacementCharacter = "\xef\xbf\xbd";

// Returns the length of the valid UTF-8 sequence at the start of `text`, or 0
// if it does not start with one (overlong forms, surrogates and code points
// above U+10FFFF are invalid, per RFC 3629).
size_t ValidUtf8SequenceLength(std::string_view text) {
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
  const auto continuation = [&](size_t i) { return i < text.size() && (byte(i) & 0xc0) == 0x80; };
  const unsigned char lead = byte(0);
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead <= 0xdf) return continuation(1) ? 2 : 0;
  if (lead >= 0xe0 && lead <= 0xef) {
    if (!continuation(1) || !continuation(2)) return 0;
    if (lead == 0xe0 && byte(1) < 0xa0) return 0;  // overlong
    if (lead == 0xed && byte(1) > 0x9f) return 0;  // UTF-16 surrogate
    return 3;
  }
  if (lead >= 0xf0 && lead <= 0xf4) {
    if (!continuation(1) || !continuation(2) || !continuation(3)) return 0;
    if (lead == 0xf0 && byte(1) < 0x90) return 0;  // overlong
    if (lead == 0xf4 && byte(1) > 0x8f) return 0;  // above U+10FFFF
    return 4;
  }
  return 0;
}

}  // namespace

void AppendJsonString(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  while (!text.empty()) {
    const auto c = static_cast<unsigned char>(text[0]);
    if (c >= 0x80) {
      const size_t length = ValidUtf8SequenceLength(text);
      if (length == 0) {
        out.append(kReplacementCharacter);
        text.remove_prefix(1);
      } else {
        out.append(text.substr(0, length));
        text.remove_prefix(length);
      }
      continue;
    }
    switch (c) {
      case '"':
        out.append("\\\"");
        break;
      case '\\':
        out.append("\\\\");
        break;
      case '\n':
        out.append("\\n");
        break;
      case '\r':
        out.append("\\r");
        break;
      case '\t':
        out.append("\\t");
        break;
      case '\b':
        out.append("\\b");
        break;
      case '\f':
        out.append("\\f");
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out.append("\\u00");
          out.push_back(kHex[c >> 4]);
          out.push_back(kHex[c & 0xf]);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
    text.remove_prefix(1);
  }
  out.push_back('"');
}

JsonLine::JsonLine(absl::Time time) {
  fields_ = "{\"time\":\"";
  fields_.append(absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", time, absl::UTCTimeZone()));
  fields_.push_back('"');
}

void JsonLine::AddKey(std::string_view key) {
  fields_.push_back(',');
  AppendJsonString(fields_, key);
  fields_.push_back(':');
}

JsonLine& JsonLine::AddString(std::string_view key, std::string_view value) {
  AddKey(key);
  AppendJsonString(fields_, value);
  return *this;
}

JsonLine& JsonLine::AddInt(std::string_view key, int64_t value) {
  AddKey(key);
  fields_.append(std::to_string(value));
  return *this;
}

JsonLine& JsonLine::AddDouble(std::string_view key, double value) {
  AddKey(key);
  if (!std::isfinite(value)) {
    fields_.append("null");
    return *this;
  }
  // Shortest text that reads back as the same double.
  char buffer[32];
  const std::to_chars_result result = std::to_chars(buffer, buffer + sizeof(buffer), value);
  fields_.append(buffer, result.ptr);
  return *this;
}

JsonLine& JsonLine::AddBool(std::string_view key, bool value) {
  AddKey(key);
  fields_.append(value ? "true" : "false");
  return *this;
}

JsonLine& JsonLine::AddStringList(std::string_view key, absl::Span<const std::string> values) {
  AddKey(key);
  fields_.push_back('[');
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) fields_.push_back(',');
    AppendJsonString(fields_, values[i]);
  }
  fields_.push_back(']');
  return *this;
}

std::string JsonLine::Line() const { return fields_ + "}\n"; }

void JsonLine::WriteTo(int fd) const { WriteLine(fd, Line()); }

}  // namespace postern::log
