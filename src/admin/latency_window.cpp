#include "admin/latency_window.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

namespace ramjet::admin {
namespace {

using metrics::Histogram;

static_assert(Histogram::kBucketCount <= std::numeric_limits<std::uint16_t>::max());

std::uint64_t midpoint(std::size_t index) {
  const std::uint64_t low = Histogram::bucket_lowest(index);
  return low + (Histogram::bucket_highest(index) - low) / 2;
}

}  // namespace

BucketCounts empty_buckets() { return BucketCounts(Histogram::kBucketCount, 0); }

void add_buckets(const Histogram& h, BucketCounts& out) {
  h.for_each_bucket([&out](const metrics::BucketView& b) {
    out[Histogram::bucket_index(b.lowest)] += b.count;
  });
}

BucketDelta diff(const BucketCounts& current, const BucketCounts& previous,
                 std::uint64_t sum_ns) {
  BucketDelta d;
  d.sum_ns = sum_ns;
  for (std::size_t i = 0; i < current.size(); ++i) {
    if (current[i] > previous[i]) {
      const std::uint64_t n = current[i] - previous[i];
      const auto clamped = static_cast<std::uint32_t>(
          std::min<std::uint64_t>(n, std::numeric_limits<std::uint32_t>::max()));
      d.buckets.emplace_back(static_cast<std::uint16_t>(i), clamped);
      d.count += clamped;
    }
  }
  return d;
}

LatencySummary summarize(const BucketCounts& buckets, std::uint64_t sum_ns) {
  LatencySummary s;
  std::size_t first = buckets.size();
  std::size_t last = 0;
  for (std::size_t i = 0; i < buckets.size(); ++i) {
    if (buckets[i] != 0) {
      s.count += buckets[i];
      first = std::min(first, i);
      last = i;
    }
  }
  if (s.count == 0) {
    return s;
  }
  s.mean_ns = static_cast<double>(sum_ns) / static_cast<double>(s.count);
  s.min_ns = Histogram::bucket_lowest(first);
  s.max_ns = std::min(Histogram::bucket_highest(last), Histogram::kHighestValue);
  const std::array<std::pair<double, std::uint64_t*>, 5> wanted = {{
      {0.50, &s.p50_ns}, {0.90, &s.p90_ns}, {0.95, &s.p95_ns}, {0.99, &s.p99_ns},
      {0.999, &s.p999_ns}}};
  const auto n = static_cast<double>(s.count);
  std::size_t q = 0;
  std::uint64_t seen = 0;
  for (std::size_t i = first; i <= last && q < wanted.size(); ++i) {
    seen += buckets[i];
    while (q < wanted.size()) {
      const auto rank = std::max<std::uint64_t>(
          1, static_cast<std::uint64_t>(std::round(wanted[q].first * n)));
      if (seen < rank) {
        break;
      }
      *wanted[q].second = std::clamp(midpoint(i), s.min_ns, s.max_ns);
      ++q;
    }
  }
  return s;
}

LatencyWindow::LatencyWindow(std::size_t intervals) : ring_(std::max<std::size_t>(intervals, 1)) {}

void LatencyWindow::push(BucketDelta delta) {
  ring_[next_] = std::move(delta);
  next_ = (next_ + 1) % ring_.size();
  filled_ = std::min(filled_ + 1, ring_.size());
}

LatencySummary LatencyWindow::summary() const {
  BucketCounts dense = empty_buckets();
  std::uint64_t sum = 0;
  for (const BucketDelta& d : ring_) {
    for (const auto& [index, n] : d.buckets) {
      dense[index] += n;
    }
    sum += d.sum_ns;
  }
  return summarize(dense, sum);
}

std::uint64_t LatencyWindow::count() const {
  std::uint64_t n = 0;
  for (const BucketDelta& d : ring_) {
    n += d.count;
  }
  return n;
}

const BucketDelta& LatencyWindow::newest() const {
  return ring_[(next_ + ring_.size() - 1) % ring_.size()];
}

}  // namespace ramjet::admin
