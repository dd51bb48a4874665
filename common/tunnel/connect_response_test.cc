#include "common/tunnel/connect_response.h"

#include <string>
#include <vector>

#include "common/tunnel/connect_request.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace postern::tunnel {
namespace {

using ::testing::HasSubstr;
using Progress = ConnectResponseParser::Progress;

constexpr char kJwt[] = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1MSJ9.c2lnbmF0dXJl";

TEST(FormatConnectRequestTest, MatchesPomeriumCliAndParsesBack) {
  absl::StatusOr<std::string> request = FormatConnectRequest("Redis.Example.com:6379", kJwt);
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_EQ(*request, std::string("CONNECT redis.example.com:6379 HTTP/1.1\r\n"
                                  "Host: redis.example.com:6379\r\n"
                                  "User-Agent: postern\r\n"
                                  "Authorization: Pomerium ") +
                          kJwt + "\r\n\r\n");

  ConnectRequestParser parser;
  ASSERT_EQ(parser.Feed(*request), ConnectRequestParser::Progress::kDone);
  EXPECT_EQ(parser.request().authority, "redis.example.com:6379");
  EXPECT_EQ(parser.request().session_token, kJwt);
  EXPECT_EQ(parser.request().user_agent, "postern");
}

TEST(FormatConnectRequestTest, OmitsAuthorizationWithoutToken) {
  absl::StatusOr<std::string> request = FormatConnectRequest("[::1]:22", "");
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_EQ(*request, "CONNECT [::1]:22 HTTP/1.1\r\nHost: [::1]:22\r\nUser-Agent: postern\r\n\r\n");
}

TEST(FormatConnectRequestTest, RefusesInputThatWouldInjectHeaders) {
  EXPECT_EQ(FormatConnectRequest("db:80\r\nX-Evil: 1", "").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FormatConnectRequest("db", "").status().code(), absl::StatusCode::kInvalidArgument);
  absl::StatusOr<std::string> bad_token = FormatConnectRequest("db:80", "a.b.c\r\nX-Evil: 1");
  EXPECT_EQ(bad_token.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bad_token.status().message(), testing::Not(HasSubstr("a.b.c")));
}

struct Outcome {
  Progress progress;
  ConnectResponse response;
  absl::Status error;
  std::string tunnel_bytes;
};

// Feeds `input` in pieces of `piece` bytes (0: all at once), then end of
// stream if the parser still wants more and `eof` is set.
Outcome Parse(std::string_view input, std::size_t piece = 0, bool eof = true) {
  ConnectResponseParser parser;
  Outcome out{Progress::kNeedMore, {}, absl::OkStatus(), {}};
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
  if (out.progress == Progress::kNeedMore && eof) out.progress = parser.FeedEof();
  if (out.progress == Progress::kDone) out.response = parser.response();
  if (out.progress == Progress::kError) out.error = parser.error();
  return out;
}

TEST(ConnectResponseParserTest, SuccessLeavesTunnelBytesExactly) {
  const char kTunnel[] = "+PONG\r\nHTTP/1.1 200 OK\r\n\r\n\0\xff";
  const std::string tunnel(kTunnel, sizeof(kTunnel) - 1);
  for (const std::string& head : {
           std::string("HTTP/1.1 200 Connection established\r\n\r\n"),
           std::string("HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n"),
           std::string("HTTP/1.0 200 Connection established\r\nTransfer-Encoding: chunked\r\n\r\n"),
           std::string("HTTP/1.1 200 \r\nProxy-Agent: x\r\n\r\n"),
       }) {
    const std::string input = head + tunnel;
    for (std::size_t piece = 1; piece <= input.size(); ++piece) {
      Outcome out = Parse(input, piece, /*eof=*/false);
      ASSERT_EQ(out.progress, Progress::kDone) << head << " piece " << piece << out.error;
      EXPECT_EQ(out.response.status, 200);
      EXPECT_EQ(out.response.body, "");
      EXPECT_EQ(out.tunnel_bytes, tunnel) << head << " piece " << piece;
    }
  }
}

TEST(ConnectResponseParserTest, ReadsErrorAnswersFromFormatResponse) {
  for (int status : {400, 401, 403, 404, 405, 431, 502, 503, 504}) {
    const std::string answer = FormatResponse(status, "because of reasons");
    for (std::size_t piece : {std::size_t{0}, std::size_t{1}, std::size_t{5}}) {
      Outcome out = Parse(answer, piece, /*eof=*/false);
      ASSERT_EQ(out.progress, Progress::kDone) << status << out.error;
      EXPECT_EQ(out.response.status, status);
      EXPECT_EQ(out.response.body, "because of reasons\n");
      EXPECT_FALSE(out.response.reason_phrase.empty());
    }
  }
}

TEST(ConnectResponseParserTest, ErrorBodyIsBounded) {
  // Declared too long: the status alone is reported; nothing is buffered.
  Outcome out = Parse("HTTP/1.1 403 Forbidden\r\nContent-Length: 999999999999\r\n\r\nabc", 0,
                      /*eof=*/false);
  ASSERT_EQ(out.progress, Progress::kDone);
  EXPECT_EQ(out.response.status, 403);
  EXPECT_EQ(out.response.body, "");

  // Read to end of stream: capped.
  std::string input = "HTTP/1.1 502 Bad Gateway\r\n\r\n";
  for (int i = 0; i < 100; ++i) input += std::string(99, 'x') + "\n";
  out = Parse(input, 100);
  ASSERT_EQ(out.progress, Progress::kDone) << out.error;
  EXPECT_EQ(out.response.status, 502);
  EXPECT_LE(out.response.body.size(), kMaxConnectErrorBody);
  EXPECT_GT(out.response.body.size(), 0u);

  // Chunked: capped too.
  input = "HTTP/1.1 401 Unauthorized\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 100; ++i) input += "64\r\n" + std::string(100, 'y') + "\r\n";
  input += "0\r\n\r\n";
  out = Parse(input, 0, /*eof=*/false);
  ASSERT_EQ(out.progress, Progress::kDone) << out.error;
  EXPECT_EQ(out.response.status, 401);
  EXPECT_LE(out.response.body.size(), kMaxConnectErrorBody);
}

TEST(ConnectResponseParserTest, ErrorBodyMayEndAtEndOfStream) {
  Outcome out = Parse("HTTP/1.1 403 Forbidden\r\nContent-Length: 10\r\n\r\nden", 0, true);
  ASSERT_EQ(out.progress, Progress::kDone) << out.error;
  EXPECT_EQ(out.response.status, 403);
  EXPECT_EQ(out.response.body, "den");
}

TEST(ConnectResponseParserTest, IncompleteAnswerNeedsMoreThenFailsAtEof) {
  const std::string full = "HTTP/1.1 200 Connection established\r\n\r\n";
  for (std::size_t n = 0; n < full.size(); ++n) {
    EXPECT_EQ(Parse(full.substr(0, n), 0, /*eof=*/false).progress, Progress::kNeedMore) << n;
    Outcome out = Parse(full.substr(0, n), 0, /*eof=*/true);
    EXPECT_EQ(out.progress, Progress::kError) << n;
    EXPECT_EQ(out.error.code(), absl::StatusCode::kUnavailable);
    EXPECT_THAT(out.error.message(), HasSubstr("closed the connection")) << n;
  }
}

TEST(ConnectResponseParserTest, RefusesAnswersThatAreNotHttp) {
  for (const std::string& input : {
           std::string("SSH-2.0-OpenSSH_9.2\r\n\r\n"),
           std::string("HTTP/2.0 200 OK\r\n\r\n"),
           std::string("HTTP/1.1 2000 OK\r\n\r\n"),
           std::string("HTTP/1.1 20 OK\r\n\r\n"),
           std::string("HTTP/1.1 200 OK\r\nBad Header\r\n\r\n"),
           std::string("HTTP/1.1 200 OK\r\nX: a\0b\r\n\r\n", 27),
           std::string("\x16\x03\x03\x00\x02\x02\x28", 7),
       }) {
    Outcome out = Parse(input);
    EXPECT_EQ(out.progress, Progress::kError) << input;
    EXPECT_EQ(out.error.code(), absl::StatusCode::kUnavailable) << input;
  }
}

TEST(ConnectResponseParserTest, OversizedHeaderIsRefused) {
  std::string input = "HTTP/1.1 200 OK\r\n";
  while (input.size() < 20000) input += "X-Pad: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n";
  input += "\r\n";
  Outcome out = Parse(input, 1000);
  EXPECT_EQ(out.progress, Progress::kError);
}

TEST(ConnectResponseParserTest, ConsumedCountsOnlyTheLastPiece) {
  ConnectResponseParser parser;
  EXPECT_EQ(parser.Feed("HTTP/1.1 200 Connection established\r\n"), Progress::kNeedMore);
  ASSERT_EQ(parser.Feed("\r\nxyz"), Progress::kDone);
  EXPECT_EQ(parser.consumed(), 2u);
  EXPECT_EQ(parser.Feed("more"), Progress::kDone);
  EXPECT_EQ(parser.consumed(), 0u);
}

}  // namespace
}  // namespace postern::tunnel
