#include "cli/destination.h"

#include <optional>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace postern::cli {
namespace {

constexpr char kDestForms[] =
    "expected host:port, tcp+https://host:port or tcp+https://proxy[:port]/host:port";

// Quoted for error messages: bounded, control bytes escaped.
std::string Quote(std::string_view text) {
  constexpr std::size_t kMaxShown = 80;
  std::string_view head = text.substr(0, kMaxShown);
  return absl::StrCat("\"", absl::CHexEscape(absl::string_view(head.data(), head.size())),
                      text.size() > kMaxShown ? "...\"" : "\"");
}

// The reason in a ParseAuthority error, without its `authority "...": `
// prefix: the caller names the input itself (DEST, --proxy-url).
std::string Reason(const absl::Status& status) {
  std::string_view message(status.message().data(), status.message().size());
  if (message.starts_with("authority \"")) {
    if (std::size_t end = message.find("\": "); end != std::string_view::npos) {
      return std::string(message.substr(end + 3));
    }
  }
  return std::string(message);
}

struct SplitUrl {
  std::string scheme;  // lower case
  std::string_view rest;
};

// SplitScheme splits "scheme://rest"; nullopt when `text` has no "://".
std::optional<SplitUrl> SplitScheme(std::string_view text) {
  std::size_t separator = text.find("://");
  if (separator == std::string_view::npos) return std::nullopt;
  std::string scheme(text.substr(0, separator));
  absl::AsciiStrToLower(&scheme);
  return SplitUrl{std::move(scheme), text.substr(separator + 3)};
}

// ParseHostOptionalPort reads "host", "host:port", "[v6]" or "[v6]:port",
// with kDefaultProxyPort when no port is given.
absl::StatusOr<tunnel::Authority> ParseHostOptionalPort(std::string_view text) {
  bool has_port = text.starts_with("[") ? text.find("]:") != std::string_view::npos
                                        : text.find(':') != std::string_view::npos;
  if (has_port) return tunnel::ParseAuthority(text);
  return tunnel::ParseAuthority(absl::StrCat(std::string(text), ":", kDefaultProxyPort));
}

absl::Status CheckNoQuery(std::string_view text, std::string_view what) {
  if (text.find_first_of("?#") != std::string_view::npos) {
    return absl::InvalidArgumentError(absl::StrCat(
        std::string(what), " ", Quote(text), ": a query ('?') or fragment ('#') is not allowed"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<tunnel::Authority> ParseProxyUrl(std::string_view url) {
  const std::string what = absl::StrCat("--proxy-url ", Quote(url));
  std::optional<SplitUrl> split = SplitScheme(url);
  if (!split.has_value()) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": expected https://host[:port], e.g. https://proxy.example.com"));
  }
  if (split->scheme != "https") {
    return absl::InvalidArgumentError(absl::StrCat(
        what, ": the proxy is reached over TLS; use https://, not ", split->scheme, "://"));
  }
  if (absl::Status status = CheckNoQuery(url, "--proxy-url"); !status.ok()) return status;
  std::string_view host_port = split->rest;
  if (host_port.ends_with("/")) host_port.remove_suffix(1);
  if (host_port.find('/') != std::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": a path is not allowed; expected https://host[:port]"));
  }
  absl::StatusOr<tunnel::Authority> proxy = ParseHostOptionalPort(host_port);
  if (!proxy.ok())
    return absl::InvalidArgumentError(absl::StrCat(what, ": ", Reason(proxy.status())));
  return proxy;
}

absl::StatusOr<Destination> ParseDestination(std::string_view dest, std::string_view proxy_url) {
  if (dest.empty()) return absl::InvalidArgumentError(absl::StrCat("DEST is empty; ", kDestForms));
  const std::string what = absl::StrCat("DEST ", Quote(dest));
  auto invalid = [&](std::string_view reason) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": ", std::string(reason), "; ", kDestForms));
  };

  Destination destination;
  std::optional<SplitUrl> split = SplitScheme(dest);
  if (!split.has_value()) {
    absl::StatusOr<tunnel::Authority> target = tunnel::ParseAuthority(dest);
    if (!target.ok()) return invalid(Reason(target.status()));
    destination.target = *target;
    destination.proxy = {.host = target->host, .port = kDefaultProxyPort};
  } else {
    if (split->scheme != "tcp+https") {
      return invalid(absl::StrCat("unsupported scheme \"", split->scheme, "\""));
    }
    if (absl::Status status = CheckNoQuery(dest, "DEST"); !status.ok()) return status;
    std::string_view rest = split->rest;
    std::size_t slash = rest.find('/');
    std::string_view path = slash == std::string_view::npos ? "" : rest.substr(slash + 1);
    if (path.ends_with("/")) path.remove_suffix(1);
    std::string_view host_port = rest.substr(0, slash);
    if (path.empty()) {
      absl::StatusOr<tunnel::Authority> target = tunnel::ParseAuthority(host_port);
      if (!target.ok()) return invalid(Reason(target.status()));
      destination.target = *target;
      destination.proxy = {.host = target->host, .port = kDefaultProxyPort};
    } else {
      absl::StatusOr<tunnel::Authority> proxy = ParseHostOptionalPort(host_port);
      if (!proxy.ok()) return invalid(absl::StrCat("proxy: ", Reason(proxy.status())));
      absl::StatusOr<tunnel::Authority> target = tunnel::ParseAuthority(path);
      if (!target.ok()) {
        return invalid(absl::StrCat("destination after the proxy: ", Reason(target.status())));
      }
      destination.proxy = *proxy;
      destination.target = *target;
    }
  }

  if (!proxy_url.empty()) {
    absl::StatusOr<tunnel::Authority> proxy = ParseProxyUrl(proxy_url);
    if (!proxy.ok()) return proxy.status();
    destination.proxy = *proxy;
  }
  return destination;
}

}  // namespace postern::cli
