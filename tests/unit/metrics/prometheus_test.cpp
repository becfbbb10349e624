#include "metrics/prometheus.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "metrics/counter.hpp"
#include "metrics/metric_set.hpp"

namespace ramjet::metrics {
namespace {

struct ServerStats {
  Counter requests;
  Gauge open_connections;
  Histogram latency;
};

std::string exposition(const MetricSet& set) {
  std::string out;
  write_prometheus(set, out);
  return out;
}

TEST(Prometheus, CountersAndGaugesAreWrittenInTextFormat004) {
  ServerStats w0;
  ServerStats w1;
  MetricSet set;
  auto group = set.group<ServerStats>();
  group.counter("ramjet_requests", "Requests accepted.", &ServerStats::requests)
      .gauge("ramjet_open_connections", "Open downstream connections.",
             &ServerStats::open_connections);
  group.attach(w0, {{"listener", "main"}});
  group.attach(w1, {{"listener", "main"}});
  w0.requests.add(3);
  w1.requests.add(4);
  w0.open_connections.set(2);
  w1.open_connections.set(1);
  EXPECT_EQ(exposition(set),
            "# HELP ramjet_requests_total Requests accepted.\n"
            "# TYPE ramjet_requests_total counter\n"
            "ramjet_requests_total{listener=\"main\"} 7\n"
            "# HELP ramjet_open_connections Open downstream connections.\n"
            "# TYPE ramjet_open_connections gauge\n"
            "ramjet_open_connections{listener=\"main\"} 3\n");
}

TEST(Prometheus, HistogramsAreWrittenAsCumulativeBucketsInSeconds) {
  ServerStats w0;
  ServerStats w1;
  MetricSet set;
  auto group = set.group<ServerStats>();
  group.histogram("ramjet_request_duration_seconds", "Request time.", &ServerStats::latency);
  group.attach(w0);
  group.attach(w1);
  w0.latency.record(std::uint64_t{1'000'000});         // 1 ms: exactly on a bound
  w0.latency.record(std::uint64_t{3'000'000});         // 3 ms
  w1.latency.record(std::uint64_t{2'000'000'000});     // 2 s
  w1.latency.record(std::uint64_t{7'200'000'000'000});  // 2 h: clamped to 1 h
  EXPECT_EQ(exposition(set),
            "# HELP ramjet_request_duration_seconds Request time.\n"
            "# TYPE ramjet_request_duration_seconds histogram\n"
            "ramjet_request_duration_seconds_bucket{le=\"0.0005\"} 0\n"
            "ramjet_request_duration_seconds_bucket{le=\"0.001\"} 1\n"
            "ramjet_request_duration_seconds_bucket{le=\"0.0025\"} 1\n"
            "ramjet_request_duration_seconds_bucket{le=\"0.005\"} 2\n"
            "ramjet_request_duration_seconds_bucket{le=\"0.01\"} 2\n"
            "ramjet_request_duration_seconds_bucket{le=\"0.025\"} 2\n"
            "ramjet_request_duration_seconds_bucket{le=\"0.05\"} 2\n"
            "ramjet_request_duration_seconds_bucket{le=\"0.1\"} 2\n"
            "ramjet_request_duration_seconds_bucket{le=\"0.25\"} 2\n"
            "ramjet_request_duration_seconds_bucket{le=\"0.5\"} 2\n"
            "ramjet_request_duration_seconds_bucket{le=\"1\"} 2\n"
            "ramjet_request_duration_seconds_bucket{le=\"2.5\"} 3\n"
            "ramjet_request_duration_seconds_bucket{le=\"5\"} 3\n"
            "ramjet_request_duration_seconds_bucket{le=\"10\"} 3\n"
            "ramjet_request_duration_seconds_bucket{le=\"30\"} 3\n"
            "ramjet_request_duration_seconds_bucket{le=\"60\"} 3\n"
            "ramjet_request_duration_seconds_bucket{le=\"+Inf\"} 4\n"
            "ramjet_request_duration_seconds_sum 3602.004\n"
            "ramjet_request_duration_seconds_count 4\n");
}

TEST(Prometheus, HistogramSeriesLabelsPrecedeLe) {
  Histogram h;
  h.record(std::uint64_t{100'000});
  std::string out;
  write_prometheus_histogram(out, "ramjet_x_seconds", "route=\"a\"", h);
  EXPECT_EQ(out.substr(0, out.find('\n')), "ramjet_x_seconds_bucket{route=\"a\",le=\"0.0005\"} 1");
  EXPECT_NE(out.find("ramjet_x_seconds_sum{route=\"a\"} 1e-04\n"), std::string::npos);
  EXPECT_NE(out.find("ramjet_x_seconds_count{route=\"a\"} 1\n"), std::string::npos);
}

TEST(Prometheus, CoarseBucketsNeverUndercountSamplesAtOrBelowTheirBound) {
  for (const LatencyBound& bound : kLatencyBounds) {
    Histogram h;
    h.record(bound.ns);
    h.record(bound.ns - bound.ns / 100);  // 1% below
    h.record(bound.ns + bound.ns / 20);   // 5% above: outside the bound's fine bucket
    const auto counts = cumulative_latency_buckets(h);
    const auto i = static_cast<std::size_t>(&bound - kLatencyBounds.data());
    EXPECT_EQ(counts[i], 2u) << bound.label;
    EXPECT_EQ(counts.back(), 3u);
  }
}

TEST(Prometheus, LabelValuesEscapeBackslashQuoteAndNewline) {
  ServerStats w;
  MetricSet set;
  auto group = set.group<ServerStats>();
  group.counter("ramjet_requests", "Help with \\ and\nnewline \"quoted\".",
                &ServerStats::requests);
  group.attach(w, {{"path", "C:\\dir \"x\"\nnext"}});
  EXPECT_EQ(exposition(set),
            "# HELP ramjet_requests_total Help with \\\\ and\\nnewline \"quoted\".\n"
            "# TYPE ramjet_requests_total counter\n"
            "ramjet_requests_total{path=\"C:\\\\dir \\\"x\\\"\\nnext\"} 0\n");
}

TEST(Prometheus, CallbackValuesUseShortestRoundTripAndSpecialValues) {
  MetricSet set;
  set.add_callback("ramjet_a", "A.", MetricType::kGauge, {{"k", "half"}}, [] { return 0.5; });
  set.add_callback("ramjet_a", "A.", MetricType::kGauge, {{"k", "nan"}},
                   [] { return std::numeric_limits<double>::quiet_NaN(); });
  set.add_callback("ramjet_a", "A.", MetricType::kGauge, {{"k", "inf"}},
                   [] { return -std::numeric_limits<double>::infinity(); });
  set.add_callback("ramjet_cpu_seconds", "CPU.", MetricType::kCounter, {}, [] { return 12.25; });
  EXPECT_EQ(exposition(set),
            "# HELP ramjet_a A.\n"
            "# TYPE ramjet_a gauge\n"
            "ramjet_a{k=\"half\"} 0.5\n"
            "ramjet_a{k=\"nan\"} NaN\n"
            "ramjet_a{k=\"inf\"} -Inf\n"
            "# HELP ramjet_cpu_seconds_total CPU.\n"
            "# TYPE ramjet_cpu_seconds_total counter\n"
            "ramjet_cpu_seconds_total 12.25\n");
}

TEST(Prometheus, FamiliesWithoutInstancesAreOmitted) {
  MetricSet set;
  auto group = set.group<ServerStats>();
  group.counter("ramjet_requests", "Requests.", &ServerStats::requests);
  EXPECT_EQ(exposition(set), "");
}

}  // namespace
}  // namespace ramjet::metrics
