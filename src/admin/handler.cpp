#include "admin/handler.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "admin/aggregate.hpp"
#include "admin/assets.hpp"
#include "admin/stats_json.hpp"
#include "metrics/process_stats.hpp"

namespace ramjet::admin {
namespace {

using Json = nlohmann::ordered_json;

constexpr std::string_view kJson = "application/json";

AdminResponse json_response(int status, const Json& body) {
  AdminResponse r;
  r.status = status;
  r.body = body.dump(-1, ' ', false, Json::error_handler_t::replace);
  r.body += '\n';
  return r;
}

AdminResponse error_response(int status, std::string_view error, std::string_view detail) {
  return json_response(status, Json{{"error", error}, {"detail", detail}});
}

AdminResponse text_response(std::string_view content_type, std::string body) {
  AdminResponse r;
  r.content_type = std::string(content_type);
  r.body = std::move(body);
  return r;
}

AdminResponse asset_response(std::string_view name) {
  const Asset* asset = find_asset(name);
  if (asset == nullptr) {
    return error_response(404, "Not Found", "no such dashboard file");
  }
  AdminResponse r = text_response(asset->content_type, std::string(asset->body));
  r.headers.emplace_back("Cache-Control", "no-cache");
  return r;
}

bool iequals_ascii(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
    if (lower(a[i]) != lower(b[i])) {
      return false;
    }
  }
  return true;
}

std::string format_ms(double ns) {
  const double ms = ns / 1e6;
  char buf[32];
  if (ms >= 100) {
    std::snprintf(buf, sizeof buf, "%.0fms", ms);
  } else if (ms >= 10) {
    std::snprintf(buf, sizeof buf, "%.1fms", ms);
  } else {
    std::snprintf(buf, sizeof buf, "%.2fms", ms);
  }
  return buf;
}

std::string format_percent(std::optional<double> ratio, int decimals) {
  if (!ratio) {
    return "-";
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f%%", decimals, *ratio * 100.0);
  return buf;
}

}  // namespace

bool bearer_matches(std::string_view authorization, std::string_view token) {
  if (token.empty()) {
    return true;
  }
  constexpr std::string_view kScheme = "Bearer ";
  if (authorization.size() < kScheme.size() ||
      !iequals_ascii(authorization.substr(0, kScheme.size()), kScheme)) {
    return false;
  }
  std::string_view given = authorization.substr(kScheme.size());
  while (!given.empty() && given.front() == ' ') {
    given.remove_prefix(1);
  }
  // Every byte of the token is compared whatever the given value is, so the time taken
  // tells nothing about how much of a guess was right.
  unsigned mismatch = given.size() == token.size() ? 0u : 1u;
  for (std::size_t i = 0; i < token.size(); ++i) {
    const char g = i < given.size() ? given[i] : '\0';
    mismatch |= static_cast<unsigned>(static_cast<unsigned char>(g) ^
                                  static_cast<unsigned char>(token[i]));
  }
  return mismatch == 0;
}

std::string format_summary(const IntervalTotals& interval, std::optional<double> cache_hit,
                           std::optional<std::uint64_t> rss_bytes) {
  std::uint64_t requests = 0;
  for (std::uint64_t n : interval.responses) {
    requests += n;
  }
  const std::uint64_t failed = interval.responses[4];
  std::string line = "requests=" + std::to_string(requests) +
                     " ok=" + std::to_string(requests - failed) +
                     " failed=" + std::to_string(failed) +
                     " success=" + format_percent(success_ratio(interval.responses), 2);
  const bool timed = interval.latency.count > 0;
  line += " avg=" + (timed ? format_ms(interval.latency.mean_ns) : std::string("-"));
  line += " p95=" +
          (timed ? format_ms(static_cast<double>(interval.latency.p95_ns)) : std::string("-"));
  line += " cache_hit=" + format_percent(cache_hit, 1);
  const std::uint64_t upstream = interval.pool_reused + interval.pool_connected;
  std::optional<double> reuse;
  if (upstream > 0) {
    reuse = static_cast<double>(interval.pool_reused) / static_cast<double>(upstream);
  }
  line += " pool_reuse=" + format_percent(reuse, 1);
  line += " rss=" + (rss_bytes ? std::to_string(*rss_bytes >> 20) + "MiB" : std::string("-"));
  return line;
}

AdminHandler::AdminHandler(const StatsSource& source,
                           std::shared_ptr<const config::Config> config,
                           const core::Clock& clock, AdminHandlerOptions options,
                           AdminHooks hooks)
    : source_(source),
      config_(std::move(config)),
      clock_(clock),
      options_(std::move(options)),
      hooks_(std::move(hooks)),
      sampler_(source_, options_.sampler, clock.now()),
      exporter_(source_, clock, options_.started),
      next_summary_(clock.now() + options_.summary_interval) {
  add_cache_metrics();
}

// ramjet_cache_* families, read through the cache hook at scrape time (absent without it).
void AdminHandler::add_cache_metrics() {
  if (!hooks_.cache_figures) {
    return;
  }
  using metrics::MetricType;
  struct Family {
    const char* name;
    const char* help;
    MetricType type;
    std::uint64_t CacheFigures::*field;
  };
  static constexpr Family kFamilies[] = {
      {"ramjet_cache_hits", "Lookups answered by a fresh entry.", MetricType::kCounter,
       &CacheFigures::hits},
      {"ramjet_cache_stale_hits", "Lookups answered by a stale entry.", MetricType::kCounter,
       &CacheFigures::stale},
      {"ramjet_cache_misses", "Lookups that found nothing.", MetricType::kCounter,
       &CacheFigures::misses},
      {"ramjet_cache_collapsed", "Requests that waited on another's upstream fetch.",
       MetricType::kCounter, &CacheFigures::collapsed},
      {"ramjet_cache_evictions", "Entries evicted for space.", MetricType::kCounter,
       &CacheFigures::evictions},
      {"ramjet_cache_bytes", "Memory charged to the cache.", MetricType::kGauge,
       &CacheFigures::bytes},
      {"ramjet_cache_entries", "Stored responses (variants).", MetricType::kGauge,
       &CacheFigures::entries},
  };
  for (const Family& f : kFamilies) {
    metric_set().add_callback(f.name, f.help, f.type, {},
                              [read = hooks_.cache_figures, field = f.field] {
                                return static_cast<double>(read().*field);
                              });
  }
}

AdminResponse AdminHandler::handle(const AdminRequest& request) {
  const std::string_view path = request.path;
  const bool read = request.method == "GET" || request.method == "HEAD";
  if (path == "/cache/purge") {
    if (request.method != "POST") {
      AdminResponse r = error_response(405, "Method Not Allowed", "use POST");
      r.headers.emplace_back("Allow", "POST");
      return r;
    }
    return purge(request);
  }
  if (path == "/cache/explain") {
    if (!read && request.method != "POST") {
      AdminResponse r = error_response(405, "Method Not Allowed", "use GET, or POST with a body");
      r.headers.emplace_back("Allow", "GET, HEAD, POST");
      return r;
    }
    return explain(request);
  }
  struct Page {
    std::string_view path;
    AdminResponse (AdminHandler::*page)() const;
  };
  static constexpr std::array<Page, 5> kPages = {{
      {"/stats", &AdminHandler::stats_page},
      {"/connections", &AdminHandler::connections_page},
      {"/config", &AdminHandler::config_page},
      {"/cache/stats", &AdminHandler::cache_stats_page},
      {"/breakers", &AdminHandler::breakers_page},
  }};
  const bool known = path == "/" || path == "/index.html" || path.starts_with("/assets/") ||
                     path == "/metrics" || path == "/health" || path == "/ready" ||
                     std::any_of(kPages.begin(), kPages.end(),
                                 [path](const Page& p) { return p.path == path; });
  if (!known) {
    return error_response(404, "Not Found", "see docs/OBSERVABILITY.md for the endpoints");
  }
  if (!read) {
    AdminResponse r = error_response(405, "Method Not Allowed", "use GET");
    r.headers.emplace_back("Allow", "GET, HEAD");
    return r;
  }
  if (path == "/" || path == "/index.html") {
    return asset_response("index.html");
  }
  if (path.starts_with("/assets/")) {
    return asset_response(path.substr(8));
  }
  if (path == "/metrics") {
    return metrics_page();
  }
  if (path == "/health") {
    return json_response(200, Json{{"status", "ok"}});
  }
  if (path == "/ready") {
    Readiness r = readiness();
    AdminResponse out = text_response(kJson, std::move(r.body));
    out.status = r.ready ? 200 : 503;
    return out;
  }
  for (const Page& p : kPages) {
    if (p.path == path) {
      return (this->*p.page)();
    }
  }
  return error_response(404, "Not Found", "");
}

AdminResponse AdminHandler::metrics_page() {
  AdminResponse r = text_response("text/plain; version=0.0.4; charset=utf-8", {});
  r.body.reserve(64 * 1024);
  MetricsExporter::Extras extras;
  extras.config = config_.get();
  extras.sampler = &sampler_;
  extras.ready = readiness().ready;
  extras.startup_seconds = std::chrono::duration<double>(options_.startup).count();
  extras.version = options_.version;
  exporter_.write(r.body, extras);
  return r;
}

AdminResponse AdminHandler::stats_page() const {
  StatsJsonInputs in{source_,  *config_,    sampler_,
                     clock_,   options_,    readiness().ready,
                     draining_, hooks_};
  return text_response(kJson, stats_json(in));
}

AdminResponse AdminHandler::connections_page() const {
  const ProxyTotals p = sum_proxy(source_);
  Json upstreams = Json::array();
  std::int64_t up_open = 0;
  std::int64_t up_idle = 0;
  for (const UpstreamTotals& u : sum_upstreams(source_)) {
    upstreams.push_back({{"name", u.name},
                         {"open", u.connections_open},
                         {"idle", u.connections_idle},
                         {"busy", u.connections_open - u.connections_idle}});
    up_open += u.connections_open;
    up_idle += u.connections_idle;
  }
  Json body = {
      {"downstream",
       {{"open", p.connections_open},
        {"idle", p.connections_idle},
        {"active", p.connections_open - p.connections_idle},
        {"accepted", p.connections_accepted},
        {"refused", p.connections_refused},
        {"max", config_->limits.max_connections}}},
      {"upstream", {{"open", up_open}, {"idle", up_idle}, {"busy", up_open - up_idle}}},
      {"upstreams", upstreams}};
  return json_response(200, body);
}

AdminResponse AdminHandler::config_page() const {
  return text_response("text/yaml; charset=utf-8", config::to_yaml_redacted(*config_));
}

AdminResponse AdminHandler::cache_stats_page() const {
  if (hooks_.cache_stats_json) {
    return text_response(kJson, hooks_.cache_stats_json());
  }
  return json_response(200, Json{{"enabled", false}});
}

AdminResponse AdminHandler::breakers_page() const {
  Json body = {{"breakers", hooks_.breakers_json ? Json::parse(hooks_.breakers_json())
                                                 : Json::array()}};
  return json_response(200, body);
}

AdminResponse AdminHandler::purge(const AdminRequest& request) {
  if (!bearer_matches(request.authorization, config_->admin.token)) {
    AdminResponse r = error_response(401, "Unauthorized",
                                     "this endpoint needs Authorization: Bearer <admin.token>");
    r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"ramjet-admin\"");
    return r;
  }
  if (hooks_.cache_purge) {
    return hooks_.cache_purge(request);
  }
  return error_response(501, "Not Implemented", "the response cache is not part of this build");
}

