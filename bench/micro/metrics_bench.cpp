// Micro-benchmarks of the metrics hot path (record, add) and of the admin read path
// (quantiles, merge, Prometheus exposition). Numbers go in docs/BENCHMARKS.md with the
// machine; nothing here asserts a speed.

#include <benchmark/benchmark.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "metrics/counter.hpp"
#include "metrics/histogram.hpp"
#include "metrics/metric_set.hpp"
#include "metrics/prometheus.hpp"
#include "metrics/windowed_histogram.hpp"

namespace {

using ramjet::metrics::Counter;
using ramjet::metrics::Gauge;
using ramjet::metrics::Histogram;

// Latency-like values (log-normal around 5 ms), a power-of-two count for cheap wrapping.
std::vector<std::uint64_t> sample_values() {
  std::mt19937_64 rng(1);
  std::lognormal_distribution<double> dist(15.4, 1.5);
  std::vector<std::uint64_t> out(1 << 16);
  for (auto& v : out) {
    v = static_cast<std::uint64_t>(dist(rng));
  }
  return out;
}

void BM_HistogramRecord(benchmark::State& state) {
  const auto values = sample_values();
  Histogram h;
  std::size_t i = 0;
  for (auto _ : state) {
    h.record(values[i++ & (values.size() - 1)]);
  }
  benchmark::DoNotOptimize(h.count());
}
BENCHMARK(BM_HistogramRecord);

void BM_HistogramRecordSameValue(benchmark::State& state) {
  Histogram h;
  std::uint64_t v = 5'000'000;
  for (auto _ : state) {
    benchmark::DoNotOptimize(v);
    h.record(v);
  }
  benchmark::DoNotOptimize(h.count());
}
BENCHMARK(BM_HistogramRecordSameValue);

void BM_WindowedHistogramRecordWithLoopTime(benchmark::State& state) {
  const auto values = sample_values();
  ramjet::core::ManualClock clock;
  ramjet::metrics::WindowedHistogram w(clock);
  const auto now = clock.now();
  std::size_t i = 0;
  for (auto _ : state) {
    w.record(values[i++ & (values.size() - 1)], now);
  }
}
BENCHMARK(BM_WindowedHistogramRecordWithLoopTime);

void BM_CounterAdd(benchmark::State& state) {
  Counter c;
  for (auto _ : state) {
    c.add();
  }
  benchmark::DoNotOptimize(c.value());
}
BENCHMARK(BM_CounterAdd);

void BM_HistogramQuantile(benchmark::State& state) {
  Histogram h;
  for (std::uint64_t v : sample_values()) {
    h.record(v);
  }
  for (auto _ : state) {
    benchmark::DoNotOptimize(h.value_at_quantile(0.99));
  }
}
BENCHMARK(BM_HistogramQuantile);

void BM_HistogramMerge(benchmark::State& state) {
  Histogram source;
  for (std::uint64_t v : sample_values()) {
    source.record(v);
  }
  Histogram target;
  for (auto _ : state) {
    target.merge(source);
  }
  benchmark::DoNotOptimize(target.count());
}
BENCHMARK(BM_HistogramMerge);

struct WorkerStats {
  Counter requests;
  Counter errors;
  Gauge active;
  Histogram latency;
  Histogram upstream_latency;
};

// /metrics for state.range(0) workers, each with 3 scalars and 2 histograms.
void BM_WritePrometheus(benchmark::State& state) {
  std::vector<WorkerStats> workers(static_cast<std::size_t>(state.range(0)));
  ramjet::metrics::MetricSet set;
  auto group = set.group<WorkerStats>();
  group.counter("ramjet_requests", "Requests.", &WorkerStats::requests)
      .counter("ramjet_errors", "Errors.", &WorkerStats::errors)
      .gauge("ramjet_active_requests", "Active.", &WorkerStats::active)
      .histogram("ramjet_request_duration_seconds", "Latency.", &WorkerStats::latency)
      .histogram("ramjet_upstream_duration_seconds", "Upstream.", &WorkerStats::upstream_latency);
  const auto values = sample_values();
  for (auto& w : workers) {
    group.attach(w);
    for (std::uint64_t v : values) {
      w.latency.record(v);
      w.upstream_latency.record(v / 2);
    }
  }
  std::string out;
  for (auto _ : state) {
    out.clear();
    ramjet::metrics::write_prometheus(set, out);
    benchmark::DoNotOptimize(out.data());
  }
}
BENCHMARK(BM_WritePrometheus)->Arg(1)->Arg(8);

}  // namespace
