#include "net/event_loop.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace ramjet::net {

core::Result<std::unique_ptr<EventLoop>> EventLoop::create(const core::Clock& clock,
                                                           Options options) {
  int epfd = ::epoll_create1(EPOLL_CLOEXEC);
  if (epfd < 0) {
    return core::Error{"epoll_create1 failed", std::strerror(errno)};
  }
  int evfd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (evfd < 0) {
    ::close(epfd);
    return core::Error{"eventfd failed", std::strerror(errno)};
  }
  std::unique_ptr<EventLoop> loop(new EventLoop(clock, epfd, evfd, options));
  loop->wake_watcher_.fd = evfd;
  if (!loop->add(loop->wake_watcher_)) {
    return core::Error{"epoll_ctl(eventfd) failed", std::strerror(errno)};
  }
  return loop;
}

EventLoop::EventLoop(const core::Clock& clock, int epfd, int evfd, Options options)
    : clock_(clock),
      epfd_(epfd),
      evfd_(evfd),
      options_(options),
      now_(clock.now()),
      timers_(now_),
      events_(static_cast<std::size_t>(options.max_events)) {}

EventLoop::~EventLoop() {
  ::close(evfd_);
  ::close(epfd_);
}

bool EventLoop::add(IoWatcher& w) {
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
  ev.data.ptr = &w;
  if (::epoll_ctl(epfd_, EPOLL_CTL_ADD, w.fd, &ev) != 0) {
    return false;
  }
  w.registered = true;
  ++watchers_;
  return true;
}

void EventLoop::remove(IoWatcher& w) {
  if (!w.registered) {
    return;
  }
  ::epoll_ctl(epfd_, EPOLL_CTL_DEL, w.fd, nullptr);
  w.registered = false;
  --watchers_;
  if (&w == current_) {
    current_removed_ = true;
  }
  for (int i = batch_pos_; i < batch_size_; ++i) {
    if (events_[static_cast<std::size_t>(i)].data.ptr == &w) {
      events_[static_cast<std::size_t>(i)].data.ptr = nullptr;
    }
  }
}

void EventLoop::post(std::function<void()> fn) {
  {
    std::lock_guard lock(posted_mu_);
    posted_.push_back(std::move(fn));
  }
  if (!wake_pending_.exchange(true, std::memory_order_acq_rel)) {
    std::uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(evfd_, &one, sizeof(one));
  }
}

void EventLoop::stop() {
  stop_.store(true, std::memory_order_relaxed);
  post([] {});
}

void EventLoop::drain_posted() {
  std::uint64_t value = 0;
  [[maybe_unused]] auto n = ::read(evfd_, &value, sizeof(value));
  wake_pending_.store(false, std::memory_order_release);
  {
    std::lock_guard lock(posted_mu_);
    running_.swap(posted_);
  }
  for (auto& fn : running_) {
    fn();
  }
  running_.clear();
}

void EventLoop::dispatch(IoWatcher* w, std::uint32_t events) {
  if (w == &wake_watcher_) {
    drain_posted();
    return;
  }
  constexpr std::uint32_t kReadEvents = EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR;
  constexpr std::uint32_t kWriteEvents = EPOLLOUT | EPOLLHUP | EPOLLERR;
  current_ = w;
  current_removed_ = false;
  if ((events & kWriteEvents) != 0 && w->writer != nullptr) {
    IoOp* op = w->writer;
    if (op->try_complete()) {
      w->writer = nullptr;
      op->complete();
    }
  }
  // The writer's completion may have closed and freed the socket: remove() flags it.
  if (current_removed_) {
    current_ = nullptr;
    return;
  }
  current_ = nullptr;
  if ((events & kReadEvents) != 0) {
    if (w->reader != nullptr) {
      IoOp* op = w->reader;
      if (op->try_complete()) {
        w->reader = nullptr;
        op->complete();
      }
    } else if (w->on_idle_readable != nullptr) {
      w->on_idle_readable(w, w->idle_arg);
    }
  }
}

void EventLoop::run_once(int max_wait_ms) {
  now_ = clock_.now();
  timers_.advance(now_);
  int timeout = timers_.next_timeout_ms(now_);
  if (timeout < 0 || (max_wait_ms >= 0 && timeout > max_wait_ms)) {
    timeout = max_wait_ms;
  }
  int n = ::epoll_wait(epfd_, events_.data(), static_cast<int>(events_.size()), timeout);
  now_ = clock_.now();
  if (n < 0) {
    n = 0;
  }
  batch_size_ = n;
  for (batch_pos_ = 0; batch_pos_ < batch_size_; ++batch_pos_) {
    auto& ev = events_[static_cast<std::size_t>(batch_pos_)];
    if (ev.data.ptr != nullptr) {
      dispatch(static_cast<IoWatcher*>(ev.data.ptr), ev.events);
    }
  }
  batch_size_ = 0;
  batch_pos_ = 0;
  timers_.advance(now_);
}

void EventLoop::run() {
  while (!stop_.load(std::memory_order_relaxed)) {
    run_once(-1);
  }
}

}  // namespace ramjet::net
