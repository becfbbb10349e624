#pragma once
// CollapseWaiter: one request waiting on another worker's (or its own worker's) upstream
// fetch of the same cache key. Lives in the waiting coroutine's frame; the leader reaches it
// through cache::WaiterToken::context and posts the outcome to the waiter's own loop, so the
// wake-up runs on the waiter's thread (STYLE #5).
//
// Lifetime: the waiter leaves the flight on timeout (CollapseTable::leave); when leave()
// says the leader already took its token, the waiter keeps waiting without a deadline, so a
// posted notification always finds it alive.

#include "cache/collapse.hpp"
#include "net/event.hpp"
#include "net/event_loop.hpp"

namespace ramjet::proxy {

class CollapseWaiter {
 public:
  explicit CollapseWaiter(net::EventLoop& loop) : loop_(loop), event_(loop) {}
  CollapseWaiter(const CollapseWaiter&) = delete;
  CollapseWaiter& operator=(const CollapseWaiter&) = delete;

  // Any thread: delivers the leader's outcome on the waiter's loop.
  void notify(cache::FlightOutcome outcome) {
    loop_.post([this, outcome] {
      outcome_ = outcome;
      event_.set();
    });
  }
  net::Event& event() { return event_; }
  cache::FlightOutcome outcome() const { return outcome_; }

 private:
  net::EventLoop& loop_;
  net::Event event_;
  cache::FlightOutcome outcome_ = cache::FlightOutcome::kFailed;
};

}  // namespace ramjet::proxy
