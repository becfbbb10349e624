#pragma once
// Task<T>: a lazily started C++20 coroutine that yields one T to whoever co_awaits it.
// Resumption uses symmetric transfer, so chains of awaits never grow the stack.
// `spawn(task)` starts a Task<void> detached: its frame frees itself when it finishes.
//
// Frames come from a per-thread free list of recycled blocks (FramePool), so a steady
// state of connections allocates no memory per request for coroutine frames.
// Threading: a task runs on the thread that resumes it (its worker's event loop).
// Exceptions are not used on the data plane; one escaping a coroutine terminates.

#include <coroutine>
#include <cstddef>
#include <exception>
#include <new>
#include <optional>
#include <utility>

namespace ramjet::net {

// Recycles coroutine frames by size class (up to 64 KiB), per thread.
class FramePool {
 public:
  static void* allocate(std::size_t size);
  static void deallocate(void* ptr, std::size_t size) noexcept;
};

namespace detail {

struct PromiseBase {
  std::coroutine_handle<> continuation;
  bool detached = false;

  static void* operator new(std::size_t size) { return FramePool::allocate(size); }
  static void operator delete(void* ptr, std::size_t size) noexcept {
    FramePool::deallocate(ptr, size);
  }

  std::suspend_always initial_suspend() noexcept { return {}; }
  void unhandled_exception() noexcept { std::terminate(); }

  struct FinalAwaiter {
    bool await_ready() noexcept { return false; }
    template <typename P>
    std::coroutine_handle<> await_suspend(std::coroutine_handle<P> h) noexcept {
      PromiseBase& p = h.promise();
      if (p.continuation) {
        return p.continuation;
      }
      if (p.detached) {
        h.destroy();
      }
      return std::noop_coroutine();
    }
    void await_resume() noexcept {}
  };
  FinalAwaiter final_suspend() noexcept { return {}; }
};

}  // namespace detail

template <typename T = void>
class [[nodiscard]] Task {
 public:
  struct promise_type : detail::PromiseBase {
    std::optional<T> value;
    Task get_return_object() {
      return Task(std::coroutine_handle<promise_type>::from_promise(*this));
    }
    template <typename U>
    void return_value(U&& v) {
      value.emplace(std::forward<U>(v));
    }
  };

  Task(Task&& other) noexcept : h_(std::exchange(other.h_, {})) {}
  Task& operator=(Task&& other) noexcept {
    if (this != &other) {
      reset();
      h_ = std::exchange(other.h_, {});
    }
    return *this;
  }
  Task(const Task&) = delete;
  Task& operator=(const Task&) = delete;
  ~Task() { reset(); }

  bool await_ready() const noexcept { return false; }
  std::coroutine_handle<> await_suspend(std::coroutine_handle<> caller) noexcept {
    h_.promise().continuation = caller;
    return h_;
  }
  T await_resume() { return std::move(*h_.promise().value); }

 private:
  template <typename>
  friend class Task;
  friend void spawn(Task<void>&& task);
  explicit Task(std::coroutine_handle<promise_type> h) : h_(h) {}
  void reset() {
    if (h_) {
      h_.destroy();
      h_ = {};
    }
  }
  std::coroutine_handle<promise_type> h_;
};

template <>
class [[nodiscard]] Task<void> {
 public:
  struct promise_type : detail::PromiseBase {
    Task get_return_object() {
      return Task(std::coroutine_handle<promise_type>::from_promise(*this));
    }
    void return_void() {}
  };

  Task(Task&& other) noexcept : h_(std::exchange(other.h_, {})) {}
  Task& operator=(Task&& other) noexcept {
    if (this != &other) {
      reset();
      h_ = std::exchange(other.h_, {});
    }
    return *this;
  }
  Task(const Task&) = delete;
  Task& operator=(const Task&) = delete;
  ~Task() { reset(); }

  bool await_ready() const noexcept { return false; }
  std::coroutine_handle<> await_suspend(std::coroutine_handle<> caller) noexcept {
    h_.promise().continuation = caller;
    return h_;
  }
  void await_resume() noexcept {}

 private:
  friend void spawn(Task<void>&& task);
  explicit Task(std::coroutine_handle<promise_type> h) : h_(h) {}
  void reset() {
    if (h_) {
      h_.destroy();
      h_ = {};
    }
  }
  std::coroutine_handle<promise_type> h_;
};

// Starts `task` now, on this thread, detached: it runs until its first suspension and
// frees its own frame when it completes.
inline void spawn(Task<void>&& task) {
  auto h = std::exchange(task.h_, {});
  h.promise().detached = true;
  h.resume();
}

}  // namespace ramjet::net
