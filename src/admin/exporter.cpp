#include "admin/exporter.hpp"

#include <array>
#include <charconv>
#include <string_view>
#include <unordered_map>

#include "admin/aggregate.hpp"
#include "metrics/process_stats.hpp"
#include "metrics/prometheus.hpp"

namespace ramjet::admin {
namespace {

using metrics::MetricType;
using proxy::ProxyStats;
using proxy::RouteStats;
using proxy::UpstreamStats;

void declare_proxy(metrics::MetricSet& set, const StatsSource& source) {
  auto g = set.group<ProxyStats>();
  g.counter("ramjet_connections_accepted", "Downstream connections accepted.",
            &ProxyStats::connections_accepted)
      .counter("ramjet_connections_refused",
               "Downstream connections refused at limits.max_connections.",
               &ProxyStats::connections_refused)
      .gauge("ramjet_connections_open", "Open downstream connections.",
             &ProxyStats::connections_open)
      .gauge("ramjet_connections_idle", "Keep-alive downstream connections between requests.",
             &ProxyStats::connections_idle)
      .counter("ramjet_requests", "Request heads received (routed or not).",
               &ProxyStats::requests);
  constexpr std::string_view kResponses = "Responses sent downstream, by status class.";
  g.counter("ramjet_responses", kResponses, &ProxyStats::responses_1xx, {{"class", "1xx"}})
      .counter("ramjet_responses", kResponses, &ProxyStats::responses_2xx, {{"class", "2xx"}})
      .counter("ramjet_responses", kResponses, &ProxyStats::responses_3xx, {{"class", "3xx"}})
      .counter("ramjet_responses", kResponses, &ProxyStats::responses_4xx, {{"class", "4xx"}})
      .counter("ramjet_responses", kResponses, &ProxyStats::responses_5xx, {{"class", "5xx"}});
  g.counter("ramjet_bad_requests", "Requests refused as malformed.", &ProxyStats::bad_requests)
      .counter("ramjet_client_timeouts", "Clients too slow sending a head or body.",
               &ProxyStats::client_timeouts);
  constexpr std::string_view kErrors = "Exchanges that failed on the upstream side, by kind.";
  g.counter("ramjet_exchange_errors", kErrors, &ProxyStats::upstream_connect_errors,
            {{"kind", "connect"}})
      .counter("ramjet_exchange_errors", kErrors, &ProxyStats::upstream_timeouts,
               {{"kind", "timeout"}})
      .counter("ramjet_exchange_errors", kErrors, &ProxyStats::upstream_bad_responses,
               {{"kind", "bad_response"}})
      .counter("ramjet_exchange_errors", kErrors, &ProxyStats::upstream_resets,
               {{"kind", "reset"}});
  g.counter("ramjet_stale_retries",
            "Requests retried on a fresh connection after a reused one was found closed.",
            &ProxyStats::stale_retries)
      .counter("ramjet_received_bytes", "Bytes received from clients.", &ProxyStats::bytes_in)
      .counter("ramjet_sent_bytes", "Bytes sent to clients.", &ProxyStats::bytes_out);
  g.counter("ramjet_cache_shadow_hits",
            "Shadow mode: requests a stored response would have answered.",
            &ProxyStats::cache_shadow_hits)
      .counter("ramjet_cache_shadow_misses",
               "Shadow mode: cacheable requests no stored response could have answered.",
               &ProxyStats::cache_shadow_misses);
  for (const WorkerStatsView& w : source.workers) {
    g.attach(*w.proxy);
  }
  // Kept in microseconds per worker; exposed in the base unit.
  set.add_callback("ramjet_cache_shadow_saved_seconds",
                   "Shadow mode: upstream time the would-be hits would have saved.",
                   MetricType::kCounter, {}, [workers = source.workers] {
                     std::uint64_t us = 0;
                     for (const WorkerStatsView& w : workers) {
                       us += w.proxy->cache_shadow_saved_us.value();
                     }
                     return static_cast<double>(us) / 1e6;
                   });
}

metrics::MetricGroup<RouteStats> declare_routes(metrics::MetricSet& set) {
  auto g = set.group<RouteStats>();
  g.counter("ramjet_route_requests", "Requests matched to the route.", &RouteStats::requests);
  constexpr std::string_view kErrors = "Failed exchanges of the route, by kind.";
  g.counter("ramjet_route_errors", kErrors, &RouteStats::errors_connect, {{"kind", "connect"}})
      .counter("ramjet_route_errors", kErrors, &RouteStats::errors_timeout, {{"kind", "timeout"}})
      .counter("ramjet_route_errors", kErrors, &RouteStats::errors_reset, {{"kind", "reset"}})
      .counter("ramjet_route_errors", kErrors, &RouteStats::errors_parse, {{"kind", "parse"}})
      .counter("ramjet_route_errors", kErrors, &RouteStats::errors_limit, {{"kind", "limit"}});
  g.counter("ramjet_route_received_bytes",
            "Request bytes of the route: heads and Content-Length bodies.", &RouteStats::bytes_in)
      .counter("ramjet_route_sent_bytes", "Response bytes sent for the route.",
               &RouteStats::bytes_out)
      .gauge("ramjet_route_in_flight", "Exchanges of the route in progress.",
             &RouteStats::in_flight);
  return g;  // the latency histograms are written by write_route_histograms()
}

metrics::MetricGroup<UpstreamStats> declare_upstreams(metrics::MetricSet& set) {
  auto g = set.group<UpstreamStats>();
  g.counter("ramjet_upstream_requests", "Exchanges sent to the upstream.",
            &UpstreamStats::requests)
      .counter("ramjet_upstream_pool_hits",
               "Exchanges served by an idle keep-alive connection from the pool.",
               &UpstreamStats::pool_reused)
      .counter("ramjet_upstream_connections_opened", "New upstream connections opened.",
               &UpstreamStats::pool_connected)
      .counter("ramjet_upstream_connections_evicted",
               "Idle upstream connections closed (ttl, overflow, peer close).",
               &UpstreamStats::pool_evicted);
  constexpr std::string_view kFailures = "Upstream connection failures, by kind.";
  g.counter("ramjet_upstream_failures", kFailures, &UpstreamStats::connect_errors,
            {{"kind", "connect"}})
      .counter("ramjet_upstream_failures", kFailures, &UpstreamStats::timeouts,
               {{"kind", "timeout"}})
      .gauge("ramjet_upstream_connections_open", "Upstream connections open (idle and busy).",
             &UpstreamStats::connections_open)
      .gauge("ramjet_upstream_connections_idle", "Idle upstream connections in the pool.",
             &UpstreamStats::connections_idle);
  return g;
}

void add_access_log_metrics(metrics::MetricSet& set, const StatsSource& source) {
  if (source.access_log_written) {
    set.add_callback("ramjet_access_log_records", "Access-log records written.",
                     MetricType::kCounter, {}, [read = source.access_log_written] {
                       return static_cast<double>(read());
                     });
  }
  if (source.access_log_dropped) {
    set.add_callback("ramjet_access_log_dropped", "Access-log records dropped (ring full).",
                     MetricType::kCounter, {}, [read = source.access_log_dropped] {
                       return static_cast<double>(read());
                     });
  }
}

// Writes families by hand, in the same format as metrics/prometheus.hpp.
class FamilyWriter {
 public:
  explicit FamilyWriter(std::string& out) : out_(out) {}
  void header(std::string_view name, std::string_view type, std::string_view help) {
    out_.append("# HELP ").append(name).append(" ");
    metrics::append_escaped_help(out_, help);
    out_.append("\n# TYPE ").append(name).append(" ").append(type).append("\n");
  }
  // name{k1="v1",k2="v2"} value
  void sample(std::string_view name, std::initializer_list<std::pair<std::string_view,
                                                                     std::string_view>> labels,
              double value) {
    out_.append(name);
    if (labels.size() > 0) {
      out_ += '{';
      bool first = true;
      for (const auto& [k, v] : labels) {
        if (!first) {
          out_ += ',';
        }
        first = false;
        out_.append(k).append("=\"");
        metrics::append_escaped_label_value(out_, v);
        out_ += '"';
      }
      out_ += '}';
    }
    char buf[32];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
    out_.append(" ").append(buf, static_cast<std::size_t>(end - buf)).append("\n");
  }

