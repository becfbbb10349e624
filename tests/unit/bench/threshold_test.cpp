#include "bench/threshold.hpp"

#include <gtest/gtest.h>

namespace ramjet::bench {
namespace {

Json sample_report() {
  Json r;
  r["latency"] = {{"count", 100},  {"avg_ms", 120.0}, {"stdev_ms", 5.0},  {"min_ms", 1.0},
                  {"max_ms", 900.0}, {"p50_ms", 100.0}, {"p90_ms", 300.0}, {"p95_ms", 450.0},
                  {"p99_ms", 800.0}, {"p999_ms", 900.0}};
  r["latency_warm"] = r["latency"];
  r["latency_warm"]["p99_ms"] = 700.0;
  r["throughput"] = {{"rps", 1500.0}, {"ok_rps", 1400.0}};
  r["requests"] = {{"responses", 1000}, {"errors", 3}, {"success_rate", 0.97},
                   {"error_rate", 0.03}, {"unexpected_status", 0}};
  r["cold_start"] = {{"rate", 0.25}};
  r["expectations"] = {{"missing_header_rate", 0.0}, {"missing_header", 0}};
  return r;
}

TEST(BenchThresholdParse, ReadsTheIssueExamples) {
  for (const char* text : {"p95<500ms", "avg<=2s", "success_rate>=95%", "error_rate<1%",
                           "rps>=1000", "cold_start_rate<=20%", "missing_header_rate==0"}) {
    EXPECT_TRUE(parse_threshold(text).ok()) << text;
  }
}

TEST(BenchThresholdParse, ConvertsUnitsToTheReportsUnits) {
  auto t = parse_threshold("p95<0.5s").value();
  EXPECT_EQ(t.info.pointer, "/latency/p95_ms");
  EXPECT_DOUBLE_EQ(t.limit, 500.0);
  EXPECT_EQ(t.op, CompareOp::kLess);
  auto rate = parse_threshold("success_rate >= 95%").value();
  EXPECT_DOUBLE_EQ(rate.limit, 0.95);
  EXPECT_EQ(rate.op, CompareOp::kGreaterEqual);
  EXPECT_DOUBLE_EQ(parse_threshold("error_rate<0.01").value().limit, 0.01);
  EXPECT_DOUBLE_EQ(parse_threshold("rps>=1000/s").value().limit, 1000.0);
  EXPECT_EQ(parse_threshold("warm_p99<1s").value().info.pointer, "/latency_warm/p99_ms");
  EXPECT_EQ(parse_threshold("p99.9<1s").value().info.pointer, "/latency/p999_ms");
  EXPECT_EQ(parse_threshold("ttfb_p50<1s").value().info.pointer, "/ttfb/p50_ms");
}

TEST(BenchThresholdParse, RejectsAmbiguousOrMalformedExpressions) {
  EXPECT_FALSE(parse_threshold("p95<500").ok());        // milliseconds or seconds?
  EXPECT_FALSE(parse_threshold("success_rate>=95").ok());  // 95 is not a fraction
  EXPECT_FALSE(parse_threshold("p95").ok());
  EXPECT_FALSE(parse_threshold("p95<<5ms").ok());
  EXPECT_FALSE(parse_threshold("p95=<5ms").ok());
  EXPECT_FALSE(parse_threshold("p42<5ms").ok());
  EXPECT_FALSE(parse_threshold("speed>1").ok());
  EXPECT_FALSE(parse_threshold("rps>=-1").ok());
  EXPECT_FALSE(parse_threshold("error_rate<101%").ok());
  EXPECT_FALSE(parse_threshold("<5ms").ok());
}

TEST(BenchThresholdEvaluate, PassesAndFailsWithTheMeasuredValue) {
  Json report = sample_report();
  std::vector<Threshold> ts;
  for (const char* text : {"p95<500ms", "p99<500ms", "success_rate>=95%", "rps>=2000",
                           "cold_start_rate<=20%", "missing_header_rate==0", "errors<=3",
                           "warm_p99<750ms"}) {
    ts.push_back(parse_threshold(text).value());
  }
  auto results = evaluate_thresholds(ts, report);
  ASSERT_EQ(results.size(), 8u);
  const bool expected[] = {true, false, true, false, false, true, true, true};
  for (std::size_t i = 0; i < results.size(); ++i) {
    EXPECT_EQ(results[i].passed, expected[i]) << results[i].threshold.expression;
    EXPECT_TRUE(results[i].available);
  }
  EXPECT_DOUBLE_EQ(results[1].measured, 800.0);
  ASSERT_EQ(report["thresholds"].size(), 8u);
  EXPECT_EQ(report["thresholds"][1]["passed"], false);
  EXPECT_EQ(report["thresholds"][1]["measured"], 800.0);
  std::string text = format_threshold_results(results);
  EXPECT_NE(text.find("FAIL  p99<500ms  (measured 800.0ms)"), std::string::npos) << text;
  EXPECT_NE(text.find("PASS  success_rate>=95%  (measured 97.00%)"), std::string::npos) << text;
}

TEST(BenchThresholdEvaluate, AMissingMetricFails) {
  Json report = Json::object();
  auto results = evaluate_thresholds({parse_threshold("p95<1s").value()}, report);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_FALSE(results[0].available);
  EXPECT_FALSE(results[0].passed);
}

TEST(BenchThresholdCompare, EveryOperator) {
  EXPECT_TRUE(compare(1, CompareOp::kLess, 2));
  EXPECT_FALSE(compare(2, CompareOp::kLess, 2));
  EXPECT_TRUE(compare(2, CompareOp::kLessEqual, 2));
  EXPECT_TRUE(compare(3, CompareOp::kGreater, 2));
  EXPECT_TRUE(compare(2, CompareOp::kGreaterEqual, 2));
  EXPECT_TRUE(compare(0, CompareOp::kEqual, 0));
  EXPECT_TRUE(compare(1, CompareOp::kNotEqual, 0));
}

}  // namespace
}  // namespace ramjet::bench
