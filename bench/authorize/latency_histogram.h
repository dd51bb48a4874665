// LatencyHistogram: call latencies recorded from many threads at once, read
// back as percentiles, for load generators that must not slow the calls
// they time.
//
//   LatencyHistogram latencies;
//   latencies.Record(absl::Microseconds(870));   // on any thread
//   absl::Duration p99 = latencies.Percentile(99);
//
// Log-linear buckets (32 per power of two, as HdrHistogram with 5 bits of
// sub-bucket precision): a recorded value reads back within 1/32 (~3 %) of
// itself, from 1 ns up to about 18 minutes, in a fixed 9 KiB array. Exact
// values below 64 ns.
#ifndef POSTERN_BENCH_AUTHORIZE_LATENCY_HISTOGRAM_H_
#define POSTERN_BENCH_AUTHORIZE_LATENCY_HISTOGRAM_H_

#include <array>
#include <atomic>
#include <cstdint>

#include "absl/time/time.h"

namespace postern::bench {

class LatencyHistogram {
 public:
  LatencyHistogram() = default;
  LatencyHistogram(const LatencyHistogram&) = delete;
  LatencyHistogram& operator=(const LatencyHistogram&) = delete;

  // Record counts one latency. Negative values count as zero, values past
  // the top bucket as the top bucket. Thread-safe and lock-free.
  void Record(absl::Duration latency);

  // Count returns how many latencies were recorded.
  uint64_t Count() const;

  // Percentile returns the latency at or below which `percent` (0..100) of
  // the recorded ones fall, as the midpoint of its bucket (so within ~3 %);
  // zero when nothing was recorded. Max returns the largest recorded value
  // exactly. Read them once the recording threads are done: concurrent
  // reads see a consistent-enough but not exact snapshot.
  absl::Duration Percentile(double percent) const;
  absl::Duration Max() const;

 private:
  static constexpr int kSubBucketBits = 5;
  static constexpr int kSubBuckets = 1 << kSubBucketBits;  // 32
  static constexpr int kMaxShift = 35;                     // values up to 2^41 ns
  static constexpr int kBuckets = (kMaxShift + 2) * kSubBuckets;

  static int BucketOf(uint64_t nanos);
  static uint64_t MidpointOf(int bucket);

  std::array<std::atomic<uint64_t>, kBuckets> counts_{};
  std::atomic<uint64_t> max_nanos_{0};
};

}  // namespace postern::bench

#endif  // POSTERN_BENCH_AUTHORIZE_LATENCY_HISTOGRAM_H_
