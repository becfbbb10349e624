#pragma once
// Sampler: once per interval (a second) the admin thread reads the workers' cumulative
// stats and keeps what changed — the recent history behind the dashboard's charts, the
// last-minute latency windows of /stats, upstream health for /ready and the interval
// totals of the periodic summary log line.
//
// Why sampling (docs/adr/0005-latency-window-by-sampling.md): nothing is added to the
// request path. Workers record into their since-start histograms as they always do; the
// sampler diffs them (latency_window.hpp). A route whose request count did not change is
// not read at all, so idle routes cost nothing.
//
// Time: tick() takes the caller's monotonic and wall time (STYLE #7), so tests drive it
// with a ManualClock. Rates divide by the measured time between ticks.
//
// Threading: not thread-safe. Owned by the admin thread, which calls tick() and every
// reader. Ownership: borrows the StatsSource (see stats_source.hpp for its lifetime).

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "admin/aggregate.hpp"
#include "admin/latency_window.hpp"
#include "admin/stats_source.hpp"
#include "core/clock.hpp"
#include "core/units.hpp"

namespace ramjet::admin {

struct SamplerOptions {
  std::size_t window_intervals = 60;   // the "last minute" of /stats, in ticks
  std::size_t series_points = 300;     // dashboard history, in ticks
  std::size_t health_intervals = 10;   // /ready looks at this many recent ticks
};

inline constexpr double kNoValue = std::numeric_limits<double>::quiet_NaN();

// One tick of dashboard history. Rates are per second; NaN means "no data" (JSON null).
struct SeriesPoint {
  std::int64_t unix_ms = 0;
  double requests_per_s = 0;    // request heads parsed
  ClassCounts responses{};      // responses sent during the tick, by class
  double p50_ms = kNoValue;     // latency of the exchanges that ended during the tick
  double p95_ms = kNoValue;
  double p99_ms = kNoValue;
  double pool_reuse = kNoValue;  // share of upstream exchanges on a reused connection
  std::uint64_t rss_bytes = 0;
  std::int64_t open_connections = 0;
  std::int64_t in_flight = 0;
  double interval_s = 0;
};

// Connection outcomes of one upstream over the last health_intervals ticks.
struct UpstreamHealth {
  bool healthy = true;          // a connection succeeded recently, or nothing failed
  std::uint64_t successes = 0;  // new connections opened plus idle ones reused
  std::uint64_t failures = 0;   // connect errors and timeouts
};

// What changed since the previous take_interval() (or since start): the summary line.
struct IntervalTotals {
  core::Duration length{};
  ClassCounts responses{};
  LatencySummary latency;
  std::uint64_t pool_reused = 0;
  std::uint64_t pool_connected = 0;
};

class Sampler {
 public:
  Sampler(const StatsSource& source, SamplerOptions options, core::MonoTime now);

  // Reads the workers' stats and records the interval since the previous tick.
  void tick(core::MonoTime now, core::WallTime wall);

  // Last-minute window of one route's latency (head received → response sent); null for
  // a name never seen.
  const LatencyWindow* route_window(std::string_view route) const;
  // Last-minute window of every route's exchanges together.
  const LatencyWindow& all_routes_window() const { return all_routes_; }
  const std::deque<SeriesPoint>& series() const { return series_; }
  UpstreamHealth upstream_health(std::string_view upstream) const;
  // Totals since the previous call, for the periodic summary line; restarts the interval.
  IntervalTotals take_interval(core::MonoTime now);
  std::uint64_t ticks() const { return ticks_; }

 private:
  struct RouteTrack {
    std::vector<const proxy::RouteStats*> slots;  // one per worker that has the route
    BucketCounts previous;
    std::uint64_t previous_count = 0;
    std::uint64_t previous_sum = 0;
    LatencyWindow window;
  };
  struct UpstreamTrack {
    std::vector<const proxy::UpstreamStats*> slots;
    std::uint64_t previous_successes = 0;
    std::uint64_t previous_failures = 0;
    std::deque<std::pair<std::uint64_t, std::uint64_t>> recent;  // (successes, failures)
  };

  void refresh_index();
  // Pushes the route's new interval; adds its samples to `all` and returns the sum of
  // their values (ns).
  std::uint64_t sample_route(RouteTrack& track, BucketCounts& all);
  void sample_upstream(UpstreamTrack& track);

  const StatsSource& source_;
  SamplerOptions options_;
  std::vector<std::size_t> route_sizes_;     // per worker: table size when last indexed
  std::vector<std::size_t> upstream_sizes_;
  std::unordered_map<std::string, std::unique_ptr<RouteTrack>> routes_;
  std::unordered_map<std::string, std::unique_ptr<UpstreamTrack>> upstreams_;
  LatencyWindow all_routes_;
  std::deque<SeriesPoint> series_;
  core::MonoTime last_tick_;
  ProxyTotals last_proxy_;
  std::uint64_t last_reused_ = 0;
  std::uint64_t last_connected_ = 0;
  std::uint64_t ticks_ = 0;
  // The summary line's interval: samples and counters since take_interval().
  BucketCounts interval_buckets_;
  std::uint64_t interval_sum_ = 0;
  core::MonoTime interval_start_;
  ClassCounts interval_base_responses_{};
  std::uint64_t interval_base_reused_ = 0;
  std::uint64_t interval_base_connected_ = 0;
  BucketCounts zeros_;
};

}  // namespace ramjet::admin
