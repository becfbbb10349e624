#include "cache/collapse.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "test_util.hpp"

namespace ramjet::cache {
namespace {

using namespace std::chrono_literals;
using testing::url_key;

class Collapse : public ::testing::Test {
 protected:
  std::unique_ptr<CollapseTable> make(CollapseOptions options = {}) {
    auto t = CollapseTable::create(options, clock_);
    EXPECT_TRUE(t.ok());
    return std::move(t).value();
  }
  core::ManualClock clock_;
};

TEST_F(Collapse, FirstMissLeadsLaterOnesWait) {
  auto table = make();
  const CacheKey key = url_key("http://h/cold");
  int context = 0;
  const JoinResult leader = table->join(key, WaiterToken{1, &context});
  EXPECT_EQ(leader.role, Role::kLeader);
  const JoinResult w2 = table->join(key, WaiterToken{2, &context});
  const JoinResult w3 = table->join(key, WaiterToken{3, &context});
  EXPECT_EQ(w2.role, Role::kWaiter);
  EXPECT_EQ(w3.role, Role::kWaiter);
  EXPECT_EQ(w2.flight, leader.flight);
  EXPECT_EQ(table->join(url_key("http://h/other"), WaiterToken{4, nullptr}).role, Role::kLeader);

  const std::vector<WaiterToken> waiters =
      table->complete(key, leader.flight, FlightOutcome::kStored);
  ASSERT_EQ(waiters.size(), 2U);
  EXPECT_EQ(waiters[0].id, 2U);
  EXPECT_EQ(waiters[1].id, 3U);
  EXPECT_EQ(waiters[0].context, &context);
  // The flight is over: the next miss leads a new one.
  const JoinResult next = table->join(key, WaiterToken{5, nullptr});
  EXPECT_EQ(next.role, Role::kLeader);
  EXPECT_NE(next.flight, leader.flight);
  const CollapseStats s = table->stats();
  EXPECT_EQ(s.flights, 3U);
  EXPECT_EQ(s.collapsed, 2U);
  EXPECT_EQ(s.in_flight, 2U);
  EXPECT_EQ(s.completed_stored, 1U);
}

TEST_F(Collapse, UncacheableAndFailedReleaseWaitersAtOnce) {
  auto table = make();
  const CacheKey key = url_key("http://h/x");
  for (const FlightOutcome outcome : {FlightOutcome::kUncacheable, FlightOutcome::kFailed}) {
    const JoinResult leader = table->join(key, WaiterToken{1, nullptr});
    ASSERT_EQ(leader.role, Role::kLeader);
    table->join(key, WaiterToken{2, nullptr});
    EXPECT_EQ(table->complete(key, leader.flight, outcome).size(), 1U);
    EXPECT_EQ(table->stats().in_flight, 0U);
  }
  const CollapseStats s = table->stats();
  EXPECT_EQ(s.completed_uncacheable, 1U);
  EXPECT_EQ(s.completed_failed, 1U);
}

TEST_F(Collapse, WaitersThatTimeOutLeave) {
  auto table = make();
  const CacheKey key = url_key("http://h/slow");
  const JoinResult leader = table->join(key, WaiterToken{1, nullptr});
  table->join(key, WaiterToken{2, nullptr});
  table->join(key, WaiterToken{3, nullptr});
  EXPECT_TRUE(table->leave(key, 2));   // removed: it goes upstream itself
  EXPECT_FALSE(table->leave(key, 2));  // already gone
  const std::vector<WaiterToken> waiters =
      table->complete(key, leader.flight, FlightOutcome::kStored);
  ASSERT_EQ(waiters.size(), 1U);
  EXPECT_EQ(waiters[0].id, 3U);
  // Completed before it could leave: a notification is on its way.
  EXPECT_FALSE(table->leave(key, 3));
  EXPECT_EQ(table->stats().timeouts, 1U);
}

TEST_F(Collapse, BoundsWaitersPerFlight) {
  CollapseOptions o;
  o.max_waiters = 2;
  auto table = make(o);
  const CacheKey key = url_key("http://h/hot");
  table->join(key, WaiterToken{1, nullptr});
  EXPECT_EQ(table->join(key, WaiterToken{2, nullptr}).role, Role::kWaiter);
  EXPECT_EQ(table->join(key, WaiterToken{3, nullptr}).role, Role::kWaiter);
  EXPECT_EQ(table->join(key, WaiterToken{4, nullptr}).role, Role::kOverflow);
  EXPECT_EQ(table->stats().overflows, 1U);
}

TEST_F(Collapse, TryLeadForBackgroundRefresh) {
  auto table = make();
  const CacheKey key = url_key("http://h/swr");
  const JoinResult refresh = table->try_lead(key);
  EXPECT_EQ(refresh.role, Role::kLeader);
  EXPECT_EQ(table->try_lead(key).role, Role::kBusy);
  EXPECT_EQ(table->join(key, WaiterToken{9, nullptr}).role, Role::kWaiter);
  EXPECT_EQ(table->complete(key, refresh.flight, FlightOutcome::kStored).size(), 1U);
  EXPECT_EQ(table->try_lead(key).role, Role::kLeader);
  EXPECT_EQ(table->stats().busy, 1U);
}

TEST_F(Collapse, LostLeadersAreTakenOverAfterMaxFlightAge) {
  CollapseOptions o;
  o.max_flight_age = 10s;
  auto table = make(o);
  const CacheKey key = url_key("http://h/lost");
  const JoinResult lost = table->join(key, WaiterToken{1, nullptr});
  table->join(key, WaiterToken{2, nullptr});
  clock_.advance(11s);
  const JoinResult heir = table->join(key, WaiterToken{3, nullptr});
  EXPECT_EQ(heir.role, Role::kLeader);
  EXPECT_NE(heir.flight, lost.flight);
  EXPECT_TRUE(table->complete(key, lost.flight, FlightOutcome::kStored).empty());  // ignored
  const std::vector<WaiterToken> waiters = table->complete(key, heir.flight,
                                                           FlightOutcome::kStored);
  ASSERT_EQ(waiters.size(), 1U);  // the waiter of the lost flight is served by the heir
  EXPECT_EQ(waiters[0].id, 2U);
  EXPECT_EQ(table->stats().takeovers, 1U);
}

TEST_F(Collapse, CreateValidatesOptions) {
  CollapseOptions o;
  o.shards = 3;
  EXPECT_FALSE(CollapseTable::create(o, clock_).ok());
  o.shards = 1;
  o.max_flight_age = 0s;
  EXPECT_FALSE(CollapseTable::create(o, clock_).ok());
}

// Many threads miss the same cold key at once: exactly one leads, all others wait, and the
// leader's completion hands back every waiter.
TEST_F(Collapse, ConcurrentMissesElectOneLeader) {
  CollapseOptions o;
  o.max_waiters = 5000;
  auto table = make(o);
  const CacheKey key = url_key("http://h/stampede");
  constexpr int kThreads = 8;
  constexpr int kPerThread = 500;
  std::atomic<int> leaders{0};
  std::atomic<std::uint64_t> flight{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const auto id = static_cast<std::uint64_t>(t * kPerThread + i + 1);
        const JoinResult j = table->join(key, WaiterToken{id, nullptr});
        if (j.role == Role::kLeader) {
          leaders.fetch_add(1);
          flight = j.flight;
        }
      }
    });
  }
  for (std::thread& th : threads) {
    th.join();
  }
  EXPECT_EQ(leaders.load(), 1);
  const std::vector<WaiterToken> waiters = table->complete(key, flight, FlightOutcome::kStored);
  EXPECT_EQ(waiters.size(), static_cast<std::size_t>(kThreads * kPerThread - 1));
}

}  // namespace
}  // namespace ramjet::cache
