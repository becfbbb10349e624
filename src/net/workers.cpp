#include "net/workers.hpp"

#include <pthread.h>

#include <string>

namespace ramjet::net {

Workers::~Workers() {
  stop();
  join();
}

core::Result<bool> Workers::start(std::size_t count, const core::Clock& clock, Init init) {
  for (std::size_t i = 0; i < count; ++i) {
    auto loop = EventLoop::create(clock);
    if (!loop.ok()) {
      return loop.error();
    }
    loops_.push_back(std::move(loop.value()));
  }
  for (std::size_t i = 0; i < count; ++i) {
    threads_.emplace_back([this, i, init] {
      std::string name = "ramjet-w" + std::to_string(i);
      ::pthread_setname_np(::pthread_self(), name.c_str());
      init(i, *loops_[i]);
      loops_[i]->run();
    });
  }
  return true;
}

void Workers::post_all(const std::function<void(std::size_t index, EventLoop& loop)>& fn) {
  for (std::size_t i = 0; i < loops_.size(); ++i) {
    EventLoop* loop = loops_[i].get();
    loop->post([fn, i, loop] { fn(i, *loop); });
  }
}

void Workers::stop() {
  for (auto& loop : loops_) {
    loop->stop();
  }
}

void Workers::join() {
  for (auto& t : threads_) {
    if (t.joinable()) {
      t.join();
    }
  }
  threads_.clear();
}

}  // namespace ramjet::net
