#include "common/http/web_url.h"

#include <arpa/inet.h>

#include <cstring>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace postern::http {
namespace {

bool IsHex(char c) { return absl::ascii_isxdigit(static_cast<unsigned char>(c)); }

// RFC 3986 pchar without pct-encoded: unreserved / sub-delims / ":" / "@".
bool IsPathChar(char c) {
  if (absl::ascii_isalnum(static_cast<unsigned char>(c))) return true;
  return std::string_view("-._~!$&'()*+,;=:@").find(c) != std::string_view::npos;
}

// Checks a path or query: allowed characters, `extra` (such as "/?"), and
// well-formed %XX.
bool IsEncodedPart(std::string_view text, std::string_view extra) {
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size() || !IsHex(text[i + 1]) || !IsHex(text[i + 2])) return false;
      i += 2;
    } else if (!IsPathChar(c) && extra.find(c) == std::string_view::npos) {
      return false;
    }
  }
  return true;
}

absl::Status Invalid(std::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("invalid URL: ", std::string(why)));
}

bool ParseIpv6(std::string_view text, std::string& canonical) {
  char buffer[INET6_ADDRSTRLEN] = {};
  unsigned char bytes[16];
  if (text.empty() || text.size() >= sizeof(buffer)) return false;
  std::memcpy(buffer, text.data(), text.size());
  if (inet_pton(AF_INET6, buffer, bytes) != 1) return false;
  inet_ntop(AF_INET6, bytes, buffer, sizeof(buffer));
  canonical = buffer;
  return true;
}

bool IsIpv4(std::string_view text) {
  char buffer[INET_ADDRSTRLEN] = {};
  unsigned char bytes[4];
  if (text.empty() || text.size() >= sizeof(buffer)) return false;
  std::memcpy(buffer, text.data(), text.size());
  return inet_pton(AF_INET, buffer, bytes) == 1;
}

// A DNS name as browsers and resolvers take it: letters, digits, '-', '_',
// dot-separated labels of 1 to 63 characters, at most 253 in all.
bool IsHostName(std::string_view host) {
  if (host.empty() || host.size() > 253) return false;
  size_t label = 0;
  for (char c : host) {
    if (c == '.') {
      if (label == 0) return false;
      label = 0;
    } else if (absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') {
      if (++label > 63) return false;
    } else {
      return false;
    }
  }
  return label > 0;
}

}  // namespace

std::string WebUrl::Authority() const {
  std::string authority = host_kind == HostKind::kIpv6 ? absl::StrCat("[", host, "]") : host;
  if (has_port) absl::StrAppend(&authority, ":", port);
  return authority;
}

std::string WebUrl::Target() const { return has_query ? absl::StrCat(path, "?", query) : path; }

std::string WebUrl::ToString() const {
  return absl::StrCat(https ? "https://" : "http://", Authority(), Target());
}

absl::StatusOr<WebUrl> ParseWebUrl(std::string_view text) {
  WebUrl url;
  const size_t separator = text.find("://");
  if (separator == std::string_view::npos) return Invalid("expected http:// or https://");
  const std::string scheme = absl::AsciiStrToLower(std::string(text.substr(0, separator)));
  if (scheme == "https") {
    url.https = true;
  } else if (scheme != "http") {
    return Invalid("expected http:// or https://");
  }
  std::string_view rest = text.substr(separator + 3);
  if (rest.find('#') != std::string_view::npos) return Invalid("a fragment (#) is not allowed");

  const size_t authority_end = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, authority_end);
  rest.remove_prefix(authority.size());
  if (authority.find('@') != std::string_view::npos) {
    return Invalid("user info (user@) is not allowed");
  }
  std::string_view host = authority;
  std::string_view port;
  bool has_colon = false;
  if (!authority.empty() && authority.front() == '[') {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return Invalid("missing ']' after an IPv6 address");
    host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return Invalid("expected ':port' after ']'");
      has_colon = true;
      port = after.substr(1);
    }
    if (!ParseIpv6(host, url.host)) return Invalid("malformed IPv6 address");
    url.host_kind = HostKind::kIpv6;
  } else {
    const size_t colon = authority.find(':');
    if (colon != std::string_view::npos) {
      host = authority.substr(0, colon);
      port = authority.substr(colon + 1);
      has_colon = true;
    }
    if (!IsHostName(host)) return Invalid("the host must be a DNS name or an IP address");
    url.host = absl::AsciiStrToLower(std::string(host));
    url.host_kind = IsIpv4(url.host) ? HostKind::kIpv4 : HostKind::kName;
  }
  if (has_colon) {
    if (port.empty() || port.size() > 5)
      return Invalid("the port must be a number from 1 to 65535");
    int number = 0;
    for (char c : port) {
      if (c < '0' || c > '9') return Invalid("the port must be a number from 1 to 65535");
      number = number * 10 + (c - '0');
    }
    if (number < 1 || number > 65535) return Invalid("the port must be a number from 1 to 65535");
    url.port = static_cast<uint16_t>(number);
    url.has_port = true;
  } else {
    url.port = url.https ? 443 : 80;
  }

  const size_t query_start = rest.find('?');
  std::string_view path = rest.substr(0, query_start);
  if (!IsEncodedPart(path, "/")) return Invalid("the path has a character that must be encoded");
  url.path = path.empty() ? "/" : std::string(path);
  if (query_start != std::string_view::npos) {
    std::string_view query = rest.substr(query_start + 1);
    if (!IsEncodedPart(query, "/?")) {
      return Invalid("the query has a character that must be encoded");
    }
    url.query = std::string(query);
    url.has_query = true;
  }
  return url;
}

bool IsLoopback(const WebUrl& url) {
  switch (url.host_kind) {
    case HostKind::kIpv4:
      return url.host.starts_with("127.");
    case HostKind::kIpv6:
      return url.host == "::1";
    case HostKind::kName:
      return url.host == "localhost";
  }
  return false;
}

std::string AppendQuery(std::string_view url, std::string_view encoded_pairs) {
  const char separator = url.find('?') == std::string_view::npos    ? '?'
                         : (url.back() == '?' || url.back() == '&') ? '\0'
                                                                    : '&';
  std::string out(url);
  if (separator != '\0') out.push_back(separator);
  out.append(encoded_pairs);
  return out;
}

}  // namespace postern::http
