#pragma once
// EndpointPool: one worker's keep-alive connections to one upstream endpoint.
// acquire() hands out an idle connection (most recently used first) or connects a new one
// within the connect deadline; release() parks a reusable connection for later or closes
// it. Idle connections are closed after idle_ttl, when the pool is over max_idle, or when
// the upstream closes them (an idle socket that turns readable is dead or misbehaving).
// Not thread-safe: owned by one worker.

#include <cstdint>
#include <list>
#include <memory>
#include <string>

#include "core/clock.hpp"
#include "core/units.hpp"
#include "proxy/stats.hpp"
#include "net/address.hpp"
#include "net/event_loop.hpp"
#include "net/socket.hpp"
#include "net/task.hpp"

namespace ramjet::proxy {

struct PoolLimits {
  std::uint32_t max_idle = 64;
  core::Duration idle_ttl = std::chrono::seconds(30);
  std::uint32_t max_total = 1024;
};

class EndpointPool;

// One upstream connection, owned by the pool while idle and by an exchange while busy.
struct UpstreamConnection {
  net::Socket socket;
  EndpointPool* pool = nullptr;
  net::Timer idle_timer;
  std::list<std::unique_ptr<UpstreamConnection>>::iterator idle_pos;
  std::uint64_t requests = 0;  // exchanges completed on this connection
  bool idle = false;
};

struct AcquireResult {
  std::unique_ptr<UpstreamConnection> connection;
  int error = 0;       // errno on failure (ETIMEDOUT, ECONNREFUSED, EMFILE...)
  bool reused = false;
};

class EndpointPool {
 public:
  // `stats` (the worker's stats of this upstream) outlives the pool.
  EndpointPool(net::EventLoop& loop, net::Address address, PoolLimits limits,
               UpstreamStats& stats)
      : loop_(loop), address_(address), name_(address.to_string()), limits_(limits),
        stats_(stats) {}
  ~EndpointPool();
  EndpointPool(const EndpointPool&) = delete;
  EndpointPool& operator=(const EndpointPool&) = delete;

  // An idle connection if one is there, else a new connection within `connect_deadline`.
  // `fresh_only` skips idle connections (retry after a stale one failed).
  net::Task<AcquireResult> acquire(core::MonoTime connect_deadline, bool fresh_only);
  // Gives a connection back. `reusable` = the exchange ended cleanly with keep-alive.
  void release(std::unique_ptr<UpstreamConnection> connection, bool reusable);
  // Closes every idle connection (reload, drain).
  void close_idle();

  const net::Address& address() const { return address_; }
  const std::string& name() const { return name_; }  // "host:port", for logs
  std::uint32_t idle_count() const { return static_cast<std::uint32_t>(idle_.size()); }
  std::uint32_t open_count() const { return open_; }

 private:
  static void on_idle_timeout(net::Timer* timer, void* arg);
  static void on_idle_readable(net::IoWatcher* watcher, void* arg);
  std::unique_ptr<UpstreamConnection> take_idle(UpstreamConnection* c);
  void evict(UpstreamConnection* c);

  net::EventLoop& loop_;
  net::Address address_;
  std::string name_;
  PoolLimits limits_;
  std::list<std::unique_ptr<UpstreamConnection>> idle_;  // front = most recently used
  std::uint32_t open_ = 0;  // idle + busy
  UpstreamStats& stats_;
};

}  // namespace ramjet::proxy
