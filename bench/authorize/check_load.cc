// check_load: a closed-loop load generator for postern-authorize's Check, run
// as a second process against the real server, as postern-proxy would call it.
//
//   check_load --target 127.0.0.1:5443 --secret-file secret.b64 --routes-file routes.txt
//       --token-file session.jwt --concurrency 32 --duration 10s
//
// It keeps --concurrency calls in flight over --channels HTTP/2 connections
// with gRPC's callback API: each completed call starts the next one from the
// completion callback, so there is no thread per call and the client spends
// its CPU on gRPC, not on itself. Every call carries a fresh-enough service
// token (re-minted every 30 s; they live 60 s). Calls made during --warmup
// are not counted. At the end it prints one human summary line and one JSON
// line (calls/s, p50/p90/p99/max latency, errors by status code, decisions,
// the client's own CPU use) on stdout.
//
// Exit status: 0 the run finished (even with errors, which are reported),
// 1 the target could not be reached or no call succeeded, 2 bad usage.
#include <sys/resource.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "bench/authorize/bench_secret.h"
#include "bench/authorize/latency_histogram.h"
#include "common/config/duration.h"
#include "common/flags/command_line.h"
#include "common/log/json_line.h"
#include "common/proto/authorize.grpc.pb.h"
#include "common/session/service_token.h"
#include "common/session/session.h"
#include "grpcpp/grpcpp.h"

namespace postern::bench {
namespace {

using Clock = std::chrono::steady_clock;
namespace v1 = ::postern::authorize::v1;

constexpr char kUsage[] =
    "usage: check_load --target ADDR (--secret BASE64 | --secret-file FILE)\n"
    "                  (--route KEY | --routes-file FILE) [--token-file FILE]\n"
    "                  [--concurrency 32] [--channels 2] [--duration 10s] [--warmup 1s]\n"
    "\n"
    "Keeps N Check calls in flight against a running postern-authorize and reports\n"
    "calls/s and latency percentiles.";

const std::vector<flags::FlagSpec> kFlags = WithSecretFlags({
    {.name = "target", .value_name = "ADDR", .help = "the server's gRPC address, host:port"},
    {.name = "route", .value_name = "KEY", .help = "the route key every call asks for"},
    {.name = "routes-file",
     .value_name = "FILE",
     .help = "route keys, one a line; calls cycle through them"},
    {.name = "token-file",
     .value_name = "FILE",
     .help = "a session token to send (see mint_session); default none"},
    {.name = "source-ip", .value_name = "IP", .help = "the client address sent; 203.0.113.9"},
    {.name = "concurrency", .value_name = "N", .help = "calls kept in flight; default 32"},
    {.name = "channels", .value_name = "N", .help = "HTTP/2 connections; default 2"},
    {.name = "duration", .value_name = "DURATION", .help = "measured time, up to 10m; 10s"},
    {.name = "warmup", .value_name = "DURATION", .help = "unmeasured time first; default 1s"},
    {.name = "help", .help = "print this help"},
});

// A call that takes this long has failed for the purpose of a benchmark; the
// deadline also bounds how long the end of a run can wait.
constexpr absl::Duration kCallDeadline = absl::Seconds(5);
// Service tokens live 60 s; a new one every 30 s keeps every call's valid
// however the clocks of client and server differ within the allowed skew.
constexpr absl::Duration kServiceTokenRefresh = absl::Seconds(30);
constexpr int kDecisionKinds = 5;  // CheckResponse::Decision values 0..4
constexpr int kStatusCodes = 17;   // grpc::StatusCode values 0..16
constexpr const char* kStatusNames[kStatusCodes] = {
    "OK",        "CANCELLED",      "UNKNOWN",           "INVALID_ARGUMENT",   "DEADLINE_EXCEEDED",
    "NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
    "ABORTED",   "OUT_OF_RANGE",   "UNIMPLEMENTED",     "INTERNAL",           "UNAVAILABLE",
    "DATA_LOSS", "UNAUTHENTICATED"};

struct Options {
  std::string target;
  std::string secret;  // decoded
  std::vector<std::string> routes;
  std::string session_token;
  std::string source_ip;
  int concurrency = 32;
  int channels = 2;
  absl::Duration duration = absl::Seconds(10);
  absl::Duration warmup = absl::Seconds(1);
};

absl::StatusOr<std::string> ReadFile(const std::string& flag, const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return absl::InvalidArgumentError(absl::StrCat("--", flag, ": cannot read ", path));
  std::ostringstream contents;
  contents << file.rdbuf();
  return contents.str();
}

absl::StatusOr<int> PositiveInt(const flags::CommandLine& cl, const std::string& flag, int fallback,
                                int limit) {
  if (!cl.Has(flag)) return fallback;
  int value = 0;
  if (!absl::SimpleAtoi(cl.Value(flag), &value) || value < 1 || value > limit) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag, " must be a whole number from 1 to ", limit));
  }
  return value;
}

