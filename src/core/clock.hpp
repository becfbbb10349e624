#pragma once
// Clock: the one source of "now" (STYLE #7). Production code takes a Clock& from the
// composition root (src/app); tests pass a ManualClock and move time by hand.
// Thread-safety: MonotonicClock and SystemClock are stateless; ManualClock is atomic.

#include <atomic>
#include <chrono>

namespace ramjet::core {

using MonoTime = std::chrono::steady_clock::time_point;
using WallTime = std::chrono::system_clock::time_point;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual MonoTime now() const = 0;       // for intervals, deadlines, TTLs
  virtual WallTime wall_now() const = 0;  // for Date headers and logs only
};

class RealClock final : public Clock {
 public:
  MonoTime now() const override { return std::chrono::steady_clock::now(); }
  WallTime wall_now() const override { return std::chrono::system_clock::now(); }
};

class ManualClock final : public Clock {
 public:
  explicit ManualClock(MonoTime start = MonoTime{std::chrono::hours(1)},
                       WallTime wall_start = WallTime{std::chrono::seconds(1'700'000'000)})
      : mono_(start.time_since_epoch().count()), wall_(wall_start.time_since_epoch().count()) {}

  MonoTime now() const override { return MonoTime{MonoTime::duration{mono_.load()}}; }
  WallTime wall_now() const override { return WallTime{WallTime::duration{wall_.load()}}; }

  template <typename Rep, typename Period>
  void advance(std::chrono::duration<Rep, Period> d) {
    mono_ += std::chrono::duration_cast<MonoTime::duration>(d).count();
    wall_ += std::chrono::duration_cast<WallTime::duration>(d).count();
  }

 private:
  std::atomic<MonoTime::rep> mono_;
  std::atomic<WallTime::rep> wall_;
};

}  // namespace ramjet::core
