#pragma once
// Socket: a non-blocking TCP socket owned by one EventLoop, with awaitable operations
// that carry a deadline. An awaitable first tries its syscall directly (most reads and
// writes on a busy connection complete without suspending); only on EAGAIN does it park
// on the socket's IoWatcher and arm a Timer. Results are values: IoResult{n, error} with
// error an errno (ETIMEDOUT on deadline, ECANCELED on abort_io()).
//
// Ownership: Socket owns the fd; destroying it closes the fd and unregisters it. At most
// one read and one write may be pending at a time. Use only on the loop's thread.

#include <sys/uio.h>

#include <cerrno>
#include <coroutine>
#include <cstdint>
#include <span>
#include <string_view>
#include <utility>

#include "core/clock.hpp"
#include "net/address.hpp"
#include "net/event_loop.hpp"

namespace ramjet::net {

inline constexpr core::MonoTime kNoDeadline = core::MonoTime::max();

struct IoResult {
  std::int64_t n = 0;  // bytes transferred (0 on read = EOF)
  int error = 0;       // 0 or an errno value

  bool ok() const { return error == 0; }
  bool eof() const { return error == 0 && n == 0; }
};

class Socket {
 public:
  Socket() = default;
  Socket(EventLoop& loop, int fd);  // takes ownership; registers with the loop
  Socket(Socket&& other) noexcept;
  Socket& operator=(Socket&& other) noexcept;
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  ~Socket() { close(); }

  bool valid() const { return watcher_.fd >= 0; }
  int fd() const { return watcher_.fd; }
  EventLoop& loop() const { return *loop_; }
  void close();
  void shutdown_write();
  void set_nodelay(bool on);
  // Resumes any parked read/write with `error` (e.g. ECANCELED during drain).
  void abort_io(int error = ECANCELED);
  bool read_pending() const { return watcher_.reader != nullptr; }

  // Called (on the loop) when the socket becomes readable while no read is parked; used
  // to wake an idle keep-alive connection without holding a coroutine.
  void set_idle_callback(IoWatcher::IdleCallback cb, void* arg) {
    watcher_.on_idle_readable = cb;
    watcher_.idle_arg = arg;
  }

  // Non-blocking attempt outside any coroutine: read what is there now.
  IoResult try_read(std::span<char> buffer);
  // Non-blocking attempt to write a whole buffer set; returns bytes written now.
  IoResult try_write(std::span<const iovec> iov);

  class ReadOp;
  class WriteOp;
  class WaitReadableOp;

  // Reads at least one byte (or EOF/error/timeout) into `buffer`.
  ReadOp read(std::span<char> buffer, core::MonoTime deadline);
  // Writes every byte of `iov` (up to kMaxIov entries), or fails.
  WriteOp write(std::span<const iovec> iov, core::MonoTime deadline);
  WriteOp write(std::string_view data, core::MonoTime deadline);
  // Waits until readable (or EOF/error/timeout) without reading.
  WaitReadableOp wait_readable(core::MonoTime deadline);

  static constexpr std::size_t kMaxIov = 16;

 private:
  friend class ConnectOp;
  EventLoop* loop_ = nullptr;
  IoWatcher watcher_;
};

// Shared machinery of a parked operation: coroutine handle, deadline timer, result.
class ParkedOp : public IoOp {
 public:
  ParkedOp(Socket& socket, core::MonoTime deadline) : socket_(socket), deadline_(deadline) {}
  ParkedOp(const ParkedOp&) = delete;
  ParkedOp& operator=(const ParkedOp&) = delete;
  void complete() override { handle_.resume(); }
  // Unparks with `error` and resumes the waiter (timeout, cancellation).
  void abort(int error);

 protected:
  ~ParkedOp() = default;
  void park(std::coroutine_handle<> h, IoOp*& slot);
  void unpark() {
    if (timer_.armed()) {
      socket_.loop().cancel(timer_);
    }
  }
  static void on_timeout(Timer* timer, void* arg);

  Socket& socket_;
  core::MonoTime deadline_;
  IoResult result_{};
  std::coroutine_handle<> handle_;
  Timer timer_;
  IoOp** slot_ = nullptr;
};

class Socket::ReadOp final : public ParkedOp {
 public:
  ReadOp(Socket& s, std::span<char> buffer, core::MonoTime deadline)
      : ParkedOp(s, deadline), buffer_(buffer) {}
  bool await_ready() { return try_complete(); }
  void await_suspend(std::coroutine_handle<> h) { park(h, socket_.watcher_.reader); }
  IoResult await_resume() {
    unpark();
    return result_;
  }
  bool try_complete() override;

 private:
  std::span<char> buffer_;
};

class Socket::WriteOp final : public ParkedOp {
 public:
  WriteOp(Socket& s, std::span<const iovec> iov, core::MonoTime deadline);
  bool await_ready() { return try_complete(); }
  void await_suspend(std::coroutine_handle<> h) { park(h, socket_.watcher_.writer); }
  IoResult await_resume() {
    unpark();
    return result_;
  }
  bool try_complete() override;

 private:
  iovec iov_[kMaxIov];
  std::size_t count_ = 0;
  std::size_t index_ = 0;
  std::int64_t written_ = 0;
};

class Socket::WaitReadableOp final : public ParkedOp {
 public:
  WaitReadableOp(Socket& s, core::MonoTime deadline) : ParkedOp(s, deadline) {}
  bool await_ready() { return false; }
  void await_suspend(std::coroutine_handle<> h) { park(h, socket_.watcher_.reader); }
  IoResult await_resume() {
    unpark();
    return result_;
  }
  bool try_complete() override { return true; }
};

// Connects to `address` without blocking the loop. On success `socket()` is connected.
class ConnectOp final : public IoOp {
 public:
  ConnectOp(EventLoop& loop, const Address& address, core::MonoTime deadline);
  ConnectOp(const ConnectOp&) = delete;
  ConnectOp& operator=(const ConnectOp&) = delete;
  bool await_ready();
  void await_suspend(std::coroutine_handle<> h);
  // On success returns {0, 0} and the socket is moved into `out`.
  IoResult await_resume();
  bool try_complete() override;
  void complete() override { handle_.resume(); }
  Socket take() { return std::move(socket_); }

 private:
  static void on_timeout(Timer* timer, void* arg);
  EventLoop& loop_;
  Address address_;
  core::MonoTime deadline_;
  Socket socket_;
  IoResult result_{};
  std::coroutine_handle<> handle_;
  Timer timer_;
  bool started_ = false;
};

inline ConnectOp connect(EventLoop& loop, const Address& address, core::MonoTime deadline) {
  return ConnectOp(loop, address, deadline);
}

// co_await sleep_until(loop, t): resumes at (or just after) t.
class SleepOp {
 public:
  SleepOp(EventLoop& loop, core::MonoTime until) : loop_(loop), until_(until) {}
  bool await_ready() const { return until_ <= loop_.now(); }
  void await_suspend(std::coroutine_handle<> h);
  void await_resume() {}

 private:
  EventLoop& loop_;
  core::MonoTime until_;
  std::coroutine_handle<> handle_;
  Timer timer_;
};

inline SleepOp sleep_until(EventLoop& loop, core::MonoTime until) { return {loop, until}; }

}  // namespace ramjet::net
