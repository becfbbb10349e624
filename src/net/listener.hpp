#pragma once
// Listener: accepts connections on one listening socket inside one EventLoop and hands
// each accepted fd (non-blocking, close-on-exec) to a callback. With SO_REUSEPORT every
// worker owns a listener on the same port and the kernel spreads connections.

#include <functional>

#include "core/result.hpp"
#include "net/address.hpp"
#include "net/event_loop.hpp"

namespace ramjet::net {

struct ListenOptions {
  bool reuse_port = true;
  int backlog = 4096;
};

// Creates, binds and listens a socket; returns the fd. Port 0 picks a free port; read it
// back with Address::local_of(fd) and bind the other workers to that port.
core::Result<int> open_listen_socket(const Address& address, const ListenOptions& options);

class Listener {
 public:
  using AcceptCallback = std::function<void(int fd, const Address& peer)>;

  // Takes ownership of `fd` (from open_listen_socket).
  Listener(EventLoop& loop, int fd, AcceptCallback on_accept);
  ~Listener();
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  // Stops accepting (drain): unregisters and closes the listening socket.
  void close();
  // Accepting can be paused while at the connection limit, then resumed.
  void pause() { paused_ = true; }
  void resume();

 private:
  static void on_readable(IoWatcher* w, void* arg);
  void accept_all();

  EventLoop& loop_;
  IoWatcher watcher_;
  AcceptCallback on_accept_;
  bool paused_ = false;
};

}  // namespace ramjet::net
