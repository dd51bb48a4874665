#include "cli/login_callback.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/crypto/base64.h"
#include "common/crypto/digest.h"
#include "common/crypto/random.h"
#include "common/http/form_encoding.h"
#include "common/tunnel/connect_response.h"

namespace postern::cli {
namespace {

constexpr char kTokenParameter[] = "pomerium_jwt";
constexpr char kDonePage[] = "login complete, you may close this page\n";

std::string HttpAnswer(absl::string_view status, absl::string_view body) {
  return absl::StrCat(
      "HTTP/1.1 ", status,
      "\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ", body.size(),
      "\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n", body);
}

// The one value of `name` in `fields`; nullopt if it is absent or repeats.
std::optional<std::string> Single(const std::vector<std::pair<std::string, std::string>>& fields,
                                  std::string_view name) {
  std::optional<std::string> value;
  for (const auto& [key, v] : fields) {
    if (key != name) continue;
    if (value.has_value()) return std::nullopt;
    value = v;
  }
  return value;
}

}  // namespace

absl::StatusOr<std::string> NewCallbackState() {
  absl::StatusOr<std::string> bytes = crypto::RandomBytes(16);
  if (!bytes.ok()) return bytes.status();
  return crypto::Base64UrlEncode(*bytes);
}

std::string CallbackRedirectUri(uint16_t port, std::string_view state) {
  return absl::StrCat("http://127.0.0.1:", port, "/?",
                      http::FormEncode({{kCallbackStateParameter, std::string(state)}}));
}

CallbackRequest ReadCallbackRequest(std::string_view head_view, std::string_view state) {
  const absl::string_view head(head_view.data(), head_view.size());
  const absl::string_view request_line = head.substr(0, head.find("\r\n"));
  std::vector<absl::string_view> parts = absl::StrSplit(request_line, ' ');
  if (parts.size() != 3 || parts[0] != "GET") {
    return {.answer = HttpAnswer("405 Method Not Allowed", "only GET is served here\n")};
  }
  const absl::string_view target = parts[1];
  const std::size_t question = target.find('?');
  if (target.substr(0, question) != "/") {
    return {.answer = HttpAnswer("404 Not Found", "not found\n")};
  }
  if (question != absl::string_view::npos) {
    const absl::string_view query = target.substr(question + 1);
    absl::StatusOr<std::vector<std::pair<std::string, std::string>>> fields =
        http::FormDecode(std::string_view(query.data(), query.size()));
    if (fields.ok()) {
      std::optional<std::string> given_state = Single(*fields, kCallbackStateParameter);
      std::optional<std::string> token = Single(*fields, kTokenParameter);
      if (!state.empty() && given_state.has_value() &&
          crypto::ConstantTimeEquals(*given_state, state) && token.has_value() && !token->empty() &&
          tunnel::FormatConnectRequest("check.invalid:1", *token).ok()) {
        return {.token = std::move(token), .answer = HttpAnswer("200 OK", kDonePage)};
      }
    }
  }
  return {.answer = HttpAnswer("400 Bad Request",
                               "this page did not bring the session this login waits for; the "
                               "login is still waiting\n")};
}

}  // namespace postern::cli
