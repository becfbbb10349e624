#pragma once
// Per-worker counters of the proxy (STYLE #6). The owning worker bumps fields; any other
// thread may read them (relaxed atomics) and sum the workers'.
//
// ProxyStats covers the downstream side. RouteStats and UpstreamStats are kept per route
// and per upstream *name*, so they survive reloads; a worker creates them when a snapshot
// first names them and never frees them. StatsTable publishes them to readers without a
// lock: slots are filled in order and `size()` is released after a slot is written.

#include <array>
#include <atomic>
#include <memory>
#include <string>
#include <string_view>

#include "metrics/counter.hpp"
#include "metrics/histogram.hpp"

namespace ramjet::proxy {

struct ProxyStats {
  metrics::Counter connections_accepted;
  metrics::Counter connections_refused;   // over limits.max_connections
  metrics::Gauge connections_open;
  metrics::Gauge connections_idle;        // keep-alive connections with no request
  metrics::Counter requests;              // request heads parsed
  metrics::Counter responses_1xx;
  metrics::Counter responses_2xx;
  metrics::Counter responses_3xx;
  metrics::Counter responses_4xx;
  metrics::Counter responses_5xx;
  metrics::Counter bad_requests;          // parse errors answered 4xx/5xx
  metrics::Counter client_timeouts;       // header, idle-with-partial, body
  metrics::Counter upstream_connect_errors;
  metrics::Counter upstream_timeouts;
  metrics::Counter upstream_bad_responses;
  metrics::Counter upstream_resets;       // closed or reset mid-exchange
  metrics::Counter stale_retries;         // reused connection found dead, retried fresh
  metrics::Counter bytes_in;              // from clients
  metrics::Counter bytes_out;             // to clients
  // Shadow mode (cache.mode: shadow): what the cache would have done, serving nothing.
  metrics::Counter cache_shadow_hits;     // requests a stored response would have answered
  metrics::Counter cache_shadow_misses;   // cacheable requests it could not have answered
  metrics::Counter cache_shadow_saved_us; // upstream time those hits would have saved
};

// One route's traffic on one worker. Latency histograms are in nanoseconds.
struct RouteStats {
  std::string name;
  metrics::Counter requests;
  metrics::Counter responses_1xx;
  metrics::Counter responses_2xx;
  metrics::Counter responses_3xx;
  metrics::Counter responses_4xx;
  metrics::Counter responses_5xx;
  metrics::Counter errors_connect;   // upstream refused / unreachable
  metrics::Counter errors_timeout;   // upstream connect, header or body timeout
  metrics::Counter errors_reset;     // upstream closed or reset mid-exchange
  metrics::Counter errors_parse;     // invalid upstream response
  metrics::Counter errors_limit;     // refused by a limit (body size, pool max_total)
  // Responses by exact status: index status - kFirstStatus for 100..599, others not counted.
  static constexpr int kFirstStatus = 100;
  std::array<metrics::Counter, 500> responses_by_code;
  metrics::Counter bytes_in;         // request head plus Content-Length body (not chunked)
  metrics::Counter bytes_out;
  metrics::Gauge in_flight;
  metrics::Histogram latency;           // head received → response fully sent
  metrics::Histogram upstream_latency;  // request sent → response head received
};

// One upstream's pool and exchanges on one worker.
struct UpstreamStats {
  std::string name;
  metrics::Counter requests;          // exchanges sent
  metrics::Counter pool_reused;       // served by an idle keep-alive connection
  metrics::Counter pool_connected;    // new connections opened
  metrics::Counter pool_evicted;      // idle connections closed (ttl, overflow, peer close)
  metrics::Counter connect_errors;
  metrics::Counter timeouts;
  metrics::Gauge connections_open;    // idle + busy
  metrics::Gauge connections_idle;
};

// Append-only, lock-free-to-read table of named stats, owned by one worker.
template <typename Stats, std::size_t kCapacity = 1024>
class StatsTable {
 public:
  // Owner thread: the stats named `name`, created on first use; null when full.
  Stats* get_or_create(std::string_view name) {
    std::size_t n = size_.load(std::memory_order_relaxed);
    for (std::size_t i = 0; i < n; ++i) {
      if (slots_[i]->name == name) {
        return slots_[i].get();
      }
    }
    if (n == kCapacity) {
      return nullptr;
    }
    slots_[n] = std::make_unique<Stats>();
    slots_[n]->name = std::string(name);
    size_.store(n + 1, std::memory_order_release);
    return slots_[n].get();
  }
  // Any thread.
  std::size_t size() const { return size_.load(std::memory_order_acquire); }
  const Stats& at(std::size_t i) const { return *slots_[i]; }

 private:
  std::array<std::unique_ptr<Stats>, kCapacity> slots_;
  std::atomic<std::size_t> size_{0};
};

}  // namespace ramjet::proxy
