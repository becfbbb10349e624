#include "admin/sampler.hpp"

#include <chrono>

#include "metrics/process_stats.hpp"

namespace ramjet::admin {
namespace {

double to_ms(std::uint64_t ns) { return static_cast<double>(ns) / 1e6; }

double seconds(core::Duration d) { return std::chrono::duration<double>(d).count(); }

ClassCounts minus(const ClassCounts& a, const ClassCounts& b) {
  ClassCounts out{};
  for (std::size_t i = 0; i < out.size(); ++i) {
    out[i] = a[i] >= b[i] ? a[i] - b[i] : 0;
  }
  return out;
}

std::uint64_t minus(std::uint64_t a, std::uint64_t b) { return a >= b ? a - b : 0; }

}  // namespace

Sampler::Sampler(const StatsSource& source, SamplerOptions options, core::MonoTime now)
    : source_(source),
      options_(options),
      all_routes_(options.window_intervals),
      last_tick_(now),
      last_proxy_(sum_proxy(source)),
      interval_buckets_(empty_buckets()),
      interval_start_(now),
      interval_base_responses_(last_proxy_.responses),
      zeros_(empty_buckets()) {
  refresh_index();
  for (const UpstreamTotals& u : sum_upstreams(source_)) {
    last_reused_ += u.pool_reused;
    last_connected_ += u.pool_connected;
  }
  interval_base_reused_ = last_reused_;
  interval_base_connected_ = last_connected_;
  // Start from what the workers already hold, so the first tick reports one interval only.
  for (auto& [name, track] : routes_) {
    for (const proxy::RouteStats* s : track->slots) {
      add_buckets(s->latency, track->previous);
      track->previous_count += s->latency.count();
      track->previous_sum += s->latency.sum();
    }
  }
  for (auto& [name, track] : upstreams_) {
    for (const proxy::UpstreamStats* s : track->slots) {
      track->previous_successes += s->pool_connected.value() + s->pool_reused.value();
      track->previous_failures += s->connect_errors.value() + s->timeouts.value();
    }
  }
}

// Re-reads the tables' slots when a worker created a route or upstream entry (first start,
// reloads). Tables only grow, so comparing sizes finds every change.
void Sampler::refresh_index() {
  const std::size_t workers = source_.workers.size();
  route_sizes_.resize(workers, 0);
  upstream_sizes_.resize(workers, 0);
  for (std::size_t w = 0; w < workers; ++w) {
    const auto& routes = *source_.workers[w].routes;
    const std::size_t n = routes.size();
    for (std::size_t i = route_sizes_[w]; i < n; ++i) {
      auto& track = routes_[routes.at(i).name];
      if (!track) {
        track = std::make_unique<RouteTrack>(
            RouteTrack{{}, empty_buckets(), 0, 0, LatencyWindow(options_.window_intervals)});
      }
      track->slots.push_back(&routes.at(i));
    }
    route_sizes_[w] = n;
    const auto& upstreams = *source_.workers[w].upstreams;
    const std::size_t m = upstreams.size();
    for (std::size_t i = upstream_sizes_[w]; i < m; ++i) {
      auto& track = upstreams_[upstreams.at(i).name];
      if (!track) {
        track = std::make_unique<UpstreamTrack>();
      }
      track->slots.push_back(&upstreams.at(i));
    }
    upstream_sizes_[w] = m;
  }
}

std::uint64_t Sampler::sample_route(RouteTrack& track, BucketCounts& all) {
  std::uint64_t count = 0;
  for (const proxy::RouteStats* s : track.slots) {
    count += s->latency.count();
  }
  if (count == track.previous_count) {
    track.window.push(BucketDelta{});
    return 0;
  }
  BucketCounts current = empty_buckets();
  std::uint64_t sum = 0;
  for (const proxy::RouteStats* s : track.slots) {
    add_buckets(s->latency, current);
    sum += s->latency.sum();
  }
  const std::uint64_t sum_delta = minus(sum, track.previous_sum);
  BucketDelta delta = diff(current, track.previous, sum_delta);
  for (const auto& [index, n] : delta.buckets) {
    all[index] += n;
  }
  track.window.push(std::move(delta));
  track.previous = std::move(current);
  track.previous_count = count;
  track.previous_sum = sum;
  return sum_delta;
}

void Sampler::sample_upstream(UpstreamTrack& track) {
  std::uint64_t successes = 0;
  std::uint64_t failures = 0;
  for (const proxy::UpstreamStats* s : track.slots) {
    successes += s->pool_connected.value() + s->pool_reused.value();
    failures += s->connect_errors.value() + s->timeouts.value();
  }
  track.recent.emplace_back(minus(successes, track.previous_successes),
                            minus(failures, track.previous_failures));
  while (track.recent.size() > options_.health_intervals) {
    track.recent.pop_front();
  }
  track.previous_successes = successes;
  track.previous_failures = failures;
}

void Sampler::tick(core::MonoTime now, core::WallTime wall) {
  refresh_index();
  BucketCounts all = empty_buckets();
  std::uint64_t all_sum = 0;
  for (auto& [name, track] : routes_) {
    all_sum += sample_route(*track, all);
  }
  all_routes_.push(diff(all, zeros_, all_sum));
  for (std::size_t i = 0; i < all.size(); ++i) {
    interval_buckets_[i] += all[i];
  }
  interval_sum_ += all_sum;
  for (auto& [name, track] : upstreams_) {
    sample_upstream(*track);
  }

  const ProxyTotals proxy = sum_proxy(source_);
  std::uint64_t reused = 0;
  std::uint64_t connected = 0;
  std::int64_t in_flight = 0;
  for (const UpstreamTotals& u : sum_upstreams(source_)) {
    reused += u.pool_reused;
    connected += u.pool_connected;
  }
  for (auto& [name, track] : routes_) {
    for (const proxy::RouteStats* s : track->slots) {
      in_flight += s->in_flight.value();
    }
  }
  SeriesPoint p;
  p.unix_ms = std::chrono::duration_cast<std::chrono::milliseconds>(wall.time_since_epoch())
                  .count();
  p.interval_s = seconds(now - last_tick_);
  const double per = p.interval_s > 0 ? 1.0 / p.interval_s : 0.0;
  p.requests_per_s = static_cast<double>(minus(proxy.requests, last_proxy_.requests)) * per;
  p.responses = minus(proxy.responses, last_proxy_.responses);
  const LatencySummary latency = summarize(all, all_sum);
  if (latency.count > 0) {
    p.p50_ms = to_ms(latency.p50_ns);
    p.p95_ms = to_ms(latency.p95_ns);
    p.p99_ms = to_ms(latency.p99_ns);
  }
  const std::uint64_t d_reused = minus(reused, last_reused_);
  const std::uint64_t d_connected = minus(connected, last_connected_);
  if (d_reused + d_connected > 0) {
    p.pool_reuse = static_cast<double>(d_reused) / static_cast<double>(d_reused + d_connected);
  }
  auto memory = metrics::read_memory_usage();
  p.rss_bytes = memory.ok() ? memory->rss_bytes : 0;
  p.open_connections = proxy.connections_open;
  p.in_flight = in_flight;
  series_.push_back(p);
  while (series_.size() > options_.series_points) {
    series_.pop_front();
  }
  last_proxy_ = proxy;
  last_reused_ = reused;
  last_connected_ = connected;
  last_tick_ = now;
  ++ticks_;
}

const LatencyWindow* Sampler::route_window(std::string_view route) const {
  auto it = routes_.find(std::string(route));
  return it == routes_.end() ? nullptr : &it->second->window;
}

UpstreamHealth Sampler::upstream_health(std::string_view upstream) const {
  UpstreamHealth h;
  auto it = upstreams_.find(std::string(upstream));
  if (it == upstreams_.end()) {
    return h;
  }
  for (const auto& [successes, failures] : it->second->recent) {
    h.successes += successes;
    h.failures += failures;
  }
  h.healthy = h.successes > 0 || h.failures == 0;
  return h;
}

IntervalTotals Sampler::take_interval(core::MonoTime now) {
  IntervalTotals t;
  t.length = std::chrono::duration_cast<core::Duration>(now - interval_start_);
  t.responses = minus(last_proxy_.responses, interval_base_responses_);
  t.latency = summarize(interval_buckets_, interval_sum_);
  t.pool_reused = minus(last_reused_, interval_base_reused_);
  t.pool_connected = minus(last_connected_, interval_base_connected_);
  interval_buckets_.assign(interval_buckets_.size(), 0);
  interval_sum_ = 0;
  interval_start_ = now;
  interval_base_responses_ = last_proxy_.responses;
  interval_base_reused_ = last_reused_;
  interval_base_connected_ = last_connected_;
  return t;
}

}  // namespace ramjet::admin
