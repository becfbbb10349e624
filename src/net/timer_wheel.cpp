#include "net/timer_wheel.hpp"

#include <algorithm>

namespace ramjet::net {

Timer::~Timer() {
  if (wheel_ != nullptr) {
    wheel_->cancel(*this);
  }
}

TimerWheel::TimerWheel(core::MonoTime now) : origin_(now), slots_(kSlots, nullptr) {}

TimerWheel::~TimerWheel() {
  for (Timer*& head : slots_) {
    while (head != nullptr) {
      Timer* t = head;
      head = t->next_;
      t->wheel_ = nullptr;
      t->prev_ = t->next_ = nullptr;
    }
  }
}

std::uint64_t TimerWheel::tick_of(core::MonoTime t) const {
  if (t <= origin_) {
    return 0;
  }
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(t - origin_).count();
  auto tick_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(kTick).count();
  // Round up so a timer never fires before its deadline.
  return static_cast<std::uint64_t>((ns + tick_ns - 1) / tick_ns);
}

void TimerWheel::link(Timer& timer, std::uint64_t tick) {
  Timer*& head = slots_[tick % kSlots];
  timer.prev_ = nullptr;
  timer.next_ = head;
  if (head != nullptr) {
    head->prev_ = &timer;
  }
  head = &timer;
  timer.wheel_ = this;
  ++count_;
}

void TimerWheel::unlink(Timer& timer) {
  if (timer.prev_ != nullptr) {
    timer.prev_->next_ = timer.next_;
  } else {
    slots_[tick_of(timer.deadline_) % kSlots] = timer.next_;
  }
  if (timer.next_ != nullptr) {
    timer.next_->prev_ = timer.prev_;
  }
  timer.prev_ = timer.next_ = nullptr;
  timer.wheel_ = nullptr;
  --count_;
}

void TimerWheel::arm(Timer& timer, core::MonoTime deadline) {
  if (timer.wheel_ != nullptr) {
    unlink(timer);
  }
  timer.deadline_ = deadline;
  std::uint64_t tick = std::max(tick_of(deadline), current_tick_);
  scan_hint_ = std::min(scan_hint_, tick);
  // Store the effective tick in the deadline's slot: unlink() recomputes the slot from
  // the deadline, so clamp the deadline to the slot we link into.
  if (tick != tick_of(deadline)) {
    timer.deadline_ = origin_ + kTick * static_cast<std::int64_t>(tick);
  }
  link(timer, tick);
}

void TimerWheel::cancel(Timer& timer) {
  if (timer.wheel_ == this) {
    unlink(timer);
  }
}

void TimerWheel::advance(core::MonoTime now) {
  if (count_ == 0) {
    current_tick_ = std::max(current_tick_, tick_of(now) + 1);
    return;
  }
  // A tick is processed once `now` has passed its end, so deadlines are never early.
  std::uint64_t target = tick_of(now);
  auto tick_start = origin_ + kTick * static_cast<std::int64_t>(target);
  if (tick_start <= now) {
    ++target;
  }
  // Bound the walk: after a long sleep, walk at most one revolution.
  if (target > current_tick_ + kSlots) {
    current_tick_ = target - kSlots;
  }
  for (; current_tick_ < target; ++current_tick_) {
    Timer* t = slots_[current_tick_ % kSlots];
    while (t != nullptr) {
      Timer* next = t->next_;
      if (t->deadline_ <= now) {
        unlink(*t);
        if (t->callback_ != nullptr) {
          t->callback_(t, t->arg_);
        }
        // The callback may have cancelled `next`; restart the slot scan in that case.
        if (next != nullptr && next->wheel_ != this) {
          next = slots_[current_tick_ % kSlots];
        }
      }
      t = next;
    }
    if (count_ == 0) {
      current_tick_ = target;
      break;
    }
  }
}

int TimerWheel::next_timeout_ms(core::MonoTime now) const {
  if (count_ == 0) {
    return -1;
  }
  // Every armed timer's tick is >= scan_hint_, so the scan starts there; slots found
  // empty move the hint forward, which keeps repeated calls cheap.
  constexpr std::uint64_t kScan = 512;
  std::uint64_t start = std::max(current_tick_, scan_hint_);
  for (std::uint64_t i = 0; i < kScan; ++i) {
    if (slots_[(start + i) % kSlots] != nullptr) {
      scan_hint_ = start + i;
      auto due = origin_ + kTick * static_cast<std::int64_t>(start + i + 1);
      auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(due - now).count() + 1;
      return static_cast<int>(std::max<std::int64_t>(ms, 0));
    }
  }
  scan_hint_ = start + kScan;
  auto due = origin_ + kTick * static_cast<std::int64_t>(start + kScan);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(due - now).count();
  return static_cast<int>(std::max<std::int64_t>(ms, 0));
}

}  // namespace ramjet::net
