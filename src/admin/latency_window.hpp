#pragma once
// Sliding-window latency figures built off the hot path, by diffing cumulative histograms.
//
// Purpose: /stats and the dashboard show "the last minute" next to the since-start figures.
// The workers only ever record into their cumulative metrics::Histogram (no extra cost per
// request); once a second the admin thread reads those histograms, subtracts what it read
// the second before, and keeps each second's difference in a ring. A window is the sum of
// the ring. See docs/adr/0005-latency-window-by-sampling.md for why this beats a
// WindowedHistogram per route and worker (1 MiB each, and a second record() per request).
//
// Representation: a second's difference is sparse — only the buckets that received samples
// — so a minute of one route costs a few KiB, not 60 × 16 KiB. Bucket indices and the value
// reported for a bucket (its midpoint) are metrics::Histogram's, so precision is the same:
// within 1/128 of a recorded value. Window min and max are bucket bounds, not exact values.
//
// Threading: not thread-safe; owned and used by the admin thread only.

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "metrics/histogram.hpp"

namespace ramjet::admin {

// Dense bucket counts, indexed like metrics::Histogram (kBucketCount entries).
using BucketCounts = std::vector<std::uint64_t>;

BucketCounts empty_buckets();
// Adds the buckets of `h` (which another thread may be recording into) to `out`.
void add_buckets(const metrics::Histogram& h, BucketCounts& out);

// One interval's samples: the buckets that changed and by how much, plus the sum of values.
struct BucketDelta {
  std::vector<std::pair<std::uint16_t, std::uint32_t>> buckets;  // (index, count), ascending
  std::uint64_t count = 0;
  std::uint64_t sum_ns = 0;
};

// current - previous for every bucket (a bucket never decreases: single writer, monotonic);
// `sum_ns` is the caller's difference of histogram sums.
BucketDelta diff(const BucketCounts& current, const BucketCounts& previous,
                 std::uint64_t sum_ns);

// Percentiles and mean of a set of samples given as dense bucket counts.
struct LatencySummary {
  std::uint64_t count = 0;
  double mean_ns = 0;
  std::uint64_t min_ns = 0;  // lowest value of the lowest non-empty bucket
  std::uint64_t max_ns = 0;  // highest value of the highest non-empty bucket
  std::uint64_t p50_ns = 0;
  std::uint64_t p90_ns = 0;
  std::uint64_t p95_ns = 0;
  std::uint64_t p99_ns = 0;
  std::uint64_t p999_ns = 0;
};

// Nearest-rank quantiles (rank max(1, round(q·n))) answered with the bucket's midpoint, as
// metrics::Histogram does. `sum_ns` gives the mean.
LatencySummary summarize(const BucketCounts& buckets, std::uint64_t sum_ns);

// A ring of the last `intervals` deltas of one series (one route, or all routes together).
class LatencyWindow {
 public:
  explicit LatencyWindow(std::size_t intervals = 60);

  // Appends the newest interval, dropping the oldest once the ring is full.
  void push(BucketDelta delta);
  // Samples in the ring, summed.
  LatencySummary summary() const;
  std::uint64_t count() const;
  // Intervals pushed so far, up to the ring size: the window's length in intervals.
  std::size_t filled() const { return filled_; }
  // The newest interval alone (empty before the first push).
  const BucketDelta& newest() const;

 private:
  std::vector<BucketDelta> ring_;
  std::size_t next_ = 0;
  std::size_t filled_ = 0;
};

}  // namespace ramjet::admin
