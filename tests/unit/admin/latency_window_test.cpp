// The admin's sliding latency windows: diffs of cumulative histograms, summed over a ring.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "admin/latency_window.hpp"

namespace ramjet::admin {
namespace {

using metrics::Histogram;

// Exact nearest-rank quantile of sorted samples, as LatencySummary defines it.
std::uint64_t exact_quantile(const std::vector<std::uint64_t>& sorted, double q) {
  const auto n = static_cast<double>(sorted.size());
  const auto rank = std::max<std::size_t>(1, static_cast<std::size_t>(std::round(q * n)));
  return sorted[rank - 1];
}

void expect_within_one_percent(std::uint64_t got, std::uint64_t want, const char* what) {
  const double err = std::abs(static_cast<double>(got) - static_cast<double>(want)) /
                     static_cast<double>(want);
  EXPECT_LE(err, 0.01) << what << ": got " << got << " want " << want;
}

// Records `samples` into the cumulative histogram and pushes the interval's delta.
void record_interval(Histogram& cumulative, BucketCounts& previous, LatencyWindow& window,
                     const std::vector<std::uint64_t>& samples) {
  const std::uint64_t sum_before = cumulative.sum();
  for (std::uint64_t v : samples) {
    cumulative.record(v);
  }
  BucketCounts current = empty_buckets();
  add_buckets(cumulative, current);
  window.push(diff(current, previous, cumulative.sum() - sum_before));
  previous = std::move(current);
}

TEST(AdminLatencyWindow, QuantilesOfTheWindowAreWithinOnePercentOfTheExactOnes) {
  std::mt19937_64 rng(7);
  std::lognormal_distribution<double> dist(std::log(20e6), 1.0);  // around 20 ms
  Histogram cumulative;
  BucketCounts previous = empty_buckets();
  LatencyWindow window(5);
  std::vector<std::uint64_t> in_window;
  for (int interval = 0; interval < 8; ++interval) {
    std::vector<std::uint64_t> samples;
    for (int i = 0; i < 2000; ++i) {
      samples.push_back(static_cast<std::uint64_t>(std::clamp(dist(rng), 1e3, 3.6e12)));
    }
    record_interval(cumulative, previous, window, samples);
    if (interval >= 3) {  // the last five intervals
      in_window.insert(in_window.end(), samples.begin(), samples.end());
    }
  }
  std::sort(in_window.begin(), in_window.end());
  const LatencySummary s = window.summary();
  ASSERT_EQ(s.count, in_window.size());
  expect_within_one_percent(s.p50_ns, exact_quantile(in_window, 0.50), "p50");
  expect_within_one_percent(s.p90_ns, exact_quantile(in_window, 0.90), "p90");
  expect_within_one_percent(s.p95_ns, exact_quantile(in_window, 0.95), "p95");
  expect_within_one_percent(s.p99_ns, exact_quantile(in_window, 0.99), "p99");
  expect_within_one_percent(s.p999_ns, exact_quantile(in_window, 0.999), "p99.9");
  double sum = 0;
  for (std::uint64_t v : in_window) {
    sum += static_cast<double>(v);
  }
  EXPECT_NEAR(s.mean_ns, sum / static_cast<double>(in_window.size()), 1.0);
  EXPECT_LE(s.min_ns, in_window.front());
  EXPECT_GE(s.max_ns, in_window.back());
}

TEST(AdminLatencyWindow, IntervalsOlderThanTheRingDropOut) {
  Histogram cumulative;
  BucketCounts previous = empty_buckets();
  LatencyWindow window(3);
  record_interval(cumulative, previous, window, {1'000'000, 1'000'000});
  EXPECT_EQ(window.count(), 2u);
  record_interval(cumulative, previous, window, {5'000'000});
  record_interval(cumulative, previous, window, {});
  EXPECT_EQ(window.count(), 3u);
  EXPECT_EQ(window.filled(), 3u);
  record_interval(cumulative, previous, window, {});
  EXPECT_EQ(window.count(), 1u);
  EXPECT_NEAR(static_cast<double>(window.summary().p50_ns), 5e6, 5e6 / 64);
  record_interval(cumulative, previous, window, {});
  EXPECT_EQ(window.count(), 0u);
}

TEST(AdminLatencyWindow, EmptyWindowReportsZeros) {
  LatencyWindow window(60);
  const LatencySummary s = window.summary();
  EXPECT_EQ(s.count, 0u);
  EXPECT_EQ(s.p99_ns, 0u);
  EXPECT_EQ(s.mean_ns, 0.0);
  EXPECT_EQ(window.newest().count, 0u);
}

TEST(AdminLatencyWindow, DiffKeepsOnlyTheBucketsThatGrew) {
  Histogram h;
  h.record(1'000'000);
  BucketCounts before = empty_buckets();
  add_buckets(h, before);
  h.record(1'000'000);
  h.record(7'000'000);
  BucketCounts after = empty_buckets();
  add_buckets(h, after);
  const BucketDelta d = diff(after, before, 8'000'000);
  ASSERT_EQ(d.buckets.size(), 2u);
  EXPECT_EQ(d.count, 2u);
  EXPECT_EQ(d.buckets[0].first, Histogram::bucket_index(1'000'000));
  EXPECT_EQ(d.buckets[1].first, Histogram::bucket_index(7'000'000));
}

}  // namespace
}  // namespace ramjet::admin
