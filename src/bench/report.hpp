#pragma once
// The report of a run: one JSON document (schema "ramjet.bench/v1", documented in
// docs/BENCH_REPORT.md) built once from the merged RunResult. Everything else reads that
// document: the human summary, the thresholds, --compare and the HTML report, so every
// figure a person or a CI gate sees is the one in the JSON.
//
// Metrics are addressed by short names (metric_value): "p95", "avg", "warm_p99", "ttfb_p50",
// "rps", "success_rate", "cold_start_rate", ... Latencies are in milliseconds, rates are
// fractions in [0, 1].

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bench/generator.hpp"
#include "bench/options.hpp"
#include "bench/request.hpp"

namespace ramjet::bench {

using Json = nlohmann::ordered_json;

inline constexpr std::string_view kReportSchema = "ramjet.bench/v1";

struct ReportContext {
  std::string version;      // ramjet's version
  std::string command;      // the command line as typed, for the record
  std::string url;          // the first request's URL
  std::string address;      // where the connections went ("127.0.0.1:8080")
  std::size_t max_timeline_points = 240;
};

// Builds the report. Folds the result's timeline down to ctx.max_timeline_points.
Json build_report(RunResult& result, const BenchOptions& options,
                  const std::vector<PreparedRequest>& requests, const ReportContext& ctx);

enum class MetricUnit : std::uint8_t { kMilliseconds, kFraction, kPerSecond, kCount };

struct MetricInfo {
  std::string pointer;  // JSON pointer into the report
  MetricUnit unit = MetricUnit::kCount;
  bool lower_is_better = true;
};

// Resolves a metric name ("p95", "warm_avg", "rps", ...); nullopt for an unknown name.
std::optional<MetricInfo> find_metric(std::string_view name);
// The names find_metric() knows, for help and error messages.
std::string metric_names_help();
// The metric's value in `report`; nullopt when the report lacks it.
std::optional<double> metric_value(const Json& report, const MetricInfo& metric);
// "12.34ms", "99.50%", "1234.5/s", "12" for display.
std::string format_metric(double value, MetricUnit unit);

// The final human summary (several lines, ends with a newline).
std::string format_summary(const Json& report);
// The before/after table with change in percent. `before_label`/`after_label` head columns.
std::string format_compare(const Json& before, const Json& after, std::string_view before_label,
                           std::string_view after_label);

// Reads a report written by --json; an error when the file is unreadable, not JSON, or of
// another schema.
core::Result<Json> load_report(const std::string& path);

}  // namespace ramjet::bench
