#include "common/tunnel/connect_request.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace postern::tunnel {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using Progress = ConnectRequestParser::Progress;

constexpr char kJwt[] = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1MSJ9.c2lnbmF0dXJl";

// What pomerium-cli (Go's http.Request.Write) sends.
std::string PomeriumCliRequest(std::string_view authority, std::string_view token) {
  return std::string("CONNECT ") + std::string(authority) +
         " HTTP/1.1\r\nHost: " + std::string(authority) +
         "\r\nUser-Agent: Go-http-client/1.1\r\nAuthorization: Pomerium " + std::string(token) +
         "\r\n\r\n";
}

struct Outcome {
  Progress progress;
  ConnectRequest request;
  ConnectRequestError error;
  std::string tunnel_bytes;  // what followed the request in the input
};

// Feeds `input` in pieces of `piece` bytes (0: all at once) and collects the
// bytes the parser left for the tunnel.
Outcome Parse(std::string_view input, std::size_t piece = 0) {
  ConnectRequestParser parser;
  Outcome out{Progress::kNeedMore, {}, {}, {}};
  if (piece == 0) piece = input.size() + 1;
  for (std::size_t at = 0; at < input.size(); at += piece) {
    std::string_view chunk = input.substr(at, piece);
    out.progress = parser.Feed(chunk);
    if (out.progress != Progress::kNeedMore) {
      out.tunnel_bytes = std::string(chunk.substr(parser.consumed()));
      out.tunnel_bytes += std::string(input.substr(std::min(input.size(), at + piece)));
      break;
    }
  }
  if (out.progress == Progress::kDone) out.request = parser.request();
  if (out.progress == Progress::kError) out.error = parser.error();
  return out;
}

TEST(ConnectRequestParserTest, ParsesPomeriumCliRequest) {
  Outcome out = Parse(PomeriumCliRequest("Redis.Corp.Example.com:6379", kJwt));
  ASSERT_EQ(out.progress, Progress::kDone) << out.error.reason;
  EXPECT_EQ(out.request.authority, "redis.corp.example.com:6379");
  EXPECT_EQ(out.request.host, "redis.corp.example.com");
  EXPECT_EQ(out.request.port, 6379);
  EXPECT_EQ(out.request.session_token, kJwt);
  EXPECT_EQ(out.request.user_agent, "Go-http-client/1.1");
  EXPECT_EQ(out.request.http_version, 11);
  EXPECT_EQ(out.tunnel_bytes, "");
}

TEST(ConnectRequestParserTest, AcceptsEachSessionTokenForm) {
  for (const std::string& header : {
           std::string("Authorization: Pomerium ") + kJwt,
           std::string("authorization: pomerium ") + kJwt,
           std::string("Authorization: Pomerium   ") + kJwt,
           std::string("X-Pomerium-Authorization: ") + kJwt,
           std::string("x-pomerium-authorization: ") + kJwt,
           std::string("Authorization: Bearer Pomerium-") + kJwt,
       }) {
    Outcome out = Parse("CONNECT db:5432 HTTP/1.1\r\nHost: db:5432\r\n" + header + "\r\n\r\n");
    ASSERT_EQ(out.progress, Progress::kDone) << header << ": " << out.error.reason;
    EXPECT_EQ(out.request.session_token, kJwt) << header;
  }
}

TEST(ConnectRequestParserTest, RequestWithoutTokenOrWithForeignSchemeIsUnauthenticated) {
  for (const std::string& extra : {std::string(""), std::string("Authorization: Basic dTpw\r\n"),
                                   std::string("Authorization: Bearer abc.def.ghi\r\n"),
                                   std::string("Proxy-Authorization: Pomerium abc\r\n")}) {
    Outcome out = Parse("CONNECT db:5432 HTTP/1.1\r\nHost: db:5432\r\n" + extra + "\r\n");
    ASSERT_EQ(out.progress, Progress::kDone) << extra << out.error.reason;
    EXPECT_EQ(out.request.session_token, "") << extra;
  }
}

