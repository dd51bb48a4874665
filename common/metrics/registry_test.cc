#include "common/metrics/registry.h"

#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace postern::metrics {
namespace {

using ::testing::HasSubstr;

TEST(RegistryTest, RendersCountersWithSortedEscapedLabels) {
  Registry registry;
  registry.GetCounter("postern_tunnels_total", "Tunnels.", {{"status", "200"}, {"route", "a:1"}})
      .Add(3);
  registry.GetCounter("postern_tunnels_total", "Tunnels.", {{"route", "we\"ird\\"}}).Add();
  const std::string page = registry.RenderText();
  EXPECT_THAT(page, HasSubstr("# HELP postern_tunnels_total Tunnels.\n"
                              "# TYPE postern_tunnels_total counter\n"));
  EXPECT_THAT(page, HasSubstr("postern_tunnels_total{route=\"a:1\",status=\"200\"} 3\n"));
  EXPECT_THAT(page, HasSubstr("postern_tunnels_total{route=\"we\\\"ird\\\\\"} 1\n"));
}

TEST(RegistryTest, SameNameAndLabelsIsSameSeries) {
  Registry registry;
  Counter& a = registry.GetCounter("c", "h", {{"x", "1"}});
  Counter& b = registry.GetCounter("c", "h", {{"x", "1"}});
  EXPECT_EQ(&a, &b);
  EXPECT_NE(&a, &registry.GetCounter("c", "h", {{"x", "2"}}));
}

TEST(RegistryTest, GaugeGoesUpAndDown) {
  Registry registry;
  Gauge& active = registry.GetGauge("postern_tunnels_active", "Open tunnels.");
  active.Add(2);
  active.Add(-1);
  EXPECT_THAT(registry.RenderText(), HasSubstr("postern_tunnels_active 1\n"));
}

TEST(RegistryTest, HistogramBucketsAreCumulative) {
  Registry registry;
  Histogram& h = registry.GetHistogram("lat_seconds", "Latency.", {}, {0.001, 0.01});
  h.Observe(0.0005);
  h.Observe(0.005);
  h.Observe(0.005);
  h.Observe(3);
  const std::string page = registry.RenderText();
  EXPECT_THAT(page, HasSubstr("lat_seconds_bucket{le=\"0.001\"} 1\n"));
  EXPECT_THAT(page, HasSubstr("lat_seconds_bucket{le=\"0.01\"} 3\n"));
  EXPECT_THAT(page, HasSubstr("lat_seconds_bucket{le=\"+Inf\"} 4\n"));
  EXPECT_THAT(page, HasSubstr("lat_seconds_count 4\n"));
  EXPECT_THAT(page, HasSubstr("lat_seconds_sum 3.010500\n"));
}

TEST(RegistryTest, ConcurrentAddsAreNotLost) {
  Registry registry;
  Counter& c = registry.GetCounter("c", "h");
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 100000; ++i) c.Add();
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(c.value(), 400000u);
}

}  // namespace
}  // namespace postern::metrics