AdminResponse AdminHandler::explain(const AdminRequest& request) const {
  if (hooks_.cache_explain) {
    return hooks_.cache_explain(request);
  }
  return json_response(200, Json{{"enabled", false}});
}

AdminHandler::Readiness AdminHandler::readiness() const {
  Json upstreams = Json::array();
  bool all_healthy = true;
  const config::Config& cfg = *config_;
  for (std::size_t i = 0; i < cfg.upstreams.size(); ++i) {
    const config::UpstreamOptions& u = cfg.upstreams[i];
    Json routes = Json::array();
    for (const config::Route& r : cfg.routes) {
      if (r.upstream_index == i) {
        routes.push_back(r.name);
      }
    }
    const UpstreamHealth h = sampler_.upstream_health(u.name);
    if (!routes.empty() && !h.healthy) {
      all_healthy = false;
    }
    upstreams.push_back({{"name", u.name},
                         {"healthy", h.healthy},
                         {"recent_successes", h.successes},
                         {"recent_failures", h.failures},
                         {"routes", routes}});
  }
  Readiness out;
  out.ready = all_healthy && !draining_;
  Json body = {{"ready", out.ready},
               {"checks",
                {{"config", {{"ok", true}, {"source", cfg.source}}},
                 {"draining", {{"ok", !draining_}}},
                 {"upstreams", {{"ok", all_healthy}, {"upstreams", upstreams}}}}}};
  out.body = body.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n";
  return out;
}

std::optional<std::string> AdminHandler::tick() {
  const core::MonoTime now = clock_.now();
  sampler_.tick(now, clock_.wall_now());
  if (options_.summary_interval <= core::Duration::zero() || now < next_summary_) {
    return std::nullopt;
  }
  next_summary_ = now + options_.summary_interval;
  return summary_line(now);
}

std::string AdminHandler::summary_line(core::MonoTime now) {
  std::optional<double> cache_hit;
  if (hooks_.cache_figures) {
    const CacheFigures now_figures = hooks_.cache_figures();
    const std::uint64_t served = (now_figures.hits - last_cache_.hits) +
                                 (now_figures.stale - last_cache_.stale);
    const std::uint64_t lookups = served + (now_figures.misses - last_cache_.misses);
    if (lookups > 0) {
      cache_hit = static_cast<double>(served) / static_cast<double>(lookups);
    }
    last_cache_ = now_figures;
  }
  std::optional<std::uint64_t> rss;
  if (auto m = metrics::read_memory_usage(); m.ok()) {
    rss = m->rss_bytes;
  }
  return format_summary(sampler_.take_interval(now), cache_hit, rss);
}

}  // namespace ramjet::admin
