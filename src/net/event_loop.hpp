#pragma once
// EventLoop: one per worker thread. Edge-triggered epoll for sockets, a TimerWheel for
// timeouts, and a cross-thread task queue woken through an eventfd. Everything but
// post() and stop() must be called on the loop's own thread.
//
// I/O readiness is delivered to IoWatcher objects (intrusive: a socket embeds one). A
// watcher either has a pending operation (an awaitable parked on it, see socket.hpp) or an
// idle callback; an idle keep-alive connection therefore costs its small struct and a timer,
// never a coroutine frame.

#include <sys/epoll.h>

#include <array>
#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "net/timer_wheel.hpp"

namespace ramjet::net {

class EventLoop;

// A parked I/O operation: try() performs the syscall and says whether the operation is
// finished (success, EOF or error); if not, it stays parked until the next readiness edge.
class IoOp {
 public:
  virtual bool try_complete() = 0;
  virtual void complete() = 0;  // resume whoever waits
 protected:
  ~IoOp() = default;
};

class IoWatcher {
 public:
  using IdleCallback = void (*)(IoWatcher* watcher, void* arg);

  int fd = -1;
  IoOp* reader = nullptr;
  IoOp* writer = nullptr;
  IdleCallback on_idle_readable = nullptr;  // readiness with no reader parked
  void* idle_arg = nullptr;
  bool registered = false;
};

class EventLoop {
 public:
  struct Options {
    int max_events = 256;
  };

  static core::Result<std::unique_ptr<EventLoop>> create(const core::Clock& clock,
                                                         Options options);
  static core::Result<std::unique_ptr<EventLoop>> create(const core::Clock& clock) {
    return create(clock, Options{});
  }
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  // Runs until stop(). Returns on the loop's thread.
  void run();
  // Runs one iteration, waiting at most `max_wait_ms` (tests drive loops this way).
  void run_once(int max_wait_ms);
  void stop();  // any thread
  bool stopping() const { return stop_.load(std::memory_order_relaxed); }

  // Runs `fn` on the loop's thread soon. Any thread.
  void post(std::function<void()> fn);

  // Monotonic time cached at the start of each iteration.
  core::MonoTime now() const { return now_; }
  core::WallTime wall_now() const { return clock_.wall_now(); }
  const core::Clock& clock() const { return clock_; }
  void refresh_now() { now_ = clock_.now(); }

  TimerWheel& timers() { return timers_; }
  void arm(Timer& timer, core::MonoTime deadline) { timers_.arm(timer, deadline); }
  void cancel(Timer& timer) { timers_.cancel(timer); }

  // Registers `w` (edge-triggered, in+out+rdhup). The fd must be non-blocking.
  bool add(IoWatcher& w);
  // Forgets `w` before its fd is closed: later events from this batch are dropped.
  void remove(IoWatcher& w);

  std::size_t watcher_count() const { return watchers_; }

 private:
  EventLoop(const core::Clock& clock, int epfd, int evfd, Options options);
  void dispatch(IoWatcher* w, std::uint32_t events);
  void drain_posted();

  const core::Clock& clock_;
  int epfd_;
  int evfd_;
  IoWatcher wake_watcher_;
  Options options_;
  core::MonoTime now_;
  TimerWheel timers_;
  std::vector<epoll_event> events_;
  IoWatcher* current_ = nullptr;  // watcher being dispatched
  bool current_removed_ = false;
  int batch_pos_ = 0;
  int batch_size_ = 0;
  std::size_t watchers_ = 0;
  std::atomic<bool> stop_{false};
  std::mutex posted_mu_;
  std::vector<std::function<void()>> posted_;
  std::vector<std::function<void()>> running_;
  std::atomic<bool> wake_pending_{false};
};

}  // namespace ramjet::net
