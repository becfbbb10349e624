#pragma once
// Workers: N threads, each running its own EventLoop (STYLE #5: each worker owns its
// world). `init` runs on each worker's thread before its loop starts and builds that
// worker's state (listener, sessions, pools); `stop()` asks every loop to finish.

#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "net/event_loop.hpp"

namespace ramjet::net {

class Workers {
 public:
  using Init = std::function<void(std::size_t index, EventLoop& loop)>;

  Workers() = default;
  ~Workers();
  Workers(const Workers&) = delete;
  Workers& operator=(const Workers&) = delete;

  // Creates `count` loops and starts their threads; `init` runs first on each thread.
  core::Result<bool> start(std::size_t count, const core::Clock& clock, Init init);
  std::size_t size() const { return loops_.size(); }
  EventLoop& loop(std::size_t index) { return *loops_[index]; }
  // Runs fn on every worker's thread.
  void post_all(const std::function<void(std::size_t index, EventLoop& loop)>& fn);
  void stop();
  void join();

 private:
  std::vector<std::unique_ptr<EventLoop>> loops_;
  std::vector<std::thread> threads_;
};

}  // namespace ramjet::net
