#include "metrics/histogram.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <random>
#include <thread>
#include <vector>

namespace ramjet::metrics {
namespace {

using namespace std::chrono_literals;

constexpr std::uint64_t kOneMicro = 1'000;
constexpr std::uint64_t kOneHour = 3'600'000'000'000ULL;
constexpr double kQuantiles[] = {0.0,  0.0001, 0.001, 0.01, 0.1,   0.25,   0.5,
                                 0.75, 0.9,    0.95,  0.99, 0.999, 0.9999, 1.0};

// The exact nearest-rank quantile, by the same rank rule the histogram documents.
std::uint64_t exact_quantile(const std::vector<std::uint64_t>& sorted, double q) {
  const auto n = static_cast<double>(sorted.size());
  const auto rank = std::max<std::uint64_t>(1, static_cast<std::uint64_t>(std::round(q * n)));
  return sorted[std::min<std::size_t>(rank, sorted.size()) - 1];
}

void expect_quantiles_within_one_percent(std::vector<std::uint64_t> samples) {
  Histogram h;
  for (std::uint64_t v : samples) {
    h.record(v);
  }
  std::sort(samples.begin(), samples.end());
  for (double q : kQuantiles) {
    const auto exact = static_cast<double>(exact_quantile(samples, q));
    const auto got = static_cast<double>(h.value_at_quantile(q));
    EXPECT_LE(std::abs(got - exact) / exact, 0.01) << "q=" << q << " exact=" << exact
                                                   << " got=" << got;
  }
}

std::vector<std::uint64_t> log_normal_samples(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::lognormal_distribution<double> dist(std::log(5e6), 2.5);  // median 5 ms, wide
  std::vector<std::uint64_t> out;
  out.reserve(n + 2);
  for (std::size_t i = 0; i < n; ++i) {
    const double v = std::clamp(dist(rng), static_cast<double>(kOneMicro),
                                static_cast<double>(kOneHour));
    out.push_back(static_cast<std::uint64_t>(v));
  }
  out.push_back(kOneMicro);
  out.push_back(kOneHour);
  return out;
}

std::vector<BucketView> buckets_of(const Histogram& h) {
  std::vector<BucketView> out;
  h.for_each_bucket([&out](const BucketView& b) { out.push_back(b); });
  return out;
}

void expect_same_contents(const Histogram& a, const Histogram& b) {
  EXPECT_EQ(a.count(), b.count());
  EXPECT_EQ(a.sum(), b.sum());
  EXPECT_EQ(a.min(), b.min());
  EXPECT_EQ(a.max(), b.max());
  EXPECT_EQ(a.underflow_count(), b.underflow_count());
  EXPECT_EQ(a.overflow_count(), b.overflow_count());
  const auto ba = buckets_of(a);
  const auto bb = buckets_of(b);
  ASSERT_EQ(ba.size(), bb.size());
  for (std::size_t i = 0; i < ba.size(); ++i) {
    EXPECT_EQ(ba[i].lowest, bb[i].lowest);
    EXPECT_EQ(ba[i].count, bb[i].count);
  }
}

TEST(Histogram, BucketsTileTheRangeWithWidthAtMostOneSixtyFourthOfTheirLowestValue) {
  EXPECT_EQ(Histogram::bucket_lowest(0), kOneMicro);
  for (std::size_t i = 0; i < Histogram::kBucketCount; ++i) {
    const std::uint64_t lo = Histogram::bucket_lowest(i);
    const std::uint64_t hi = Histogram::bucket_highest(i);
    ASSERT_EQ(Histogram::bucket_index(lo), i);
    ASSERT_EQ(Histogram::bucket_index(std::min(hi, kOneHour)), i);
    ASSERT_LE((hi - lo + 1) * 64, lo) << i;
    if (i > 0) {
      ASSERT_EQ(Histogram::bucket_highest(i - 1) + 1, lo);
    }
  }
  EXPECT_GE(Histogram::bucket_highest(Histogram::kBucketCount - 1), kOneHour);
}

TEST(Histogram, EmptyHistogramReportsZeros) {
  const Histogram h;
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.sum(), 0u);
  EXPECT_EQ(h.min(), 0u);
  EXPECT_EQ(h.max(), 0u);
  EXPECT_EQ(h.mean(), 0.0);
  EXPECT_EQ(h.stdev(), 0.0);
  EXPECT_EQ(h.value_at_quantile(0.5), 0u);
  EXPECT_TRUE(buckets_of(h).empty());
}

TEST(Histogram, QuantilesOfUniformSamplesAreWithinOnePercent) {
  std::mt19937_64 rng(42);
  std::uniform_int_distribution<std::uint64_t> dist(1'000'000, 100'000'000);  // 1 ms..100 ms
  std::vector<std::uint64_t> samples(100'000);
  std::generate(samples.begin(), samples.end(), [&] { return dist(rng); });
  expect_quantiles_within_one_percent(samples);
}

TEST(Histogram, QuantilesOfUniformSamplesOverTheWholeRangeAreWithinOnePercent) {
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<std::uint64_t> dist(kOneMicro, kOneHour);
  std::vector<std::uint64_t> samples(50'000);
  std::generate(samples.begin(), samples.end(), [&] { return dist(rng); });
  samples.push_back(kOneMicro);
  samples.push_back(kOneHour);
  expect_quantiles_within_one_percent(samples);
}

TEST(Histogram, QuantilesOfLogNormalSamplesIncludingRangeEndsAreWithinOnePercent) {
  expect_quantiles_within_one_percent(log_normal_samples(200'000, 1));
}

TEST(Histogram, QuantilesOfFewSamplesAreWithinOnePercent) {
  expect_quantiles_within_one_percent({kOneMicro, 1'234'567, 99'999'999, kOneHour});
  expect_quantiles_within_one_percent({5'000'000});
}

TEST(Histogram, RangeEndsAreReportedExactly) {
  Histogram h;
  h.record(kOneMicro);
  h.record(kOneHour);
  EXPECT_EQ(h.value_at_quantile(0.0), kOneMicro);
  EXPECT_EQ(h.value_at_quantile(1.0), kOneHour);
  EXPECT_EQ(h.min(), kOneMicro);
  EXPECT_EQ(h.max(), kOneHour);
  EXPECT_EQ(h.underflow_count(), 0u);
  EXPECT_EQ(h.overflow_count(), 0u);
}

TEST(Histogram, ValuesOutsideTheRangeAreClampedToTheEndsAndCounted) {
  Histogram h;
  h.record(std::uint64_t{0});
  h.record(std::uint64_t{999});
  h.record(kOneHour + 1);
  h.record(UINT64_MAX);
  h.record(-5ns);
  EXPECT_EQ(h.count(), 5u);
  EXPECT_EQ(h.underflow_count(), 3u);
  EXPECT_EQ(h.overflow_count(), 2u);
  EXPECT_EQ(h.min(), kOneMicro);
  EXPECT_EQ(h.max(), kOneHour);
  EXPECT_EQ(h.sum(), 3 * kOneMicro + 2 * kOneHour);
  EXPECT_NEAR(static_cast<double>(h.value_at_quantile(0.5)), 1e3, 10.0);
  EXPECT_EQ(h.value_at_quantile(0.99), kOneHour);
}

TEST(Histogram, MinMaxMeanAreExact) {
  const auto samples = log_normal_samples(10'000, 3);
  Histogram h;
  for (std::uint64_t v : samples) {
    h.record(v);
  }
  const std::uint64_t sum = std::accumulate(samples.begin(), samples.end(), std::uint64_t{0});
  EXPECT_EQ(h.count(), samples.size());
  EXPECT_EQ(h.sum(), sum);
  EXPECT_EQ(h.min(), *std::min_element(samples.begin(), samples.end()));
  EXPECT_EQ(h.max(), *std::max_element(samples.begin(), samples.end()));
  EXPECT_DOUBLE_EQ(h.mean(), static_cast<double>(sum) / static_cast<double>(samples.size()));
}

TEST(Histogram, RecordsDurationsAsNanoseconds) {
  Histogram h;
  h.record(1500us);
  h.record(std::chrono::duration_cast<core::Duration>(2s));
  EXPECT_EQ(h.min(), 1'500'000u);
  EXPECT_EQ(h.max(), 2'000'000'000u);
}

TEST(Histogram, StdevIsWithinTwoPercentOfExact) {
  std::mt19937_64 rng(11);
  std::normal_distribution<double> normal(50e6, 10e6);  // 50 ms ± 10 ms
  std::vector<std::uint64_t> normal_samples;
  for (int i = 0; i < 50'000; ++i) {
    normal_samples.push_back(static_cast<std::uint64_t>(std::max(1e6, normal(rng))));
  }
  for (const auto& samples : {normal_samples, log_normal_samples(50'000, 5)}) {
    Histogram h;
    double mean = 0;
    for (std::uint64_t v : samples) {
      h.record(v);
      mean += static_cast<double>(v);
    }
    mean /= static_cast<double>(samples.size());
    double squares = 0;
    for (std::uint64_t v : samples) {
      squares += (static_cast<double>(v) - mean) * (static_cast<double>(v) - mean);
    }
    const double exact = std::sqrt(squares / static_cast<double>(samples.size()));
    EXPECT_NEAR(h.stdev(), exact, 0.02 * exact);
  }
}

TEST(Histogram, MergeEqualsRecordingEverythingInOne) {
  const auto samples = log_normal_samples(30'000, 9);
  Histogram all;
  Histogram parts[3];
  for (std::size_t i = 0; i < samples.size(); ++i) {
    all.record(samples[i]);
    parts[i % 3].record(samples[i]);
  }
  all.record(std::uint64_t{1});  // out of range values merge too
  parts[1].record(std::uint64_t{1});
  Histogram merged;
  for (const Histogram& p : parts) {
    merged.merge(p);
  }
  expect_same_contents(merged, all);
  for (double q : kQuantiles) {
    EXPECT_EQ(merged.value_at_quantile(q), all.value_at_quantile(q)) << q;
  }
}

TEST(Histogram, MergingAnEmptyHistogramChangesNothing) {
  Histogram h;
  h.record(std::uint64_t{5'000});
  const Histogram before = h;
  h.merge(Histogram{});
  expect_same_contents(h, before);
}

TEST(Histogram, CopyIsADeepSnapshot) {
  Histogram h;
  h.record(std::uint64_t{10'000});
  Histogram copy = h;
  h.record(std::uint64_t{20'000});
  EXPECT_EQ(copy.count(), 1u);
  EXPECT_EQ(copy.max(), 10'000u);
  copy = h;
  expect_same_contents(copy, h);
}

TEST(Histogram, ResetForgetsEverySample) {
  Histogram h;
  h.record(std::uint64_t{1});
  h.record(std::uint64_t{50'000});
  h.reset();
  expect_same_contents(h, Histogram{});
  h.record(std::uint64_t{7'000});
  EXPECT_EQ(h.min(), 7'000u);
  EXPECT_EQ(h.value_at_quantile(0.5), 7'000u);
}

TEST(Histogram, ForEachBucketVisitsNonEmptyBucketsInAscendingOrder) {
  Histogram h;
  h.record(std::uint64_t{3'000'000});
  h.record(std::uint64_t{1'000});
  h.record(std::uint64_t{1'001});
  h.record(std::uint64_t{3'000'000});
  const auto buckets = buckets_of(h);
  ASSERT_EQ(buckets.size(), 2u);
  EXPECT_EQ(buckets[0].lowest, 1'000u);
  EXPECT_EQ(buckets[0].count, 2u);
  EXPECT_LE(buckets[1].lowest, 3'000'000u);
  EXPECT_GE(buckets[1].highest, 3'000'000u);
  EXPECT_EQ(buckets[1].count, 2u);
}

TEST(Histogram, QuantileOutsideZeroToOneIsClamped) {
  Histogram h;
  h.record(std::uint64_t{2'000});
  h.record(std::uint64_t{9'000});
  EXPECT_EQ(h.value_at_quantile(-1.0), 2'000u);
  EXPECT_EQ(h.value_at_quantile(2.0), 9'000u);
  EXPECT_EQ(h.value_at_quantile(std::nan("")), 2'000u);
}

// A reader thread snapshots while the owner records. A snapshot may be torn (count ahead of
// the buckets or behind them), but it never runs ahead of the writer, and whatever buckets it
// holds give quantiles inside the recorded range. Mostly a target for ASan and TSan.
TEST(Histogram, ReaderSnapshotsWhileWriterRecordsStaySane) {
  Histogram live;
  constexpr std::uint64_t kSamples = 200'000;
  constexpr std::uint64_t kLargest = kOneMicro + 999 * 1'000;
  // A torn snapshot may lack the exact max; then its last bucket's bound stands in.
  constexpr std::uint64_t kBound = Histogram::bucket_highest(Histogram::bucket_index(kLargest));
  std::atomic<bool> done{false};
  std::thread writer([&] {
    for (std::uint64_t i = 0; i < kSamples; ++i) {
      live.record(kOneMicro + (i % 1'000) * 1'000);
    }
    done.store(true);
  });
  std::uint64_t last_count = 0;
  while (!done.load()) {
    const Histogram snap = live;
    EXPECT_GE(snap.count(), last_count);
    EXPECT_LE(snap.count(), kSamples);
    last_count = snap.count();
    if (!buckets_of(snap).empty()) {
      for (double q : {0.0, 0.5, 0.99, 1.0}) {
        EXPECT_GE(snap.value_at_quantile(q), kOneMicro);
        EXPECT_LE(snap.value_at_quantile(q), kBound);
      }
    }
  }
  writer.join();
  EXPECT_EQ(live.count(), kSamples);
  EXPECT_EQ(Histogram(live).value_at_quantile(1.0), kLargest);
}

}  // namespace
}  // namespace ramjet::metrics
