#include "common/tunnel/connect_request.h"

#include <algorithm>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/parser.hpp>
#include <optional>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/tunnel/authority.h"

namespace postern::tunnel {
namespace {

namespace http = boost::beast::http;

constexpr std::string_view kPomeriumHeader = "X-Pomerium-Authorization";

// Quoted for error messages: bounded, control bytes escaped.
std::string Quote(std::string_view text) {
  constexpr std::size_t kMaxShown = 80;
  std::string_view head = text.substr(0, kMaxShown);
  return absl::StrCat("\"", absl::CHexEscape(absl::string_view(head.data(), head.size())),
                      text.size() > kMaxShown ? "...\"" : "\"");
}

// absl here predates std::string_view interop; this is absl::EqualsIgnoreCase.
bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return absl::EqualsIgnoreCase(absl::string_view(a.data(), a.size()),
                                absl::string_view(b.data(), b.size()));
}

// A JWT is three base64url parts joined by '.'; this also admits the other
// token68 characters so that a malformed-but-harmless token reaches the
// verifier, which gives the better error (401).
bool IsTokenChar(char c) {
  return absl::ascii_isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == '+' ||
         c == '/' || c == '=';
}

// Where a session token was found. Two places in one request are refused:
// which one the client meant is a guess, and guessing about credentials is
// how confused-deputy bugs start.
enum class TokenSource { kNone, kAuthorizationPomerium, kAuthorizationBearer, kPomeriumHeader };

struct TokenOrError {
  TokenSource source = TokenSource::kNone;
  std::string token;
  std::string error;
};

// Reads `Authorization: Pomerium <jwt>` or `Authorization: Bearer
// Pomerium-<jwt>`. Other schemes (Basic, a plain Bearer) carry no session:
// they are ignored, and the request proceeds as unauthenticated.
TokenOrError TokenFromAuthorization(std::string_view value) {
  std::size_t space = value.find(' ');
  std::string_view scheme = value.substr(0, space);
  std::string_view rest =
      space == std::string_view::npos ? std::string_view() : value.substr(space + 1);
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  TokenOrError result;
  if (EqualsIgnoreCase(scheme, "Pomerium")) {
    result.source = TokenSource::kAuthorizationPomerium;
    result.token = std::string(rest);
  } else if (EqualsIgnoreCase(scheme, "Bearer") && rest.starts_with("Pomerium-")) {
    result.source = TokenSource::kAuthorizationBearer;
    result.token = std::string(rest.substr(std::string_view("Pomerium-").size()));
  }
  return result;
}

std::string CheckToken(std::string_view token) {
  if (token.empty()) return "empty session token";
  if (!std::all_of(token.begin(), token.end(), IsTokenChar)) {
    return "session token contains characters a JWT cannot contain";
  }
  return "";
}

const char* StatusText(int status) {
  switch (status) {
    case 200:
      return "Connection established";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 413:
      return "Payload Too Large";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return status >= 500 ? "Server Error" : "Error";
  }
}

}  // namespace

ConnectRequestParser::Progress ConnectRequestParser::Fail(int status, std::string reason) {
  error_ = ConnectRequestError{status, std::move(reason)};
  progress_ = Progress::kError;
  return progress_;
}

std::size_t ConnectRequestParser::Scan(std::string_view bytes) {
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (header_block_.size() + i + 1 > kMaxConnectHeaderBytes) {
      Fail(431,
           absl::StrCat("request header block larger than ", kMaxConnectHeaderBytes, " bytes"));
      return std::string_view::npos;
    }
    const char c = bytes[i];
    if (after_cr_) {
      if (c != '\n') {
        Fail(400, "bare CR in request header");
        return std::string_view::npos;
      }
      after_cr_ = false;
      if (line_length_ == 0) {
        if (in_request_line_) {
          Fail(400, "empty request line");
          return std::string_view::npos;
        }
        return i + 1;
      }
      in_request_line_ = false;
      at_line_start_ = true;
      line_length_ = 0;
      continue;
    }
    if (c == '\r') {
      after_cr_ = true;
      continue;
    }
    if (c == '\n') {
      Fail(400, "bare LF in request header (lines must end with CRLF)");
      return std::string_view::npos;
    }
    if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f) {
      Fail(400, "control character in request header");
      return std::string_view::npos;
    }
    if (at_line_start_ && (c == ' ' || c == '\t')) {
      Fail(400, in_request_line_ ? "request line starts with whitespace"
                                 : "obsolete header line folding is not allowed");
      return std::string_view::npos;
    }
    at_line_start_ = false;
    ++line_length_;
  }
  return std::string_view::npos;
}

