// libFuzzer entry point for the PROXY protocol parser: any bytes must give a
// header, an error or a request for more, never a crash or a read past the
// input; and feeding the same bytes in pieces must give the same answer as
// feeding them at once (the parser sees a header in whatever pieces the
// network delivers). Run with
//   bazel build --config=fuzz //proxy:proxy_protocol_fuzzer
//   bazel-bin/proxy/proxy_protocol_fuzzer -max_total_time=60 <corpus dir>
// starting from a copy of proxy/testdata/proxy_protocol_corpus.
// proxy_protocol_fuzzer_corpus_test replays that corpus in every test run.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "proxy/proxy_protocol.h"

namespace {

using postern::proxy::ProxyHeaderParser;
using Progress = ProxyHeaderParser::Progress;

void Check(bool condition) {
  if (!condition) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  ProxyHeaderParser whole;
  const Progress progress = whole.Feed(input);
  Check(whole.consumed() <= input.size());
  if (progress == Progress::kDone) {
    Check(whole.header().size == whole.consumed());
    Check(whole.header().version == 1 || whole.header().version == 2);
    Check(whole.header().source.has_value() == whole.header().destination.has_value());
    if (whole.header().source) Check(!whole.header().source->ip.empty());
  }
  if (progress == Progress::kNeedMore) {
    Check(whole.consumed() == input.size());
    Check(!whole.EndOfStreamError().empty());
  }
  if (progress == Progress::kError) Check(!whole.error().empty());

  // The same bytes in pieces of 1..8 bytes, the size taken from the input.
  const std::size_t piece = size == 0 ? 1 : 1 + data[0] % 8;
  ProxyHeaderParser pieces;
  Progress piecewise = Progress::kNeedMore;
  std::size_t used = 0;
  for (std::size_t at = 0; at < size && piecewise == Progress::kNeedMore; at += piece) {
    piecewise = pieces.Feed(input.substr(at, piece));
    used += pieces.consumed();
  }
  Check(piecewise == progress);
  if (progress == Progress::kError) Check(pieces.error() == whole.error());
  if (progress == Progress::kDone) {
    Check(used == whole.header().size);
    Check(pieces.header().source == whole.header().source);
    Check(pieces.header().destination == whole.header().destination);
  }
  return 0;
}
