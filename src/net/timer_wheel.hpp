#pragma once
// TimerWheel: a hashed timing wheel for one event loop's timeouts (idle, header, body,
// connect, sleep). Timers are intrusive (a Timer lives inside the object it times out),
// so arming, re-arming and cancelling are O(1) and allocate nothing. Expiry resolution is
// one tick (kTick); a timer never fires early. Not thread-safe: owned by one loop.

#include <chrono>
#include <cstdint>
#include <vector>

#include "core/clock.hpp"

namespace ramjet::net {

class Timer {
 public:
  using Callback = void (*)(Timer* timer, void* arg);

  Timer() = default;
  Timer(Callback cb, void* arg) : callback_(cb), arg_(arg) {}
  Timer(const Timer&) = delete;
  Timer& operator=(const Timer&) = delete;
  ~Timer();

  void set_callback(Callback cb, void* arg) {
    callback_ = cb;
    arg_ = arg;
  }
  bool armed() const { return wheel_ != nullptr; }
  core::MonoTime deadline() const { return deadline_; }

 private:
  friend class TimerWheel;
  Timer* prev_ = nullptr;
  Timer* next_ = nullptr;
  class TimerWheel* wheel_ = nullptr;
  core::MonoTime deadline_{};
  Callback callback_ = nullptr;
  void* arg_ = nullptr;
};

class TimerWheel {
 public:
  static constexpr std::chrono::milliseconds kTick{2};
  static constexpr std::size_t kSlots = 8192;  // one revolution = 16.4 s

  explicit TimerWheel(core::MonoTime now);
  ~TimerWheel();
  TimerWheel(const TimerWheel&) = delete;
  TimerWheel& operator=(const TimerWheel&) = delete;

  // Arms (or re-arms) `timer` to fire at `deadline`; a deadline in the past fires on the
  // next advance().
  void arm(Timer& timer, core::MonoTime deadline);
  void cancel(Timer& timer);

  // Fires every timer whose deadline is <= now. Callbacks may arm or cancel any timer.
  void advance(core::MonoTime now);

  // How long the loop may sleep before the next timer could be due (bounded scan);
  // -1 when no timer is armed.
  int next_timeout_ms(core::MonoTime now) const;

  std::size_t size() const { return count_; }

 private:
  std::uint64_t tick_of(core::MonoTime t) const;
  void link(Timer& timer, std::uint64_t tick);
  void unlink(Timer& timer);

  core::MonoTime origin_;
  std::uint64_t current_tick_ = 0;  // all ticks < current_tick_ have been processed
  std::vector<Timer*> slots_;
  std::size_t count_ = 0;
  mutable std::uint64_t scan_hint_ = 0;  // no armed timer has a tick below this
};

}  // namespace ramjet::net