TEST(ConnectRequestParserTest, AcceptsHttp10AndMissingHostAndHostWithoutPort) {
  Outcome out = Parse("CONNECT db:5432 HTTP/1.0\r\n\r\n");
  ASSERT_EQ(out.progress, Progress::kDone) << out.error.reason;
  EXPECT_EQ(out.request.http_version, 10);
  EXPECT_EQ(out.request.authority, "db:5432");

  out = Parse("CONNECT DB:5432 HTTP/1.1\r\nHost: db\r\n\r\n");
  ASSERT_EQ(out.progress, Progress::kDone) << out.error.reason;

  out = Parse("CONNECT [::1]:22 HTTP/1.1\r\nHost: [::1]:22\r\n\r\n");
  ASSERT_EQ(out.progress, Progress::kDone) << out.error.reason;
  EXPECT_EQ(out.request.authority, "[::1]:22");
  EXPECT_EQ(out.request.host, "::1");
}

TEST(ConnectRequestParserTest, RefusesHostileInputWithPreciseStatus) {
  const std::string ok_start = "CONNECT db:5432 HTTP/1.1\r\nHost: db:5432\r\n";
  struct Case {
    std::string name;
    std::string input;
    int status;
    std::string reason;
  };
  const std::vector<Case> cases = {
      {"oversized header", ok_start + "X-Pad: " + std::string(20000, 'a') + "\r\n\r\n", 431,
       "larger than 16384"},
      {"oversized by many small headers",
       [&] {
         std::string s = ok_start;
         while (s.size() < 17000) s += "X-A: b\r\n";
         return s + "\r\n";
       }(),
       431, "larger than"},
      {"GET", "GET / HTTP/1.1\r\nHost: db\r\n\r\n", 405, "only CONNECT"},
      {"POST with body", "POST /x HTTP/1.1\r\nContent-Length: 2\r\n\r\nhi", 405, "\"POST\""},
      {"lower-case method", "connect db:5432 HTTP/1.1\r\n\r\n", 405, "only CONNECT"},
      {"no port", "CONNECT db HTTP/1.1\r\n\r\n", 400, "port required"},
      {"port 0", "CONNECT db:0 HTTP/1.1\r\n\r\n", 400, "1..65535"},
      {"port 70000", "CONNECT db:70000 HTTP/1.1\r\n\r\n", 400, "1..65535"},
      {"empty host", "CONNECT :80 HTTP/1.1\r\n\r\n", 400, "host required"},
      {"userinfo", "CONNECT u:p@db:80 HTTP/1.1\r\n\r\n", 400, "userinfo"},
      {"path", "CONNECT db:80/x HTTP/1.1\r\n\r\n", 400, "path"},
      {"absolute form", "CONNECT http://db:80/ HTTP/1.1\r\n\r\n", 400, "path"},
      {"asterisk", "CONNECT * HTTP/1.1\r\n\r\n", 400, "port required"},
      {"bare IPv6", "CONNECT ::1:22 HTTP/1.1\r\n\r\n", 400, "brackets"},
      {"HTTP/2.0", "CONNECT db:80 HTTP/2.0\r\n\r\n", 400, "HTTP version"},
      {"HTTP/0.9", "CONNECT db:80 HTTP/0.9\r\n\r\n", 400, "HTTP version"},
      {"no version", "CONNECT db:80\r\n\r\n", 400, "malformed"},
      {"Host mismatch", "CONNECT db:80 HTTP/1.1\r\nHost: other:80\r\n\r\n", 400, "does not match"},
      {"Host port mismatch", "CONNECT db:80 HTTP/1.1\r\nHost: db:81\r\n\r\n", 400,
       "does not match"},
      {"Host empty port", "CONNECT db:80 HTTP/1.1\r\nHost: db:\r\n\r\n", 400, "does not match"},
      {"two Hosts", ok_start + "Host: db:5432\r\n\r\n", 400, "more than one Host"},
      {"Content-Length", ok_start + "Content-Length: 0\r\n\r\n", 400, "must not carry a body"},
      {"Transfer-Encoding", ok_start + "Transfer-Encoding: chunked\r\n\r\n", 400,
       "must not carry a body"},
      {"obs-fold", ok_start + "X-A: b\r\n c\r\n\r\n", 400, "folding"},
      {"obs-fold tab", ok_start + "X-A: b\r\n\tc\r\n\r\n", 400, "folding"},
      {"bare LF line ends", "CONNECT db:80 HTTP/1.1\nHost: db:80\n\n", 400, "bare LF"},
      {"bare LF in value", ok_start + "X-A: b\nInjected: 1\r\n\r\n", 400, "bare LF"},
      {"bare CR in value", ok_start + "X-A: b\rInjected: 1\r\n\r\n", 400, "bare CR"},
      {"NUL in value", ok_start + std::string("X-A: b\0c\r\n\r\n", 12), 400, "control"},
      {"escape in value", ok_start + "X-A: \x1b[31m\r\n\r\n", 400, "control"},
      {"DEL in value", ok_start + "X-A: \x7f\r\n\r\n", 400, "control"},
      {"space before colon", ok_start + "Authorization : Pomerium x\r\n\r\n", 400, "malformed"},
      {"no colon", ok_start + "Garbage\r\n\r\n", 400, "malformed"},
      {"empty request line", "\r\nCONNECT db:80 HTTP/1.1\r\n\r\n", 400, "empty request line"},
      {"leading space", " CONNECT db:80 HTTP/1.1\r\n\r\n", 400, "whitespace"},
      {"TLS ClientHello", std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11), 400,
       "control"},
      {"two Authorization",
       ok_start + "Authorization: Pomerium a.b.c\r\nAuthorization: Pomerium a.b.c\r\n\r\n", 400,
       "more than one Authorization"},
      {"Authorization and X-Pomerium",
       ok_start + "Authorization: Pomerium a.b.c\r\nX-Pomerium-Authorization: a.b.c\r\n\r\n", 400,
       "both"},
      {"Bearer form and X-Pomerium",
       ok_start + "X-Pomerium-Authorization: a.b.c\r\nAuthorization: Bearer Pomerium-a.b.c\r\n\r\n",
       400, "both"},
      {"two X-Pomerium",
       ok_start + "X-Pomerium-Authorization: a.b.c\r\nX-Pomerium-Authorization: d.e.f\r\n\r\n", 400,
       "more than one X-Pomerium"},
      {"empty Pomerium token", ok_start + "Authorization: Pomerium \r\n\r\n", 400, "empty"},
      {"empty Bearer Pomerium- token", ok_start + "Authorization: Bearer Pomerium-\r\n\r\n", 400,
       "empty"},
      {"empty X-Pomerium", ok_start + "X-Pomerium-Authorization:\r\n\r\n", 400, "empty"},
      {"token with space", ok_start + "Authorization: Pomerium a.b c\r\n\r\n", 400,
       "characters a JWT cannot contain"},
      {"token with quote", ok_start + "X-Pomerium-Authorization: a\"b\r\n\r\n", 400,
       "characters a JWT cannot contain"},
  };
  for (const Case& c : cases) {
    for (std::size_t piece : {std::size_t{0}, std::size_t{1}, std::size_t{7}}) {
      Outcome out = Parse(c.input, piece);
      ASSERT_EQ(out.progress, Progress::kError) << c.name << " piece " << piece;
      EXPECT_EQ(out.error.status, c.status) << c.name << ": " << out.error.reason;
      EXPECT_THAT(out.error.reason, HasSubstr(c.reason)) << c.name;
      EXPECT_THAT(out.error.reason, Not(HasSubstr("\n"))) << c.name;
    }
  }
}

