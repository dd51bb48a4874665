#include "proxy/authenticate/cookies.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/strings/str_cat.h"

namespace postern::authenticate {
namespace {

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

}  // namespace

std::optional<std::string> FindCookie(std::string_view cookie_header, std::string_view name) {
  while (!cookie_header.empty()) {
    const size_t end = std::min(cookie_header.find(';'), cookie_header.size());
    std::string_view pair = Trim(cookie_header.substr(0, end));
    cookie_header.remove_prefix(std::min(end + 1, cookie_header.size()));
    const size_t equals = pair.find('=');
    if (equals == std::string_view::npos) continue;
    if (Trim(pair.substr(0, equals)) != name) continue;
    std::string_view value = Trim(pair.substr(equals + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = value.substr(1, value.size() - 2);
    }
    return std::string(value);
  }
  return std::nullopt;
}

std::string FormatSetCookie(std::string_view name, std::string_view value, absl::Duration max_age,
                            bool secure) {
  const int64_t seconds = std::max<int64_t>(0, absl::ToInt64Seconds(max_age));
  return absl::StrCat(std::string(name), "=", std::string(seconds > 0 ? value : ""),
                      "; Path=/; Max-Age=", seconds, "; HttpOnly", secure ? "; Secure" : "",
                      "; SameSite=Lax");
}

}  // namespace postern::authenticate
