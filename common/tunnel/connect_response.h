// The client's side of the tunnel handshake: format the CONNECT request the
// way pomerium-cli does, and parse the proxy's answer from untrusted bytes.
//
//   absl::StatusOr<std::string> request =
//       FormatConnectRequest("redis.corp.example.com:6379", jwt);
//   Send(*request);
//   ConnectResponseParser parser;
//   while (parser.Feed(ReadSome()) == ConnectResponseParser::Progress::kNeedMore) {}
//   // (at end of stream: parser.FeedEof())
//   if (parser.response().status == 200) {
//     first_tunnel_bytes = last_piece.substr(parser.consumed());
//   } else if (parser.response().status == 401) {
//     ...log in, retry once...
//   }
#ifndef POSTERN_COMMON_TUNNEL_CONNECT_RESPONSE_H_
#define POSTERN_COMMON_TUNNEL_CONNECT_RESPONSE_H_

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace postern::tunnel {

// The most bytes of an error answer's body kept for the user to read.
inline constexpr std::size_t kMaxConnectErrorBody = 4 * 1024;

// FormatConnectRequest returns the request that opens a tunnel to `authority`
// ("host:port"), as pomerium-cli sends it:
//
//   CONNECT host:port HTTP/1.1\r\nHost: host:port\r\nUser-Agent: postern\r\n
//   Authorization: Pomerium <token>\r\n\r\n
//
// without the Authorization line when `token` is empty. Fails with
// kInvalidArgument if `authority` is not a valid host:port (authority.h) or
// `token` has characters a JWT cannot have (so nothing can inject headers).
// The authority is sent in canonical form.
absl::StatusOr<std::string> FormatConnectRequest(std::string_view authority,
                                                 std::string_view token);

struct ConnectResponse {
  int status = 0;             // e.g. 200, 401, 403
  std::string reason_phrase;  // e.g. "Forbidden"; may be empty
  // The error answer's body (the proxy's explanation), at most
  // kMaxConnectErrorBody bytes, possibly truncated; empty for 2xx.
  std::string body;
};

// ConnectResponseParser parses the proxy's answer to one CONNECT request, fed
// incrementally. One parser per request; not thread-safe.
//
// A 2xx answer ends at its blank line (RFC 9110: Content-Length and
// Transfer-Encoding are ignored in a successful answer to CONNECT); whatever
// follows belongs to the tunnel. Any other answer is read through its body,
// of which the first kMaxConnectErrorBody bytes are kept: a body declared
// larger is not read at all, since the connection is closed anyway.
class ConnectResponseParser {
 public:
  enum class Progress {
    kNeedMore,  // feed more bytes (or FeedEof at end of stream)
    kDone,      // response() is valid; see consumed()
    kError,     // error() says what was wrong with the answer
  };

  ConnectResponseParser();
  ~ConnectResponseParser();
  ConnectResponseParser(const ConnectResponseParser&) = delete;
  ConnectResponseParser& operator=(const ConnectResponseParser&) = delete;

  // Feed offers the next bytes from the proxy. `bytes` need not outlive the
  // call. After kDone or kError further calls consume nothing and return the
  // same result.
  Progress Feed(std::string_view bytes);

  // FeedEof tells the parser the proxy closed the stream. Returns kDone if a
  // complete status line and header block were received (the body of an
  // error answer may end at end of stream), kError otherwise.
  Progress FeedEof();

  // consumed returns how many bytes of the last Feed's piece belonged to the
  // answer. After a 2xx, `bytes.substr(consumed())` are the first tunnel bytes.
  std::size_t consumed() const { return consumed_; }

  // response returns the answer; valid after kDone.
  const ConnectResponse& response() const { return response_; }

  // error returns why the answer could not be understood (kUnavailable: the
  // proxy closed early or answered something that is not HTTP/1.x); valid
  // after kError.
  const absl::Status& error() const { return error_; }

 private:
  struct Beast;  // the Beast parser, kept out of this header
  Progress Fail(std::string message);
  Progress Parse();
  Progress FinishHeader();

  std::unique_ptr<Beast> beast_;
  Progress progress_ = Progress::kNeedMore;
  std::string pending_;  // bytes fed but not yet consumed by Beast
  std::size_t consumed_ = 0;
  bool header_done_ = false;
  ConnectResponse response_;
  absl::Status error_;
};

}  // namespace postern::tunnel

#endif  // POSTERN_COMMON_TUNNEL_CONNECT_RESPONSE_H_