 private:
  std::string& out_;
};

// Each route's RouteStats on every worker, in order of first appearance.
using RouteSlots = std::vector<std::pair<std::string_view, std::vector<const RouteStats*>>>;

RouteSlots route_slots(const StatsSource& source) {
  RouteSlots out;
  std::unordered_map<std::string_view, std::size_t> index;
  for (const WorkerStatsView& w : source.workers) {
    const std::size_t n = w.routes->size();
    for (std::size_t i = 0; i < n; ++i) {
      const RouteStats& s = w.routes->at(i);
      auto [it, inserted] = index.try_emplace(s.name, out.size());
      if (inserted) {
        out.emplace_back(s.name, std::vector<const RouteStats*>{});
      }
      out[it->second].second.push_back(&s);
    }
  }
  return out;
}

template <typename T>
void append_number(std::string& out, T value) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  out.append(buf, static_cast<std::size_t>(end - buf));
}

// One histogram family over every route, in the layout of metrics/prometheus.hpp. The
// workers' cumulative bucket counts are added up directly: merging the histograms into a
// copy first (what MetricSet::collect does) was 40% of the time of a 100-route scrape.
void write_route_histogram(std::string& out, const RouteSlots& routes, std::string_view name,
                           std::string_view help, metrics::Histogram RouteStats::*field) {
  if (routes.empty()) {
    return;
  }
  FamilyWriter(out).header(name, "histogram", help);
  for (const auto& [route, slots] : routes) {
    std::array<std::uint64_t, metrics::kLatencyBounds.size() + 1> counts{};
    std::uint64_t sum_ns = 0;
    for (const RouteStats* s : slots) {
      const auto c = metrics::cumulative_latency_buckets(s->*field);
      for (std::size_t i = 0; i < counts.size(); ++i) {
        counts[i] += c[i];
      }
      sum_ns += (s->*field).sum();
    }
    std::string labels = "{route=\"";
    metrics::append_escaped_label_value(labels, route);
    labels += '"';
    for (std::size_t i = 0; i < counts.size(); ++i) {
      out.append(name).append("_bucket").append(labels).append(",le=\"");
      out.append(i < metrics::kLatencyBounds.size() ? metrics::kLatencyBounds[i].label
                                                    : std::string_view("+Inf"));
      out.append("\"} ");
      append_number(out, counts[i]);
      out += '\n';
    }
    out.append(name).append("_sum").append(labels).append("} ");
    append_number(out, static_cast<double>(sum_ns) / 1e9);
    out.append("\n").append(name).append("_count").append(labels).append("} ");
    append_number(out, counts.back());
    out += '\n';
  }
}

void write_route_codes(FamilyWriter& w, const std::vector<RouteTotals>& routes) {
  bool any = false;
  for (const RouteTotals& r : routes) {
    any = any || !r.codes.empty();
  }
  if (!any) {
    return;
  }
  w.header("ramjet_route_responses_total", "counter",
           "Responses sent for the route, by exact status code.");
  for (const RouteTotals& r : routes) {
    for (const auto& [code, n] : r.codes) {
      char buf[8];
      auto [end, ec] = std::to_chars(buf, buf + sizeof buf, code);
      w.sample("ramjet_route_responses_total",
               {{"route", r.name}, {"code", std::string_view(buf, end)}},
               static_cast<double>(n));
    }
  }
}

void write_extras(std::string& out, const MetricsExporter::Extras& extras,
                  const StatsSource& source) {
  const RouteSlots routes = route_slots(source);
  write_route_histogram(out, routes, "ramjet_route_request_duration_seconds",
                        "Request head received to response fully sent.", &RouteStats::latency);
  write_route_histogram(out, routes, "ramjet_route_upstream_duration_seconds",
                        "Request sent upstream to response head received.",
                        &RouteStats::upstream_latency);
  FamilyWriter w(out);
  write_route_codes(w, sum_routes(source, false));
  if (extras.config != nullptr) {
    w.header("ramjet_route_info", "gauge", "Routes of the running configuration (value 1).");
    for (const config::Route& r : extras.config->routes) {
      w.sample("ramjet_route_info", {{"route", r.name}, {"upstream", r.upstream}}, 1);
    }
    if (extras.sampler != nullptr) {
      w.header("ramjet_upstream_healthy", "gauge",
               "1 when a connection to the upstream succeeded recently or none failed.");
      for (const config::UpstreamOptions& u : extras.config->upstreams) {
        const bool healthy = extras.sampler->upstream_health(u.name).healthy;
        w.sample("ramjet_upstream_healthy", {{"upstream", u.name}}, healthy ? 1 : 0);
      }
    }
  }
  w.header("ramjet_ready", "gauge", "1 when GET /ready answers 200.");
  w.sample("ramjet_ready", {}, extras.ready ? 1 : 0);
  w.header("ramjet_startup_seconds", "gauge", "Time from launch to accepting connections.");
  w.sample("ramjet_startup_seconds", {}, extras.startup_seconds);
  w.header("ramjet_workers", "gauge", "Worker threads.");
  w.sample("ramjet_workers", {}, static_cast<double>(source.workers.size()));
  w.header("ramjet_build_info", "gauge", "Build of the running binary (value 1).");
  w.sample("ramjet_build_info", {{"version", extras.version}}, 1);
}

}  // namespace

