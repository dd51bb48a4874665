// The PROXY protocol (HAProxy's, versions 1 and 2): the header an L4 load
// balancer writes at the start of each connection it forwards, naming the
// client it accepted. With `proxy_protocol: true` the proxy reads it before
// TLS, so `source_ip` policy and the access log see the client, not the
// balancer.
//
//   ProxyHeaderParser parser;
//   for (;;) {
//     std::string_view peeked = ...;            // bytes the client sent, not yet consumed
//     ProxyHeaderParser::Progress progress = parser.Feed(peeked);
//     consume(parser.consumed());               // exactly the header's bytes, never more
//     if (progress == ProxyHeaderParser::Progress::kError) refuse(parser.error());
//     if (progress == ProxyHeaderParser::Progress::kDone) break;
//   }
//   if (parser.header().source) client = parser.header().source->ToString();
//   ... the TLS handshake reads the bytes after the header ...
//
// Strict, as the specification asks: anything that is not exactly a valid
// header is an error with a one-line reason, and the connection must be
// dropped. Supported: v1 TCP4, TCP6 and UNKNOWN; v2 LOCAL, and PROXY over
// TCP/IPv4, TCP/IPv6, UNIX stream and UNSPEC; v2 TLVs are skipped after
// their lengths are checked, and a CRC32C TLV is verified. Datagram (UDP)
// headers are refused: the listener is TCP. No Asio here; the socket side is
// proxy_protocol_reader.h.
#ifndef POSTERN_PROXY_PROXY_PROTOCOL_H_
#define POSTERN_PROXY_PROXY_PROTOCOL_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace postern::proxy {

// The longest v1 header, CRLF included ("PROXY UNKNOWN" with two IPv6
// addresses and ports). A line without CRLF by then is refused.
inline constexpr std::size_t kMaxProxyV1HeaderBytes = 107;
// The fixed part of a v2 header: signature, version/command, family, length.
inline constexpr std::size_t kProxyV2FixedBytes = 16;
// The v2 signature, 12 bytes (with a NUL inside, hence the explicit size).
inline constexpr std::string_view kProxyV2Signature("\r\n\r\n\0\r\nQUIT\n", 12);

// An IP address and port as a PROXY header states them.
struct ProxiedAddress {
  std::string ip;  // canonical text (inet_ntop): "192.0.2.7", "2001:db8::7"
  uint16_t port = 0;

  // ToString returns "192.0.2.7:51000" or "[2001:db8::7]:51000", the form
  // the access log uses for clients.
  std::string ToString() const;

  friend bool operator==(const ProxiedAddress&, const ProxiedAddress&) = default;
};

struct ProxyHeader {
  int version = 0;  // 1 or 2
  // The client the balancer accepted and the address it connected to.
  // Absent when the header says to keep the connection's own addresses: a
  // v2 LOCAL header (the balancer's own health checks), v1 UNKNOWN, and v2
  // PROXY with the UNSPEC or UNIX family.
  std::optional<ProxiedAddress> source;
  std::optional<ProxiedAddress> destination;
  std::size_t size = 0;  // bytes of the header on the wire
};

// ProxyHeaderParser reads one PROXY header, fed incrementally, and takes no
// byte past its end. One parser per connection; not thread-safe; not
// reusable after kDone or kError.
class ProxyHeaderParser {
 public:
  enum class Progress {
    kNeedMore,  // a valid beginning of a header: feed more bytes
    kDone,      // header() is valid; see consumed()
    kError,     // error() says why; drop the connection
  };

  ProxyHeaderParser() = default;
  ProxyHeaderParser(const ProxyHeaderParser&) = delete;
  ProxyHeaderParser& operator=(const ProxyHeaderParser&) = delete;

  // Feed offers the next bytes of the connection. The parser copies what it
  // needs (at most kProxyV2FixedBytes + 65535 bytes in all), so `bytes` need
  // not outlive the call. After kDone or kError further calls return the
  // same result and consume nothing. An empty piece changes nothing.
  Progress Feed(std::string_view bytes);

  // consumed returns how many bytes of the last Feed's piece belong to the
  // header: all of them after kNeedMore, those up to the header's last byte
  // after kDone (the rest belong to the TLS handshake), and unspecified
  // after kError.
  std::size_t consumed() const { return consumed_; }

  // received returns how many header bytes were fed so far, in all pieces.
  std::size_t received() const { return buffer_.size(); }

  // header returns the parsed header; valid only after kDone.
  const ProxyHeader& header() const { return header_; }

  // error returns why the header was refused; valid only after kError. Bytes
  // from the wire in it are escaped.
  const std::string& error() const { return error_; }

  // EndOfStreamError returns why a connection that ended now, while the
  // parser still needs more, has no valid header, e.g. "connection closed
  // after 20 of the 28 bytes of a PROXY v2 header".
  std::string EndOfStreamError() const;

 private:
  // Each takes the byte just appended to buffer_.
  Progress StepUnknown();
  Progress StepV1();
  Progress StepV2();
  Progress ParseV1Line(std::string_view line);
  Progress ParseV2Body();
  Progress Fail(std::string reason);
  Progress Finish();

  Progress progress_ = Progress::kNeedMore;
  std::string buffer_;  // the header bytes received so far
  std::size_t consumed_ = 0;
  std::size_t v2_total_ = 0;  // 16 + length, once known
  ProxyHeader header_;
  std::string error_;
};

}  // namespace postern::proxy

#endif  // POSTERN_PROXY_PROXY_PROTOCOL_H_
