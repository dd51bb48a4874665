#include "proxy/proxy_metrics.h"

#include <string>

#include "gtest/gtest.h"

namespace postern::proxy {
namespace {

bool Has(const std::string& page, const std::string& line) {
  return page.find(line + "\n") != std::string::npos;
}

TEST(ProxyMetricsTest, RouteSeriesRenderWithTheirLabels) {
  ProxyMetrics metrics;
  RouteMetrics& route = metrics.ForRoute("redis.corp.example.com:6379");
  route.Finished(200);
  route.Finished(200);
  route.Finished(403);
  route.active->Add(1);
  route.bytes_up->Add(100);
  route.bytes_down->Add(2000);
  route.dial_failures->Add();
  metrics.authorize_duration().Observe(0.002);
  const std::string page = metrics.RenderText();
  EXPECT_TRUE(
      Has(page, R"(postern_tunnels_total{route="redis.corp.example.com:6379",status="200"} 2)"))
      << page;
  EXPECT_TRUE(
      Has(page, R"(postern_tunnels_total{route="redis.corp.example.com:6379",status="403"} 1)"));
  EXPECT_TRUE(
      Has(page, R"(postern_tunnels_total{route="redis.corp.example.com:6379",status="504"} 0)"))
      << "every status is there from the start, so rates work from zero";
  EXPECT_TRUE(Has(page, R"(postern_tunnels_active{route="redis.corp.example.com:6379"} 1)"));
  EXPECT_TRUE(
      Has(page,
          R"(postern_tunnel_bytes_total{direction="up",route="redis.corp.example.com:6379"} 100)"));
  EXPECT_TRUE(Has(
      page,
      R"(postern_tunnel_bytes_total{direction="down",route="redis.corp.example.com:6379"} 2000)"));
  EXPECT_TRUE(
      Has(page, R"(postern_upstream_dial_failures_total{route="redis.corp.example.com:6379"} 1)"));
  EXPECT_TRUE(Has(page, "postern_authorize_duration_seconds_count 1"));
  EXPECT_NE(page.find("# TYPE postern_authorize_duration_seconds histogram"), std::string::npos);
}

TEST(ProxyMetricsTest, SameRouteGivesTheSameSeries) {
  ProxyMetrics metrics;
  EXPECT_EQ(&metrics.ForRoute("a:1"), &metrics.ForRoute("a:1"));
  EXPECT_NE(&metrics.ForRoute("a:1"), &metrics.ForRoute("b:1"));
}

TEST(ProxyMetricsTest, UnexpectedStatusCountsAsInternalError) {
  ProxyMetrics metrics;
  metrics.ForRoute(kNoRouteLabel).Finished(299);
  EXPECT_TRUE(Has(metrics.RenderText(), R"(postern_tunnels_total{route="none",status="500"} 1)"));
}

}  // namespace
}  // namespace postern::proxy
