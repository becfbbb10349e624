#pragma once
// Prometheus text exposition format 0.0.4 (the body of GET /metrics).
//
// Output, per family: "# HELP name text", "# TYPE name counter|gauge|histogram", then one
// line per series. Histograms (nanoseconds inside) are written in seconds as the cumulative
// name_bucket{...,le="..."} lines for the fixed kLatencyBounds plus +Inf, then name_sum
// and name_count. Numbers use the shortest text that reads back to the same double.
//
// Coarse buckets from fine ones: a fine histogram bucket is counted under every bound at
// or above its lowest value. So every sample <= le is counted under le (never under-counted)
// and a sample above le is counted only if it shares a fine bucket with le, i.e. lies within
// 1/64 (1.6%) of it.
//
// Threading: pure functions over their arguments; the admin thread calls them, never the
// hot path. They append to the caller's string, which owns the result.

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "metrics/histogram.hpp"

namespace ramjet::metrics {

class MetricSet;

struct LatencyBound {
  std::uint64_t ns;
  std::string_view label;  // the `le` text, in seconds
};

// The `le` bounds every latency histogram is exposed with (the +Inf bucket is implicit).
inline constexpr std::array<LatencyBound, 16> kLatencyBounds = {{
    {500'000, "0.0005"},
    {1'000'000, "0.001"},
    {2'500'000, "0.0025"},
    {5'000'000, "0.005"},
    {10'000'000, "0.01"},
    {25'000'000, "0.025"},
    {50'000'000, "0.05"},
    {100'000'000, "0.1"},
    {250'000'000, "0.25"},
    {500'000'000, "0.5"},
    {1'000'000'000, "1"},
    {2'500'000'000, "2.5"},
    {5'000'000'000, "5"},
    {10'000'000'000, "10"},
    {30'000'000'000, "30"},
    {60'000'000'000, "60"},
}};

// Cumulative counts for kLatencyBounds followed by +Inf (the histogram's bucket total).
std::array<std::uint64_t, kLatencyBounds.size() + 1> cumulative_latency_buckets(
    const Histogram& h);

// Escapes a label value: backslash, double quote and line feed become \\, \" and \n.
void append_escaped_label_value(std::string& out, std::string_view value);
// Escapes HELP text: backslash and line feed become \\ and \n.
void append_escaped_help(std::string& out, std::string_view help);

// Appends every family of `set` (see MetricSet::collect for the order).
void write_prometheus(const MetricSet& set, std::string& out);

// Appends the sample lines (no HELP/TYPE) of one histogram series. `labels` is rendered
// and escaped (`a="x"`) or empty.
void write_prometheus_histogram(std::string& out, std::string_view name, std::string_view labels,
                                const Histogram& h);

}  // namespace ramjet::metrics
