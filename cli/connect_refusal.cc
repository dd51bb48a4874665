#include "cli/connect_refusal.h"

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace postern::cli {
namespace {

// The most characters of the proxy's explanation shown.
constexpr std::size_t kMaxShownBody = 300;

// OneLine returns `body` trimmed, with control characters as spaces and at
// most kMaxShownBody characters.
std::string OneLine(std::string_view body) {
  std::string line;
  for (char c : body) {
    const unsigned char u = static_cast<unsigned char>(c);
    line.push_back(u < 0x20 || u == 0x7f ? ' ' : c);
  }
  std::string trimmed(absl::StripAsciiWhitespace(line));
  if (trimmed.size() > kMaxShownBody) {
    trimmed.resize(kMaxShownBody);
    trimmed += "...";
  }
  return trimmed;
}

// Detail returns "(403: reason)", or "(403)" when the proxy gave no reason.
std::string Detail(const tunnel::ConnectResponse& response) {
  std::string body = OneLine(response.body);
  if (body.empty()) return absl::StrCat("(", response.status, ")");
  return absl::StrCat("(", response.status, ": ", body, ")");
}

absl::Status Unauthenticated(const tunnel::ConnectResponse& response,
                             const RefusalContext& context) {
  const std::string proxy = context.proxy.ToString();
  const std::string target = context.target.ToString();
  switch (context.token_source) {
    case TokenSource::kNone:
      return absl::UnauthenticatedError(absl::StrCat(
          "proxy ", proxy, " requires a session to reach ", target, " ", Detail(response),
          "; sign in (postern logs in with the browser when it can) or pass --service-account JWT "
          "or "
          "--service-account-file FILE"));
    case TokenSource::kServiceAccount:
      return absl::UnauthenticatedError(absl::StrCat(
          "proxy ", proxy, " refused the service account token for ", target, " ", Detail(response),
          "; the token may have expired or have been made for another proxy"));
    case TokenSource::kLogin:
      return absl::UnauthenticatedError(absl::StrCat(
          "proxy ", proxy, " refused the session from the login just completed for ", target, " ",
          Detail(response), "; check the proxy's identity provider settings and its clock"));
    case TokenSource::kCache:
      return absl::UnauthenticatedError(absl::StrCat(
          "proxy ", proxy, " refused the cached session for ", target, " ", Detail(response),
          "; pass --service-account JWT or --service-account-file FILE"));
  }
  return absl::UnauthenticatedError(absl::StrCat("proxy ", proxy, " ", Detail(response)));
}

}  // namespace

absl::Status ExplainRefusal(const tunnel::ConnectResponse& response,
                            const RefusalContext& context) {
  const std::string proxy = context.proxy.ToString();
  const std::string target = context.target.ToString();
  switch (response.status) {
    case 401:
      return Unauthenticated(response, context);
    case 403:
      return absl::PermissionDeniedError(
          absl::StrCat("access to ", target, " denied by policy ", Detail(response)));
    case 404:
      return absl::NotFoundError(absl::StrCat("proxy ", proxy, " has no route for ", target, " ",
                                              Detail(response),
                                              "; check DEST against the routes' `from`"));
    case 502:
      return absl::UnavailableError(absl::StrCat("proxy ", proxy, " could not connect to ", target,
                                                 "'s upstream ", Detail(response)));
    case 503: {
      // postern-proxy's own text already ends with this advice.
      const std::string detail = Detail(response);
      constexpr absl::string_view kAdvice = "try again later";
      return absl::UnavailableError(
          absl::StrCat("proxy ", proxy, " cannot reach its authorization service ", detail,
                       absl::StrContains(detail, kAdvice) ? "" : absl::StrCat("; ", kAdvice)));
    }
    case 504:
      return absl::UnavailableError(absl::StrCat("proxy ", proxy, " timed out connecting to ",
                                                 target, "'s upstream ", Detail(response)));
    default:
      break;
  }
  std::string status = absl::StrCat(response.status);
  if (!response.reason_phrase.empty()) {
    absl::StrAppend(&status, " ", OneLine(response.reason_phrase));
  }
  std::string body = OneLine(response.body);
  return absl::FailedPreconditionError(absl::StrCat("proxy ", proxy, " refused the tunnel to ",
                                                    target, " (", status, body.empty() ? "" : ": ",
                                                    body, ")"));
}

}  // namespace postern::cli
