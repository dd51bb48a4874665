#include "bench/authorize/latency_histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace postern::bench {

// Values below 2*kSubBuckets have a bucket each. Above, a value with its
// highest bit at position p keeps its top kSubBucketBits+1 bits: shift
// s = p - kSubBucketBits drops the rest, and (s, v >> s) numbers the bucket.
int LatencyHistogram::BucketOf(uint64_t nanos) {
  if (nanos < 2 * kSubBuckets) return static_cast<int>(nanos);
  const int shift =
      std::min(static_cast<int>(std::bit_width(nanos)) - 1 - kSubBucketBits, kMaxShift);
  const uint64_t top = std::min<uint64_t>(nanos >> shift, 2 * kSubBuckets - 1);
  return shift * kSubBuckets + static_cast<int>(top);
}

uint64_t LatencyHistogram::MidpointOf(int bucket) {
  if (bucket < 2 * kSubBuckets) return static_cast<uint64_t>(bucket);
  const int shift = bucket / kSubBuckets - 1;
  const uint64_t top = static_cast<uint64_t>(bucket - shift * kSubBuckets);
  return (top << shift) + ((uint64_t{1} << shift) >> 1);
}

void LatencyHistogram::Record(absl::Duration latency) {
  const int64_t signed_nanos = absl::ToInt64Nanoseconds(latency);
  const uint64_t nanos = signed_nanos < 0 ? 0 : static_cast<uint64_t>(signed_nanos);
  counts_[BucketOf(nanos)].fetch_add(1, std::memory_order_relaxed);
  uint64_t seen = max_nanos_.load(std::memory_order_relaxed);
  while (nanos > seen &&
         !max_nanos_.compare_exchange_weak(seen, nanos, std::memory_order_relaxed)) {
  }
}

uint64_t LatencyHistogram::Count() const {
  uint64_t total = 0;
  for (const auto& count : counts_) total += count.load(std::memory_order_relaxed);
  return total;
}

absl::Duration LatencyHistogram::Percentile(double percent) const {
  const uint64_t total = Count();
  if (total == 0) return absl::ZeroDuration();
  // The rank of the wanted value, 1-based: the smallest value with at least
  // percent% of the values at or below it.
  const double wanted = std::clamp(percent, 0.0, 100.0) / 100.0 * static_cast<double>(total);
  const uint64_t rank = std::max<uint64_t>(1, static_cast<uint64_t>(std::ceil(wanted)));
  uint64_t seen = 0;
  for (int bucket = 0; bucket < kBuckets; ++bucket) {
    seen += counts_[bucket].load(std::memory_order_relaxed);
    if (seen >= rank) {
      const uint64_t nanos = std::min(MidpointOf(bucket), max_nanos_.load());
      return absl::Nanoseconds(static_cast<int64_t>(nanos));
    }
  }
  return Max();
}

absl::Duration LatencyHistogram::Max() const {
  return absl::Nanoseconds(static_cast<int64_t>(max_nanos_.load(std::memory_order_relaxed)));
}

}  // namespace postern::bench
