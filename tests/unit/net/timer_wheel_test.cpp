#include "net/timer_wheel.hpp"

#include <gtest/gtest.h>

#include <vector>

using namespace std::chrono_literals;
using ramjet::core::ManualClock;
using ramjet::net::Timer;
using ramjet::net::TimerWheel;

namespace {
void count_fire(Timer* /*t*/, void* arg) { ++*static_cast<int*>(arg); }
}  // namespace

TEST(TimerWheel, NeverFiresBeforeDeadline) {
  ManualClock clock;
  TimerWheel wheel(clock.now());
  int fired = 0;
  Timer t(&count_fire, &fired);
  wheel.arm(t, clock.now() + 10ms);
  clock.advance(9ms);
  wheel.advance(clock.now());
  EXPECT_EQ(fired, 0);
  clock.advance(1ms);
  wheel.advance(clock.now());
  clock.advance(TimerWheel::kTick);
  wheel.advance(clock.now());
  EXPECT_EQ(fired, 1);
  EXPECT_FALSE(t.armed());
}

TEST(TimerWheel, CancelledTimerDoesNotFire) {
  ManualClock clock;
  TimerWheel wheel(clock.now());
  int fired = 0;
  Timer t(&count_fire, &fired);
  wheel.arm(t, clock.now() + 5ms);
  wheel.cancel(t);
  clock.advance(1s);
  wheel.advance(clock.now());
  EXPECT_EQ(fired, 0);
  EXPECT_EQ(wheel.size(), 0u);
}

TEST(TimerWheel, RearmMovesTheDeadline) {
  ManualClock clock;
  TimerWheel wheel(clock.now());
  int fired = 0;
  Timer t(&count_fire, &fired);
  wheel.arm(t, clock.now() + 5ms);
  wheel.arm(t, clock.now() + 50ms);
  clock.advance(20ms);
  wheel.advance(clock.now());
  EXPECT_EQ(fired, 0);
  clock.advance(40ms);
  wheel.advance(clock.now());
  EXPECT_EQ(fired, 1);
}

TEST(TimerWheel, DeadlinesBeyondOneRevolutionWaitTheirTurn) {
  ManualClock clock;
  TimerWheel wheel(clock.now());
  int fired = 0;
  Timer t(&count_fire, &fired);
  wheel.arm(t, clock.now() + 60s);  // several revolutions of the wheel
  for (int i = 0; i < 59; ++i) {
    clock.advance(1s);
    wheel.advance(clock.now());
  }
  EXPECT_EQ(fired, 0);
  clock.advance(2s);
  wheel.advance(clock.now());
  EXPECT_EQ(fired, 1);
}

TEST(TimerWheel, CallbackMayCancelAnotherTimerInTheSameSlot) {
  ManualClock clock;
  TimerWheel wheel(clock.now());
  struct Pair {
    TimerWheel* wheel;
    Timer* other;
    int fired = 0;
  };
  Pair pair{&wheel, nullptr};
  auto cancel_other = [](Timer* /*t*/, void* arg) {
    auto* p = static_cast<Pair*>(arg);
    ++p->fired;
    p->wheel->cancel(*p->other);
  };
  Timer a(cancel_other, &pair);
  Timer b(cancel_other, &pair);
  pair.other = &b;
  wheel.arm(b, clock.now() + 4ms);
  wheel.arm(a, clock.now() + 4ms);  // a is first in the slot list
  clock.advance(10ms);
  wheel.advance(clock.now());
  EXPECT_EQ(pair.fired, 1);
  EXPECT_EQ(wheel.size(), 0u);
}

TEST(TimerWheel, NextTimeoutIsMinusOneWhenEmpty) {
  ManualClock clock;
  TimerWheel wheel(clock.now());
  EXPECT_EQ(wheel.next_timeout_ms(clock.now()), -1);
  int fired = 0;
  Timer t(&count_fire, &fired);
  wheel.arm(t, clock.now() + 10ms);
  int ms = wheel.next_timeout_ms(clock.now());
  EXPECT_GE(ms, 10);
  EXPECT_LE(ms, 14);
}
