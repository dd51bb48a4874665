#include "cli/session_token.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/session/session.h"
#include "common/tunnel/connect_response.h"

namespace postern::cli {
namespace {

// A token file holds a few KiB; anything much larger is the wrong file.
constexpr std::size_t kMaxTokenFileSize = 64 * 1024;

absl::StatusOr<std::string> ReadTokenFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    return absl::InvalidArgumentError(
        absl::StrCat("--service-account-file ", path, ": ", std::strerror(errno)));
  }
  std::string contents(kMaxTokenFileSize + 1, '\0');
  file.read(contents.data(), static_cast<std::streamsize>(contents.size()));
  contents.resize(static_cast<std::size_t>(file.gcount()));
  if (file.bad()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--service-account-file ", path, ": cannot read the file"));
  }
  if (contents.size() > kMaxTokenFileSize) {
    return absl::InvalidArgumentError(
        absl::StrCat("--service-account-file ", path, ": too large for a session token"));
  }
  std::string token(absl::StripAsciiWhitespace(contents));
  if (token.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("--service-account-file ", path, " is empty"));
  }
  return token;
}

// CheckGivenToken refuses a token that cannot go into a header, and warns
// about one the proxy will certainly refuse.
absl::Status CheckGivenToken(const std::string& token, const std::string& flag, absl::Time now,
                             std::vector<std::string>& warnings) {
  if (!tunnel::FormatConnectRequest("check.invalid:1", token).ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, ": not a session token (it has characters a JWT cannot have)"));
  }
  absl::StatusOr<absl::Time> expiry = session::ReadExpiryUnverified(token);
  if (!expiry.ok()) {
    warnings.push_back(absl::StrCat(flag, ": the token's expiry cannot be read (",
                                    expiry.status().message(),
                                    "); sending it anyway, the proxy decides"));
  } else if (*expiry <= now) {
    warnings.push_back(
        absl::StrCat(flag, ": the token expired at ",
                     absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", *expiry, absl::UTCTimeZone()),
                     "; the proxy will refuse it"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ChosenToken> ChooseSessionToken(const TcpSettings& settings, const TokenCache* cache,
                                               absl::Time now) {
  ChosenToken chosen;
  if (!settings.service_account.empty() || !settings.service_account_file.empty()) {
    std::string flag = "--service-account";
    if (settings.service_account.empty()) {
      flag = absl::StrCat("--service-account-file ", settings.service_account_file);
      absl::StatusOr<std::string> token = ReadTokenFile(settings.service_account_file);
      if (!token.ok()) return token.status();
      chosen.token = *std::move(token);
    } else {
      chosen.token = settings.service_account;
    }
    if (absl::Status status = CheckGivenToken(chosen.token, flag, now, chosen.warnings);
        !status.ok()) {
      return status;
    }
    chosen.source = TokenSource::kServiceAccount;
    return chosen;
  }
  if (cache == nullptr) {
    chosen.cache_miss = "no token cache (neither HOME nor XDG_CACHE_HOME is set)";
    return chosen;
  }
  absl::StatusOr<std::string> cached = cache->Load(settings.destination.proxy, now);
  if (!cached.ok()) {
    chosen.cache_miss = std::string(cached.status().message());
    return chosen;
  }
  if (!tunnel::FormatConnectRequest("check.invalid:1", *cached).ok()) {
    chosen.cache_miss = absl::StrCat("cached session for ", settings.destination.proxy.ToString(),
                                     " ignored: it has characters a JWT cannot have");
    return chosen;
  }
  chosen.token = *std::move(cached);
  chosen.source = TokenSource::kCache;
  return chosen;
}

}  // namespace postern::cli
