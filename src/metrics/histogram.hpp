#pragma once
// Histogram: a log-linear (HDR-style) latency histogram over integer nanoseconds.
//
// Purpose: per-worker request and upstream latencies, the load generator's results, and the
// source of every percentile ramjet reports (Prometheus buckets, /stats JSON, bench output).
//
// Layout and precision: values are clamped to [kLowestValue, kHighestValue] = [1 µs, 1 h];
// each clamped value is counted in underflow_count() / overflow_count() and then recorded as
// the nearest end, so count, sum, min, max and every bucket agree with each other. Inside
// the range every power of two is split into 64 equal sub-buckets, so a bucket is never
// wider than 1/64 of its lowest value. Quantiles report the bucket's midpoint (clamped to
// the exact min and max), which is within 1/128 (0.79%) of a value recorded at that rank.
// That takes kBucketCount (2028) 8-byte counters, 16 KiB, allocated once in the
// constructor; record() never allocates.
//
// Threading: single writer, many readers. Exactly one thread (the worker that owns the
// histogram) calls record(), merge() into it, and reset(). Every field is a
// std::atomic written with relaxed load+store (no locked instruction on the hot path), so
// other threads may read it at any time without a data race: an admin thread copies or
// merge()s a live histogram into its own and reads that. Such a snapshot is not atomic as a
// whole: it may include a sample in one bucket but not yet in count() or sum(). Quantiles
// and stdev are therefore derived from the buckets actually read (the exact min/max are used
// only when they fall in the first/last non-empty bucket, else those buckets' bounds), and
// the result is "consistent enough" for monitoring, never an exact ledger. The header is
// cache-line aligned so two workers' histograms never share a line.
//
// Ownership: the histogram owns its bucket array. Copies are deep (and are how snapshots are
// taken); moving is copying, so a histogram is never left in an unusable moved-from state.

#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "core/units.hpp"

namespace ramjet::metrics {

namespace histogram_detail {

inline constexpr int kSubBucketBits = 6;  // 64 sub-buckets per power of two
inline constexpr std::uint64_t kSubBucketCount = std::uint64_t{1} << kSubBucketBits;

// shift = msb(v) - kSubBucketBits; index = shift * 64 + (v >> shift), where v >> shift is
// in [64, 127]. Consecutive powers of two therefore occupy consecutive runs of 64 indices.
constexpr std::size_t raw_index(std::uint64_t v) noexcept {
  const auto msb = static_cast<unsigned>(63 - std::countl_zero(v | kSubBucketCount));
  const unsigned shift = msb - static_cast<unsigned>(kSubBucketBits);
  return static_cast<std::size_t>((std::uint64_t{shift} << kSubBucketBits) + (v >> shift));
}

// Inverse of raw_index: the smallest value whose raw index is `raw` (raw >= 128).
constexpr std::uint64_t raw_lowest(std::size_t raw) noexcept {
  const auto shift = static_cast<unsigned>((raw >> kSubBucketBits) - 1);
  const std::uint64_t sub = (std::uint64_t{raw} & (kSubBucketCount - 1)) | kSubBucketCount;
  return sub << shift;
}

}  // namespace histogram_detail

// One non-empty bucket as seen by for_each_bucket(): it holds recorded values v with
// lowest <= v <= highest (both inclusive, nanoseconds).
struct BucketView {
  std::uint64_t lowest = 0;
  std::uint64_t highest = 0;
  std::uint64_t count = 0;
};

class alignas(64) Histogram {
 public:
  static constexpr std::uint64_t kLowestValue = 1'000;                  // 1 µs in ns
  static constexpr std::uint64_t kHighestValue = 3'600'000'000'000ULL;  // 1 h in ns
  static constexpr int kSubBucketBits = histogram_detail::kSubBucketBits;
  static constexpr std::size_t kBucketCount = histogram_detail::raw_index(kHighestValue) -
                                              histogram_detail::raw_index(kLowestValue) + 1;

  // Maps a value in [kLowestValue, kHighestValue] to its bucket: the position of the highest
  // set bit picks the power of two, the next kSubBucketBits bits pick the sub-bucket.
  static constexpr std::size_t bucket_index(std::uint64_t clamped_value) noexcept {
    return histogram_detail::raw_index(clamped_value) - kIndexOffset;
  }
  // Smallest and largest value (inclusive) that land in bucket `index`.
  static constexpr std::uint64_t bucket_lowest(std::size_t index) noexcept {
    return histogram_detail::raw_lowest(index + kIndexOffset);
  }
  static constexpr std::uint64_t bucket_highest(std::size_t index) noexcept {
    return histogram_detail::raw_lowest(index + kIndexOffset + 1) - 1;
  }

