#include "cli/listen_address.h"

#include <arpa/inet.h>

#include <algorithm>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace postern::cli {
namespace {

absl::Status Invalid(std::string_view text, std::string_view reason) {
  std::string_view head = text.substr(0, 80);
  return absl::InvalidArgumentError(
      absl::StrCat("--listen \"", absl::CHexEscape(absl::string_view(head.data(), head.size())),
                   text.size() > head.size() ? "...\"" : "\"", ": ", std::string(reason),
                   " (e.g. 127.0.0.1:6379, [::1]:0, or - for stdin/stdout)"));
}

}  // namespace

std::string ListenAddress::ToString() const {
  if (ip.find(':') != std::string::npos) return absl::StrCat("[", ip, "]:", port);
  return absl::StrCat(ip, ":", port);
}

absl::StatusOr<ListenAddress> ParseListenAddress(std::string_view text) {
  std::string_view host;
  std::string_view port;
  bool bracketed = false;
  if (text.starts_with("[")) {
    std::size_t close = text.find(']');
    if (close == std::string_view::npos) return Invalid(text, "IPv6 address lacks its ']'");
    host = text.substr(1, close - 1);
    std::string_view rest = text.substr(close + 1);
    if (!rest.starts_with(":")) return Invalid(text, "port required");
    port = rest.substr(1);
    bracketed = true;
  } else {
    std::size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) return Invalid(text, "port required");
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) {
      return Invalid(text, "an IPv6 address must be in brackets");
    }
  }
  if (host.empty()) return Invalid(text, "address required before the port");

  ListenAddress address;
  uint32_t port_number = 0;
  if (port.empty() || port.size() > 5 ||
      !std::all_of(port.begin(), port.end(), [](char c) { return absl::ascii_isdigit(c); }) ||
      !absl::SimpleAtoi(absl::string_view(port.data(), port.size()), &port_number) ||
      port_number > 65535) {
    return Invalid(text, "port must be 0..65535");
  }
  address.port = static_cast<uint16_t>(port_number);

  std::string ip(host);
  unsigned char buffer[sizeof(in6_addr)];
  if (bracketed) {
    if (inet_pton(AF_INET6, ip.c_str(), buffer) != 1) return Invalid(text, "invalid IPv6 address");
    char canonical[INET6_ADDRSTRLEN];
    inet_ntop(AF_INET6, buffer, canonical, sizeof(canonical));
    address.ip = canonical;
  } else if (absl::AsciiStrToLower(ip) == "localhost") {
    address.ip = "127.0.0.1";
  } else if (inet_pton(AF_INET, ip.c_str(), buffer) == 1) {
    address.ip = ip;
  } else {
    return Invalid(text, "address must be an IP address or localhost");
  }
  return address;
}

}  // namespace postern::cli