absl::StatusOr<absl::Duration> DurationFlag(const flags::CommandLine& cl, const std::string& flag,
                                            absl::Duration fallback, absl::Duration limit) {
  if (!cl.Has(flag)) return fallback;
  absl::StatusOr<absl::Duration> value = config::ParseGoDuration(cl.Value(flag));
  if (!value.ok() || *value < absl::ZeroDuration() || *value > limit) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--", flag, " must be a duration such as 10s, at most ", absl::FormatDuration(limit)));
  }
  return *value;
}

absl::StatusOr<Options> OptionsFrom(const flags::CommandLine& cl) {
  Options options;
  if (!cl.Has("target")) return absl::InvalidArgumentError("--target ADDR is required");
  options.target = cl.Value("target");
  absl::StatusOr<std::string> secret = SecretFromFlags(cl);
  if (!secret.ok()) return secret.status();
  options.secret = *std::move(secret);

  if (cl.Has("route") == cl.Has("routes-file")) {
    return absl::InvalidArgumentError("give exactly one of --route KEY and --routes-file FILE");
  }
  if (cl.Has("route")) {
    options.routes.push_back(cl.Value("route"));
  } else {
    absl::StatusOr<std::string> text = ReadFile("routes-file", cl.Value("routes-file"));
    if (!text.ok()) return text.status();
    for (absl::string_view line : absl::StrSplit(*text, '\n')) {
      line = absl::StripAsciiWhitespace(line);
      if (!line.empty()) options.routes.emplace_back(line);
    }
    if (options.routes.empty()) {
      return absl::InvalidArgumentError("--routes-file holds no route key");
    }
  }
  if (cl.Has("token-file")) {
    absl::StatusOr<std::string> token = ReadFile("token-file", cl.Value("token-file"));
    if (!token.ok()) return token.status();
    options.session_token = std::string(absl::StripAsciiWhitespace(*token));
  }
  options.source_ip = cl.Value("source-ip", "203.0.113.9");

  absl::StatusOr<int> concurrency = PositiveInt(cl, "concurrency", 32, 10000);
  if (!concurrency.ok()) return concurrency.status();
  options.concurrency = *concurrency;
  absl::StatusOr<int> channels = PositiveInt(cl, "channels", 2, 64);
  if (!channels.ok()) return channels.status();
  options.channels = std::min(*channels, options.concurrency);
  absl::StatusOr<absl::Duration> duration =
      DurationFlag(cl, "duration", absl::Seconds(10), absl::Minutes(10));
  if (!duration.ok()) return duration.status();
  if (*duration == absl::ZeroDuration())
    return absl::InvalidArgumentError("--duration must be > 0");
  options.duration = *duration;
  absl::StatusOr<absl::Duration> warmup =
      DurationFlag(cl, "warmup", absl::Seconds(1), absl::Minutes(1));
  if (!warmup.ok()) return warmup.status();
  options.warmup = *warmup;
  return options;
}

// ServiceTokens hands every call the current `authorization` value and mints
// a new one when asked. Thread-safe.
class ServiceTokens {
 public:
  explicit ServiceTokens(std::string secret) : secret_(std::move(secret)) { Refresh(); }

