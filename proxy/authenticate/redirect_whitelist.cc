#include "proxy/authenticate/redirect_whitelist.h"

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/http/web_url.h"

namespace postern::authenticate {
namespace {

constexpr std::string_view kLoopbackEntry = "localhost";

absl::Status Refuse(std::string_view why) { return absl::InvalidArgumentError(std::string(why)); }

bool Whitelisted(const std::vector<std::string>& whitelist, std::string_view host) {
  for (const std::string& entry : whitelist) {
    if (absl::AsciiStrToLower(entry) == host) return true;
  }
  return false;
}

}  // namespace

absl::StatusOr<std::string> CheckProgrammaticRedirect(std::string_view uri,
                                                      const std::vector<std::string>& whitelist) {
  if (uri.empty()) return Refuse("pomerium_redirect_uri is required");
  if (uri.size() > kMaxRedirectUriSize) return Refuse("pomerium_redirect_uri is too long");
  absl::StatusOr<http::WebUrl> url = http::ParseWebUrl(uri);
  if (!url.ok()) {
    return Refuse(
        absl::StrCat("pomerium_redirect_uri is not acceptable (", url.status().message(), ")"));
  }
  if (http::IsLoopback(*url) && Whitelisted(whitelist, kLoopbackEntry)) {
    // The CLI's listener speaks plain HTTP; an https loopback URL is not it.
    if (url->https) return Refuse("pomerium_redirect_uri on a loopback address must use http://");
  } else if (url->host == kLoopbackEntry || !Whitelisted(whitelist, url->host)) {
    return Refuse(
        "pomerium_redirect_uri must point at this computer (http://127.0.0.1:PORT/) or a "
        "domain in programmatic_redirect_domain_whitelist");
  }
  return url->ToString();
}

}  // namespace postern::authenticate
