// What one Check costs in process besides gRPC and the policy itself
// (policy_benchmark): verifying the call's service token, verifying the
// user's session token, and writing the decision log line -- the steps
// authorize/authorize_service.cc takes for every call, with the same inputs
// run_check_load.py sends.
//
//   bazel run -c opt //bench/authorize:check_cost_benchmark
#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "benchmark/benchmark.h"
#include "common/log/json_line.h"
#include "common/log/log.h"
#include "common/session/service_token.h"
#include "common/session/session.h"

namespace postern::bench {
namespace {

const std::string kSecret(32, 's');

void BM_VerifyServiceToken(benchmark::State& state) {
  const absl::Time now = absl::Now();
  const std::string token = session::MintServiceToken(session::AsSecret(kSecret), now);
  for (auto _ : state) {
    absl::Status verified = session::VerifyServiceToken(token, session::AsSecret(kSecret), now);
    if (!verified.ok()) state.SkipWithError("the service token did not verify");
    benchmark::DoNotOptimize(verified);
  }
}
BENCHMARK(BM_VerifyServiceToken);

// The session mint_session makes for the load run: a member of two groups.
void BM_VerifySessionToken(benchmark::State& state) {
  const absl::Time now = absl::Now();
  const std::string token =
      session::MintSessionToken(session::Session{.subject = "bench-oncall",
                                                 .email = "oncall@example.com",
                                                 .groups = {"eng", "sre"},
                                                 .issued_at = now,
                                                 .expires_at = now + absl::Hours(1)},
                                session::AsSecret(kSecret));
  for (auto _ : state) {
    absl::StatusOr<session::Session> verified = session::VerifySessionToken(
        token, session::AsSecret(kSecret), now, session::kDefaultSessionAudience);
    if (!verified.ok()) state.SkipWithError("the session did not verify");
    benchmark::DoNotOptimize(verified);
  }
}
BENCHMARK(BM_VerifySessionToken);

// The decision line as authorize_service.cc's LogDecision builds it.
std::string DecisionLine() {
  const std::vector<std::string> reasons = {"allow: rule 1 (3607:9): groups has [team-40, sre]"};
  log::JsonLine line(absl::Now());
  line.AddString("log", "decision")
      .AddString("route", "svc-240.corp.example.com:5432")
      .AddString("source_ip", "203.0.113.9")
      .AddString("user", "bench-oncall")
      .AddString("email", "oncall@example.com")
      .AddString("session_id", "h9S3hQoQTFGVboNwwuafdQ")
      .AddString("decision", "allow")
      .AddStringList("reasons", reasons)
      .AddInt("latency_us", 12);
  return line.Line();
}

void BM_DecisionLogLine(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(DecisionLine());
}
BENCHMARK(BM_DecisionLogLine);

// One write() of a decision line to a regular file, as when the server's
// stderr goes to a log file. The file is emptied now and then so that the
// run does not fill the disk.
void BM_DecisionLogWriteToFile(benchmark::State& state) {
  const char* dir = std::getenv("TEST_TMPDIR");
  std::string path = std::string(dir != nullptr ? dir : "/tmp") + "/check_cost_benchmark.XXXXXX";
  const int fd = mkstemp(path.data());
  if (fd < 0) {
    state.SkipWithError("cannot create a temporary file");
    return;
  }
  unlink(path.c_str());
  const std::string line = DecisionLine();
  int64_t written = 0;
  for (auto _ : state) {
    log::WriteLine(fd, line);
    if (++written % 100000 == 0) {
      state.PauseTiming();
      if (ftruncate(fd, 0) != 0 || lseek(fd, 0, SEEK_SET) != 0) state.SkipWithError("truncate");
      state.ResumeTiming();
    }
  }
  close(fd);
}
BENCHMARK(BM_DecisionLogWriteToFile);

}  // namespace
}  // namespace postern::bench
