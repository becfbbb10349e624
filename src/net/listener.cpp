#include "net/listener.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace ramjet::net {

core::Result<int> open_listen_socket(const Address& address, const ListenOptions& options) {
  int fd = ::socket(address.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return core::Error{"socket() failed", std::strerror(errno)};
  }
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (options.reuse_port) {
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
  }
  if (::bind(fd, address.sa(), address.length) != 0) {
    int err = errno;
    ::close(fd);
    return core::Error{"cannot bind", address.to_string() + ": " + std::strerror(err)};
  }
  if (::listen(fd, options.backlog) != 0) {
    int err = errno;
    ::close(fd);
    return core::Error{"cannot listen", address.to_string() + ": " + std::strerror(err)};
  }
  return fd;
}

Listener::Listener(EventLoop& loop, int fd, AcceptCallback on_accept)
    : loop_(loop), on_accept_(std::move(on_accept)) {
  watcher_.fd = fd;
  watcher_.on_idle_readable = &Listener::on_readable;
  watcher_.idle_arg = this;
  loop_.add(watcher_);
}

Listener::~Listener() { close(); }

void Listener::close() {
  if (watcher_.fd >= 0) {
    loop_.remove(watcher_);
    ::close(watcher_.fd);
    watcher_.fd = -1;
  }
}

void Listener::resume() {
  if (paused_) {
    paused_ = false;
    accept_all();
  }
}

void Listener::on_readable(IoWatcher* /*w*/, void* arg) { static_cast<Listener*>(arg)->accept_all(); }

void Listener::accept_all() {
  while (!paused_ && watcher_.fd >= 0) {
    Address peer;
    peer.length = sizeof(peer.storage);
    int fd = ::accept4(watcher_.fd, reinterpret_cast<sockaddr*>(&peer.storage), &peer.length,
                       SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) {
        continue;
      }
      // EAGAIN: drained. EMFILE/ENFILE/ENOBUFS: retry on the next readiness edge.
      return;
    }
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    on_accept_(fd, peer);
  }
}

}  // namespace ramjet::net