ConnectRequestParser::Progress ConnectRequestParser::Feed(std::string_view bytes) {
  consumed_ = 0;
  if (progress_ != Progress::kNeedMore) return progress_;
  std::size_t end = Scan(bytes);
  if (progress_ == Progress::kError) return progress_;
  if (end == std::string_view::npos) {
    header_block_.append(bytes);
    return progress_;
  }
  header_block_.append(bytes.substr(0, end));
  consumed_ = end;
  return ParseHeaderBlock();
}

ConnectRequestParser::Progress ConnectRequestParser::ParseHeaderBlock() {
  http::request_parser<http::empty_body> parser;
  parser.header_limit(2 * kMaxConnectHeaderBytes);  // Scan already enforced the real limit
  parser.eager(false);
  boost::system::error_code ec;
  std::size_t used = parser.put(boost::asio::buffer(header_block_), ec);
  if (ec == http::error::bad_version) return Fail(400, "unsupported HTTP version (use HTTP/1.1)");
  if (ec) return Fail(400, absl::StrCat("malformed request: ", ec.message()));
  if (!parser.is_header_done() || used != header_block_.size()) {
    return Fail(400, "malformed request header");
  }
  const http::request<http::empty_body>& message = parser.get();

  if (message.method_string() != "CONNECT") {
    return Fail(405, absl::StrCat("method ", Quote(message.method_string()),
                                  " not allowed: only CONNECT opens a tunnel"));
  }
  request_.http_version = static_cast<int>(message.version());

  absl::StatusOr<Authority> target = ParseAuthority(message.target());
  if (!target.ok()) return Fail(400, std::string(target.status().message()));
  request_.authority = target->ToString();
  request_.host = target->host;
  request_.port = target->port;

  int host_headers = 0;
  int authorization_headers = 0;
  int pomerium_headers = 0;
  std::optional<TokenOrError> from_authorization;
  std::string from_pomerium_header;
  for (const auto& field : message) {
    switch (field.name()) {
      case http::field::content_length:
      case http::field::transfer_encoding:
        return Fail(400, absl::StrCat("a CONNECT request must not carry a body (",
                                      std::string(field.name_string()), " header)"));
      case http::field::host: {
        if (++host_headers > 1) return Fail(400, "more than one Host header");
        std::string_view value = field.value();
        absl::StatusOr<Authority> host = ParseAuthority(value);
        if (!host.ok()) host = ParseAuthority(absl::StrCat(std::string(value), ":", target->port));
        if (!host.ok() || *host != *target) {
          return Fail(
              400, absl::StrCat("Host header ", Quote(value), " does not match the request target ",
                                Quote(message.target())));
        }
        break;
      }
      case http::field::authorization:
        if (++authorization_headers > 1) return Fail(400, "more than one Authorization header");
        from_authorization = TokenFromAuthorization(field.value());
        break;
      case http::field::user_agent:
        if (request_.user_agent.empty()) request_.user_agent = std::string(field.value());
        break;
      default:
        if (EqualsIgnoreCase(field.name_string(), kPomeriumHeader)) {
          if (++pomerium_headers > 1) {
            return Fail(400, "more than one X-Pomerium-Authorization header");
          }
          from_pomerium_header = std::string(field.value());
        }
        break;
    }
  }

  bool has_authorization_token =
      from_authorization.has_value() && from_authorization->source != TokenSource::kNone;
  if (has_authorization_token && pomerium_headers > 0) {
    return Fail(400,
                "session token given in both Authorization and X-Pomerium-Authorization; send "
                "one");
  }
  if (has_authorization_token) {
    request_.session_token = std::move(from_authorization->token);
  } else if (pomerium_headers > 0) {
    request_.session_token = std::move(from_pomerium_header);
  }
  if (has_authorization_token || pomerium_headers > 0) {
    if (std::string problem = CheckToken(request_.session_token); !problem.empty()) {
      request_.session_token.clear();
      return Fail(400, problem);
    }
  }
  progress_ = Progress::kDone;
  return progress_;
}

std::string FormatResponse(int status, std::string_view reason_text) {
  if (status == 200) return "HTTP/1.1 200 Connection established\r\n\r\n";
  constexpr std::size_t kMaxReason = 1024;
  std::string body(reason_text.substr(0, kMaxReason));
  for (char& c : body) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  }
  body.push_back('\n');
  return absl::StrCat("HTTP/1.1 ", status, " ", StatusText(status), "\r\n",
                      status == 405 ? "Allow: CONNECT\r\n" : "",
                      "Content-Type: text/plain; charset=utf-8\r\n",
                      "Content-Length: ", body.size(), "\r\n", "Connection: close\r\n\r\n", body);
}

}  // namespace postern::tunnel
