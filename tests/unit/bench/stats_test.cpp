#include "bench/stats.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace ramjet::bench {
namespace {

using namespace std::chrono_literals;

TEST(BenchCoarseHistogram, BucketsAreContiguousAndQuantilesWithinSixPercent) {
  for (std::size_t i = 1; i + 1 < CoarseHistogram::kBuckets; ++i) {
    ASSERT_LT(CoarseHistogram::bucket_low_ns(i), CoarseHistogram::bucket_low_ns(i + 1)) << i;
    ASSERT_EQ(CoarseHistogram::index(CoarseHistogram::bucket_low_ns(i)), i) << i;
  }
  for (std::uint64_t ms : {1ULL, 7ULL, 50ULL, 333ULL, 5000ULL}) {
    CoarseHistogram h;
    h.record(ms * 1'000'000);
    double got = static_cast<double>(h.value_at_quantile(0.5)) / 1e6;
    EXPECT_NEAR(got, static_cast<double>(ms), static_cast<double>(ms) * 0.0625) << ms;
  }
  CoarseHistogram h;
  for (int i = 1; i <= 100; ++i) {
    h.record(static_cast<std::uint64_t>(i) * 1'000'000);
  }
  EXPECT_EQ(h.count(), 100u);
  EXPECT_NEAR(static_cast<double>(h.value_at_quantile(0.99)) / 1e6, 99.0, 99.0 * 0.0625);
  EXPECT_EQ(CoarseHistogram{}.value_at_quantile(0.5), 0u);
}

TEST(BenchTimeline, SlotsByTimeAndFoldsWhenTheRunOutlastsThem) {
  core::MonoTime t0{std::chrono::hours(1)};
  Timeline t(t0, 10ms);
  t.record_response(t0 + 5ms, 1'000'000);
  t.record_response(t0 + 15ms, 3'000'000);
  t.record_error(t0 + 15ms);
  EXPECT_EQ(t.used(), 2u);
  EXPECT_EQ(t.at(1).responses, 1u);
  EXPECT_EQ(t.at(1).errors, 1u);
  // Past the last slot: the interval doubles (maybe several times), nothing is lost.
  t.record_response(t0 + 10ms * Timeline::kSlots * 3, 2'000'000);
  EXPECT_EQ(t.interval(), 40ms);
  std::uint64_t total = 0;
  for (std::size_t i = 0; i < t.used(); ++i) {
    total += t.at(i).responses;
  }
  EXPECT_EQ(total, 3u);
  EXPECT_EQ(t.at(0).responses, 2u);
  EXPECT_EQ(t.at(0).latency_max_ns, 3'000'000u);
}

TEST(BenchTimeline, MergeAlignsIntervals) {
  core::MonoTime t0{std::chrono::hours(1)};
  Timeline a(t0, 10ms);
  Timeline b(t0, 10ms);
  a.record_response(t0 + 25ms, 1);
  b.record_response(t0 + 10ms * Timeline::kSlots + 1ms, 1);  // folds b once
  a.merge(b);
  EXPECT_EQ(a.interval(), 20ms);
  EXPECT_EQ(a.at(1).responses, 1u);
  EXPECT_EQ(a.at(Timeline::kSlots / 2).responses, 1u);
  std::uint64_t total = 0;
  for (std::size_t i = 0; i < a.used(); ++i) {
    total += a.at(i).responses;
  }
  EXPECT_EQ(total, 2u);
}

TEST(BenchRunStats, MergeAddsEveryField) {
  core::MonoTime t0{std::chrono::hours(1)};
  RunStats a(t0, 10ms, 2);
  RunStats b(t0, 10ms, 2);
  b.responses.add(3);
  b.errors.add(1);
  b.latency.record(5'000'000);
  b.ok = 3;
  b.status_counts[200] = 3;
  b.error_kinds[static_cast<std::size_t>(ErrorKind::kTimeout)] = 1;
  b.entries[1].responses = 3;
  b.timeline.record_response(t0 + 1ms, 5'000'000);
  a.merge(b);
  a.merge(b);
  EXPECT_EQ(a.responses.value(), 6u);
  EXPECT_EQ(a.errors.value(), 2u);
  EXPECT_EQ(a.latency.count(), 2u);
  EXPECT_EQ(a.ok, 6u);
  EXPECT_EQ(a.status_counts[200], 6u);
  EXPECT_EQ(a.error_kinds[static_cast<std::size_t>(ErrorKind::kTimeout)], 2u);
  EXPECT_EQ(a.entries[1].responses, 6u);
  EXPECT_EQ(a.timeline.at(0).responses, 2u);
}

}  // namespace
}  // namespace ramjet::bench
