#pragma once
// Worker: everything one worker thread owns (STYLE #5): its listener, its downstream
// sessions, its upstream pools, its buffers and its counters. Only its own loop touches
// it; other threads talk to it with loop().post().
//
// Configuration arrives as snapshots. A Runtime is the worker's view of one snapshot
// (resolved endpoints and their pools); sessions pin the Runtime they started a request
// with, so a reload never changes a request mid-flight, and an old Runtime is freed when
// its last request ends.

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "cache/cache.hpp"
#include "config/config.hpp"
#include "net/event_loop.hpp"
#include "net/listener.hpp"
#include "proxy/buffer_pool.hpp"
#include "proxy/exchange.hpp"
#include "proxy/stats.hpp"
#include "proxy/upstream_pool.hpp"

namespace ramjet::proxy {

class Session;
class AccessLog;

// The first route of `config` whose method, host and path match the request, or null. The
// one definition of route matching: Runtime::match uses it on the request path and
// /cache/explain (cache_explain.hpp) on the admin thread. Pure; `config` is immutable.
const config::Route* match_route(const config::Config& config, const http::RequestHead& head);

// Resolved, per-worker form of one configuration snapshot.
class Runtime {
 public:
  struct Upstream {
    const config::UpstreamOptions* options;
    std::vector<std::unique_ptr<EndpointPool>> endpoints;
    std::size_t next = 0;  // round-robin cursor
    UpstreamStats* stats;
  };

  // One cache policy per route (null where the route does not cache), shared by workers.
  using CachePolicies = std::vector<std::shared_ptr<const cache::CachePolicy>>;

  Runtime(net::EventLoop& loop, std::shared_ptr<const config::Config> config,
          const std::vector<std::vector<net::Address>>& resolved, std::size_t worker_count,
          StatsTable<RouteStats>& route_stats, StatsTable<UpstreamStats>& upstream_stats,
          std::shared_ptr<const CachePolicies> cache_policies);

  const config::Config& config() const { return *config_; }
  const http::ParseLimits& parse_limits() const { return parse_limits_; }
  // The first route matching the request, or null (match_route over this snapshot).
  const config::Route* match(const http::RequestHead& head) const {
    return match_route(*config_, head);
  }
  Upstream& upstream(std::size_t index) { return upstreams_[index]; }
  RouteStats& route_stats(std::size_t route_index) { return *route_stats_[route_index]; }
  const cache::CachePolicy* cache_policy(std::size_t route_index) const {
    return cache_policies_ && route_index < cache_policies_->size()
               ? (*cache_policies_)[route_index].get()
               : nullptr;
  }
  std::vector<Upstream>& upstreams() { return upstreams_; }

  std::uint32_t users = 0;  // requests in flight that pinned this runtime

 private:
  std::shared_ptr<const config::Config> config_;
  http::ParseLimits parse_limits_;
  std::vector<Upstream> upstreams_;
  std::vector<RouteStats*> route_stats_;  // by route index; owned by the worker's table
  std::shared_ptr<const CachePolicies> cache_policies_;
  // Used (and not reported) if a worker's stats tables are full.
  RouteStats overflow_route_stats_;
  UpstreamStats overflow_upstream_stats_;
};

// State every worker shares with the others: tiny, atomic, off the per-request path.
struct SharedState {
  std::atomic<std::uint32_t> open_connections{0};
};

class Worker {
 public:
  // `buffer_size` is the size of every read buffer: it bounds the request and response
  // heads this worker can take (fixed for the process; reloads cannot raise it).
  Worker(std::size_t index, net::EventLoop& loop, SharedState& shared,
         const core::Clock& clock, std::size_t buffer_size);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // Installs a snapshot (first start and reloads). `resolved` holds each upstream's
  // endpoint addresses, in config order.
  void apply(std::shared_ptr<const config::Config> config,
             const std::vector<std::vector<net::Address>>& resolved, std::size_t worker_count,
             std::shared_ptr<const Runtime::CachePolicies> cache_policies = nullptr);
  // The process's response store and collapse table (null when caching is off). Set once
  // before the worker serves; shared by all workers (internally sharded and locked).
  void set_cache(cache::Store* store, cache::CollapseTable* flights) {
    cache_store_ = store;
    cache_flights_ = flights;
  }
  cache::Store* cache_store() const { return cache_store_; }
  cache::CollapseTable* cache_flights() const { return cache_flights_; }
  // Background refreshes are bounded per worker.
  bool may_start_refresh() const { return refreshes_running_ < kMaxRefreshes; }
  void refresh_started() { ++refreshes_running_; }
  void refresh_finished() { --refreshes_running_; }
  static constexpr std::uint32_t kMaxRefreshes = 64;
  // Starts accepting on `listen_fd` (owned from now on).
  void listen(int listen_fd);
  // Stops accepting, closes idle connections and lets busy ones finish their exchange;
  // after `timeout` aborts whatever is left. `done` runs (on this loop) when empty.
  void drain(core::Duration timeout, std::function<void()> done);

  net::EventLoop& loop() { return loop_; }
  std::size_t index() const { return index_; }
  Runtime& runtime() { return *current_; }
  Runtime* pin_runtime();
  void unpin_runtime(Runtime* runtime);
  BufferPool& buffers() { return buffers_; }
  BufferPool& head_buffers() { return head_buffers_; }
  ExchangePool& exchanges() { return exchanges_; }
  ProxyStats& stats() { return stats_; }
  const ProxyStats& stats() const { return stats_; }
  bool draining() const { return draining_; }
  // Null when access logging is off. Set once before the worker serves.
  AccessLog* access_log() const { return access_log_; }
  void set_access_log(AccessLog* log) { access_log_ = log; }
  std::uint64_t next_request_number() { return ++request_counter_; }
  std::uint64_t request_id_seed() const { return request_id_seed_; }

  // Session lifecycle (called by sessions).
  void session_closed(Session* session);
  // Per route / per upstream stats since start, over all snapshots (any thread may read).
  const StatsTable<RouteStats>& route_stats() const { return route_stats_; }
  const StatsTable<UpstreamStats>& upstream_stats() const { return upstream_stats_; }

 private:
  void on_accept(int fd, const net::Address& peer);
  void maybe_finish_drain();

  std::size_t index_;
  net::EventLoop& loop_;
  SharedState& shared_;
  const core::Clock& clock_;
  std::unique_ptr<Runtime> current_;
  std::vector<std::unique_ptr<Runtime>> retired_;
  std::unique_ptr<net::Listener> listener_;
  BufferPool buffers_;
  BufferPool head_buffers_;
  ExchangePool exchanges_{1024};
  ProxyStats stats_;
  Session* sessions_ = nullptr;  // intrusive list of live sessions
  bool draining_ = false;
  std::function<void()> drained_;
  net::Timer drain_timer_;
  std::uint64_t request_counter_ = 0;
  std::uint64_t request_id_seed_ = 0;
  StatsTable<RouteStats> route_stats_;
  StatsTable<UpstreamStats> upstream_stats_;

  AccessLog* access_log_ = nullptr;
  cache::Store* cache_store_ = nullptr;
  cache::CollapseTable* cache_flights_ = nullptr;
  std::uint32_t refreshes_running_ = 0;
};

}  // namespace ramjet::proxy
