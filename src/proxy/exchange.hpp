#pragma once
// Exchange: the per-request scratch of a session — header arrays for the parsed request
// and response heads and the state that outlives the bytes it was parsed from. Exchanges
// are recycled through a worker's ExchangePool, so serving a request neither allocates
// nor clears 8 KiB of header slots. Not thread-safe: one pool per worker.

#include <cstddef>
#include <memory>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "cache/key.hpp"
#include "http/parser.hpp"

namespace ramjet::proxy {

inline constexpr std::size_t kMaxHeaderSlots = 128;
inline constexpr std::size_t kMaxRequestIdBytes = 128;

// Everything about one request/response that outlives the bytes it was parsed from.
struct ExchangeState {
  http::Method method = http::Method::kGet;
  int client_minor = 1;
  bool client_keep_alive = true;
  char request_id[kMaxRequestIdBytes];
  std::size_t request_id_len = 0;
  core::MonoTime started{};
  core::MonoTime upstream_started{};
  core::MonoTime upstream_headers{};
  core::MonoTime deadline{};
  int status = 0;
  std::string_view route;     // the matched route's name (config owned; pinned)
  std::string_view endpoint;  // "host:port" of the upstream endpoint used
  // Server-Timing phases in ns; 0 = the phase did not run. Queue wait, cache lookup and
  // compression are set by those stages when they land.
  std::uint64_t queue_ns = 0;
  std::uint64_t cache_ns = 0;
  std::uint64_t connect_ns = 0;  // endpoint chosen → request head ready (pool hit ≈ 0)
  std::uint64_t retry_ns = 0;    // spent in attempts that were retried
  std::uint64_t compress_ns = 0;
  std::uint32_t retries = 0;
  std::string_view cache_status;  // static text set by the cache stage; empty = not cached
  char traceparent[55];          // sent upstream and logged (proxy/trace_context.hpp)
  bool has_traceparent = false;
};

struct Exchange {
  http::Header request_headers[kMaxHeaderSlots];
  http::Header response_headers[kMaxHeaderSlots];
  http::RequestHead req;
  std::size_t head_size = 0;
  ExchangeState st;
  cache::CacheKey cache_key;  // reused: its buffers keep their capacity between requests
};

class ExchangePool {
 public:
  explicit ExchangePool(std::size_t max_cached) : max_cached_(max_cached) {}
  std::unique_ptr<Exchange> acquire() {
    if (free_.empty()) {
      return std::make_unique<Exchange>();
    }
    auto e = std::move(free_.back());
    free_.pop_back();
    return e;
  }
  void release(std::unique_ptr<Exchange> e) {
    if (free_.size() < max_cached_) {
      free_.push_back(std::move(e));
    }
  }

 private:
  std::size_t max_cached_;
  std::vector<std::unique_ptr<Exchange>> free_;
};

// Holds an Exchange for one run of a session and gives it back.
class ExchangeLease {
 public:
  explicit ExchangeLease(ExchangePool& pool) : pool_(pool), exchange_(pool.acquire()) {}
  ~ExchangeLease() { pool_.release(std::move(exchange_)); }
  ExchangeLease(const ExchangeLease&) = delete;
  ExchangeLease& operator=(const ExchangeLease&) = delete;
  Exchange& get() { return *exchange_; }

 private:
  ExchangePool& pool_;
  std::unique_ptr<Exchange> exchange_;
};

}  // namespace ramjet::proxy