MetricsExporter::MetricsExporter(const StatsSource& source, const core::Clock& clock,
                                 core::MonoTime start)
    : source_(source) {
  declare_proxy(set_, source_);
  routes_.emplace(declare_routes(set_));
  upstreams_.emplace(declare_upstreams(set_));
  metrics::add_process_metrics(set_, clock, start);
  add_access_log_metrics(set_, source_);
  attached_routes_.assign(source_.workers.size(), 0);
  attached_upstreams_.assign(source_.workers.size(), 0);
}

void MetricsExporter::attach_new_entries() {
  for (std::size_t w = 0; w < source_.workers.size(); ++w) {
    const auto& routes = *source_.workers[w].routes;
    for (std::size_t n = routes.size(); attached_routes_[w] < n; ++attached_routes_[w]) {
      const RouteStats& s = routes.at(attached_routes_[w]);
      routes_->attach(s, {{"route", s.name}});
    }
    const auto& upstreams = *source_.workers[w].upstreams;
    for (std::size_t n = upstreams.size(); attached_upstreams_[w] < n; ++attached_upstreams_[w]) {
      const UpstreamStats& s = upstreams.at(attached_upstreams_[w]);
      upstreams_->attach(s, {{"upstream", s.name}});
    }
  }
}

void MetricsExporter::write(std::string& out, const Extras& extras) {
  attach_new_entries();
  metrics::write_prometheus(set_, out);
  write_extras(out, extras, source_);
}

}  // namespace ramjet::admin
