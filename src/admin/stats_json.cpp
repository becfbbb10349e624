#include "admin/stats_json.hpp"

#include <array>
#include <chrono>
#include <cmath>
#include <deque>
#include <optional>

#include <nlohmann/json.hpp>

#include "admin/aggregate.hpp"
#include "metrics/process_stats.hpp"

namespace ramjet::admin {
namespace {

using Json = nlohmann::ordered_json;

// Nanoseconds as milliseconds rounded to the microsecond.
double ms(double ns) { return std::round(ns / 1e3) / 1e3; }
double ms(std::uint64_t ns) { return ms(static_cast<double>(ns)); }

Json ratio(std::optional<double> r) { return r ? Json(*r) : Json(nullptr); }

Json classes(const ClassCounts& c) {
  return Json{{"1xx", c[0]}, {"2xx", c[1]}, {"3xx", c[2]}, {"4xx", c[3]}, {"5xx", c[4]}};
}

Json latency(const metrics::Histogram& h) {
  return Json{{"count", h.count()},
              {"avg_ms", ms(h.mean())},
              {"min_ms", ms(h.min())},
              {"max_ms", ms(h.max())},
              {"p50_ms", ms(h.value_at_quantile(0.50))},
              {"p90_ms", ms(h.value_at_quantile(0.90))},
              {"p95_ms", ms(h.value_at_quantile(0.95))},
              {"p99_ms", ms(h.value_at_quantile(0.99))},
              {"p999_ms", ms(h.value_at_quantile(0.999))}};
}

// A window's summary; `seconds` is how much history it holds.
Json window(const LatencySummary& s, std::size_t seconds) {
  const double rate =
      seconds == 0 ? 0.0 : static_cast<double>(s.count) / static_cast<double>(seconds);
  return Json{{"seconds", seconds},     {"count", s.count},        {"requests_per_s", rate},
              {"avg_ms", ms(s.mean_ns)}, {"min_ms", ms(s.min_ns)},  {"max_ms", ms(s.max_ns)},
              {"p50_ms", ms(s.p50_ns)},  {"p90_ms", ms(s.p90_ns)},  {"p95_ms", ms(s.p95_ns)},
              {"p99_ms", ms(s.p99_ns)},  {"p999_ms", ms(s.p999_ns)}};
}

Json process_json(const StatsJsonInputs& in) {
  Json p = Json::object();
  auto memory = metrics::read_memory_usage();
  p["rss_bytes"] = memory.ok() ? Json(memory->rss_bytes) : Json(nullptr);
  p["peak_rss_bytes"] = memory.ok() ? Json(memory->peak_rss_bytes) : Json(nullptr);
  auto cpu = metrics::read_cpu_time();
  p["cpu_seconds"] = cpu.ok() ? Json(cpu->total_seconds()) : Json(nullptr);
  auto fds = metrics::count_open_fds();
  p["open_fds"] = fds.ok() ? Json(*fds) : Json(nullptr);
  p["uptime_s"] =
      std::chrono::duration<double>(metrics::uptime(in.clock, in.options.started)).count();
  p["startup_ms"] = std::chrono::duration<double, std::milli>(in.options.startup).count();
  p["workers"] = in.source.workers.size();
  return p;
}

Json totals_json(const ProxyTotals& t) {
  return Json{
      {"connections",
       {{"open", t.connections_open},
        {"idle", t.connections_idle},
        {"active", t.connections_open - t.connections_idle},
        {"accepted", t.connections_accepted},
        {"refused", t.connections_refused}}},
      {"requests",
       {{"total", t.requests},
        {"responses", t.responses_total()},
        {"ok", t.responses_total() - t.failed()},
        {"failed", t.failed()},
        {"success_rate", ratio(success_ratio(t.responses))},
        {"by_class", classes(t.responses)},
        {"bad_requests", t.bad_requests},
        {"client_timeouts", t.client_timeouts},
        {"stale_retries", t.stale_retries}}},
      {"errors",
       {{"connect", t.upstream_connect_errors},
        {"timeout", t.upstream_timeouts},
        {"bad_response", t.upstream_bad_responses},
        {"reset", t.upstream_resets}}},
      {"bytes", {{"in", t.bytes_in}, {"out", t.bytes_out}}},
      {"cache_shadow",
       {{"would_hit", t.shadow_hits},
        {"would_miss", t.shadow_misses},
        {"hit_ratio", ratio(t.shadow_hits + t.shadow_misses == 0
                                ? std::optional<double>()
                                : std::optional<double>(static_cast<double>(t.shadow_hits) /
                                                        static_cast<double>(t.shadow_hits +
                                                                            t.shadow_misses)))},
        {"saved_upstream_seconds", static_cast<double>(t.shadow_saved_us) / 1e6}}}};
}

const config::Route* find_route(const config::Config& cfg, std::string_view name) {
  for (const config::Route& r : cfg.routes) {
    if (r.name == name) {
      return &r;
    }
  }
  return nullptr;
}

Json route_json(const RouteTotals& r, const StatsJsonInputs& in) {
  const config::Route* configured = find_route(in.config, r.name);
  Json codes = Json::object();
  for (const auto& [code, n] : r.codes) {
    codes[std::to_string(code)] = n;
  }
  const LatencyWindow* w = in.sampler.route_window(r.name);
  return Json{
      {"name", r.name},
      {"upstream", configured != nullptr ? Json(configured->upstream) : Json(nullptr)},
      {"configured", configured != nullptr},
      {"requests", r.requests},
      {"in_flight", r.in_flight},
      {"responses", classes(r.responses)},
      {"codes", codes},
      {"success_rate", ratio(success_ratio(r.responses))},
      {"errors",
       {{"connect", r.errors_connect},
        {"timeout", r.errors_timeout},
        {"reset", r.errors_reset},
        {"parse", r.errors_parse},
        {"limit", r.errors_limit}}},
      {"bytes", {{"in", r.bytes_in}, {"out", r.bytes_out}}},
      {"latency", latency(*r.latency)},
      {"upstream_latency", latency(*r.upstream_latency)},
      {"window", w != nullptr ? window(w->summary(), w->filled()) : Json(nullptr)}};
}

// The configured endpoints of `name`, or an empty list for an upstream no longer configured.
Json endpoints_of(const config::Config& cfg, std::string_view name) {
  Json out = Json::array();
  if (const config::UpstreamOptions* u = cfg.find_upstream(name)) {
    for (const config::HostPort& ep : u->endpoints) {
      out.push_back(ep.to_string());
    }
  }
  return out;
}

Json upstream_json(const UpstreamTotals& u, const std::vector<RouteTotals>& routes,
                   const StatsJsonInputs& in) {
  ClassCounts responses{};
  for (const RouteTotals& r : routes) {
    const config::Route* cr = find_route(in.config, r.name);
    if (cr != nullptr && cr->upstream == u.name) {
      for (std::size_t i = 0; i < responses.size(); ++i) {
        responses[i] += r.responses[i];
      }
    }
  }
  const UpstreamHealth h = in.sampler.upstream_health(u.name);
  return Json{{"name", u.name},
              {"configured", in.config.find_upstream(u.name) != nullptr},
              {"endpoints", endpoints_of(in.config, u.name)},
              {"healthy", h.healthy},
              {"recent", {{"successes", h.successes}, {"failures", h.failures}}},
              {"requests", u.requests},
              {"responses", classes(responses)},
              {"success_rate", ratio(success_ratio(responses))},
              {"pool",
               {{"open", u.connections_open},
                {"idle", u.connections_idle},
                {"busy", u.connections_open - u.connections_idle},
                {"hits", u.pool_reused},
                {"opened", u.pool_connected},
                {"evicted", u.pool_evicted},
                {"reuse_ratio", ratio(u.reuse_ratio())}}},
              {"failures", {{"connect", u.connect_errors}, {"timeout", u.timeouts}}}};
}

Json cache_json(const AdminHooks& hooks) {
  if (!hooks.cache_figures) {
    return Json{{"enabled", false}};
  }
  const CacheFigures c = hooks.cache_figures();
  const std::uint64_t lookups = c.hits + c.stale + c.misses;
  return Json{{"enabled", true},
              {"hits", c.hits},
              {"misses", c.misses},
              {"stale", c.stale},
              {"collapsed", c.collapsed},
              {"hit_ratio", lookups == 0 ? Json(nullptr)
                                         : Json(static_cast<double>(c.hits + c.stale) /
                                                static_cast<double>(lookups))},
              {"bytes", c.bytes},
              {"entries", c.entries},
              {"evictions", c.evictions}};
}

// Parallel arrays, oldest first: compact for the dashboard to plot.
Json series_json(const std::deque<SeriesPoint>& points) {
  Json t = Json::array(), rps = Json::array(), p50 = Json::array(), p95 = Json::array(),
       p99 = Json::array(), reuse = Json::array(), rss = Json::array(), open = Json::array(),
       in_flight = Json::array();
  std::array<Json, 5> status = {Json::array(), Json::array(), Json::array(), Json::array(),
                                Json::array()};
  for (const SeriesPoint& p : points) {
    t.push_back(p.unix_ms);
    rps.push_back(p.requests_per_s);
    p50.push_back(p.p50_ms);
    p95.push_back(p.p95_ms);
    p99.push_back(p.p99_ms);
    reuse.push_back(p.pool_reuse);
    rss.push_back(p.rss_bytes);
    open.push_back(p.open_connections);
    in_flight.push_back(p.in_flight);
    const double per = p.interval_s > 0 ? 1.0 / p.interval_s : 0.0;
    for (std::size_t i = 0; i < status.size(); ++i) {
      status[i].push_back(static_cast<double>(p.responses[i]) * per);
    }
  }
  return Json{{"t", t},
              {"requests_per_s", rps},
              {"p50_ms", p50},
              {"p95_ms", p95},
              {"p99_ms", p99},
              {"responses_per_s",
               {{"1xx", status[0]},
                {"2xx", status[1]},
                {"3xx", status[2]},
                {"4xx", status[3]},
                {"5xx", status[4]}}},
              {"pool_reuse", reuse},
              {"rss_bytes", rss},
              {"open_connections", open},
              {"in_flight", in_flight}};
}

}  // namespace

std::string stats_json(const StatsJsonInputs& in) {
  const std::vector<RouteTotals> routes = sum_routes(in.source, true);
  metrics::Histogram all;
  for (const RouteTotals& r : routes) {
    all.merge(*r.latency);
  }
  Json body = Json::object();
  body["version"] = in.options.version;
  body["ready"] = in.ready;
  body["draining"] = in.draining;
  body["process"] = process_json(in);
  body.update(totals_json(sum_proxy(in.source)));
  body["latency"] = latency(all);
  const LatencyWindow& w = in.sampler.all_routes_window();
  body["latency_window"] = window(w.summary(), w.filled());
  Json route_list = Json::array();
  for (const RouteTotals& r : routes) {
    route_list.push_back(route_json(r, in));
  }
  body["routes"] = std::move(route_list);
  Json upstream_list = Json::array();
  for (const UpstreamTotals& u : sum_upstreams(in.source)) {
    upstream_list.push_back(upstream_json(u, routes, in));
  }
  body["upstreams"] = std::move(upstream_list);
  body["cache"] = cache_json(in.hooks);
  body["breakers"] = in.hooks.breakers_json ? Json::parse(in.hooks.breakers_json())
                                            : Json::array();
  body["access_log"] = {
      {"enabled", static_cast<bool>(in.source.access_log_written)},
      {"written", in.source.access_log_written ? in.source.access_log_written() : 0},
      {"dropped", in.source.access_log_dropped ? in.source.access_log_dropped() : 0}};
  body["series"] = series_json(in.sampler.series());
  return body.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n";
}

}  // namespace ramjet::admin
