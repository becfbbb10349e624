#pragma once
// Session: one downstream (client) connection and the exchanges it carries, one at a
// time (serial pipelining). While a request is in progress a coroutine runs it; between
// requests the session is idle: no coroutine frame and no buffer, only this struct, its
// socket registration and an idle timer. Owned by its Worker; destroyed through
// Worker::session_closed().
//
// Life of a request (see docs/ARCHITECTURE.md): read and parse the head (http/parser) →
// match a route (Runtime::match) → acquire an upstream connection (EndpointPool) → send
// the rebuilt head and stream the body → read the response head → send the rebuilt head
// and stream the body back → give the connection back to the pool → next request or idle.

#include <cstdint>
#include <memory>
#include <string_view>

#include "core/units.hpp"
#include "net/address.hpp"
#include "net/socket.hpp"
#include "net/task.hpp"
#include "proxy/buffer_pool.hpp"

namespace ramjet::cache {
class CachedResponse;
}  // namespace ramjet::cache

namespace ramjet::proxy {

class Worker;
class Runtime;
struct Exchange;  // proxy/exchange.hpp

class Session {
 public:
  Session(Worker& worker, int fd, const net::Address& peer);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Starts serving: runs at once if bytes are already there, else goes idle.
  void start();
  // Drain: an idle session closes now; a busy one closes after its current exchange.
  void drain();
  // Abort whatever is in progress (drain timeout, shutdown).
  void abort();
  bool busy() const { return running_; }

  // Intrusive list of the worker's sessions.
  Session* prev = nullptr;
  Session* next = nullptr;

 private:
  static void on_readable(net::IoWatcher* watcher, void* arg);
  static void on_idle_timeout(net::Timer* timer, void* arg);
  void go_idle(core::Duration timeout);
  void close();

  net::Task<void> run();
  // Serves one request whose head is parsed in in_[0, head_size). Returns whether the
  // connection may carry another request.
  net::Task<bool> serve_one(Exchange& ex);
  net::Task<bool> send_error(int status, std::string_view message, std::size_t offset,
                             bool close);
  // Answers the request in `ex` from a stored response (zero-copy body), honouring the
  // client's conditional fields. `next_request` is where the next pipelined request starts.
  net::Task<bool> respond_from_cache(Exchange& ex, std::shared_ptr<const cache::CachedResponse> entry,
                                     int label, const char* detail, bool collapsed,
                                     std::size_t next_request);
  // Moves pipelined bytes after `next_request` to the front of the read buffer.
  void keep_pipelined(std::size_t next_request);

  Worker& worker_;
  net::Socket socket_;
  net::Address peer_;
  net::Timer idle_timer_;
  Buffer in_;
  std::size_t in_len_ = 0;      // bytes held in in_
  bool running_ = false;
  bool draining_ = false;
  bool closed_ = false;
  bool served_any_ = false;
  bool idle_counted_ = false;
  // The last read of a request head came back short, so the socket held nothing more then;
  // with edge-triggered epoll, any byte after it raises a new readable event. A session that
  // has consumed all it read may then go idle without a read that would only say EAGAIN
  // (one syscall per keep-alive request), unless a readable event came in while it ran.
  bool drained_ = false;
  bool readable_while_running_ = false;
  std::uint32_t requests_ = 0;
  int last_status_ = 0;          // status of the latest response sent (access log)
  std::uint64_t bytes_out_ = 0;  // bytes sent to this client so far
};

}  // namespace ramjet::proxy
