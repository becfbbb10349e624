#include "admin/aggregate.hpp"

#include <numeric>
#include <string_view>
#include <unordered_map>

namespace ramjet::admin {
namespace {

using proxy::RouteStats;
using proxy::UpstreamStats;

// Index of `name` in `out`, appending a fresh entry named so when absent.
template <typename Totals>
Totals& entry(std::vector<Totals>& out, std::unordered_map<std::string_view, std::size_t>& index,
              const std::string& name) {
  auto [it, inserted] = index.try_emplace(name, out.size());
  if (inserted) {
    out.emplace_back();
    out.back().name = name;
  }
  return out[it->second];
}

void add_route(const RouteStats& s, RouteTotals& t, bool with_histograms) {
  t.requests += s.requests.value();
  t.responses[0] += s.responses_1xx.value();
  t.responses[1] += s.responses_2xx.value();
  t.responses[2] += s.responses_3xx.value();
  t.responses[3] += s.responses_4xx.value();
  t.responses[4] += s.responses_5xx.value();
  t.errors_connect += s.errors_connect.value();
  t.errors_timeout += s.errors_timeout.value();
  t.errors_reset += s.errors_reset.value();
  t.errors_parse += s.errors_parse.value();
  t.errors_limit += s.errors_limit.value();
  t.bytes_in += s.bytes_in.value();
  t.bytes_out += s.bytes_out.value();
  t.in_flight += s.in_flight.value();
  if (with_histograms) {
    if (!t.latency) {
      t.latency.emplace();
      t.upstream_latency.emplace();
    }
    t.latency->merge(s.latency);
    t.upstream_latency->merge(s.upstream_latency);
  }
}

// Adds the per-code counters of `s` into `codes` (dense, by status - 100).
void add_codes(const RouteStats& s, std::vector<std::uint64_t>& codes) {
  for (std::size_t i = 0; i < s.responses_by_code.size(); ++i) {
    codes[i] += s.responses_by_code[i].value();
  }
}

}  // namespace

std::uint64_t ProxyTotals::responses_total() const {
  return std::accumulate(responses.begin(), responses.end(), std::uint64_t{0});
}

std::uint64_t RouteTotals::responses_total() const {
  return std::accumulate(responses.begin(), responses.end(), std::uint64_t{0});
}

std::optional<double> UpstreamTotals::reuse_ratio() const {
  const std::uint64_t total = pool_reused + pool_connected;
  if (total == 0) {
    return std::nullopt;
  }
  return static_cast<double>(pool_reused) / static_cast<double>(total);
}

ProxyTotals sum_proxy(const StatsSource& source) {
  ProxyTotals t;
  for (const WorkerStatsView& w : source.workers) {
    const proxy::ProxyStats& s = *w.proxy;
    t.connections_accepted += s.connections_accepted.value();
    t.connections_refused += s.connections_refused.value();
    t.connections_open += s.connections_open.value();
    t.connections_idle += s.connections_idle.value();
    t.requests += s.requests.value();
    t.responses[0] += s.responses_1xx.value();
    t.responses[1] += s.responses_2xx.value();
    t.responses[2] += s.responses_3xx.value();
    t.responses[3] += s.responses_4xx.value();
    t.responses[4] += s.responses_5xx.value();
    t.bad_requests += s.bad_requests.value();
    t.client_timeouts += s.client_timeouts.value();
    t.upstream_connect_errors += s.upstream_connect_errors.value();
    t.upstream_timeouts += s.upstream_timeouts.value();
    t.upstream_bad_responses += s.upstream_bad_responses.value();
    t.upstream_resets += s.upstream_resets.value();
    t.stale_retries += s.stale_retries.value();
    t.bytes_in += s.bytes_in.value();
    t.bytes_out += s.bytes_out.value();
    t.shadow_hits += s.cache_shadow_hits.value();
    t.shadow_misses += s.cache_shadow_misses.value();
    t.shadow_saved_us += s.cache_shadow_saved_us.value();
  }
  return t;
}

std::vector<RouteTotals> sum_routes(const StatsSource& source, bool with_histograms) {
  std::vector<RouteTotals> out;
  std::vector<std::vector<std::uint64_t>> codes;
  std::unordered_map<std::string_view, std::size_t> index;
  for (const WorkerStatsView& w : source.workers) {
    const std::size_t n = w.routes->size();
    for (std::size_t i = 0; i < n; ++i) {
      const RouteStats& s = w.routes->at(i);
      RouteTotals& t = entry(out, index, s.name);
      add_route(s, t, with_histograms);
      codes.resize(out.size());
      auto& dense = codes[index.at(s.name)];
      dense.resize(s.responses_by_code.size());
      add_codes(s, dense);
    }
  }
  for (std::size_t r = 0; r < out.size(); ++r) {
    for (std::size_t i = 0; i < codes[r].size(); ++i) {
      if (codes[r][i] != 0) {
        out[r].codes.emplace_back(static_cast<int>(i) + RouteStats::kFirstStatus, codes[r][i]);
      }
    }
  }
  return out;
}

std::vector<UpstreamTotals> sum_upstreams(const StatsSource& source) {
  std::vector<UpstreamTotals> out;
  std::unordered_map<std::string_view, std::size_t> index;
  for (const WorkerStatsView& w : source.workers) {
    const std::size_t n = w.upstreams->size();
    for (std::size_t i = 0; i < n; ++i) {
      const UpstreamStats& s = w.upstreams->at(i);
      UpstreamTotals& t = entry(out, index, s.name);
      t.requests += s.requests.value();
      t.pool_reused += s.pool_reused.value();
      t.pool_connected += s.pool_connected.value();
      t.pool_evicted += s.pool_evicted.value();
      t.connect_errors += s.connect_errors.value();
      t.timeouts += s.timeouts.value();
      t.connections_open += s.connections_open.value();
      t.connections_idle += s.connections_idle.value();
    }
  }
  return out;
}

std::optional<double> success_ratio(const ClassCounts& responses) {
  const std::uint64_t total =
      std::accumulate(responses.begin(), responses.end(), std::uint64_t{0});
  if (total == 0) {
    return std::nullopt;
  }
  return static_cast<double>(total - responses[4]) / static_cast<double>(total);
}

}  // namespace ramjet::admin