TEST(ConnectRequestParserTest, NeverEchoesTheSessionToken) {
  const std::string secret = "c2VjcmV0.c2VjcmV0.c2VjcmV0";
  for (const std::string& input : {
           "CONNECT db:0 HTTP/1.1\r\nAuthorization: Pomerium " + secret + "\r\n\r\n",
           "CONNECT db:80 HTTP/1.1\r\nAuthorization: Pomerium " + secret +
               "\r\nX-Pomerium-Authorization: " + secret + "\r\n\r\n",
           "CONNECT db:80 HTTP/1.1\r\nAuthorization: Pomerium " + secret + "\"\r\n\r\n",
       }) {
    Outcome out = Parse(input);
    ASSERT_EQ(out.progress, Progress::kError);
    EXPECT_THAT(out.error.reason, Not(HasSubstr("c2VjcmV0")));
  }
}

TEST(ConnectRequestParserTest, IncompleteRequestNeedsMore) {
  const std::string full = PomeriumCliRequest("db:5432", kJwt);
  for (std::size_t n = 0; n < full.size(); ++n) {
    EXPECT_EQ(Parse(full.substr(0, n)).progress, Progress::kNeedMore) << n;
  }
}

TEST(ConnectRequestParserTest, LeftoverBytesBelongToTheTunnelExactly) {
  // Bytes after the blank line, including ones that look like HTTP or
  // contain CR/LF/NUL, are the client's first tunnel bytes.
  const char kTunnel[] = "*1\r\n$4\r\nPING\r\n\0\xff\r\n\r\nGET / HTTP/1.1\r\n\r\n";
  const std::string tunnel(kTunnel, sizeof(kTunnel) - 1);
  const std::string input = PomeriumCliRequest("db:6379", kJwt) + tunnel;
  for (std::size_t piece = 1; piece <= input.size(); ++piece) {
    Outcome out = Parse(input, piece);
    ASSERT_EQ(out.progress, Progress::kDone) << piece << out.error.reason;
    EXPECT_EQ(out.tunnel_bytes, tunnel) << "piece " << piece;
    EXPECT_EQ(out.request.session_token, kJwt);
  }
}

