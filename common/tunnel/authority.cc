#include "common/tunnel/authority.h"

#include <arpa/inet.h>

#include <algorithm>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace postern::tunnel {
namespace {

constexpr std::size_t kMaxHostLength = 253;  // the longest DNS name

// Quoted for error messages: bounded and with control bytes escaped, because
// the text comes from the network and the message may be logged or echoed.
std::string Quote(std::string_view text) {
  constexpr std::size_t kMaxShown = 80;
  std::string_view head = text.substr(0, kMaxShown);
  std::string shown = absl::CHexEscape(absl::string_view(head.data(), head.size()));
  return absl::StrCat("\"", shown, text.size() > kMaxShown ? "...\"" : "\"");
}

bool IsHostChar(char c) { return absl::ascii_isalnum(c) || c == '-' || c == '.' || c == '_'; }

absl::StatusOr<uint16_t> ParsePort(std::string_view port, std::string_view text) {
  if (port.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("authority ", Quote(text), ": port required"));
  }
  if (port.size() > 5) {
    return absl::InvalidArgumentError(
        absl::StrCat("authority ", Quote(text), ": port must be 1..65535"));
  }
  uint32_t value = 0;
  for (char c : port) {
    if (!absl::ascii_isdigit(c)) {
      return absl::InvalidArgumentError(
          absl::StrCat("authority ", Quote(text), ": port must be a decimal number"));
    }
    value = value * 10 + static_cast<uint32_t>(c - '0');
  }
  if (value == 0 || value > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("authority ", Quote(text), ": port must be 1..65535"));
  }
  return static_cast<uint16_t>(value);
}

absl::Status CheckName(std::string_view host, std::string_view text) {
  if (host.size() > kMaxHostLength) {
    return absl::InvalidArgumentError(
        absl::StrCat("authority ", Quote(text), ": host name longer than 253 characters"));
  }
  for (char c : host) {
    if (!IsHostChar(c)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "authority ", Quote(text), ": host may contain only letters, digits, '-', '.' and '_'"));
    }
  }
  if (host.front() == '.' || host.back() == '.' || host.find("..") != std::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("authority ", Quote(text), ": host name has an empty label"));
  }
  return absl::OkStatus();
}

}  // namespace

std::string Authority::ToString() const {
  if (host.find(':') != std::string::npos) return absl::StrCat("[", host, "]:", port);
  return absl::StrCat(host, ":", port);
}

absl::StatusOr<Authority> ParseAuthority(std::string_view text) {
  if (text.find('@') != std::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("authority ", Quote(text), ": userinfo ('user@') is not allowed"));
  }
  if (text.find_first_of("/?#") != std::string_view::npos) {
    return absl::InvalidArgumentError(absl::StrCat(
        "authority ", Quote(text), ": expected host:port without scheme, path or query"));
  }
  Authority authority;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    std::size_t close = text.find(']');
    if (close == std::string_view::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("authority ", Quote(text), ": IPv6 address lacks its closing ']'"));
    }
    std::string literal(text.substr(1, close - 1));
    in6_addr address;
    if (literal.find('%') != std::string::npos ||
        inet_pton(AF_INET6, literal.c_str(), &address) != 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("authority ", Quote(text), ": invalid IPv6 address"));
    }
    std::string_view rest = text.substr(close + 1);
    if (rest.empty() || rest.front() != ':') {
      return absl::InvalidArgumentError(absl::StrCat("authority ", Quote(text), ": port required"));
    }
    port = rest.substr(1);
    // inet_ntop gives the RFC 5952 spelling, so "[0:0::1]" and "[::1]" match one route.
    char canonical[INET6_ADDRSTRLEN];
    if (inet_ntop(AF_INET6, &address, canonical, sizeof(canonical)) == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("authority ", Quote(text), ": invalid IPv6 address"));
    }
    authority.host = canonical;
  } else {
    std::size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) {
      return absl::InvalidArgumentError(absl::StrCat("authority ", Quote(text), ": port required"));
    }
    std::string_view host = text.substr(0, colon);
    if (host.empty()) {
      return absl::InvalidArgumentError(absl::StrCat("authority ", Quote(text), ": host required"));
    }
    if (host.find(':') != std::string_view::npos &&
        std::all_of(host.begin(), host.end(),
                    [](char c) { return absl::ascii_isxdigit(c) || c == ':' || c == '.'; })) {
      return absl::InvalidArgumentError(absl::StrCat(
          "authority ", Quote(text), ": an IPv6 address must be in brackets, e.g. [::1]:22"));
    }
    if (absl::Status status = CheckName(host, text); !status.ok()) return status;
    port = text.substr(colon + 1);
    authority.host = std::string(host);
    absl::AsciiStrToLower(&authority.host);
  }
  absl::StatusOr<uint16_t> number = ParsePort(port, text);
  if (!number.ok()) return number.status();
  authority.port = *number;
  return authority;
}

}  // namespace postern::tunnel
