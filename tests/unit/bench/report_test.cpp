#include "bench/report.hpp"

#include <gtest/gtest.h>

#include "bench/html_report.hpp"
#include "bench/threshold.hpp"

namespace ramjet::bench {
namespace {

using namespace std::chrono_literals;

struct BenchReport : ::testing::Test {
  core::MonoTime t0{std::chrono::hours(1)};
  BenchOptions options;
  std::vector<PreparedRequest> requests;
  RunResult result;

  void SetUp() override {
    RequestSpec spec;
    spec.url = "http://127.0.0.1:8080/";
    options.requests.push_back(spec);
    options.duration = 2s;
    options.expect_headers = {"X-Request-Id"};
    options.cold_threshold = 100ms;
    PreparedRequest prepared;
    prepared.name = "GET /";
    prepared.bytes = "GET / HTTP/1.1\r\n\r\n";
    requests.push_back(prepared);
    result.stats = std::make_unique<RunStats>(t0, 20ms, 1);
    result.measured = 2s;
    result.elapsed = 2s;
    RunStats& s = *result.stats;
    // 1..1000 ms, one each: p50 = 500 ms, p99 = 990 ms (within the histogram's 1%).
    for (int ms = 1; ms <= 1000; ++ms) {
      auto ns = static_cast<std::uint64_t>(ms) * 1'000'000;
      s.responses.add();
      s.latency.record(ns);
      (ms <= 10 ? s.first_latency : s.warm_latency).record(ns);
      s.timeline.record_response(t0 + std::chrono::milliseconds(ms * 2 - 1), ns);
      if (ms > 100) {
        ++s.slow;
      }
    }
    s.ok = 990;
    s.unexpected_status = 10;
    s.status_counts[200] = 990;
    s.status_counts[503] = 10;
    s.errors.add(5);
    s.error_kinds[static_cast<std::size_t>(ErrorKind::kTimeout)] = 5;
    s.missing_header = 20;
    s.missing_by_header[0] = 20;
  }

