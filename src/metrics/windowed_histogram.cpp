#include "metrics/windowed_histogram.hpp"

#include <algorithm>

namespace ramjet::metrics {
namespace {

WindowedHistogramOptions sanitized(WindowedHistogramOptions options) {
  options.intervals = std::max<std::size_t>(options.intervals, 1);
  options.interval = std::max<core::Duration>(options.interval, std::chrono::milliseconds(1));
  return options;
}

}  // namespace

WindowedHistogram::WindowedHistogram(const core::Clock& clock, WindowedHistogramOptions options)
    : clock_(&clock),
      options_(sanitized(options)),
      origin_(clock.now()),
      next_rotation_(origin_ + options_.interval),
      slots_(std::make_unique<Slot[]>(options_.intervals)) {
  slots_[0].interval.store(0, std::memory_order_release);
}

std::int64_t WindowedHistogram::interval_of(core::MonoTime now) const noexcept {
  const auto elapsed = std::chrono::duration_cast<core::Duration>(now - origin_);
  return elapsed.count() < 0 ? 0 : elapsed / options_.interval;
}

void WindowedHistogram::rotate(core::MonoTime now) noexcept {
  const std::int64_t interval = interval_of(now);
  const auto n = static_cast<std::int64_t>(options_.intervals);
  current_ = static_cast<std::size_t>(interval % n);
  Slot& slot = slots_[current_];
  if (slot.interval.load(std::memory_order_relaxed) != interval) {
    // Readers that load the slot's interval from here on skip it. (An RMW rather than a
    // store plus fence, which ThreadSanitizer cannot model; this runs once per interval.)
    slot.interval.exchange(kNoInterval, std::memory_order_acq_rel);
    slot.histogram.reset();
    slot.interval.store(interval, std::memory_order_release);
  }
  next_rotation_ = origin_ + (interval + 1) * options_.interval;
}

void WindowedHistogram::merge_window_into(Histogram& out, core::MonoTime now) const {
  const std::int64_t newest = interval_of(now);
  const auto n = static_cast<std::int64_t>(options_.intervals);
  for (std::size_t i = 0; i < options_.intervals; ++i) {
    const std::int64_t interval = slots_[i].interval.load(std::memory_order_acquire);
    // Slots a little ahead of the reader's clock (the writer's now was later) count too.
    if (interval != kNoInterval && interval > newest - n) {
      out.merge(slots_[i].histogram);
    }
  }
}

Histogram WindowedHistogram::window() const {
  Histogram out;
  merge_window_into(out, clock_->now());
  return out;
}

}  // namespace ramjet::metrics
