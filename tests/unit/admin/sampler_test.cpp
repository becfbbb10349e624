// The admin sampler: per-second reads of the workers' cumulative stats, driven by a
// ManualClock, over hand-built per-worker stats.

#include <gtest/gtest.h>

#include <chrono>

#include "admin/sampler.hpp"
#include "fake_stats.hpp"

namespace ramjet::admin {
namespace {

using namespace std::chrono_literals;
using testing::FakeWorkers;

class AdminSampler : public ::testing::Test {
 protected:
  void tick() {
    clock_.advance(1s);
    sampler_.tick(clock_.now(), clock_.wall_now());
  }

  core::ManualClock clock_;
  FakeWorkers workers_{2};
  Sampler sampler_{workers_.source(), SamplerOptions{60, 300, 10}, clock_.now()};
};

TEST_F(AdminSampler, RouteWindowMergesEveryWorkersExchangesOfTheLastMinute) {
  workers_.route(0, "api");
  workers_.route(1, "api");
  for (int i = 0; i < 30; ++i) {
    workers_.exchange(0, "api", 200, 10'000'000);
    workers_.exchange(1, "api", 200, 30'000'000);
  }
  tick();
  const LatencyWindow* w = sampler_.route_window("api");
  ASSERT_NE(w, nullptr);
  LatencySummary s = w->summary();
  EXPECT_EQ(s.count, 60u);
  EXPECT_NEAR(static_cast<double>(s.p50_ns), 10e6, 10e6 * 0.01);
  EXPECT_NEAR(static_cast<double>(s.p99_ns), 30e6, 30e6 * 0.01);
  EXPECT_NEAR(s.mean_ns, 20e6, 1.0);
  for (int i = 0; i < 59; ++i) {
    tick();
  }
  EXPECT_EQ(w->summary().count, 60u) << "still inside the 60-tick window";
  tick();
  EXPECT_EQ(w->summary().count, 0u) << "aged out";
}

TEST_F(AdminSampler, ExchangesRecordedBeforeTheSamplerStartedAreNotInTheFirstInterval) {
  FakeWorkers early(1);
  early.exchange(0, "api", 200, 5'000'000);
  Sampler sampler(early.source(), SamplerOptions{}, clock_.now());
  early.exchange(0, "api", 200, 5'000'000);
  clock_.advance(1s);
  sampler.tick(clock_.now(), clock_.wall_now());
  EXPECT_EQ(sampler.route_window("api")->count(), 1u);
}

TEST_F(AdminSampler, RoutesCreatedAfterStartAreSampled) {
  tick();
  EXPECT_EQ(sampler_.route_window("late"), nullptr);
  workers_.exchange(1, "late", 200, 2'000'000);
  tick();
  ASSERT_NE(sampler_.route_window("late"), nullptr);
  EXPECT_EQ(sampler_.route_window("late")->count(), 1u);
  EXPECT_EQ(sampler_.all_routes_window().count(), 1u);
}

TEST_F(AdminSampler, SeriesHoldsRatesPerSecondAndTheTicksLatency) {
  for (int i = 0; i < 100; ++i) {
    workers_.exchange(static_cast<std::size_t>(i % 2), "api", i < 90 ? 200 : 503, 4'000'000);
  }
  clock_.advance(2s);
  sampler_.tick(clock_.now(), clock_.wall_now());
  ASSERT_EQ(sampler_.series().size(), 1u);
  const SeriesPoint& p = sampler_.series().back();
  EXPECT_DOUBLE_EQ(p.interval_s, 2.0);
  EXPECT_DOUBLE_EQ(p.requests_per_s, 50.0);
  EXPECT_EQ(p.responses[1], 90u);
  EXPECT_EQ(p.responses[4], 10u);
  EXPECT_NEAR(p.p50_ms, 4.0, 0.04);
  tick();
  EXPECT_TRUE(std::isnan(sampler_.series().back().p50_ms)) << "no exchange in that tick";
  EXPECT_DOUBLE_EQ(sampler_.series().back().requests_per_s, 0.0);
}

TEST_F(AdminSampler, SeriesKeepsTheConfiguredNumberOfPoints) {
  Sampler small(workers_.source(), SamplerOptions{60, 5, 10}, clock_.now());
  for (int i = 0; i < 8; ++i) {
    clock_.advance(1s);
    small.tick(clock_.now(), clock_.wall_now());
  }
  EXPECT_EQ(small.series().size(), 5u);
}

TEST_F(AdminSampler, UpstreamIsUnhealthyWhileOnlyFailuresHappenAndRecoversOnSuccess) {
  proxy::UpstreamStats& up = workers_.upstream(0, "app");
  tick();
  EXPECT_TRUE(sampler_.upstream_health("app").healthy) << "no traffic, no failures";
  up.connect_errors.add(3);
  tick();
  UpstreamHealth h = sampler_.upstream_health("app");
  EXPECT_FALSE(h.healthy);
  EXPECT_EQ(h.failures, 3u);
  up.pool_connected.add();
  tick();
  EXPECT_TRUE(sampler_.upstream_health("app").healthy) << "a connection succeeded";
  up.timeouts.add();
  tick();
  EXPECT_TRUE(sampler_.upstream_health("app").healthy) << "the success is still recent";
  for (int i = 0; i < 9; ++i) {
    tick();
  }
  EXPECT_FALSE(sampler_.upstream_health("app").healthy) << "only the timeout is recent";
  for (int i = 0; i < 10; ++i) {
    tick();
  }
  EXPECT_TRUE(sampler_.upstream_health("app").healthy) << "failures older than the window";
  EXPECT_TRUE(sampler_.upstream_health("unknown").healthy);
}

TEST_F(AdminSampler, IntervalTotalsCoverEverythingSinceTheLastTake) {
  workers_.upstream(0, "app").pool_reused.add(9);
  workers_.upstream(1, "app").pool_connected.add(1);
  for (int i = 0; i < 10; ++i) {
    workers_.exchange(0, "api", i == 0 ? 500 : 200, 8'000'000);
  }
  tick();
  tick();
  IntervalTotals t = sampler_.take_interval(clock_.now());
  EXPECT_EQ(t.length, std::chrono::duration_cast<core::Duration>(2s));
  EXPECT_EQ(t.responses[1], 9u);
  EXPECT_EQ(t.responses[4], 1u);
  EXPECT_EQ(t.latency.count, 10u);
  EXPECT_EQ(t.pool_reused, 9u);
  EXPECT_EQ(t.pool_connected, 1u);
  tick();
  t = sampler_.take_interval(clock_.now());
  EXPECT_EQ(t.latency.count, 0u);
  EXPECT_EQ(t.responses[1], 0u);
}

}  // namespace
}  // namespace ramjet::admin
