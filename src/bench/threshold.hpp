#pragma once
// --threshold expressions: "METRIC OP VALUE", e.g. p95<500ms, avg<=2s, success_rate>=95%,
// error_rate<1%, rps>=1000, cold_start_rate<=20%, missing_header_rate==0.
//
// METRIC is a name report.hpp knows (find_metric); OP one of < <= > >= == !=. VALUE's form
// follows the metric: a duration for latencies ("500ms", "2s", or "0"), a percentage or a
// fraction in [0, 1] for rates ("95%", "0.95"), a plain number for rps and counts. A value of
// the wrong form is a usage error, never guessed (is "500" milliseconds or seconds?).
//
// Evaluation reads the JSON report, so a threshold judges exactly what the report says.

#include <string>
#include <string_view>
#include <vector>

#include "bench/report.hpp"
#include "core/result.hpp"

namespace ramjet::bench {

enum class CompareOp : std::uint8_t { kLess, kLessEqual, kGreater, kGreaterEqual, kEqual,
                                      kNotEqual };

struct Threshold {
  std::string expression;  // as given, for the report
  std::string metric;
  MetricInfo info;
  CompareOp op = CompareOp::kLess;
  double limit = 0;        // in the metric's unit (ms, fraction, per second, count)
};

struct ThresholdResult {
  Threshold threshold;
  double measured = 0;
  bool available = false;  // the report had the metric
  bool passed = false;
};

core::Result<Threshold> parse_threshold(std::string_view text);
const char* to_string(CompareOp op);
bool compare(double measured, CompareOp op, double limit);

// Evaluates every threshold against `report` and records the results in its "thresholds"
// array. A metric the report lacks fails.
std::vector<ThresholdResult> evaluate_thresholds(const std::vector<Threshold>& thresholds,
                                                 Json& report);

// "PASS p95<500ms (measured 12.30ms)" lines, one per result.
std::string format_threshold_results(const std::vector<ThresholdResult>& results);

}  // namespace ramjet::bench