  void Refresh() {
    auto header = std::make_shared<const std::string>(
        "Bearer " + session::MintServiceToken(session::AsSecret(secret_), absl::Now()));
    absl::MutexLock lock(&mutex_);
    header_ = std::move(header);
  }

  std::shared_ptr<const std::string> Header() const {
    absl::MutexLock lock(&mutex_);
    return header_;
  }

 private:
  const std::string secret_;
  mutable absl::Mutex mutex_;
  std::shared_ptr<const std::string> header_ ABSL_GUARDED_BY(mutex_);
};

absl::Duration CpuTime() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return absl::DurationFromTimeval(usage.ru_utime) + absl::DurationFromTimeval(usage.ru_stime);
}

struct Results {
  absl::Duration measured;
  absl::Duration client_cpu;
  const LatencyHistogram* latencies;
  std::array<uint64_t, kStatusCodes> status_counts{};
  std::array<uint64_t, kDecisionKinds> decision_counts{};
};

// LoadRun keeps `concurrency` calls in flight until the run ends. Each slot
// is one call at a time: its completion callback records the call and starts
// the slot's next one. Callbacks run on gRPC's threads.
class LoadRun {
 public:
  LoadRun(const Options& options, std::vector<std::unique_ptr<v1::Authorize::Stub>> stubs)
      : options_(options), stubs_(std::move(stubs)), tokens_(options.secret) {}

  Results Run() {
    const Clock::time_point start = Clock::now();
    measure_from_ = start + absl::ToChronoNanoseconds(options_.warmup);
    stop_at_ = measure_from_ + absl::ToChronoNanoseconds(options_.duration);
    slots_.resize(options_.concurrency);
    active_ = options_.concurrency;
    for (int i = 0; i < options_.concurrency; ++i) {
      Slot& slot = slots_[i];
      slot.stub = stubs_[i % stubs_.size()].get();
      slot.next_route = static_cast<size_t>(i) * 7919 % options_.routes.size();
      slot.request.set_session_token(options_.session_token);
      slot.request.set_source_ip(options_.source_ip);
      slot.request.set_http_method("CONNECT");
      Issue(&slot);
    }

    Results results;
    absl::Duration cpu_start = CpuTime();
    bool measuring = options_.warmup == absl::ZeroDuration();
    bool measured = false;
    Clock::time_point last_mint = start;
    absl::MutexLock lock(&mutex_);
    while (active_ > 0) {
      mutex_.AwaitWithTimeout(absl::Condition(this, &LoadRun::HasWork), absl::Milliseconds(10));
      // Slots whose call completed inline (an immediate failure) restart
      // from here rather than recursing on the caller's stack.
      std::vector<Slot*> deferred;
      deferred.swap(deferred_);
      mutex_.Unlock();
      for (Slot* slot : deferred) Issue(slot);
      const Clock::time_point now = Clock::now();
      if (!measuring && now >= measure_from_) {
        cpu_start = CpuTime();
        measuring = true;
      }
      if (!measured && now >= stop_at_) {
        results.client_cpu = CpuTime() - cpu_start;
        measured = true;
      }
      if (now - last_mint >= absl::ToChronoNanoseconds(kServiceTokenRefresh)) {
        tokens_.Refresh();
        last_mint = now;
      }
      mutex_.Lock();
    }
    if (!measured) results.client_cpu = CpuTime() - cpu_start;
    results.measured = options_.duration;
    results.latencies = &latencies_;
    for (int i = 0; i < kStatusCodes; ++i) results.status_counts[i] = status_counts_[i].load();
    for (int i = 0; i < kDecisionKinds; ++i)
      results.decision_counts[i] = decision_counts_[i].load();
    return results;
  }

 private:
  struct Slot {
    v1::Authorize::Stub* stub = nullptr;
    std::unique_ptr<grpc::ClientContext> context;
    v1::CheckRequest request;
    v1::CheckResponse response;
    Clock::time_point started;
    size_t next_route = 0;
  };

