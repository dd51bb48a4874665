// Registry: counters, gauges and histograms rendered in Prometheus text format.
//
// Metric handles are looked up once (by name and label values) and then
// updated with relaxed atomics, so a tunnel can count bytes without locks:
//
//   Registry registry;
//   Counter& bytes = registry.GetCounter("postern_tunnel_bytes_total",
//                                        "Bytes relayed.", {{"route", key}, {"direction", "up"}});
//   bytes.Add(n);                              // any thread, lock-free
//   std::string page = registry.RenderText();  // GET /metrics
//
// Handles live as long as the registry; a registry is never shrunk, so label
// values must come from a bounded set (route keys, status codes), never from
// client input.
#ifndef POSTERN_COMMON_METRICS_REGISTRY_H_
#define POSTERN_COMMON_METRICS_REGISTRY_H_

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace postern::metrics {

// Label name/value pairs, kept sorted by name so the same set always names
// the same series.
using Labels = std::map<std::string, std::string>;

class Counter {
 public:
  void Add(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

class Gauge {
 public:
  void Add(int64_t n) { value_.fetch_add(n, std::memory_order_relaxed); }
  void Set(int64_t n) { value_.store(n, std::memory_order_relaxed); }
  int64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> value_{0};
};

// Histogram of durations in seconds with fixed upper bounds.
class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds);
  void Observe(double seconds);

  const std::vector<double>& bounds() const { return bounds_; }
  // Cumulative count per bound (Prometheus `le` semantics), then +Inf.
  std::vector<uint64_t> CumulativeCounts() const;
  double sum() const;
  uint64_t count() const { return count_.load(std::memory_order_relaxed); }

 private:
  const std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;  // bounds_.size() + 1
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> sum_micros_{0};
};

// Latency buckets from 100 µs to 10 s, suitable for authorize calls and dials.
std::vector<double> LatencyBuckets();

class Registry {
 public:
  // Get* return the series for (name, labels), creating it on first use. The
  // same name must always be used with the same kind and help text; that is
  // a programming error otherwise (CHECK).
  Counter& GetCounter(const std::string& name, const std::string& help, const Labels& labels = {});
  Gauge& GetGauge(const std::string& name, const std::string& help, const Labels& labels = {});
  Histogram& GetHistogram(const std::string& name, const std::string& help,
                          const Labels& labels = {},
                          const std::vector<double>& bounds = LatencyBuckets());

  // RenderText returns every series in Prometheus text exposition format 0.0.4.
  std::string RenderText() const;

 private:
  enum class Kind { kCounter, kGauge, kHistogram };
  struct Family {
    Kind kind;
    std::string help;
    std::map<Labels, std::unique_ptr<Counter>> counters;
    std::map<Labels, std::unique_ptr<Gauge>> gauges;
    std::map<Labels, std::unique_ptr<Histogram>> histograms;
  };
  // Called with mu_ held.
  Family& FamilyFor(const std::string& name, Kind kind, const std::string& help);

  // std::, not absl::Mutex: Debian's abseil is not built with ThreadSanitizer,
  // so a --config=tsan run would not see this lock.
  mutable std::mutex mu_;
  std::map<std::string, Family> families_;  // guarded by mu_
};

}  // namespace postern::metrics

#endif  // POSTERN_COMMON_METRICS_REGISTRY_H_
