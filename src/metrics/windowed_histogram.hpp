#pragma once
// WindowedHistogram: "the last minute" of latencies, as a ring of per-interval histograms.
//
// Purpose: /stats and the dashboard show recent percentiles next to the since-start ones.
// The ring holds `intervals` histograms, each covering one `interval` of the injected
// clock (default 60 × 1 s). Interval k covers [origin + k·interval, origin + (k+1)·interval)
// where origin is the clock's time at construction. Recording into a new interval reuses
// the oldest slot; a reader merges the slots whose interval is among the last `intervals`,
// so the window spans between intervals-1 and intervals full intervals plus the current,
// partial one. Intervals skipped while nothing was recorded simply drop out of the window.
//
// Threading: single writer (the owning worker) calls record() and rotate(); any thread may
// call merge_window_into()/window() at any time. Each slot carries its interval number in an
// atomic: the writer invalidates it before clearing the slot and publishes the new number
// after, and readers skip slots outside the window. A read racing a rotation may still see
// part of the slot being cleared (the oldest interval); that is the same "consistent
// enough" contract as Histogram.
//
// Cost: record() is Histogram::record() plus one time comparison when `now` is passed in
// (the worker's loop time); the overload without `now` also reads the clock. Memory is
// intervals × 16 KiB (about 1 MiB for 60 slots), allocated once in the constructor.
//
// Ownership: holds a reference to the clock, which must outlive it. Not copyable.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "core/clock.hpp"
#include "core/units.hpp"
#include "metrics/histogram.hpp"

namespace ramjet::metrics {

struct WindowedHistogramOptions {
  std::size_t intervals = 60;                         // ring size; below 1 acts as 1
  core::Duration interval = std::chrono::seconds(1);  // below 1 ms acts as 1 ms
};

class WindowedHistogram {
 public:
  explicit WindowedHistogram(const core::Clock& clock, WindowedHistogramOptions options = {});
  WindowedHistogram(const WindowedHistogram&) = delete;
  WindowedHistogram& operator=(const WindowedHistogram&) = delete;

  // Records into the interval containing `now` (the caller's current time, e.g. the event
  // loop's cached time). Writer thread only.
  void record(std::uint64_t value_ns, core::MonoTime now) noexcept {
    if (now >= next_rotation_) [[unlikely]] {
      rotate(now);
    }
    slots_[current_].histogram.record(value_ns);
  }
  void record(std::uint64_t value_ns) noexcept { record(value_ns, clock_->now()); }
  void record(core::Duration value, core::MonoTime now) noexcept {
    const auto ns = value.count();
    record(ns < 0 ? std::uint64_t{0} : static_cast<std::uint64_t>(ns), now);
  }
  void record(core::Duration value) noexcept { record(value, clock_->now()); }

  // Moves the current slot to the interval containing `now`, clearing what it held. Called
  // by record() when due; a worker may also call it from a timer. Writer thread only.
  void rotate(core::MonoTime now) noexcept;

  // Adds the window ending at `now` to `out` (which the caller owns). Any thread.
  void merge_window_into(Histogram& out, core::MonoTime now) const;
  // The window ending at the clock's now, as a fresh histogram. Any thread.
  Histogram window() const;

  const WindowedHistogramOptions& options() const noexcept { return options_; }

 private:
  static constexpr std::int64_t kNoInterval = INT64_MIN;

  struct Slot {
    Histogram histogram;
    std::atomic<std::int64_t> interval{kNoInterval};
  };

  std::int64_t interval_of(core::MonoTime now) const noexcept;

  const core::Clock* clock_;
  WindowedHistogramOptions options_;
  core::MonoTime origin_;
  core::MonoTime next_rotation_;
  std::size_t current_ = 0;
  std::unique_ptr<Slot[]> slots_;
};

}  // namespace ramjet::metrics
