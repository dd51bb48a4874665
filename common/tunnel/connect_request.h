// The proxy's side of the tunnel handshake: parse one CONNECT request from
// untrusted bytes, and format the answer.
//
// Bytes can come from any stream in any pieces; the parser keeps what it needs
// and says how much of the last piece belonged to the request, so whatever
// follows the blank line goes into the tunnel untouched.
//
//   ConnectRequestParser parser;
//   for (;;) {
//     std::string_view chunk = ...;                  // read from the client
//     switch (parser.Feed(chunk)) {
//       case ConnectRequestParser::Progress::kNeedMore: continue;
//       case ConnectRequestParser::Progress::kError:
//         Send(FormatResponse(parser.error().status, parser.error().reason));
//         return;
//       case ConnectRequestParser::Progress::kDone:
//         Route(parser.request().authority, parser.request().session_token);
//         first_tunnel_bytes = chunk.substr(parser.consumed());
//         Send(FormatResponse(200, ""));
//     }
//   }
//
// Beast does the HTTP/1.1 grammar; this file adds what a tunnel needs on top:
// a 16 KiB header limit, no obs-fold or bare CR/LF, no message body, a strict
// authority, and exactly one session token.
#ifndef POSTERN_COMMON_TUNNEL_CONNECT_REQUEST_H_
#define POSTERN_COMMON_TUNNEL_CONNECT_REQUEST_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace postern::tunnel {

// The most bytes a request's header block (request line through the blank
// line) may take. Larger requests are answered 431.
inline constexpr std::size_t kMaxConnectHeaderBytes = 16 * 1024;

struct ConnectRequest {
  // "host:port" in canonical form (see authority.h): host lower-cased, IPv6 in
  // brackets. The key routes are matched by.
  std::string authority;
  // Host without brackets, ready for a resolver.
  std::string host;
  uint16_t port = 0;
  // The session JWT from `Authorization: Pomerium <jwt>`,
  // `X-Pomerium-Authorization: <jwt>` or `Authorization: Bearer Pomerium-<jwt>`;
  // empty if the request carried none. A secret: never log it.
  std::string session_token;
  // Empty if absent.
  std::string user_agent;
  // 10 for HTTP/1.0, 11 for HTTP/1.1.
  int http_version = 11;
};

// Why a request was refused: the HTTP status to answer with (400 malformed,
// 405 not CONNECT, 431 header block too large) and a one-line reason fit to
// show the client. The reason never contains the session token.
struct ConnectRequestError {
  int status = 400;
  std::string reason;
};

// ConnectRequestParser parses one CONNECT request, fed incrementally. One
// parser per connection; not thread-safe; not reusable after kDone/kError.
class ConnectRequestParser {
 public:
  enum class Progress {
    kNeedMore,  // the request is not complete yet: feed more bytes
    kDone,      // request() is valid; see consumed()
    kError,     // error() says what to answer; stop reading
  };

  ConnectRequestParser() = default;
  ConnectRequestParser(const ConnectRequestParser&) = delete;
  ConnectRequestParser& operator=(const ConnectRequestParser&) = delete;

  // Feed offers the next bytes from the client. The parser copies what it
  // needs (at most kMaxConnectHeaderBytes), so `bytes` need not outlive the
  // call. After kDone or kError further calls return the same result and
  // consume nothing. Feeding an empty piece is allowed and changes nothing.
  Progress Feed(std::string_view bytes);

  // consumed returns how many bytes of the last Feed's piece belong to the
  // request header block. After kDone, `bytes.substr(consumed())` are the
  // first bytes of the tunnel; after a 405 they are the start of the body of
  // a non-CONNECT request.
  std::size_t consumed() const { return consumed_; }

  // request returns the parsed request; valid only after kDone.
  const ConnectRequest& request() const { return request_; }

  // error returns why the request was refused; valid only after kError.
  const ConnectRequestError& error() const { return error_; }

  // header_block returns the raw request header block (request line through
  // the blank line); valid after kDone and after a 405. A proxy that also
  // serves plain HTTP (the login endpoints) on the same listener hands a 405
  // request on to its HTTP handler as header_block() followed by the
  // unconsumed rest of the last piece.
  std::string_view header_block() const { return header_block_; }

 private:
  Progress Fail(int status, std::string reason);
  // Scans new bytes for the end of the header block, rejecting bytes HTTP
  // allows but a tunnel request never needs. Returns the index just past the
  // blank line in `bytes`, or npos.
  std::size_t Scan(std::string_view bytes);
  Progress ParseHeaderBlock();

  Progress progress_ = Progress::kNeedMore;
  std::string header_block_;  // bytes received so far, up to the blank line
  std::size_t consumed_ = 0;
  ConnectRequest request_;
  ConnectRequestError error_;
  // Scanner state, carried between pieces.
  bool after_cr_ = false;
  bool at_line_start_ = true;
  bool in_request_line_ = true;
  std::size_t line_length_ = 0;
};

// FormatResponse returns the complete HTTP/1.1 answer to a CONNECT request.
// For 200 it is "HTTP/1.1 200 Connection established\r\n\r\n" (no body:
// the tunnel starts right after it) and `reason_text` is ignored. Any other
// status gets a text/plain body holding `reason_text` on one line (control
// characters replaced, at most 1 KiB), Content-Length, and
// `Connection: close`; 405 also gets `Allow: CONNECT`.
std::string FormatResponse(int status, std::string_view reason_text);

}  // namespace postern::tunnel

#endif  // POSTERN_COMMON_TUNNEL_CONNECT_REQUEST_H_
