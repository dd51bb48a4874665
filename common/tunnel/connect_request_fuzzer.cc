// Fuzz target for the tunnel handshake codec: the proxy's CONNECT request
// parser (the bytes any stranger on the internet can send), the CLI's
// response parser, and the authority parser.
//
// Beyond "does not crash", it checks that the parsers' answers do not depend
// on how the bytes were split into pieces, and that every accepted request
// and every refusal is well-formed.
//
//   bazel build --config=fuzz //common/tunnel:connect_request_fuzzer
//   bazel-bin/common/tunnel/connect_request_fuzzer common/tunnel/testdata/connect_corpus
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "common/tunnel/authority.h"
#include "common/tunnel/connect_request.h"
#include "common/tunnel/connect_response.h"

namespace postern::tunnel {
namespace {

void Require(bool condition, const char* what) {
  if (!condition) {
    std::fprintf(stderr, "invariant broken: %s\n", what);
    std::abort();
  }
}

struct RequestOutcome {
  ConnectRequestParser::Progress progress = ConnectRequestParser::Progress::kNeedMore;
  std::size_t tunnel_start = 0;  // offset in the input where tunnel bytes begin
  ConnectRequest request;
  ConnectRequestError error;
  std::string header_block;
};

RequestOutcome ParseRequest(std::string_view input, std::size_t piece) {
  ConnectRequestParser parser;
  RequestOutcome out;
  for (std::size_t at = 0; at < input.size(); at += piece) {
    std::string_view chunk = input.substr(at, piece);
    out.progress = parser.Feed(chunk);
    Require(parser.consumed() <= chunk.size(), "request consumed more than fed");
    if (out.progress != ConnectRequestParser::Progress::kNeedMore) {
      out.tunnel_start = at + parser.consumed();
      break;
    }
  }
  if (out.progress == ConnectRequestParser::Progress::kDone) out.request = parser.request();
  if (out.progress == ConnectRequestParser::Progress::kError) out.error = parser.error();
  out.header_block = std::string(parser.header_block());
  return out;
}

void CheckRequest(std::string_view input, std::size_t piece) {
  using Progress = ConnectRequestParser::Progress;
  const RequestOutcome whole = ParseRequest(input, input.size() + 1);
  const RequestOutcome split = ParseRequest(input, piece);
  Require(whole.progress == split.progress, "request progress depends on splitting");
  if (whole.progress == Progress::kDone) {
    Require(whole.tunnel_start == split.tunnel_start, "tunnel start depends on splitting");
    Require(whole.request.authority == split.request.authority &&
                whole.request.session_token == split.request.session_token &&
                whole.request.user_agent == split.request.user_agent,
            "request depends on splitting");
    Require(whole.header_block == input.substr(0, whole.tunnel_start),
            "header block is not the input prefix");
    Require(whole.header_block.size() <= kMaxConnectHeaderBytes, "header block over the limit");
    absl::StatusOr<Authority> again = ParseAuthority(whole.request.authority);
    Require(again.ok() && again->ToString() == whole.request.authority &&
                again->host == whole.request.host && again->port == whole.request.port,
            "accepted authority is not canonical");
    for (char c : whole.request.session_token) {
      Require(c > ' ' && c < 0x7f, "session token with whitespace or control characters");
    }
  }
  if (whole.progress == Progress::kError) {
    Require(whole.error.status == split.error.status, "error status depends on splitting");
    Require(whole.error.status == 400 || whole.error.status == 405 || whole.error.status == 431,
            "unexpected error status");
    Require(whole.error.reason.find_first_of("\r\n") == std::string::npos,
            "error reason spans lines");
    // The refusal the proxy would send must read back as that refusal.
    const std::string answer = FormatResponse(whole.error.status, whole.error.reason);
    ConnectResponseParser reader;
    Require(reader.Feed(answer) == ConnectResponseParser::Progress::kDone,
            "formatted refusal does not parse");
    Require(reader.response().status == whole.error.status, "formatted refusal changes status");
  }
}

void CheckResponse(std::string_view input, std::size_t piece) {
  using Progress = ConnectResponseParser::Progress;
  ConnectResponseParser parser;
  Progress progress = Progress::kNeedMore;
  for (std::size_t at = 0; at < input.size() && progress == Progress::kNeedMore; at += piece) {
    std::string_view chunk = input.substr(at, piece);
    progress = parser.Feed(chunk);
    Require(parser.consumed() <= chunk.size(), "response consumed more than fed");
  }
  if (progress == Progress::kNeedMore) progress = parser.FeedEof();
  Require(progress != Progress::kNeedMore, "response parser wants more after end of stream");
  if (progress == Progress::kDone) {
    Require(parser.response().body.size() <= kMaxConnectErrorBody, "error body over the limit");
  }
}

}  // namespace
}  // namespace postern::tunnel

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  // The first byte picks how the input is split, so the fuzzer explores
  // piece boundaries as well as content.
  const std::size_t piece = size == 0 ? 1 : data[0] % 23 + 1;
  postern::tunnel::CheckRequest(input, piece);
  postern::tunnel::CheckResponse(input, piece);
  absl::StatusOr<postern::tunnel::Authority> authority = postern::tunnel::ParseAuthority(input);
  if (authority.ok()) {
    absl::StatusOr<postern::tunnel::Authority> again =
        postern::tunnel::ParseAuthority(authority->ToString());
    postern::tunnel::Require(again.ok() && *again == *authority, "authority does not round-trip");
  }
  return 0;
}
