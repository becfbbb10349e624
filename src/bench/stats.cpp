#include "bench/stats.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace ramjet::bench {

const char* to_string(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kConnect:
      return "connect";
    case ErrorKind::kTimeout:
      return "timeout";
    case ErrorKind::kReset:
      return "reset";
    case ErrorKind::kClosed:
      return "closed";
    case ErrorKind::kParse:
      return "parse";
    case ErrorKind::kOther:
      return "other";
  }
  return "other";
}

// Bucket layout: microseconds v (at least 1); below 8 µs one bucket per µs, then each power
// of two [2^k, 2^(k+1)) split into 8 equal parts.
std::size_t CoarseHistogram::index(std::uint64_t ns) noexcept {
  constexpr std::uint64_t kSub = std::uint64_t{1} << kSubBits;
  std::uint64_t us = std::max<std::uint64_t>(ns / 1000, 1);
  if (us < kSub) {
    return static_cast<std::size_t>(us);
  }
  auto msb = static_cast<unsigned>(63 - std::countl_zero(us));
  unsigned shift = msb - static_cast<unsigned>(kSubBits);
  std::uint64_t idx = (std::uint64_t{shift} + 1) * kSub + ((us >> shift) - kSub);
  return static_cast<std::size_t>(std::min<std::uint64_t>(idx, kBuckets - 1));
}

std::uint64_t CoarseHistogram::bucket_low_ns(std::size_t index) noexcept {
  constexpr std::uint64_t kSub = std::uint64_t{1} << kSubBits;
  if (index < kSub) {
    return std::uint64_t{index} * 1000;
  }
  std::uint64_t shift = index / kSub - 1;
  std::uint64_t sub = index % kSub + kSub;
  return (sub << shift) * 1000;
}

void CoarseHistogram::merge(const CoarseHistogram& other) noexcept {
  for (std::size_t i = 0; i < kBuckets; ++i) {
    counts_[i] += other.counts_[i];
  }
}

std::uint64_t CoarseHistogram::count() const noexcept {
  std::uint64_t n = 0;
  for (std::uint32_t c : counts_) {
    n += c;
  }
  return n;
}

std::uint64_t CoarseHistogram::value_at_quantile(double q) const noexcept {
  std::uint64_t n = count();
  if (n == 0) {
    return 0;
  }
  double clamped = std::clamp(std::isnan(q) ? 0.0 : q, 0.0, 1.0);
  auto rank = std::max<std::uint64_t>(
      1, static_cast<std::uint64_t>(std::llround(clamped * static_cast<double>(n))));
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < kBuckets; ++i) {
    seen += counts_[i];
    if (seen >= rank) {
      std::uint64_t lo = bucket_low_ns(i);
      std::uint64_t hi = i + 1 < kBuckets ? bucket_low_ns(i + 1) : lo * 2;
      return lo + (hi - lo) / 2;
    }
  }
  return 0;
}

Timeline::Timeline(core::MonoTime start, core::Duration interval)
    : start_(start),
      interval_(std::max(interval, core::Duration(std::chrono::milliseconds(1)))),
      slots_(kSlots) {}

TimelineSlot& Timeline::slot(core::MonoTime at) noexcept {
  auto since = at - start_;
  std::size_t i = since <= core::Duration::zero()
                      ? 0
                      : static_cast<std::size_t>(since / interval_);
  // Bounded: each fold halves i; a run shorter than 2^40 intervals folds at most 40 times.
  while (i >= kSlots) {
    fold();
    i /= 2;
  }
  used_ = std::max(used_, i + 1);
  return slots_[i];
}

void Timeline::fold() noexcept {
  for (std::size_t i = 0; i < kSlots / 2; ++i) {
    TimelineSlot& out = slots_[i];
    TimelineSlot a = slots_[2 * i];
    const TimelineSlot& b = slots_[2 * i + 1];
    a.responses += b.responses;
    a.errors += b.errors;
    a.latency_sum_ns += b.latency_sum_ns;
    a.latency_max_ns = std::max(a.latency_max_ns, b.latency_max_ns);
    a.latency.merge(b.latency);
    out = a;
  }
  for (std::size_t i = kSlots / 2; i < kSlots; ++i) {
    slots_[i] = TimelineSlot{};
  }
  used_ = (used_ + 1) / 2;
  interval_ *= 2;
}

void Timeline::merge(Timeline& other) {
  // Bounded: each fold doubles one interval; they meet within 64 folds.
  for (int i = 0; i < 64 && interval_ != other.interval_; ++i) {
    if (interval_ < other.interval_) {
      fold();
    } else {
      other.fold();
    }
  }
  for (std::size_t i = 0; i < other.used_; ++i) {
    TimelineSlot& s = slots_[i];
    const TimelineSlot& o = other.slots_[i];
    s.responses += o.responses;
    s.errors += o.errors;
    s.latency_sum_ns += o.latency_sum_ns;
    s.latency_max_ns = std::max(s.latency_max_ns, o.latency_max_ns);
    s.latency.merge(o.latency);
  }
  used_ = std::max(used_, other.used_);
}

RunStats::RunStats(core::MonoTime start, core::Duration interval, std::size_t entry_count)
    : entries(entry_count > 1 ? entry_count : 0), timeline(start, interval) {}

void RunStats::merge(RunStats& other) {
  responses.add(other.responses.value());
  errors.add(other.errors.value());
  latency.merge(other.latency);
  warm_latency.merge(other.warm_latency);
  first_latency.merge(other.first_latency);
  connect_time.merge(other.connect_time);
  ttfb.merge(other.ttfb);
  ok += other.ok;
  unexpected_status += other.unexpected_status;
  missing_header += other.missing_header;
  for (std::size_t i = 0; i < missing_by_header.size(); ++i) {
    missing_by_header[i] += other.missing_by_header[i];
  }
  slow += other.slow;
  connects += other.connects;
  bytes_read += other.bytes_read;
  bytes_written += other.bytes_written;
  body_bytes += other.body_bytes;
  late_sends += other.late_sends;
  for (std::size_t i = 0; i < kErrorKinds; ++i) {
    error_kinds[i] += other.error_kinds[i];
  }
  for (std::size_t i = 0; i < status_counts.size(); ++i) {
    status_counts[i] += other.status_counts[i];
  }
  for (std::size_t i = 0; i < entries.size() && i < other.entries.size(); ++i) {
    entries[i].latency.merge(other.entries[i].latency);
    entries[i].responses += other.entries[i].responses;
    entries[i].ok += other.entries[i].ok;
    entries[i].errors += other.entries[i].errors;
  }
  timeline.merge(other.timeline);
  last_response = std::max(last_response, other.last_response);
}

}  // namespace ramjet::bench
