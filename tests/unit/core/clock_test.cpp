#include "core/clock.hpp"

#include <gtest/gtest.h>

using namespace std::chrono_literals;

TEST(ManualClock, MovesOnlyWhenAdvanced) {
  ramjet::core::ManualClock clock;
  auto t0 = clock.now();
  auto w0 = clock.wall_now();
  EXPECT_EQ(clock.now(), t0);
  clock.advance(1500ms);
  EXPECT_EQ(clock.now() - t0, 1500ms);
  EXPECT_EQ(clock.wall_now() - w0, 1500ms);
}
