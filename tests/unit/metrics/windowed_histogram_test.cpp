#include "metrics/windowed_histogram.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "core/clock.hpp"

namespace ramjet::metrics {
namespace {

using namespace std::chrono_literals;

WindowedHistogramOptions three_seconds() { return {3, 1s}; }

TEST(WindowedHistogram, SamplesOfTheCurrentIntervalAreInTheWindow) {
  core::ManualClock clock;
  WindowedHistogram w(clock, three_seconds());
  w.record(std::uint64_t{5'000});
  w.record(7ms);
  const Histogram window = w.window();
  EXPECT_EQ(window.count(), 2u);
  EXPECT_EQ(window.min(), 5'000u);
  EXPECT_EQ(window.max(), 7'000'000u);
}

TEST(WindowedHistogram, SamplesOlderThanTheWindowDropOutAsTheClockAdvances) {
  core::ManualClock clock;
  WindowedHistogram w(clock, three_seconds());
  w.record(std::uint64_t{1'000});  // interval 0
  clock.advance(1s);
  w.record(std::uint64_t{2'000});  // interval 1
  clock.advance(1s);
  w.record(std::uint64_t{3'000});  // interval 2
  EXPECT_EQ(w.window().count(), 3u);
  clock.advance(1s);
  w.record(std::uint64_t{4'000});  // interval 3 reuses interval 0's slot
  Histogram window = w.window();
  EXPECT_EQ(window.count(), 3u);
  EXPECT_EQ(window.min(), 2'000u);
  EXPECT_EQ(window.max(), 4'000u);
}

TEST(WindowedHistogram, AnIdleWriterStillAgesOutForReaders) {
  core::ManualClock clock;
  WindowedHistogram w(clock, three_seconds());
  w.record(std::uint64_t{1'000});
  clock.advance(2500ms);
  EXPECT_EQ(w.window().count(), 1u);  // interval 2: 0 is still among the last three
  clock.advance(500ms);
  EXPECT_EQ(w.window().count(), 0u);  // interval 3: it is not
}

TEST(WindowedHistogram, IntervalsSkippedWithoutSamplesDoNotResurfaceOldData) {
  core::ManualClock clock;
  WindowedHistogram w(clock, three_seconds());
  w.record(std::uint64_t{1'000});  // interval 0, slot 0
  clock.advance(1s);
  w.record(std::uint64_t{2'000});  // interval 1, slot 1
  clock.advance(4s);
  w.record(std::uint64_t{3'000});  // interval 5, slot 2; slots 0 and 1 are stale
  Histogram window = w.window();
  EXPECT_EQ(window.count(), 1u);
  EXPECT_EQ(window.min(), 3'000u);
}

TEST(WindowedHistogram, ARotatedSlotIsClearedBeforeReuse) {
  core::ManualClock clock;
  WindowedHistogram w(clock, {2, 1s});
  w.record(std::uint64_t{1'000});  // interval 0, slot 0
  clock.advance(2s);
  w.record(std::uint64_t{9'000});  // interval 2, slot 0 again
  clock.advance(1s);
  Histogram window = w.window();  // intervals 2 and 3
  EXPECT_EQ(window.count(), 1u);
  EXPECT_EQ(window.min(), 9'000u);
}

TEST(WindowedHistogram, RecordingAtAnExplicitTimeUsesThatInterval) {
  core::ManualClock clock;
  WindowedHistogram w(clock, three_seconds());
  const core::MonoTime start = clock.now();
  w.record(std::uint64_t{1'000}, start);
  w.record(std::uint64_t{2'000}, start + 10s);  // the writer's loop time ran ahead
  Histogram at_start;
  w.merge_window_into(at_start, start + 10s);
  EXPECT_EQ(at_start.count(), 1u);
  EXPECT_EQ(at_start.min(), 2'000u);
  // A reader whose clock lags the writer's keeps both its own interval and the newer one.
  EXPECT_EQ(w.window().count(), 2u);
}

TEST(WindowedHistogram, MergeIntoAddsToTheCallersHistogram) {
  core::ManualClock clock;
  WindowedHistogram a(clock, three_seconds());
  WindowedHistogram b(clock, three_seconds());
  a.record(std::uint64_t{1'000});
  b.record(std::uint64_t{2'000});
  Histogram all;
  a.merge_window_into(all, clock.now());
  b.merge_window_into(all, clock.now());
  EXPECT_EQ(all.count(), 2u);
}

TEST(WindowedHistogram, UnusableOptionsAreRaisedToTheSmallestUsableValues) {
  core::ManualClock clock;
  WindowedHistogram w(clock, {0, 0s});
  EXPECT_EQ(w.options().intervals, 1u);
  EXPECT_EQ(w.options().interval, 1ms);
  w.record(std::uint64_t{1'000});
  EXPECT_EQ(w.window().count(), 1u);
  clock.advance(1ms);
  EXPECT_EQ(w.window().count(), 0u);
}

// The writer records and rotates while a reader merges windows. Mostly a target for ASan and
// TSan: a window never holds more than was recorded.
TEST(WindowedHistogram, ReadersMergeWindowsWhileTheWriterRotates) {
  core::ManualClock clock;
  WindowedHistogram w(clock, {4, 1ms});
  constexpr std::uint64_t kSamples = 50'000;
  std::atomic<bool> done{false};
  std::thread writer([&] {
    for (std::uint64_t i = 0; i < kSamples; ++i) {
      if (i % 100 == 0) {
        clock.advance(1ms);
      }
      w.record(std::uint64_t{2'000});
    }
    done.store(true);
  });
  while (!done.load()) {
    const Histogram window = w.window();
    EXPECT_LE(window.count(), kSamples);
  }
  writer.join();
  EXPECT_EQ(w.window().count(), 400u);  // the last four 1 ms intervals, 100 samples each
}

}  // namespace
}  // namespace ramjet::metrics