  bool HasWork() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) {
    return active_ == 0 || !deferred_.empty();
  }

  void Issue(Slot* slot) {
    if (Clock::now() >= stop_at_) {
      absl::MutexLock lock(&mutex_);
      --active_;
      return;
    }
    ++issue_depth_;
    slot->context = std::make_unique<grpc::ClientContext>();
    slot->context->AddMetadata("authorization", *tokens_.Header());
    slot->context->set_deadline(absl::ToChronoTime(absl::Now() + kCallDeadline));
    slot->request.set_route(options_.routes[slot->next_route]);
    slot->next_route = (slot->next_route + 1) % options_.routes.size();
    slot->response.Clear();
    slot->started = Clock::now();
    slot->stub->async()->Check(slot->context.get(), &slot->request, &slot->response,
                               [this, slot](grpc::Status status) { Done(slot, status); });
    --issue_depth_;
  }

  void Done(Slot* slot, const grpc::Status& status) {
    const Clock::time_point finished = Clock::now();
    if (slot->started >= measure_from_) {
      const int code = std::clamp(static_cast<int>(status.error_code()), 0, kStatusCodes - 1);
      status_counts_[code].fetch_add(1, std::memory_order_relaxed);
      if (status.ok()) {
        latencies_.Record(absl::FromChrono(finished - slot->started));
        const int decision =
            std::clamp(static_cast<int>(slot->response.decision()), 0, kDecisionKinds - 1);
        decision_counts_[decision].fetch_add(1, std::memory_order_relaxed);
      }
    }
    if (issue_depth_ > 0) {
      absl::MutexLock lock(&mutex_);
      deferred_.push_back(slot);
      return;
    }
    Issue(slot);
  }

  const Options& options_;
  const std::vector<std::unique_ptr<v1::Authorize::Stub>> stubs_;
  ServiceTokens tokens_;
  Clock::time_point measure_from_;
  Clock::time_point stop_at_;
  std::vector<Slot> slots_;  // sized once before the first call, never resized
  LatencyHistogram latencies_;
  std::array<std::atomic<uint64_t>, kStatusCodes> status_counts_{};
  std::array<std::atomic<uint64_t>, kDecisionKinds> decision_counts_{};
  // How deep the current thread is inside Issue: a completion seen at depth
  // > 0 ran inline within the call that started it.
  static thread_local int issue_depth_;

  absl::Mutex mutex_;
  int active_ ABSL_GUARDED_BY(mutex_) = 0;  // slots still issuing calls
  std::vector<Slot*> deferred_ ABSL_GUARDED_BY(mutex_);
};

thread_local int LoadRun::issue_depth_ = 0;

// Connect returns one stub per channel, each on its own connection: gRPC would
// otherwise share one subchannel (one TCP connection) among equal channels.
absl::StatusOr<std::vector<std::unique_ptr<v1::Authorize::Stub>>> Connect(const Options& options) {
  std::vector<std::unique_ptr<v1::Authorize::Stub>> stubs;
  for (int i = 0; i < options.channels; ++i) {
    grpc::ChannelArguments arguments;
    arguments.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    arguments.SetInt("postern.bench.channel_index", i);
    std::shared_ptr<grpc::Channel> channel =
        grpc::CreateCustomChannel(options.target, grpc::InsecureChannelCredentials(), arguments);
    if (!channel->WaitForConnected(absl::ToChronoTime(absl::Now() + absl::Seconds(5)))) {
      return absl::UnavailableError(absl::StrCat("cannot connect to ", options.target,
                                                 " within 5 s; is the server running?"));
    }
    stubs.push_back(v1::Authorize::NewStub(channel));
  }
  return stubs;
}

std::string Millis(absl::Duration d) {
  return absl::StrFormat("%.3f ms", absl::ToDoubleMilliseconds(d));
}

int64_t Micros(absl::Duration d) { return absl::ToInt64Microseconds(d); }

