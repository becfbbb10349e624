#pragma once
// Server: the running proxy — its workers, their listeners and the current configuration
// snapshot. Built by the composition root (src/app); reload() and drain() are called from
// the main thread and reach the workers by posting to their loops.

#include <latch>
#include <memory>
#include <mutex>
#include <vector>

#include "cache/cache.hpp"
#include "config/config.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"
#include "net/address.hpp"
#include "net/workers.hpp"
#include "proxy/access_log.hpp"
#include "proxy/worker.hpp"

namespace ramjet::proxy {

// Every upstream's endpoints resolved to addresses, in config order. Blocking (DNS).
core::Result<std::vector<std::vector<net::Address>>> resolve_upstreams(
    const config::Config& config);

// Every route's cache policy (null where it does not cache). Configuration errors only.
core::Result<std::shared_ptr<const Runtime::CachePolicies>> build_cache_policies(
    const config::Config& config);

class Server {
 public:
  // Binds the listener(s) and starts the workers. The bound address is in listen_address().
  static core::Result<std::unique_ptr<Server>> start(std::shared_ptr<const config::Config> config,
                                                     const core::Clock& clock);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  const net::Address& listen_address() const { return listen_address_; }
  std::size_t worker_count() const { return workers_.size(); }
  std::shared_ptr<const config::Config> config() const { return snapshot().config; }

  // The configuration and route cache policies new requests get: the last pair reload()
  // installed (each worker builds its Runtime from it on its own loop moments later; a
  // request already in flight keeps the Runtime it pinned). Both immutable and shared; any
  // thread may take a copy (one uncontended mutex: for the admin thread, not the data
  // plane, whose workers hold their own Runtime).
  struct Snapshot {
    std::shared_ptr<const config::Config> config;
    std::shared_ptr<const Runtime::CachePolicies> cache_policies;  // by route index
  };
  Snapshot snapshot() const;
  // Null when caching is off. For the admin endpoints (purge, stats, explain).
  cache::Store* cache_store() const { return cache_store_.get(); }
  cache::CollapseTable* cache_flights() const { return cache_flights_.get(); }
  // Read-only views for the admin thread (src/admin): worker i's stats may be read from any
  // thread (relaxed atomics), as may the access log's counters (null when logging is off).
  // Valid from start() until the Server is destroyed.
  const Worker& worker(std::size_t i) const { return *worker_state_[i]; }
  const AccessLog* access_log() const { return access_log_.get(); }

  // Installs a new snapshot in every worker; the listener address is not changed.
  core::Result<bool> reload(std::shared_ptr<const config::Config> config);
  // Stops accepting and waits (up to config.timeouts.drain, then aborts) for in-flight
  // exchanges; then stops the workers. Blocks the caller.
  void drain_and_stop();

 private:
  Server(std::shared_ptr<const config::Config> config, const core::Clock& clock)
      : config_(std::move(config)), clock_(clock) {}

  mutable std::mutex snapshot_mutex_;
  std::shared_ptr<const config::Config> config_;  // guarded by snapshot_mutex_ once started
  std::shared_ptr<const Runtime::CachePolicies> cache_policies_;  // likewise
  const core::Clock& clock_;
  net::Address listen_address_;
  SharedState shared_;
  // The response cache, shared by all workers; null when caching is off at start.
  std::unique_ptr<cache::Store> cache_store_;
  std::unique_ptr<cache::CollapseTable> cache_flights_;
  net::Timer cache_sweep_timer_;  // on worker 0's loop
  std::unique_ptr<AccessLog> access_log_;  // outlives the workers that push to it
  net::Workers workers_;
  std::vector<std::unique_ptr<Worker>> worker_state_;
};

}  // namespace ramjet::proxy
