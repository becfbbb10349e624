#pragma once
// Event: a one-shot signal one coroutine can wait on, with a deadline. set() and the wait
// run on the same loop thread; another thread signals it by posting set() to that loop
// (EventLoop::post). Used for request collapsing: waiters park on an Event until the
// leader's response is stored. Not copyable or movable while a wait is pending.

#include <coroutine>

#include "core/clock.hpp"
#include "net/event_loop.hpp"
#include "net/timer_wheel.hpp"

namespace ramjet::net {

class Event {
 public:
  explicit Event(EventLoop& loop) : loop_(loop) {}
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;
  ~Event() {
    if (timer_.armed()) {
      loop_.cancel(timer_);
    }
  }

  // Marks the event set and resumes the waiter, if one is parked.
  void set() {
    if (set_) {
      return;
    }
    set_ = true;
    if (waiter_) {
      loop_.cancel(timer_);
      auto h = std::exchange(waiter_, {});
      h.resume();
    }
  }
  bool is_set() const { return set_; }

  class WaitOp {
   public:
    WaitOp(Event& e, core::MonoTime deadline) : event_(e), deadline_(deadline) {}
    bool await_ready() const { return event_.set_; }
    void await_suspend(std::coroutine_handle<> h) {
      event_.waiter_ = h;
      event_.timer_.set_callback(&Event::on_timeout, &event_);
      event_.loop_.arm(event_.timer_, deadline_);
    }
    // True when set, false when the deadline passed first.
    bool await_resume() const { return event_.set_; }

   private:
    Event& event_;
    core::MonoTime deadline_;
  };

  // co_await event.wait(deadline): true if set before the deadline.
  WaitOp wait(core::MonoTime deadline) { return WaitOp(*this, deadline); }

 private:
  static void on_timeout(Timer* /*t*/, void* arg) {
    auto* e = static_cast<Event*>(arg);
    if (e->waiter_) {
      auto h = std::exchange(e->waiter_, {});
      h.resume();
    }
  }

  EventLoop& loop_;
  std::coroutine_handle<> waiter_;
  Timer timer_;
  bool set_ = false;
};

}  // namespace ramjet::net
