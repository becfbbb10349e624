#pragma once
// What one generator thread measures (RunStats), and the timeline of a run.
//
// Pattern (STYLE #6): each generator thread owns one RunStats and bumps its fields on the hot
// path; nothing there looks anything up by name or allocates. The main thread reads the
// Counters and Histograms live for the progress line (both are single-writer, any-reader:
// see metrics/histogram.hpp), and merges every thread's RunStats after the threads have
// stopped.
//
// The timeline keeps, per interval of the run, the responses, errors and a coarse latency
// histogram (8 buckets per power of two: percentiles within about 6%), enough to draw
// throughput and latency over time. It holds a fixed number of intervals; when a run outlasts
// them, neighbouring intervals are merged and the interval doubles (fold), so memory stays
// fixed whatever the duration.

#include <array>
#include <cstdint>
#include <vector>

#include "core/clock.hpp"
#include "core/units.hpp"
#include "metrics/counter.hpp"
#include "metrics/histogram.hpp"

namespace ramjet::bench {

enum class ErrorKind : std::uint8_t {
  kConnect,  // connect refused, unreachable or timed out
  kTimeout,  // no complete response within --timeout
  kReset,    // the peer reset the connection (ECONNRESET, EPIPE)
  kClosed,   // the peer closed before the response was complete
  kParse,    // malformed response (head, framing) or a head larger than the read buffer
  kOther,    // any other socket error
};
inline constexpr std::size_t kErrorKinds = 6;
const char* to_string(ErrorKind kind);

// A small log-linear histogram of microseconds for one timeline interval.
class CoarseHistogram {
 public:
  static constexpr int kSubBits = 3;
  static constexpr std::size_t kBuckets = 34 * (std::size_t{1} << kSubBits);

  void record(std::uint64_t ns) noexcept { ++counts_[index(ns)]; }
  void merge(const CoarseHistogram& other) noexcept;
  std::uint64_t count() const noexcept;
  // Value (ns) at quantile q by nearest rank: the bucket's midpoint; 0 when empty.
  std::uint64_t value_at_quantile(double q) const noexcept;

  static std::size_t index(std::uint64_t ns) noexcept;
  static std::uint64_t bucket_low_ns(std::size_t index) noexcept;

 private:
  std::array<std::uint32_t, kBuckets> counts_{};
};

struct TimelineSlot {
  std::uint32_t responses = 0;
  std::uint32_t errors = 0;
  std::uint64_t latency_sum_ns = 0;
  std::uint64_t latency_max_ns = 0;
  CoarseHistogram latency;
};

class Timeline {
 public:
  static constexpr std::size_t kSlots = 512;

  // `start` is time zero (the end of warm-up); `interval` the initial width of a slot.
  Timeline(core::MonoTime start, core::Duration interval);

  void record_response(core::MonoTime at, std::uint64_t latency_ns) noexcept {
    TimelineSlot& s = slot(at);
    ++s.responses;
    s.latency_sum_ns += latency_ns;
    if (latency_ns > s.latency_max_ns) {
      s.latency_max_ns = latency_ns;
    }
    s.latency.record(latency_ns);
  }
  void record_error(core::MonoTime at) noexcept { ++slot(at).errors; }

  core::Duration interval() const { return interval_; }
  core::MonoTime start() const { return start_; }
  // Slots up to the last one used.
  std::size_t used() const { return used_; }
  const TimelineSlot& at(std::size_t i) const { return slots_[i]; }

  // Doubles the interval, merging slot pairs.
  void fold() noexcept;
  // Adds `other` (same start); folds either copy until the intervals agree.
  void merge(Timeline& other);

 private:
  TimelineSlot& slot(core::MonoTime at) noexcept;

  core::MonoTime start_;
  core::Duration interval_;
  std::vector<TimelineSlot> slots_;
  std::size_t used_ = 0;
};

// Latency and outcome figures for one kind of request (a scenario entry).
struct EntryStats {
  metrics::Histogram latency;
  std::uint64_t responses = 0;
  std::uint64_t ok = 0;
  std::uint64_t errors = 0;
};

struct RunStats {
  RunStats(core::MonoTime start, core::Duration interval, std::size_t entries);

  // Live (read by the progress line):
  metrics::Counter responses;      // complete responses, any status
  metrics::Counter errors;         // transport and parse failures, every kind
  metrics::Histogram latency;      // every measured response
  // Read after the run:
  metrics::Histogram warm_latency;   // responses that were not a connection's first
  metrics::Histogram first_latency;  // a connection's first response
  metrics::Histogram connect_time;
  metrics::Histogram ttfb;           // send start to the first byte of the response
  std::uint64_t ok = 0;              // responses with an expected status
  std::uint64_t unexpected_status = 0;
  std::uint64_t missing_header = 0;  // responses missing at least one expected header
  std::array<std::uint64_t, 32> missing_by_header{};
  std::uint64_t slow = 0;            // responses slower than --cold-threshold
  std::uint64_t connects = 0;
  std::uint64_t bytes_read = 0;
  std::uint64_t bytes_written = 0;
  std::uint64_t body_bytes = 0;
  std::uint64_t late_sends = 0;      // open loop: requests sent after their intended time
  std::array<std::uint64_t, kErrorKinds> error_kinds{};
  std::array<std::uint64_t, 1000> status_counts{};
  std::vector<EntryStats> entries;   // one per request kind when there are several
  Timeline timeline;
  core::MonoTime last_response{};    // for -n runs: when the last response arrived

  // Adds `other` into this (after both threads stopped).
  void merge(RunStats& other);
};

}  // namespace ramjet::bench
