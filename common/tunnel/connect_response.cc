#include "common/tunnel/connect_response.h"

#include <algorithm>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/tunnel/authority.h"
#include "common/tunnel/connect_request.h"

namespace postern::tunnel {
namespace {

namespace http = boost::beast::http;

bool IsTokenChar(char c) {
  return absl::ascii_isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == '+' ||
         c == '/' || c == '=';
}

}  // namespace

absl::StatusOr<std::string> FormatConnectRequest(std::string_view authority,
                                                 std::string_view token) {
  absl::StatusOr<Authority> parsed = ParseAuthority(authority);
  if (!parsed.ok()) return parsed.status();
  if (!std::all_of(token.begin(), token.end(), IsTokenChar)) {
    return absl::InvalidArgumentError("session token contains characters a JWT cannot contain");
  }
  std::string canonical = parsed->ToString();
  std::string request = absl::StrCat("CONNECT ", canonical, " HTTP/1.1\r\nHost: ", canonical,
                                     "\r\nUser-Agent: postern\r\n");
  if (!token.empty())
    absl::StrAppend(&request, "Authorization: Pomerium ", std::string(token), "\r\n");
  request.append("\r\n");
  return request;
}

struct ConnectResponseParser::Beast {
  http::response_parser<http::string_body> parser;
};

ConnectResponseParser::ConnectResponseParser() : beast_(std::make_unique<Beast>()) {
  beast_->parser.header_limit(kMaxConnectHeaderBytes);
  // No body limit while reading the header: a 2xx may declare any length (it
  // is ignored), and an error body's length is checked in FinishHeader.
  beast_->parser.body_limit(boost::none);
  // Stop after the header block: for a 2xx, the next byte is the tunnel's.
  beast_->parser.eager(false);
}

ConnectResponseParser::~ConnectResponseParser() = default;

ConnectResponseParser::Progress ConnectResponseParser::Fail(std::string message) {
  error_ = absl::UnavailableError(std::move(message));
  progress_ = Progress::kError;
  return progress_;
}

ConnectResponseParser::Progress ConnectResponseParser::Feed(std::string_view bytes) {
  consumed_ = 0;
  if (progress_ != Progress::kNeedMore) return progress_;
  const std::size_t earlier = pending_.size();
  pending_.append(bytes);
  Progress progress = Parse();
  // Parse consumed bytes from the front of pending_; whatever of it was not
  // left over came from this piece (earlier pieces alone did not complete).
  const std::size_t left = pending_.size();
  const std::size_t used_total = earlier + bytes.size() - left;
  consumed_ = used_total > earlier ? used_total - earlier : 0;
  return progress;
}

ConnectResponseParser::Progress ConnectResponseParser::Parse() {
  auto& parser = beast_->parser;
  while (!pending_.empty()) {
    boost::system::error_code ec;
    std::size_t used = parser.put(boost::asio::buffer(pending_), ec);
    pending_.erase(0, used);
    if (ec == http::error::need_more) return progress_;
    if (ec) {
      if (!header_done_) {
        return Fail(absl::StrCat("proxy answered with something that is not HTTP/1.x (",
                                 ec.message(), ")"));
      }
      // A body that is too long or badly chunked still leaves the status,
      // which is what the client acts on; keep the text read so far.
      response_.body = parser.get().body();
      progress_ = Progress::kDone;
      return progress_;
    }
    if (!header_done_ && parser.is_header_done()) {
      header_done_ = true;
      if (FinishHeader() != Progress::kNeedMore) return progress_;
    }
    if (parser.is_done()) {
      response_.body = parser.get().body();
      progress_ = Progress::kDone;
      return progress_;
    }
    if (used == 0) return progress_;
  }
  return progress_;
}

ConnectResponseParser::Progress ConnectResponseParser::FinishHeader() {
  auto& parser = beast_->parser;
  const auto& message = parser.get();
  response_.status = static_cast<int>(message.result_int());
  response_.reason_phrase = std::string(message.reason());
  if (response_.status / 100 == 2) {
    progress_ = Progress::kDone;
    return progress_;
  }
  if (parser.content_length().value_or(0) > kMaxConnectErrorBody) {
    progress_ = Progress::kDone;  // too long to show; the status says enough
    return progress_;
  }
  parser.body_limit(kMaxConnectErrorBody);
  parser.eager(true);
  return progress_;
}

ConnectResponseParser::Progress ConnectResponseParser::FeedEof() {
  consumed_ = 0;
  if (progress_ != Progress::kNeedMore) return progress_;
  if (!header_done_) {
    return Fail(beast_->parser.got_some()
                    ? "proxy closed the connection in the middle of its answer"
                    : "proxy closed the connection without answering");
  }
  response_.body = beast_->parser.get().body();
  progress_ = Progress::kDone;
  return progress_;
}

}  // namespace postern::tunnel