void Report(const Options& options, const Results& results) {
  const LatencyHistogram& latencies = *results.latencies;
  const uint64_t ok = results.status_counts[0];
  uint64_t errors = 0;
  std::vector<std::string> error_texts;
  for (int code = 1; code < kStatusCodes; ++code) {
    if (results.status_counts[code] == 0) continue;
    errors += results.status_counts[code];
    error_texts.push_back(absl::StrCat(kStatusNames[code], " ", results.status_counts[code]));
  }
  const double seconds = absl::ToDoubleSeconds(results.measured);
  const double calls_per_second = static_cast<double>(ok) / seconds;
  const double client_cpu_percent = 100 * absl::ToDoubleSeconds(results.client_cpu) / seconds;
  static constexpr const char* kDecisionNames[kDecisionKinds] = {"unspecified", "allow", "deny",
                                                                 "unauthenticated", "no_route"};
  std::vector<std::string> decision_texts;
  for (int d = 0; d < kDecisionKinds; ++d) {
    if (results.decision_counts[d] > 0) {
      decision_texts.push_back(absl::StrCat(kDecisionNames[d], " ", results.decision_counts[d]));
    }
  }

  std::cout << absl::StrFormat(
      "check_load: %d in flight on %d channel(s), %.1f s: %.0f calls/s; latency p50 %s, p90 %s, "
      "p99 %s, max %s; errors: %s; decisions: %s; client CPU %.0f%% of one core\n",
      options.concurrency, options.channels, seconds, calls_per_second,
      Millis(latencies.Percentile(50)), Millis(latencies.Percentile(90)),
      Millis(latencies.Percentile(99)), Millis(latencies.Max()),
      error_texts.empty() ? "none" : absl::StrJoin(error_texts, ", "),
      decision_texts.empty() ? "none" : absl::StrJoin(decision_texts, ", "), client_cpu_percent);

  log::JsonLine line(absl::Now());
  line.AddString("benchmark", "check_load")
      .AddString("target", options.target)
      .AddInt("concurrency", options.concurrency)
      .AddInt("channels", options.channels)
      .AddDouble("duration_s", seconds)
      .AddInt("calls", static_cast<int64_t>(ok))
      .AddInt("errors", static_cast<int64_t>(errors))
      .AddDouble("calls_per_s", calls_per_second)
      .AddInt("p50_us", Micros(latencies.Percentile(50)))
      .AddInt("p90_us", Micros(latencies.Percentile(90)))
      .AddInt("p99_us", Micros(latencies.Percentile(99)))
      .AddInt("max_us", Micros(latencies.Max()))
      .AddDouble("client_cpu_percent", client_cpu_percent);
  for (int code = 1; code < kStatusCodes; ++code) {
    if (results.status_counts[code] > 0) {
      line.AddInt(absl::StrCat("status_", kStatusNames[code]),
                  static_cast<int64_t>(results.status_counts[code]));
    }
  }
  for (int d = 0; d < kDecisionKinds; ++d) {
    line.AddInt(kDecisionNames[d], static_cast<int64_t>(results.decision_counts[d]));
  }
  std::cout << line.Line() << std::flush;
}

int Main(int argc, char** argv) {
  // Debian's abseil is built without NDEBUG, so by default every absl::Mutex
  // acquisition -- gRPC's included -- updates a global lock-order graph. A
  // load generator must not spend its CPU on that.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  flags::Invocation invocation =
      flags::ParseProgramCommandLine({.program = "check_load", .usage = kUsage, .flags = kFlags, .takes_arguments = false},
                                     flags::Arguments(argc, argv), std::cout, std::cerr);
  if (!invocation.command_line.has_value()) return invocation.exit_status;
  const flags::CommandLine& cl = *invocation.command_line;
  absl::StatusOr<Options> options = OptionsFrom(cl);
  if (!options.ok()) {
    std::cerr << "check_load: " << options.status().message() << "\n";
    return 2;
  }
  absl::StatusOr<std::vector<std::unique_ptr<v1::Authorize::Stub>>> stubs = Connect(*options);
  if (!stubs.ok()) {
    std::cerr << "check_load: " << stubs.status().message() << "\n";
    return 1;
  }
  LoadRun run(*options, *std::move(stubs));
  const Results results = run.Run();
  Report(*options, results);
  if (results.status_counts[0] == 0) {
    std::cerr << "check_load: no call succeeded\n";
    return 1;
  }
  return 0;
}

}  // namespace
}  // namespace postern::bench

int main(int argc, char** argv) { return postern::bench::Main(argc, argv); }
