#include "bench/authorize/latency_histogram.h"

#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace postern::bench {
namespace {

// Within the histogram's promised 1/32 of the true value.
void ExpectNear(absl::Duration got, absl::Duration want) {
  const double tolerance = absl::ToDoubleNanoseconds(want) / 32;
  EXPECT_NEAR(absl::ToDoubleNanoseconds(got), absl::ToDoubleNanoseconds(want), tolerance)
      << "got " << got << ", want " << want;
}

TEST(LatencyHistogramTest, EmptyReadsZero) {
  LatencyHistogram histogram;
  EXPECT_EQ(histogram.Count(), 0u);
  EXPECT_EQ(histogram.Percentile(50), absl::ZeroDuration());
  EXPECT_EQ(histogram.Max(), absl::ZeroDuration());
}

TEST(LatencyHistogramTest, PercentilesOfAUniformSpreadOfMicroseconds) {
  LatencyHistogram histogram;
  for (int us = 1; us <= 1000; ++us) histogram.Record(absl::Microseconds(us));
  EXPECT_EQ(histogram.Count(), 1000u);
  ExpectNear(histogram.Percentile(50), absl::Microseconds(500));
  ExpectNear(histogram.Percentile(90), absl::Microseconds(900));
  ExpectNear(histogram.Percentile(99), absl::Microseconds(990));
  EXPECT_EQ(histogram.Max(), absl::Microseconds(1000));
  EXPECT_LE(histogram.Percentile(100), histogram.Max());
}

TEST(LatencyHistogramTest, ARareSlowCallShowsInTheTailOnly) {
  LatencyHistogram histogram;
  for (int i = 0; i < 990; ++i) histogram.Record(absl::Microseconds(200));
  for (int i = 0; i < 10; ++i) histogram.Record(absl::Milliseconds(40));
  ExpectNear(histogram.Percentile(50), absl::Microseconds(200));
  ExpectNear(histogram.Percentile(99), absl::Microseconds(200));
  ExpectNear(histogram.Percentile(99.5), absl::Milliseconds(40));
  EXPECT_EQ(histogram.Max(), absl::Milliseconds(40));
}

TEST(LatencyHistogramTest, SmallValuesAreExactAndExtremesAreClamped) {
  LatencyHistogram histogram;
  histogram.Record(absl::Nanoseconds(-5));
  histogram.Record(absl::Nanoseconds(37));
  histogram.Record(absl::Hours(2));
  EXPECT_EQ(histogram.Percentile(1), absl::ZeroDuration());
  EXPECT_EQ(histogram.Percentile(50), absl::Nanoseconds(37));
  EXPECT_EQ(histogram.Max(), absl::Hours(2));
  EXPECT_GT(histogram.Percentile(100), absl::Minutes(15));
}

TEST(LatencyHistogramTest, CountsEveryRecordFromConcurrentThreads) {
  LatencyHistogram histogram;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&histogram, t] {
      for (int i = 0; i < 10000; ++i) histogram.Record(absl::Microseconds(100 + t));
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(histogram.Count(), 40000u);
  EXPECT_EQ(histogram.Max(), absl::Microseconds(103));
}

}  // namespace
}  // namespace postern::bench