TEST(ConnectRequestParserTest, ConsumedCountsOnlyTheLastPiece) {
  ConnectRequestParser parser;
  EXPECT_EQ(parser.Feed("CONNECT db:80 HTTP/1.1\r\nHost: db:80\r"), Progress::kNeedMore);
  EXPECT_EQ(parser.consumed(), 0u);
  EXPECT_EQ(parser.Feed(""), Progress::kNeedMore);
  ASSERT_EQ(parser.Feed("\n\r\nhello"), Progress::kDone);
  EXPECT_EQ(parser.consumed(), 3u);
  EXPECT_EQ(parser.header_block(), "CONNECT db:80 HTTP/1.1\r\nHost: db:80\r\n\r\n");
  // Later pieces are not part of the request.
  EXPECT_EQ(parser.Feed("more"), Progress::kDone);
  EXPECT_EQ(parser.consumed(), 0u);
}

TEST(ConnectRequestParserTest, HeaderBlockOfExactlyTheLimitIsAccepted) {
  std::string start = "CONNECT db:80 HTTP/1.1\r\nX-Pad: ";
  std::string end = "\r\n\r\n";
  std::string pad(kMaxConnectHeaderBytes - start.size() - end.size(), 'p');
  EXPECT_EQ(Parse(start + pad + end).progress, Progress::kDone);
  EXPECT_EQ(Parse(start + pad + "p" + end).error.status, 431);
}

TEST(ConnectRequestParserTest, NonConnectRequestCanBeHandedOn) {
  ConnectRequestParser parser;
  const std::string get = "GET /.pomerium/api/v1/login HTTP/1.1\r\nHost: proxy\r\n\r\n";
  ASSERT_EQ(parser.Feed(get + "rest"), Progress::kError);
  EXPECT_EQ(parser.error().status, 405);
  EXPECT_EQ(parser.header_block(), get);
  EXPECT_EQ(parser.consumed(), get.size());
}

TEST(FormatResponseTest, SuccessHasNoBody) {
  EXPECT_EQ(FormatResponse(200, "ignored"), "HTTP/1.1 200 Connection established\r\n\r\n");
}

TEST(FormatResponseTest, ErrorCarriesOneLineReason) {
  EXPECT_EQ(FormatResponse(403, "denied by policy"),
            "HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain; charset=utf-8\r\n"
            "Content-Length: 17\r\nConnection: close\r\n\r\ndenied by policy\n");
  EXPECT_THAT(FormatResponse(405, "x"), HasSubstr("\r\nAllow: CONNECT\r\n"));
  EXPECT_THAT(FormatResponse(431, "x"), HasSubstr("431 Request Header Fields Too Large"));
  // A reason cannot add headers or lines.
  std::string injected = FormatResponse(400, "a\r\nSet-Cookie: x\r\n\r\nb");
  EXPECT_THAT(injected, HasSubstr("\r\n\r\na  Set-Cookie: x    b\n"));
  EXPECT_LT(FormatResponse(400, std::string(5000, 'x')).size(), 1200u);
}

}  // namespace
}  // namespace postern::tunnel
