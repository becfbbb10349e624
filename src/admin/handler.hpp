#pragma once
// AdminHandler: everything the admin listener answers, as a pure request → response
// function over the proxy's stats, plus the once-a-second tick that feeds the sampler and
// the periodic summary line. No sockets here (admin_server.hpp carries the bytes), so unit
// tests drive every endpoint directly.
//
// Endpoints (docs/OBSERVABILITY.md has bodies and examples):
//   GET  /               the dashboard (embedded assets, /assets/<file>)
//   GET  /metrics        Prometheus text exposition
//   GET  /stats          JSON: totals, per route and upstream, last-minute windows, history
//   GET  /health         liveness: 200 while the process serves
//   GET  /ready          readiness: 200, or 503 with the failing checks
//   GET  /cache/stats    the response cache's figures (cache_hooks.hpp; {"enabled":false}
//                        when caching is off)
//   POST /cache/purge    purge by URL, prefix, glob, tag or all; 501 when caching is off.
//                        Needs the token when one is set
//   GET  /cache/explain  why a described request would or would not be answered from the
//                        cache (cache_explain.hpp); POST carries the request's body, and
//                        needs no token (it changes nothing); {"enabled":false} when off
//   GET  /breakers       circuit breakers (hook; empty until the breaker lands)
//   GET  /config         the effective configuration as YAML, admin.token redacted
//   GET  /connections    downstream and upstream connections by state
// HEAD is accepted wherever GET is.
//
// Authorization: when admin.token is set, mutating endpoints (POST) require
// "Authorization: Bearer <token>" (compared in constant time) and answer 401 otherwise.
// Read-only endpoints stay open: the listener is loopback-only unless a token is set.
//
// Threading: not thread-safe; the admin thread owns the handler and calls everything on it.
// Ownership: borrows the StatsSource and the clock (they must outlive the handler); holds
// the configuration snapshot it was last given.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "admin/exporter.hpp"
#include "admin/sampler.hpp"
#include "admin/stats_source.hpp"
#include "config/config.hpp"
#include "core/clock.hpp"
#include "core/units.hpp"

namespace ramjet::admin {

struct AdminRequest {
  std::string_view method;  // "GET", "POST"...
  std::string_view path;    // without the query
  std::string_view query;
  std::string_view authorization;  // value of the Authorization header, empty if none
  std::string_view body;
};

struct AdminResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra header fields
};

// The cache's figures as the summary line and dashboard need them.
struct CacheFigures {
  std::uint64_t hits = 0;
  std::uint64_t misses = 0;
  std::uint64_t stale = 0;
  std::uint64_t collapsed = 0;
  std::uint64_t bytes = 0;
  std::uint64_t entries = 0;
  std::uint64_t evictions = 0;
};

// Hooks for subsystems that land later; each is optional. They run on the admin thread.
struct AdminHooks {
  std::function<CacheFigures()> cache_figures;
  std::function<std::string()> cache_stats_json;                      // GET /cache/stats
  std::function<AdminResponse(const AdminRequest&)> cache_purge;      // POST /cache/purge
  std::function<AdminResponse(const AdminRequest&)> cache_explain;    // GET|POST /cache/explain
  std::function<std::string()> breakers_json;                         // a JSON array
};

struct AdminHandlerOptions {
  std::string version;
  core::MonoTime started{};          // process launch (uptime)
  core::Duration startup{};          // launch → accepting connections
  core::Duration summary_interval{};  // periodic summary line; zero = none
  SamplerOptions sampler;
};

class AdminHandler {
 public:
  AdminHandler(const StatsSource& source, std::shared_ptr<const config::Config> config,
               const core::Clock& clock, AdminHandlerOptions options, AdminHooks hooks = {});
  AdminHandler(const AdminHandler&) = delete;
  AdminHandler& operator=(const AdminHandler&) = delete;

  AdminResponse handle(const AdminRequest& request);

  // Call once per second: samples the stats; returns the summary line when one is due.
  std::optional<std::string> tick();

  void set_config(std::shared_ptr<const config::Config> config) { config_ = std::move(config); }
  void set_draining() { draining_ = true; }
  metrics::MetricSet& metric_set() { return exporter_.metric_set(); }
  const Sampler& sampler() const { return sampler_; }

  struct Readiness {
    bool ready = true;
    std::string body;  // JSON with every check
  };
  Readiness readiness() const;

 private:
  AdminResponse metrics_page();
  AdminResponse stats_page() const;
  AdminResponse connections_page() const;
  AdminResponse config_page() const;
  AdminResponse cache_stats_page() const;
  AdminResponse breakers_page() const;
  AdminResponse purge(const AdminRequest& request);
  AdminResponse explain(const AdminRequest& request) const;
  std::string summary_line(core::MonoTime now);
  void add_cache_metrics();

  const StatsSource& source_;
  std::shared_ptr<const config::Config> config_;
  const core::Clock& clock_;
  AdminHandlerOptions options_;
  AdminHooks hooks_;
  Sampler sampler_;
  MetricsExporter exporter_;
  core::MonoTime next_summary_;
  CacheFigures last_cache_;  // cache figures at the previous summary line
  bool draining_ = false;
};

// True when `authorization` is "Bearer <token>" (scheme case-insensitive). Compares in time
// independent of where the values differ. An empty token authorizes everything.
bool bearer_matches(std::string_view authorization, std::string_view token);

// The periodic summary line, e.g. "requests=150 ok=145 failed=5 success=96.67% avg=234ms
// p95=410ms cache_hit=78.5% pool_reuse=97.1% rss=41MiB". Figures without data print "-".
std::string format_summary(const IntervalTotals& interval, std::optional<double> cache_hit,
                           std::optional<std::uint64_t> rss_bytes);

}  // namespace ramjet::admin
