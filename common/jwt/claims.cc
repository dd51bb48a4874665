#include "common/jwt/claims.h"

#include <charconv>
#include <cmath>
#include <cstdint>

#include "absl/status/status.h"

namespace postern::jwt {
namespace {

namespace json = boost::json;

// NumericDates beyond this many seconds from 1970 are not plausible and
// would overflow absl::Time arithmetic done by callers.
constexpr int64_t kMaxAbsoluteSeconds = 100'000'000'000;

absl::Status BadClaim(std::string_view name, std::string_view problem) {
  std::string message = "token claim \"";
  message.append(name);
  message.append("\" ");
  message.append(problem);
  return absl::UnauthenticatedError(message);
}

std::string Text(const json::string& text) { return std::string(text.data(), text.size()); }

std::string NumberText(double value) {
  char buffer[32];
  const std::to_chars_result result = std::to_chars(buffer, buffer + sizeof(buffer), value);
  return std::string(buffer, result.ptr);
}

}  // namespace

absl::StatusOr<std::string> RequiredString(const json::object& claims, std::string_view name) {
  absl::StatusOr<std::optional<std::string>> value = OptionalString(claims, name);
  if (!value.ok()) return value.status();
  if (!value->has_value()) return BadClaim(name, "is missing");
  return **std::move(value);
}

absl::StatusOr<std::optional<std::string>> OptionalString(const json::object& claims,
                                                          std::string_view name) {
  const json::value* value = claims.if_contains(name);
  if (value == nullptr) return std::nullopt;
  if (!value->is_string()) return BadClaim(name, "must be a string");
  return Text(value->get_string());
}

absl::StatusOr<absl::Time> RequiredNumericDate(const json::object& claims, std::string_view name) {
  absl::StatusOr<std::optional<absl::Time>> value = OptionalNumericDate(claims, name);
  if (!value.ok()) return value.status();
  if (!value->has_value()) return BadClaim(name, "is missing");
  return **value;
}

absl::StatusOr<std::optional<absl::Time>> OptionalNumericDate(const json::object& claims,
                                                              std::string_view name) {
  const json::value* value = claims.if_contains(name);
  if (value == nullptr) return std::nullopt;
  int64_t seconds = 0;
  if (value->is_int64()) {
    seconds = value->get_int64();
  } else if (value->is_uint64()) {
    if (value->get_uint64() > static_cast<uint64_t>(kMaxAbsoluteSeconds)) {
      return BadClaim(name, "is out of range");
    }
    seconds = static_cast<int64_t>(value->get_uint64());
  } else if (value->is_double()) {
    const double d = std::floor(value->get_double());
    if (!(std::fabs(d) <= static_cast<double>(kMaxAbsoluteSeconds))) {
      return BadClaim(name, "is out of range");
    }
    seconds = static_cast<int64_t>(d);
  } else {
    return BadClaim(name, "must be a number of seconds since 1970");
  }
  if (seconds > kMaxAbsoluteSeconds || seconds < -kMaxAbsoluteSeconds) {
    return BadClaim(name, "is out of range");
  }
  return absl::FromUnixSeconds(seconds);
}

absl::StatusOr<std::vector<std::string>> OptionalStringList(const json::object& claims,
                                                            std::string_view name) {
  const json::value* value = claims.if_contains(name);
  std::vector<std::string> list;
  if (value == nullptr || value->is_null()) return list;
  if (value->is_string()) {
    list.push_back(Text(value->get_string()));
    return list;
  }
  if (!value->is_array()) return BadClaim(name, "must be a list of strings");
  for (const json::value& element : value->get_array()) {
    if (!element.is_string()) return BadClaim(name, "must be a list of strings");
    list.push_back(Text(element.get_string()));
  }
  return list;
}

absl::StatusOr<std::vector<std::string>> ValueAsStrings(const json::value& value) {
  std::vector<std::string> list;
  const auto append_scalar = [&list](const json::value& scalar) {
    switch (scalar.kind()) {
      case json::kind::string:
        list.push_back(Text(scalar.get_string()));
        return true;
      case json::kind::int64:
        list.push_back(std::to_string(scalar.get_int64()));
        return true;
      case json::kind::uint64:
        list.push_back(std::to_string(scalar.get_uint64()));
        return true;
      case json::kind::double_:
        list.push_back(NumberText(scalar.get_double()));
        return true;
      case json::kind::bool_:
        list.push_back(scalar.get_bool() ? "true" : "false");
        return true;
      default:
        return false;
    }
  };
  if (value.is_null()) return list;
  if (value.is_array()) {
    for (const json::value& element : value.get_array()) {
      if (!append_scalar(element)) {
        return absl::InvalidArgumentError(
            "claim list elements must be strings, numbers or booleans");
      }
    }
    return list;
  }
  if (!append_scalar(value)) {
    return absl::InvalidArgumentError("claim must be a string, number, boolean or a list of them");
  }
  return list;
}

bool AudienceContains(const json::object& claims, std::string_view audience) {
  const json::value* aud = claims.if_contains("aud");
  if (aud == nullptr) return false;
  if (aud->is_string()) return aud->get_string() == audience;
  if (!aud->is_array()) return false;
  for (const json::value& element : aud->get_array()) {
    if (element.is_string() && element.get_string() == audience) return true;
  }
  return false;
}

}  // namespace postern::jwt
