#include "metrics/metric_set.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "metrics/counter.hpp"

namespace ramjet::metrics {
namespace {

struct WorkerStats {
  Counter requests;
  Counter responses_2xx;
  Counter responses_5xx;
  Gauge active;
  Histogram latency;
};

// Every collected series as "name{labels}" -> value (histograms: their merged count).
std::map<std::string, double> collect_all(const MetricSet& set) {
  std::map<std::string, double> out;
  set.collect([&out](const SeriesView& s) {
    const std::string key = std::string(s.name) + "{" + std::string(s.rendered_labels) + "}";
    if (const auto* u = std::get_if<std::uint64_t>(&s.value)) {
      out[key] = static_cast<double>(*u);
    } else if (const auto* i = std::get_if<std::int64_t>(&s.value)) {
      out[key] = static_cast<double>(*i);
    } else if (const auto* d = std::get_if<double>(&s.value)) {
      out[key] = *d;
    } else {
      out[key] = static_cast<double>(std::get<const Histogram*>(s.value)->count());
    }
  });
  return out;
}

void declare_worker_stats(MetricGroup<WorkerStats>& g) {
  g.counter("ramjet_requests", "Requests.", &WorkerStats::requests)
      .counter("ramjet_responses", "Responses by class.", &WorkerStats::responses_2xx,
               {{"code", "2xx"}})
      .counter("ramjet_responses", "Responses by class.", &WorkerStats::responses_5xx,
               {{"code", "5xx"}})
      .gauge("ramjet_active_requests", "In flight.", &WorkerStats::active)
      .histogram("ramjet_request_duration_seconds", "Latency.", &WorkerStats::latency);
}

TEST(MetricSet, CountersGaugesAndHistogramsOfSeveralWorkersAreSummedOnRead) {
  std::vector<WorkerStats> workers(3);
  MetricSet set;
  auto group = set.group<WorkerStats>();
  declare_worker_stats(group);
  for (const WorkerStats& w : workers) {
    group.attach(w);
  }
  for (std::size_t i = 0; i < workers.size(); ++i) {
    workers[i].requests.add(10 * (i + 1));
    workers[i].responses_2xx.add(i + 1);
    workers[i].responses_5xx.add();
    workers[i].latency.record(std::uint64_t{1'000'000} * (i + 1));
  }
  workers[0].active.add(5);
  workers[1].active.sub(2);  // work begun on worker 0 ended on worker 1
  workers[2].active.set(1);

  ASSERT_FALSE(set.registration_error().has_value());
  const auto values = collect_all(set);
  EXPECT_EQ(values.at("ramjet_requests_total{}"), 60.0);
  EXPECT_EQ(values.at("ramjet_responses_total{code=\"2xx\"}"), 6.0);
  EXPECT_EQ(values.at("ramjet_responses_total{code=\"5xx\"}"), 3.0);
  EXPECT_EQ(values.at("ramjet_active_requests{}"), 4.0);
  EXPECT_EQ(values.at("ramjet_request_duration_seconds{}"), 3.0);
  EXPECT_EQ(values.size(), 5u);
}

TEST(MetricSet, InstancesWithDifferentLabelsBecomeSeparateSeries) {
  WorkerStats search_w0;
  WorkerStats search_w1;
  WorkerStats root_w0;
  MetricSet set;
  auto group = set.group<WorkerStats>();
  group.counter("ramjet_route_requests", "Per route.", &WorkerStats::requests,
                {{"code", "any"}});
  group.attach(search_w0, {{"route", "search"}});
  group.attach(search_w1, {{"route", "search"}});
  group.attach(root_w0, {{"route", "/"}});
  search_w0.requests.add(2);
  search_w1.requests.add(3);
  root_w0.requests.add(7);
  const auto values = collect_all(set);
  EXPECT_EQ(values.at("ramjet_route_requests_total{code=\"any\",route=\"search\"}"), 5.0);
  EXPECT_EQ(values.at("ramjet_route_requests_total{code=\"any\",route=\"/\"}"), 7.0);
}

TEST(MetricSet, SeriesAreVisitedFamilyByFamilyInDeclarationOrder) {
  WorkerStats a;
  WorkerStats b;
  MetricSet set;
  auto group = set.group<WorkerStats>();
  declare_worker_stats(group);
  group.attach(a, {{"w", "a"}});
  group.attach(b, {{"w", "b"}});
  std::vector<std::string> seen;
  set.collect([&seen](const SeriesView& s) {
    seen.push_back(std::to_string(s.index_in_family) + " " + std::string(s.name) + "{" +
                   std::string(s.rendered_labels) + "}");
  });
  const std::vector<std::string> expected = {
      "0 ramjet_requests_total{w=\"a\"}",
      "1 ramjet_requests_total{w=\"b\"}",
      "0 ramjet_responses_total{code=\"2xx\",w=\"a\"}",
      "1 ramjet_responses_total{code=\"5xx\",w=\"a\"}",
      "2 ramjet_responses_total{code=\"2xx\",w=\"b\"}",
      "3 ramjet_responses_total{code=\"5xx\",w=\"b\"}",
      "0 ramjet_active_requests{w=\"a\"}",
      "1 ramjet_active_requests{w=\"b\"}",
      "0 ramjet_request_duration_seconds{w=\"a\"}",
      "1 ramjet_request_duration_seconds{w=\"b\"}",
  };
  EXPECT_EQ(seen, expected);
}

TEST(MetricSet, CounterNamesGainTheTotalSuffixOnce) {
  WorkerStats w;
  MetricSet set;
  auto group = set.group<WorkerStats>();
  group.counter("ramjet_a", "A.", &WorkerStats::requests)
      .counter("ramjet_b_total", "B.", &WorkerStats::responses_2xx);
  group.attach(w);
  const auto values = collect_all(set);
  EXPECT_TRUE(values.contains("ramjet_a_total{}"));
  EXPECT_TRUE(values.contains("ramjet_b_total{}"));
}

TEST(MetricSet, CallbacksAreReadAtCollectTime) {
  MetricSet set;
  double bytes = 10;
  set.add_callback("ramjet_cache_bytes", "Bytes cached.", MetricType::kGauge, {{"tier", "l1"}},
                   [&bytes] { return bytes; });
  bytes = 42.5;
  EXPECT_EQ(collect_all(set).at("ramjet_cache_bytes{tier=\"l1\"}"), 42.5);
}

TEST(MetricSet, DeclaringAFamilyAgainWithAnotherTypeIsAnError) {
  MetricSet set;
  auto group = set.group<WorkerStats>();
  group.counter("ramjet_x", "X.", &WorkerStats::requests)
      .gauge("ramjet_x_total", "X.", &WorkerStats::active);
  const auto error = set.registration_error();
  ASSERT_TRUE(error.has_value());
  EXPECT_NE(error->to_string().find("ramjet_x_total"), std::string::npos);
}

TEST(MetricSet, DeclaringAFamilyAgainWithOtherHelpIsAnError) {
  MetricSet set;
  auto group = set.group<WorkerStats>();
  group.counter("ramjet_x", "X.", &WorkerStats::requests, {{"code", "2xx"}})
      .counter("ramjet_x", "Y.", &WorkerStats::responses_5xx, {{"code", "5xx"}});
  EXPECT_TRUE(set.registration_error().has_value());
}

TEST(MetricSet, InvalidMetricAndLabelNamesAreErrors) {
  const std::vector<std::pair<std::string, Labels>> bad = {
      {"1starts_with_digit", {}},
      {"has-dash", {}},
      {"", {}},
      {"ok_name", {{"bad-label", "v"}}},
      {"ok_name", {{"__reserved", "v"}}},
      {"ok_name", {{"a", "1"}, {"a", "2"}}},
  };
  for (const auto& [name, labels] : bad) {
    MetricSet set;
    WorkerStats w;
    auto group = set.group<WorkerStats>();
    group.counter(name, "help", &WorkerStats::requests, labels);
    group.attach(w);
    EXPECT_TRUE(set.registration_error().has_value()) << name;
  }
}

TEST(MetricSet, ValidNamesMayUseColonsAndUnderscores) {
  MetricSet set;
  WorkerStats w;
  auto group = set.group<WorkerStats>();
  group.counter("_ramjet:proxy_requests2", "help", &WorkerStats::requests, {{"_l2", "v"}});
  group.attach(w);
  EXPECT_FALSE(set.registration_error().has_value());
}

TEST(MetricSet, HistogramsMayNotUseTheLeLabel) {
  MetricSet set;
  WorkerStats w;
  auto group = set.group<WorkerStats>();
  group.histogram("ramjet_latency_seconds", "L.", &WorkerStats::latency, {{"le", "1"}});
  group.attach(w);
  EXPECT_TRUE(set.registration_error().has_value());
}

TEST(MetricSet, TwoFieldsProducingTheSameSeriesIsAnError) {
  MetricSet set;
  WorkerStats w;
  auto group = set.group<WorkerStats>();
  group.counter("ramjet_x", "X.", &WorkerStats::responses_2xx)
      .counter("ramjet_x", "X.", &WorkerStats::responses_5xx);
  group.attach(w);
  EXPECT_TRUE(set.registration_error().has_value());
}

TEST(MetricSet, AFieldDeclaredAfterAttachIsAnError) {
  MetricSet set;
  WorkerStats w;
  auto group = set.group<WorkerStats>();
  group.counter("ramjet_a", "A.", &WorkerStats::requests);
  group.attach(w);
  group.counter("ramjet_b", "B.", &WorkerStats::responses_2xx);
  EXPECT_TRUE(set.registration_error().has_value());
}

TEST(MetricSet, HistogramCallbacksAreRejected) {
  MetricSet set;
  set.add_callback("ramjet_h", "H.", MetricType::kHistogram, {}, [] { return 1.0; });
  EXPECT_TRUE(set.registration_error().has_value());
}

TEST(Counter, CopiesSnapshotTheCurrentValue) {
  Counter c;
  c.add(3);
  c.add();
  Counter copy = c;
  c.add();
  EXPECT_EQ(copy.value(), 4u);
  EXPECT_EQ(c.value(), 5u);
}

TEST(Gauge, AddSubAndSetMoveTheValue) {
  Gauge g;
  g.add(5);
  g.sub();
  EXPECT_EQ(g.value(), 4);
  g.sub(10);
  EXPECT_EQ(g.value(), -6);
  g.set(2);
  EXPECT_EQ(g.value(), 2);
}

}  // namespace
}  // namespace ramjet::metrics