  Json build() {
    ReportContext ctx;
    ctx.version = "0.1.0";
    ctx.command = "ramjet bench http://127.0.0.1:8080/";
    ctx.url = "http://127.0.0.1:8080/";
    ctx.address = "127.0.0.1:8080";
    return build_report(result, options, requests, ctx);
  }
};

TEST_F(BenchReport, FiguresComeFromTheHistogramAndCounters) {
  Json r = build();
  EXPECT_EQ(r["schema"], "ramjet.bench/v1");
  EXPECT_EQ(r["latency"]["count"], 1000);
  EXPECT_NEAR(r["latency"]["p50_ms"].get<double>(), 500.0, 5.0);
  EXPECT_NEAR(r["latency"]["p99_ms"].get<double>(), 990.0, 9.9);
  EXPECT_NEAR(r["latency"]["avg_ms"].get<double>(), 500.5, 0.01);
  EXPECT_DOUBLE_EQ(r["latency"]["min_ms"].get<double>(), 1.0);
  EXPECT_DOUBLE_EQ(r["latency"]["max_ms"].get<double>(), 1000.0);
  EXPECT_NEAR(r["latency"]["stdev_ms"].get<double>(), 288.7, 3.0);
  EXPECT_EQ(r["latency_first"]["count"], 10);
  EXPECT_DOUBLE_EQ(r["throughput"]["rps"].get<double>(), 500.0);
  EXPECT_EQ(r["requests"]["attempted"], 1005);
  EXPECT_NEAR(r["requests"]["success_rate"].get<double>(), 990.0 / 1005, 1e-9);
  EXPECT_NEAR(r["requests"]["error_rate"].get<double>(), 15.0 / 1005, 1e-9);
  EXPECT_DOUBLE_EQ(r["cold_start"]["rate"].get<double>(), 0.9);
  EXPECT_DOUBLE_EQ(r["expectations"]["missing_header_rate"].get<double>(), 0.02);
  EXPECT_EQ(r["expectations"]["headers"]["X-Request-Id"], 20);
  EXPECT_EQ(r["status_codes"]["503"], 10);
  EXPECT_EQ(r["errors"]["timeout"], 5);
  // Intervals are at least four median latencies (2 s here): one point for this 2 s run.
  EXPECT_EQ(r["timeline"]["points"].size(), 1u);
  EXPECT_DOUBLE_EQ(r["timeline"]["points"][0]["rps"].get<double>(), 500.0);
  std::uint64_t in_buckets = 0;
  for (const Json& b : r["histogram"]["buckets"]) {
    in_buckets += b[2].get<std::uint64_t>();
  }
  EXPECT_EQ(in_buckets, 1000u);
}

TEST_F(BenchReport, SchemaKeysAreStable) {
  Json r = build();
  std::vector<std::string> keys;
  for (const auto& [k, v] : r.items()) {
    keys.push_back(k);
  }
  const std::vector<std::string> expected = {
      "schema",       "tool",          "version",      "started_at",    "command",
      "target",       "config",        "duration_s",   "elapsed_s",     "interrupted",
      "requests",     "throughput",    "rate",         "latency",       "latency_warm",
      "latency_first", "ttfb",         "connect",      "cold_start",    "status_codes",
      "errors",       "expectations",  "histogram",    "timeline",      "scenario",
      "thresholds"};
  EXPECT_EQ(keys, expected);
}

TEST_F(BenchReport, TimelineIsFoldedToTheMaximumPoints) {
  ReportContext ctx;
  ctx.max_timeline_points = 30;
  Json r = build_report(result, options, requests, ctx);
  EXPECT_LE(r["timeline"]["points"].size(), 30u);
  std::uint64_t total = 0;
  for (const Json& p : r["timeline"]["points"]) {
    total += p["responses"].get<std::uint64_t>();
  }
  EXPECT_EQ(total, 1000u);
}

TEST_F(BenchReport, SummaryNamesTheFigures) {
  std::string text = format_summary(build());
  EXPECT_NE(text.find("1000 responses in 2.00s: 500.0 req/s"), std::string::npos) << text;
  EXPECT_NE(text.find("timeout 5"), std::string::npos) << text;
  EXPECT_NE(text.find("503: 10"), std::string::npos) << text;
  EXPECT_NE(text.find("X-Request-Id missing in 20"), std::string::npos) << text;
  EXPECT_NE(text.find("90.00% of responses slower than 100.0ms"), std::string::npos) << text;
}

TEST_F(BenchReport, CompareShowsChangeInPercent) {
  Json before = build();
  before["latency"]["p50_ms"] = 500.0;
  Json after = before;
  after["throughput"]["rps"] = 1000.0;
  after["latency"]["p50_ms"] = 250.0;
  std::string table = format_compare(before, after, "direct", "ramjet");
  EXPECT_NE(table.find("requests/s"), std::string::npos) << table;
  EXPECT_NE(table.find("+100.0%"), std::string::npos) << table;
  EXPECT_NE(table.find("-50.0%"), std::string::npos) << table;
  EXPECT_NE(table.find("2.00x"), std::string::npos) << table;
}

TEST_F(BenchReport, HtmlIsSelfContainedAndEscaped) {
  Json r = build();
  r["target"]["url"] = "http://127.0.0.1:8080/</script><b>";
  std::string html = render_html(r);
  EXPECT_NE(html.find("<script type=\"application/json\" id=\"report-data\">"), std::string::npos);
  EXPECT_EQ(html.find("</script><b>"), std::string::npos);
  EXPECT_NE(html.find("&lt;/script&gt;&lt;b&gt;"), std::string::npos);
  EXPECT_EQ(html.find("src=\"http"), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_NE(html.find("id=\"plots\""), std::string::npos);
}

TEST(BenchMetrics, NamesResolve) {
  EXPECT_EQ(find_metric("p95")->pointer, "/latency/p95_ms");
  EXPECT_EQ(find_metric("connect_max")->pointer, "/connect/max_ms");
  EXPECT_EQ(find_metric("rps")->unit, MetricUnit::kPerSecond);
  EXPECT_FALSE(find_metric("warm_rps").has_value());
  EXPECT_FALSE(find_metric("").has_value());
  EXPECT_EQ(format_metric(12.345, MetricUnit::kMilliseconds), "12.35ms");
  EXPECT_EQ(format_metric(12345, MetricUnit::kMilliseconds), "12.35s");
  EXPECT_EQ(format_metric(0.975, MetricUnit::kFraction), "97.50%");
}

}  // namespace
}  // namespace ramjet::bench