  Histogram();
  Histogram(const Histogram& other);
  Histogram& operator=(const Histogram& other);
  ~Histogram() = default;

  // Records one value in nanoseconds. Writer thread only. No allocation, no locked
  // instruction: a handful of ns.
  void record(std::uint64_t value_ns) noexcept {
    std::uint64_t v = value_ns;
    if (v < kLowestValue) [[unlikely]] {
      v = kLowestValue;
      bump(underflow_, 1);
    } else if (v > kHighestValue) [[unlikely]] {
      v = kHighestValue;
      bump(overflow_, 1);
    }
    // Extremes first, then the bucket: a reader that sees the bucket usually sees them too.
    if (v < min_.load(std::memory_order_relaxed)) {
      min_.store(v, std::memory_order_relaxed);
    }
    if (v > max_.load(std::memory_order_relaxed)) {
      max_.store(v, std::memory_order_relaxed);
    }
    bump(buckets_[bucket_index(v)], 1);
    bump(count_, 1);
    bump(sum_, v);
  }
  // Records a duration; negative durations count as underflow like any value below 1 µs.
  void record(core::Duration value) noexcept {
    const auto ns = value.count();
    record(ns < 0 ? std::uint64_t{0} : static_cast<std::uint64_t>(ns));
  }

  // Adds every sample of `other` (which may be live on another thread) to this histogram.
  // Writer thread of *this only.
  void merge(const Histogram& other) noexcept;
  // Forgets every sample. Writer thread only; a concurrent reader may see a partial reset.
  void reset() noexcept;

  std::uint64_t count() const noexcept { return count_.load(std::memory_order_relaxed); }
  // Sum of the (clamped) values in ns; wraps only after ~5 million one-hour samples.
  std::uint64_t sum() const noexcept { return sum_.load(std::memory_order_relaxed); }
  // Exact smallest / largest (clamped) value recorded; 0 when empty.
  std::uint64_t min() const noexcept;
  std::uint64_t max() const noexcept;
  // Exact arithmetic mean (sum / count); 0 when empty.
  double mean() const noexcept;
  // Population standard deviation around the exact mean, taking each sample at its
  // bucket's midpoint: within about 1% of the true value unless the spread is narrower
  // than a bucket. 0 when empty.
  double stdev() const noexcept;
  // Value at quantile q (clamped to [0, 1]; NaN acts as 0) by nearest rank: the sample of
  // rank max(1, round(q * n)) in ascending order. Rank 1 and rank n answer the exact min and
  // max; other ranks answer their bucket's midpoint clamped to [min, max]. 0 when empty.
  std::uint64_t value_at_quantile(double q) const noexcept;

  std::uint64_t underflow_count() const noexcept {
    return underflow_.load(std::memory_order_relaxed);
  }
  std::uint64_t overflow_count() const noexcept {
    return overflow_.load(std::memory_order_relaxed);
  }

  // Calls fn(const BucketView&) for each non-empty bucket in ascending value order.
  template <typename Fn>
  void for_each_bucket(Fn&& fn) const {
    for (std::size_t i = 0; i < kBucketCount; ++i) {
      const std::uint64_t c = buckets_[i].load(std::memory_order_relaxed);
      if (c != 0) {
        fn(BucketView{bucket_lowest(i), bucket_highest(i), c});
      }
    }
  }

 private:
  static constexpr std::size_t kIndexOffset = histogram_detail::raw_index(kLowestValue);

  // Single-writer increment: relaxed load + store compiles to a plain add, no lock prefix.
  static void bump(std::atomic<std::uint64_t>& a, std::uint64_t n) noexcept {
    a.store(a.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  struct Observed {
    std::uint64_t total = 0;
    std::uint64_t min = 0;
    std::uint64_t max = 0;
  };
  Observed observe() const noexcept;
  std::uint64_t representative(std::size_t index, std::uint64_t lo,
                               std::uint64_t hi) const noexcept;

  std::atomic<std::uint64_t> count_{0};
  std::atomic<std::uint64_t> sum_{0};
  std::atomic<std::uint64_t> min_{UINT64_MAX};
  std::atomic<std::uint64_t> max_{0};
  std::atomic<std::uint64_t> underflow_{0};
  std::atomic<std::uint64_t> overflow_{0};
  std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;
};

}  // namespace ramjet::metrics
