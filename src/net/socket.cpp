#include "net/socket.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

namespace ramjet::net {

Socket::Socket(EventLoop& loop, int fd) : loop_(&loop) {
  watcher_.fd = fd;
  loop.add(watcher_);
}

Socket::Socket(Socket&& other) noexcept : loop_(other.loop_) {
  // A registered watcher's address is in epoll: re-register under the new address.
  bool was_registered = other.watcher_.registered;
  if (was_registered) {
    other.loop_->remove(other.watcher_);
  }
  int fd = std::exchange(other.watcher_.fd, -1);
  if (fd >= 0 && was_registered) {
    watcher_.fd = fd;
    loop_->add(watcher_);
  } else {
    watcher_.fd = fd;
  }
  watcher_.on_idle_readable = other.watcher_.on_idle_readable;
  watcher_.idle_arg = other.watcher_.idle_arg;
}

Socket& Socket::operator=(Socket&& other) noexcept {
  if (this != &other) {
    close();
    new (this) Socket(std::move(other));
  }
  return *this;
}

void Socket::close() {
  if (watcher_.fd < 0) {
    return;
  }
  if (loop_ != nullptr) {
    loop_->remove(watcher_);
  }
  ::close(watcher_.fd);
  watcher_.fd = -1;
  watcher_.reader = nullptr;
  watcher_.writer = nullptr;
}

void Socket::shutdown_write() {
  if (watcher_.fd >= 0) {
    ::shutdown(watcher_.fd, SHUT_WR);
  }
}

void Socket::set_nodelay(bool on) {
  int v = on ? 1 : 0;
  ::setsockopt(watcher_.fd, IPPROTO_TCP, TCP_NODELAY, &v, sizeof(v));
}

void Socket::abort_io(int error) {
  // Resume writer then reader; each resume may destroy this socket, so re-check via fd.
  IoOp* ops[2] = {std::exchange(watcher_.writer, nullptr), std::exchange(watcher_.reader, nullptr)};
  for (IoOp* op : ops) {
    if (op != nullptr) {
      static_cast<ParkedOp*>(op)->abort(error);
    }
  }
}

IoResult Socket::try_read(std::span<char> buffer) {
  for (;;) {
    ssize_t n = ::recv(watcher_.fd, buffer.data(), buffer.size(), 0);
    if (n >= 0) {
      return {n, 0};
    }
    if (errno != EINTR) {
      return {-1, errno};
    }
  }
}

IoResult Socket::try_write(std::span<const iovec> iov) {
  msghdr msg{};
  msg.msg_iov = const_cast<iovec*>(iov.data());
  msg.msg_iovlen = std::min(iov.size(), kMaxIov);
  for (;;) {
    ssize_t n = ::sendmsg(watcher_.fd, &msg, MSG_NOSIGNAL);
    if (n >= 0) {
      return {n, 0};
    }
    if (errno != EINTR) {
      return {-1, errno};
    }
  }
}

Socket::ReadOp Socket::read(std::span<char> buffer, core::MonoTime deadline) {
  return ReadOp(*this, buffer, deadline);
}

Socket::WriteOp Socket::write(std::span<const iovec> iov, core::MonoTime deadline) {
  return WriteOp(*this, iov, deadline);
}

Socket::WriteOp Socket::write(std::string_view data, core::MonoTime deadline) {
  iovec v{const_cast<char*>(data.data()), data.size()};
  return WriteOp(*this, std::span<const iovec>(&v, 1), deadline);
}

Socket::WaitReadableOp Socket::wait_readable(core::MonoTime deadline) {
  return WaitReadableOp(*this, deadline);
}

void ParkedOp::park(std::coroutine_handle<> h, IoOp*& slot) {
  handle_ = h;
  slot = this;
  slot_ = &slot;
  if (deadline_ != kNoDeadline) {
    timer_.set_callback(&ParkedOp::on_timeout, this);
    socket_.loop().arm(timer_, deadline_);
  }
}

void ParkedOp::on_timeout(Timer* /*timer*/, void* arg) {
  auto* op = static_cast<ParkedOp*>(arg);
  op->abort(ETIMEDOUT);
}

void ParkedOp::abort(int error) {
  if (slot_ != nullptr && *slot_ == this) {
    *slot_ = nullptr;
  }
  result_ = {-1, error};
  handle_.resume();
}

bool Socket::ReadOp::try_complete() {
  if (!socket_.valid()) {
    result_ = {-1, EBADF};
    return true;
  }
  result_ = socket_.try_read(buffer_);
  return !(result_.error == EAGAIN || result_.error == EWOULDBLOCK);
}

Socket::WriteOp::WriteOp(Socket& s, std::span<const iovec> iov, core::MonoTime deadline)
    : ParkedOp(s, deadline) {
  for (const iovec& v : iov) {
    if (v.iov_len > 0 && count_ < kMaxIov) {
      iov_[count_++] = v;
    }
  }
}

bool Socket::WriteOp::try_complete() {
  if (!socket_.valid()) {
    result_ = {-1, EBADF};
    return true;
  }
  while (index_ < count_) {
    IoResult r = socket_.try_write(std::span<const iovec>(iov_ + index_, count_ - index_));
    if (!r.ok()) {
      if (r.error == EAGAIN || r.error == EWOULDBLOCK) {
        return false;
      }
      result_ = r;
      return true;
    }
    written_ += r.n;
    auto left = static_cast<std::size_t>(r.n);
    while (index_ < count_ && left >= iov_[index_].iov_len) {
      left -= iov_[index_].iov_len;
      ++index_;
    }
    if (index_ < count_) {
      iov_[index_].iov_base = static_cast<char*>(iov_[index_].iov_base) + left;
      iov_[index_].iov_len -= left;
    }
  }
  result_ = {written_, 0};
  return true;
}

ConnectOp::ConnectOp(EventLoop& loop, const Address& address, core::MonoTime deadline)
    : loop_(loop), address_(address), deadline_(deadline) {}

bool ConnectOp::await_ready() {
  int fd = ::socket(address_.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    result_ = {-1, errno};
    return true;
  }
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  socket_ = Socket(loop_, fd);
  int rc = ::connect(fd, address_.sa(), address_.length);
  if (rc == 0) {
    result_ = {0, 0};
    return true;
  }
  if (errno != EINPROGRESS) {
    result_ = {-1, errno};
    socket_.close();
    return true;
  }
  started_ = true;
  return false;
}

void ConnectOp::await_suspend(std::coroutine_handle<> h) {
  handle_ = h;
  socket_.watcher_.writer = this;
  if (deadline_ != kNoDeadline) {
    timer_.set_callback(&ConnectOp::on_timeout, this);
    loop_.arm(timer_, deadline_);
  }
}

bool ConnectOp::try_complete() {
  int err = 0;
  socklen_t len = sizeof(err);
  ::getsockopt(socket_.fd(), SOL_SOCKET, SO_ERROR, &err, &len);
  if (err == EINPROGRESS) {
    return false;
  }
  result_ = {0, err};
  return true;
}

void ConnectOp::on_timeout(Timer* /*timer*/, void* arg) {
  auto* op = static_cast<ConnectOp*>(arg);
  op->socket_.watcher_.writer = nullptr;
  op->result_ = {-1, ETIMEDOUT};
  op->handle_.resume();
}

IoResult ConnectOp::await_resume() {
  if (timer_.armed()) {
    loop_.cancel(timer_);
  }
  if (!result_.ok()) {
    socket_.close();
  }
  return result_;
}

void SleepOp::await_suspend(std::coroutine_handle<> h) {
  handle_ = h;
  timer_.set_callback(
      [](Timer* /*t*/, void* arg) { static_cast<SleepOp*>(arg)->handle_.resume(); }, this);
  loop_.arm(timer_, until_);
}

}  // namespace ramjet::net
