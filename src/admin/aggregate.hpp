#pragma once
// Aggregation: the per-worker stats of a StatsSource summed into process-wide totals, per
// route and per upstream name (STYLE #6: counters belong to the worker, merged on read).
//
// Totals are read with relaxed loads while workers keep counting, so they are a "consistent
// enough" snapshot (metrics/histogram.hpp): a request may show in one counter and not yet in
// another. Routes and upstreams appear in the order workers first created them; names stay
// after a reload removed them (their counters are since start).
//
// Threading: pure functions of the source; the admin thread calls them. Results are owned
// by the caller.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "admin/stats_source.hpp"
#include "metrics/histogram.hpp"

namespace ramjet::admin {

// Responses by class: index 0 = 1xx ... 4 = 5xx.
using ClassCounts = std::array<std::uint64_t, 5>;

struct ProxyTotals {
  std::uint64_t connections_accepted = 0;
  std::uint64_t connections_refused = 0;
  std::int64_t connections_open = 0;
  std::int64_t connections_idle = 0;
  std::uint64_t requests = 0;
  ClassCounts responses{};
  std::uint64_t bad_requests = 0;
  std::uint64_t client_timeouts = 0;
  std::uint64_t upstream_connect_errors = 0;
  std::uint64_t upstream_timeouts = 0;
  std::uint64_t upstream_bad_responses = 0;
  std::uint64_t upstream_resets = 0;
  std::uint64_t stale_retries = 0;
  std::uint64_t bytes_in = 0;
  std::uint64_t bytes_out = 0;
  std::uint64_t shadow_hits = 0;      // cache shadow mode (ProxyStats::cache_shadow_*)
  std::uint64_t shadow_misses = 0;
  std::uint64_t shadow_saved_us = 0;

  std::uint64_t responses_total() const;
  std::uint64_t failed() const { return responses[4]; }  // 5xx
};

struct RouteTotals {
  std::string name;
  std::uint64_t requests = 0;
  ClassCounts responses{};
  std::vector<std::pair<int, std::uint64_t>> codes;  // non-zero, ascending status
  std::uint64_t errors_connect = 0;
  std::uint64_t errors_timeout = 0;
  std::uint64_t errors_reset = 0;
  std::uint64_t errors_parse = 0;
  std::uint64_t errors_limit = 0;
  std::uint64_t bytes_in = 0;
  std::uint64_t bytes_out = 0;
  std::int64_t in_flight = 0;
  // Merged over workers; only when asked for (16 KiB each).
  std::optional<metrics::Histogram> latency;
  std::optional<metrics::Histogram> upstream_latency;

  std::uint64_t responses_total() const;
};

struct UpstreamTotals {
  std::string name;
  std::uint64_t requests = 0;
  std::uint64_t pool_reused = 0;
  std::uint64_t pool_connected = 0;
  std::uint64_t pool_evicted = 0;
  std::uint64_t connect_errors = 0;
  std::uint64_t timeouts = 0;
  std::int64_t connections_open = 0;
  std::int64_t connections_idle = 0;

  // Share of exchanges served by an idle keep-alive connection; nullopt before any.
  std::optional<double> reuse_ratio() const;
};

ProxyTotals sum_proxy(const StatsSource& source);
std::vector<RouteTotals> sum_routes(const StatsSource& source, bool with_histograms);
std::vector<UpstreamTotals> sum_upstreams(const StatsSource& source);

// Share of non-5xx among responses; nullopt when there were none.
std::optional<double> success_ratio(const ClassCounts& responses);

}  // namespace ramjet::admin
