#include "metrics/histogram.hpp"

#include <algorithm>
#include <cmath>

namespace ramjet::metrics {
namespace {

constexpr auto kRelaxed = std::memory_order_relaxed;

// The index math must round-trip at both ends of the range.
static_assert(Histogram::bucket_index(Histogram::kLowestValue) == 0);
static_assert(Histogram::bucket_lowest(0) == Histogram::kLowestValue);
static_assert(Histogram::bucket_index(Histogram::kHighestValue) == Histogram::kBucketCount - 1);
static_assert(Histogram::bucket_highest(Histogram::kBucketCount - 1) >= Histogram::kHighestValue);
static_assert(Histogram::kBucketCount == 2028);

}  // namespace

Histogram::Histogram() : buckets_(std::make_unique<std::atomic<std::uint64_t>[]>(kBucketCount)) {}

Histogram::Histogram(const Histogram& other) : Histogram() { merge(other); }

Histogram& Histogram::operator=(const Histogram& other) {
  if (this != &other) {
    reset();
    merge(other);
  }
  return *this;
}

void Histogram::merge(const Histogram& other) noexcept {
  for (std::size_t i = 0; i < kBucketCount; ++i) {
    const std::uint64_t c = other.buckets_[i].load(kRelaxed);
    if (c != 0) {
      bump(buckets_[i], c);
    }
  }
  bump(count_, other.count_.load(kRelaxed));
  bump(sum_, other.sum_.load(kRelaxed));
  bump(underflow_, other.underflow_.load(kRelaxed));
  bump(overflow_, other.overflow_.load(kRelaxed));
  const std::uint64_t other_min = other.min_.load(kRelaxed);
  if (other_min < min_.load(kRelaxed)) {
    min_.store(other_min, kRelaxed);
  }
  const std::uint64_t other_max = other.max_.load(kRelaxed);
  if (other_max > max_.load(kRelaxed)) {
    max_.store(other_max, kRelaxed);
  }
}

void Histogram::reset() noexcept {
  for (std::size_t i = 0; i < kBucketCount; ++i) {
    buckets_[i].store(0, kRelaxed);
  }
  count_.store(0, kRelaxed);
  sum_.store(0, kRelaxed);
  min_.store(UINT64_MAX, kRelaxed);
  max_.store(0, kRelaxed);
  underflow_.store(0, kRelaxed);
  overflow_.store(0, kRelaxed);
}

std::uint64_t Histogram::min() const noexcept {
  const std::uint64_t m = min_.load(kRelaxed);
  return m == UINT64_MAX ? 0 : m;
}

std::uint64_t Histogram::max() const noexcept { return max_.load(kRelaxed); }

double Histogram::mean() const noexcept {
  const std::uint64_t n = count();
  return n == 0 ? 0.0 : static_cast<double>(sum()) / static_cast<double>(n);
}

// One pass over the buckets: their total and the extremes to clamp representatives to. The
// exact min/max are used when they lie in the first/last non-empty bucket, as they always do
// unless a concurrent writer tore the snapshot; then the bucket bounds stand in.
Histogram::Observed Histogram::observe() const noexcept {
  Observed o;
  std::size_t first = kBucketCount;
  std::size_t last = 0;
  for (std::size_t i = 0; i < kBucketCount; ++i) {
    const std::uint64_t c = buckets_[i].load(kRelaxed);
    if (c != 0) {
      o.total += c;
      first = std::min(first, i);
      last = i;
    }
  }
  if (o.total == 0) {
    return o;
  }
  const std::uint64_t lo = min_.load(kRelaxed);
  const std::uint64_t hi = max_.load(kRelaxed);
  const bool lo_ok = lo >= bucket_lowest(first) && lo <= bucket_highest(first);
  const bool hi_ok = hi >= bucket_lowest(last) && hi <= bucket_highest(last);
  o.min = lo_ok ? lo : bucket_lowest(first);
  o.max = hi_ok ? hi : std::min(bucket_highest(last), kHighestValue);
  return o;
}

// The bucket's midpoint, kept inside the observed [lo, hi].
std::uint64_t Histogram::representative(std::size_t index, std::uint64_t lo,
                                        std::uint64_t hi) const noexcept {
  const std::uint64_t low = bucket_lowest(index);
  const std::uint64_t mid = low + (bucket_highest(index) - low) / 2;
  return std::clamp(mid, lo, std::max(lo, hi));
}

double Histogram::stdev() const noexcept {
  const Observed o = observe();
  if (o.total == 0) {
    return 0.0;
  }
  const double avg = mean();
  double squares = 0.0;
  for (std::size_t i = 0; i < kBucketCount; ++i) {
    const std::uint64_t c = buckets_[i].load(kRelaxed);
    if (c != 0) {
      const double d = static_cast<double>(representative(i, o.min, o.max)) - avg;
      squares += d * d * static_cast<double>(c);
    }
  }
  return std::sqrt(squares / static_cast<double>(o.total));
}

std::uint64_t Histogram::value_at_quantile(double q) const noexcept {
  const Observed o = observe();
  if (o.total == 0) {
    return 0;
  }
  const double clamped_q = std::isnan(q) ? 0.0 : std::clamp(q, 0.0, 1.0);
  const double wanted = std::round(clamped_q * static_cast<double>(o.total));
  const std::uint64_t rank = wanted >= static_cast<double>(o.total)
                                 ? o.total
                                 : std::max(std::uint64_t{1}, static_cast<std::uint64_t>(wanted));
  if (rank == 1) {
    return o.min;
  }
  if (rank == o.total) {
    return o.max;
  }
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < kBucketCount; ++i) {
    seen += buckets_[i].load(kRelaxed);
    if (seen >= rank) {
      return representative(i, o.min, o.max);
    }
  }
  return o.max;  // a torn snapshot whose buckets changed between the two passes
}

}  // namespace ramjet::metrics
