#include "common/config/url.h"

#include <arpa/inet.h>

#include <cstring>
#include <string>
#include <string_view>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/config/absl_view.h"
#include "common/config/error_text.h"

namespace postern::config {
namespace {

bool IsSchemeChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.';
}

bool IsHostChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
}

// ParsePort reads decimal digits only (no sign, no spaces) up to 65535.
absl::StatusOr<int> ParsePort(std::string_view text) {
  if (text.empty()) return absl::InvalidArgumentError("empty port after ':'");
  int port = 0;
  for (char c : text) {
    if (c < '0' || c > '9') {
      return absl::InvalidArgumentError(
          absl::StrCat("port must be a number, got ", QuoteForError(text)));
    }
    port = port * 10 + (c - '0');
    if (port > 65535) {
      return absl::InvalidArgumentError(
          absl::StrCat("port ", QuoteForError(text), " out of range; the largest port is 65535"));
    }
  }
  return port;
}

absl::StatusOr<HostPort> ParseAuthority(std::string_view authority, bool allow_empty_host) {
  HostPort result;
  std::string_view host = authority;
  std::string_view port;
  bool has_colon = false;
  if (!authority.empty() && authority.front() == '[') {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("missing ']' after IPv6 address in ", QuoteForError(authority)));
    }
    host = authority.substr(1, close - 1);
    std::string_view rest = authority.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') {
        return absl::InvalidArgumentError(
            absl::StrCat("expected ':port' after ']' in ", QuoteForError(authority)));
      }
      has_colon = true;
      port = rest.substr(1);
    }
    char buffer[INET6_ADDRSTRLEN] = {};
    unsigned char bytes[16];
    if (host.empty() || host.size() >= sizeof(buffer)) {
      return absl::InvalidArgumentError(absl::StrCat("invalid IPv6 address ", QuoteForError(host)));
    }
    std::memcpy(buffer, host.data(), host.size());
    if (inet_pton(AF_INET6, buffer, bytes) != 1) {
      return absl::InvalidArgumentError(absl::StrCat("invalid IPv6 address ", QuoteForError(host)));
    }
    inet_ntop(AF_INET6, bytes, buffer, sizeof(buffer));
    result.host = buffer;
    result.is_ipv6 = true;
  } else {
    const size_t colon = authority.find(':');
    if (colon != std::string_view::npos) {
      if (authority.find(':', colon + 1) != std::string_view::npos) {
        return absl::InvalidArgumentError(
            absl::StrCat("IPv6 addresses must be written in brackets, as in [::1]:22; got ",
                         QuoteForError(authority)));
      }
      host = authority.substr(0, colon);
      port = authority.substr(colon + 1);
      has_colon = true;
    }
    if (host.empty()) {
      if (!allow_empty_host) return absl::InvalidArgumentError("host required");
    } else {
      bool is_ipv6 = false;
      auto normalized = NormalizeHost(host, &is_ipv6);
      if (!normalized.ok()) return normalized.status();
      result.host = *std::move(normalized);
    }
  }
  if (has_colon) {
    auto number = ParsePort(port);
    if (!number.ok()) return number.status();
    result.port = *number;
    result.has_port = true;
  }
  return result;
}

}  // namespace

std::string HostPort::ToString() const {
  std::string text = is_ipv6 ? absl::StrCat("[", host, "]") : host;
  if (has_port) absl::StrAppend(&text, ":", port);
  return text;
}

absl::StatusOr<std::string> NormalizeHost(std::string_view host, bool* is_ipv6) {
  *is_ipv6 = false;
  if (host.empty()) return absl::InvalidArgumentError("host required");
  if (host.find(':') != std::string_view::npos) {
    char buffer[INET6_ADDRSTRLEN] = {};
    unsigned char bytes[16];
    if (host.size() >= sizeof(buffer)) {
      return absl::InvalidArgumentError(absl::StrCat("invalid IPv6 address ", QuoteForError(host)));
    }
    std::memcpy(buffer, host.data(), host.size());
    if (inet_pton(AF_INET6, buffer, bytes) != 1) {
      return absl::InvalidArgumentError(absl::StrCat("invalid IPv6 address ", QuoteForError(host)));
    }
    inet_ntop(AF_INET6, bytes, buffer, sizeof(buffer));
    *is_ipv6 = true;
    return std::string(buffer);
  }
  if (host.size() > 253) {
    return absl::InvalidArgumentError(
        absl::StrCat("host name longer than 253 characters: ", QuoteForError(host)));
  }
  for (char c : host) {
    if (!IsHostChar(c)) {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid character ", QuoteForError(std::string_view(&c, 1)), " in host ",
                       QuoteForError(host), "; expected letters, digits, '-', '_' and '.'"));
    }
  }
  for (absl::string_view label : absl::StrSplit(AbslView(host), '.')) {
    if (label.empty() || label.size() > 63) {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid host ", QuoteForError(host),
                       "; each dot-separated label needs 1 to 63 characters"));
    }
  }
  return absl::AsciiStrToLower(AbslView(host));
}

absl::StatusOr<Url> ParseUrl(std::string_view text) {
  const size_t separator = text.find("://");
  if (separator == std::string_view::npos || separator == 0 ||
      !absl::ascii_isalpha(static_cast<unsigned char>(text[0]))) {
    return absl::InvalidArgumentError(
        absl::StrCat("expected a URL such as scheme://host:port, got ", QuoteForError(text)));
  }
  Url url;
  for (char c : text.substr(0, separator)) {
    if (!IsSchemeChar(c)) {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid URL scheme in ", QuoteForError(text)));
    }
  }
  url.scheme = absl::AsciiStrToLower(AbslView(text.substr(0, separator)));
  const std::string_view rest = text.substr(separator + 3);
  if (rest.find('#') != std::string_view::npos) {
    return absl::InvalidArgumentError("fragment (#...) not allowed in URL");
  }
  if (rest.find('?') != std::string_view::npos) {
    return absl::InvalidArgumentError("query (?...) not allowed in URL");
  }
  const size_t slash = rest.find('/');
  const std::string_view authority = rest.substr(0, slash);
  if (authority.find('@') != std::string_view::npos) {
    return absl::InvalidArgumentError("user info (user@) not allowed in URL");
  }
  if (slash != std::string_view::npos) url.path = std::string(rest.substr(slash));
  for (char c : url.path) {
    if (c == '%' || static_cast<unsigned char>(c) <= ' ' || static_cast<unsigned char>(c) >= 0x7f) {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid character in URL path ", QuoteForError(url.path),
                       "; percent-encoding, spaces and non-ASCII are not allowed"));
    }
  }
  auto host_port = ParseAuthority(authority, /*allow_empty_host=*/false);
  if (!host_port.ok()) return host_port.status();
  url.authority = *std::move(host_port);
  return url;
}

absl::StatusOr<HostPort> ParseHostPort(std::string_view text, bool allow_empty_host) {
  auto host_port = ParseAuthority(text, allow_empty_host);
  if (!host_port.ok()) return host_port.status();
  if (!host_port->has_port) {
    return absl::InvalidArgumentError(
        absl::StrCat("expected host:port, got ", QuoteForError(text)));
  }
  return host_port;
}

}  // namespace postern::config
