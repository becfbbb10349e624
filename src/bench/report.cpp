#include "bench/report.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <sstream>

#include "metrics/json_summary.hpp"

namespace ramjet::bench {
namespace {

double seconds(core::Duration d) { return std::chrono::duration<double>(d).count(); }

double round_to(double v, double step) { return std::round(v / step) * step; }

std::string iso_time(core::WallTime t) {
  std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

Json summary(const metrics::Histogram& h) {
  std::string text;
  metrics::append_json_summary(text, h);
  return Json::parse(text);
}

double ratio(std::uint64_t part, std::uint64_t whole) {
  return whole == 0 ? 0.0 : static_cast<double>(part) / static_cast<double>(whole);
}

// `typical_ns` (the median latency) sets the finest useful interval: with fewer responses
// per interval than connections, a closed loop's waves alias into a comb of empty intervals.
Json timeline_json(Timeline& t, core::Duration measured, std::size_t max_points,
                   std::uint64_t typical_ns) {
  const core::Duration finest(static_cast<core::Duration::rep>(typical_ns) * 4);
  // Bounded: each fold halves the points and doubles the interval.
  while (t.used() > 1 && ((t.used() > max_points && max_points > 0) || t.interval() < finest)) {
    t.fold();
  }
  double interval_s = seconds(t.interval());
  double measured_s = seconds(measured);
  Json points = Json::array();
  for (std::size_t i = 0; i < t.used(); ++i) {
    const TimelineSlot& s = t.at(i);
    double begin = static_cast<double>(i) * interval_s;
    double width = std::min(interval_s, measured_s - begin);
    if (width <= 0) {
      width = interval_s;
    }
    Json p;
    p["t_s"] = round_to(begin, 1e-3);
    p["responses"] = s.responses;
    p["errors"] = s.errors;
    p["rps"] = round_to(static_cast<double>(s.responses) / width, 0.1);
    double avg = s.responses == 0 ? 0.0 : static_cast<double>(s.latency_sum_ns) / s.responses;
    p["avg_ms"] = round_to(avg / 1e6, 1e-3);
    p["p50_ms"] = round_to(static_cast<double>(s.latency.value_at_quantile(0.5)) / 1e6, 1e-3);
    p["p99_ms"] = round_to(static_cast<double>(s.latency.value_at_quantile(0.99)) / 1e6, 1e-3);
    p["max_ms"] = round_to(static_cast<double>(s.latency_max_ns) / 1e6, 1e-3);
    points.push_back(std::move(p));
  }
  Json out;
  out["interval_ms"] = round_to(interval_s * 1e3, 1e-3);
  out["points"] = std::move(points);
  return out;
}

Json config_json(const BenchOptions& o) {
  Json c;
  c["connections"] = o.connections;
  c["threads"] = std::min(o.threads, o.connections);
  if (auto d = o.effective_duration()) {
    c["duration_s"] = seconds(*d);
  } else {
    c["duration_s"] = nullptr;
  }
  c["requests"] = o.max_requests ? Json(*o.max_requests) : Json(nullptr);
  c["warmup_s"] = seconds(o.warmup);
  c["timeout_s"] = seconds(o.timeout);
  c["keep_alive"] = o.keep_alive;
  c["mode"] = o.rate ? "open" : "closed";
  c["rate"] = o.rate ? Json(*o.rate) : Json(nullptr);
  c["cold_threshold_ms"] = seconds(o.cold_threshold) * 1e3;
  c["expect_status"] = o.expect_status.to_string();
  c["expect_headers"] = o.expect_headers;
  c["scenario"] = o.scenario_path.empty() ? Json(nullptr) : Json(o.scenario_path);
  c["methods"] = Json::array();
  for (const RequestSpec& r : o.requests) {
    c["methods"].push_back(r.method);
  }
  return c;
}

}  // namespace

Json build_report(RunResult& result, const BenchOptions& options,
                  const std::vector<PreparedRequest>& requests, const ReportContext& ctx) {
  RunStats& s = *result.stats;
  const std::uint64_t responses = s.responses.value();
  const std::uint64_t errors = s.errors.value();
  const std::uint64_t attempted = responses + errors;
  const double measured_s = seconds(result.measured);
  auto per_s = [&](std::uint64_t n) {
    return measured_s <= 0 ? 0.0 : round_to(static_cast<double>(n) / measured_s, 0.01);
  };

  Json r;
  r["schema"] = kReportSchema;
  r["tool"] = "ramjet bench";
  r["version"] = ctx.version;
  r["started_at"] = iso_time(result.started_at);
  r["command"] = ctx.command;
  r["target"] = {{"url", ctx.url}, {"address", ctx.address}};
  r["config"] = config_json(options);
  r["duration_s"] = round_to(measured_s, 1e-6);
  r["elapsed_s"] = round_to(seconds(result.elapsed), 1e-6);
  r["interrupted"] = result.interrupted;

  Json req;
  req["attempted"] = attempted;
  req["responses"] = responses;
  req["ok"] = s.ok;
  req["errors"] = errors;
  req["unexpected_status"] = s.unexpected_status;
  req["success_rate"] = attempted == 0 ? 0.0 : ratio(s.ok, attempted);
  req["error_rate"] = attempted == 0 ? 1.0 : ratio(errors + s.unexpected_status, attempted);
  r["requests"] = req;

  r["throughput"] = {{"rps", per_s(responses)},
                     {"ok_rps", per_s(s.ok)},
                     {"bytes_read", s.bytes_read},
                     {"bytes_written", s.bytes_written},
                     {"body_bytes", s.body_bytes},
                     {"read_bytes_per_s", per_s(s.bytes_read)}};

  Json rate;
  if (options.rate) {
    double achieved = per_s(attempted);
    rate["target_rps"] = *options.rate;
    rate["achieved_rps"] = achieved;
    // 5% slack: the schedule's first and last instants make a short run look a bit slow.
    rate["reached"] = achieved >= 0.95 * *options.rate;
    rate["late_sends"] = s.late_sends;
  } else {
    rate["target_rps"] = nullptr;
    rate["achieved_rps"] = per_s(attempted);
    rate["reached"] = nullptr;
    rate["late_sends"] = 0;
  }
  r["rate"] = rate;

  r["latency"] = summary(s.latency);
  r["latency_warm"] = summary(s.warm_latency);
  r["latency_first"] = summary(s.first_latency);
  r["ttfb"] = summary(s.ttfb);
  r["connect"] = summary(s.connect_time);

  Json cold;
  cold["threshold_ms"] = seconds(options.cold_threshold) * 1e3;
  cold["slow_responses"] = s.slow;
  cold["rate"] = ratio(s.slow, responses);
  cold["first_p50_ms"] = r["latency_first"]["p50_ms"];
  cold["warm_p50_ms"] = r["latency_warm"]["p50_ms"];
  double warm_p50 = r["latency_warm"]["p50_ms"].get<double>();
  cold["first_over_warm_p50"] =
      warm_p50 > 0 && s.first_latency.count() > 0
          ? Json(round_to(r["latency_first"]["p50_ms"].get<double>() / warm_p50, 1e-3))
          : Json(nullptr);
  r["cold_start"] = cold;

  Json statuses = Json::object();
  for (std::size_t code = 0; code < s.status_counts.size(); ++code) {
    if (s.status_counts[code] != 0) {
      statuses[std::to_string(code)] = s.status_counts[code];
    }
  }
  r["status_codes"] = statuses;

  Json errs;
  for (std::size_t k = 0; k < kErrorKinds; ++k) {
    errs[to_string(static_cast<ErrorKind>(k))] = s.error_kinds[k];
  }
  r["errors"] = errs;

  Json expect;
  expect["unexpected_status"] = s.unexpected_status;
  expect["missing_header"] = s.missing_header;
  expect["missing_header_rate"] = ratio(s.missing_header, responses);
  expect["headers"] = Json::object();
  for (std::size_t i = 0; i < options.expect_headers.size() && i < s.missing_by_header.size();
       ++i) {
    expect["headers"][options.expect_headers[i]] = s.missing_by_header[i];
  }
  r["expectations"] = expect;

  Json buckets = Json::array();
  s.latency.for_each_bucket([&](const metrics::BucketView& b) {
    buckets.push_back(Json::array({b.lowest, b.highest, b.count}));
  });
  r["histogram"] = {{"unit", "ns"}, {"buckets", std::move(buckets)}};
  r["timeline"] = timeline_json(s.timeline, result.measured, ctx.max_timeline_points,
                                s.latency.value_at_quantile(0.5));

  Json scenario = Json::array();
  for (std::size_t i = 0; i < s.entries.size() && i < requests.size(); ++i) {
    const EntryStats& e = s.entries[i];
    scenario.push_back({{"name", requests[i].name},
                        {"weight", requests[i].weight},
                        {"responses", e.responses},
                        {"ok", e.ok},
                        {"errors", e.errors},
                        {"latency", summary(e.latency)}});
  }
  r["scenario"] = scenario;
  r["thresholds"] = Json::array();
  return r;
}

// ---------------------------------------------------------------------------------------------
// Metrics by name.

namespace {

struct LatencyGroup {
  std::string_view prefix;
  std::string_view pointer;
};
constexpr std::array<LatencyGroup, 5> kLatencyGroups = {{
    {"", "/latency"},
    {"warm_", "/latency_warm"},
    {"first_", "/latency_first"},
    {"ttfb_", "/ttfb"},
    {"connect_", "/connect"},
}};

struct LatencyStat {
  std::string_view name;
  std::string_view key;
};
constexpr std::array<LatencyStat, 10> kLatencyStats = {{
    {"min", "min_ms"},
    {"avg", "avg_ms"},
    {"stdev", "stdev_ms"},
    {"max", "max_ms"},
    {"p50", "p50_ms"},
    {"p90", "p90_ms"},
    {"p95", "p95_ms"},
    {"p99", "p99_ms"},
    {"p99.9", "p999_ms"},
    {"p999", "p999_ms"},
}};

struct NamedMetric {
  std::string_view name;
  std::string_view pointer;
  MetricUnit unit;
  bool lower_is_better;
};
constexpr std::array<NamedMetric, 10> kNamedMetrics = {{
    {"rps", "/throughput/rps", MetricUnit::kPerSecond, false},
    {"ok_rps", "/throughput/ok_rps", MetricUnit::kPerSecond, false},
    {"success_rate", "/requests/success_rate", MetricUnit::kFraction, false},
    {"error_rate", "/requests/error_rate", MetricUnit::kFraction, true},
    {"cold_start_rate", "/cold_start/rate", MetricUnit::kFraction, true},
    {"missing_header_rate", "/expectations/missing_header_rate", MetricUnit::kFraction, true},
    {"requests", "/requests/responses", MetricUnit::kCount, false},
    {"errors", "/requests/errors", MetricUnit::kCount, true},
    {"unexpected_status", "/requests/unexpected_status", MetricUnit::kCount, true},
    {"missing_header", "/expectations/missing_header", MetricUnit::kCount, true},
}};

std::string fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

}  // namespace

std::optional<MetricInfo> find_metric(std::string_view name) {
  for (const NamedMetric& m : kNamedMetrics) {
    if (m.name == name) {
      return MetricInfo{std::string(m.pointer), m.unit, m.lower_is_better};
    }
  }
  // Longest prefix first: "" matches everything, so it is tried last.
  for (auto g = kLatencyGroups.rbegin(); g != kLatencyGroups.rend(); ++g) {
    if (name.substr(0, g->prefix.size()) != g->prefix) {
      continue;
    }
    std::string_view stat = name.substr(g->prefix.size());
    for (const LatencyStat& s : kLatencyStats) {
      if (s.name == stat) {
        return MetricInfo{std::string(g->pointer) + "/" + std::string(s.key),
                          MetricUnit::kMilliseconds, true};
      }
    }
  }
  return std::nullopt;
}

std::string metric_names_help() {
  return "latency: min avg stdev max p50 p90 p95 p99 p99.9, optionally prefixed warm_ "
         "first_ ttfb_ connect_ (e.g. warm_p99); rates: success_rate error_rate "
         "cold_start_rate missing_header_rate; rps ok_rps; counts: requests errors "
         "unexpected_status missing_header";
}

std::optional<double> metric_value(const Json& report, const MetricInfo& metric) {
  Json::json_pointer ptr(metric.pointer);
  if (!report.contains(ptr)) {
    return std::nullopt;
  }
  const Json& v = report.at(ptr);
  if (!v.is_number()) {
    return std::nullopt;
  }
  return v.get<double>();
}

std::string format_metric(double value, MetricUnit unit) {
  switch (unit) {
    case MetricUnit::kMilliseconds:
      if (value >= 1000) {
        return fixed(value / 1000, 2) + "s";
      }
      return fixed(value, value >= 100 ? 1 : 2) + "ms";
    case MetricUnit::kFraction:
      return fixed(value * 100, 2) + "%";
    case MetricUnit::kPerSecond:
      return fixed(value, 1) + "/s";
    case MetricUnit::kCount:
      return fixed(value, 0);
  }
  return fixed(value, 3);
}

// ---------------------------------------------------------------------------------------------
// Human summary.

namespace {

std::string ms_cell(const Json& v) {
  if (!v.is_number()) {
    return "-";
  }
  return format_metric(v.get<double>(), MetricUnit::kMilliseconds);
}

std::string size_text(double bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  while (bytes >= 1024 && u < 4) {
    bytes /= 1024;
    ++u;
  }
  return fixed(bytes, u == 0 ? 0 : 1) + " " + units[u];
}

void latency_rows(std::ostringstream& out, const Json& r) {
  char line[256];
  std::snprintf(line, sizeof line, "  %-16s %9s %9s %9s %9s %9s %9s %9s %9s %9s\n", "Latency",
                "avg", "stdev", "min", "p50", "p90", "p95", "p99", "p99.9", "max");
  out << line;
  struct Row {
    const char* label;
    const char* key;
  };
  const Row rows[] = {{"all", "latency"},
                      {"warm", "latency_warm"},
                      {"first on conn", "latency_first"},
                      {"time to 1st byte", "ttfb"},
                      {"connect", "connect"}};
  for (const Row& row : rows) {
    const Json& h = r[row.key];
    if (h["count"].get<std::uint64_t>() == 0) {
      continue;
    }
    std::snprintf(line, sizeof line, "  %-16s %9s %9s %9s %9s %9s %9s %9s %9s %9s\n",
                  row.label, ms_cell(h["avg_ms"]).c_str(), ms_cell(h["stdev_ms"]).c_str(),
                  ms_cell(h["min_ms"]).c_str(), ms_cell(h["p50_ms"]).c_str(),
                  ms_cell(h["p90_ms"]).c_str(), ms_cell(h["p95_ms"]).c_str(),
                  ms_cell(h["p99_ms"]).c_str(), ms_cell(h["p999_ms"]).c_str(),
                  ms_cell(h["max_ms"]).c_str());
    out << line;
  }
}

std::string mode_text(const Json& c) {
  std::string text = std::to_string(c["connections"].get<std::uint64_t>()) + " connection" +
                     (c["connections"].get<std::uint64_t>() == 1 ? "" : "s") + ", " +
                     std::to_string(c["threads"].get<std::uint64_t>()) + " thread" +
                     (c["threads"].get<std::uint64_t>() == 1 ? "" : "s");
  if (c["duration_s"].is_number()) {
    text += ", " + fixed(c["duration_s"].get<double>(), 1) + "s";
  }
  if (c["requests"].is_number()) {
    text += ", " + std::to_string(c["requests"].get<std::uint64_t>()) + " requests";
  }
  if (c["warmup_s"].get<double>() > 0) {
    text += " after " + fixed(c["warmup_s"].get<double>(), 1) + "s warm-up";
  }
  text += c["rate"].is_number()
              ? ", open loop at " + fixed(c["rate"].get<double>(), 1) + " req/s"
              : ", closed loop";
  text += c["keep_alive"].get<bool>() ? ", keep-alive" : ", no keep-alive";
  return text;
}

}  // namespace

std::string format_summary(const Json& r) {
  std::ostringstream out;
  const Json& c = r["config"];
  out << "ramjet bench " << r["target"]["url"].get<std::string>();
  if (c["scenario"].is_string()) {
    out << " (scenario " << c["scenario"].get<std::string>() << ")";
  }
  out << "\n  " << mode_text(c) << "\n";
  if (r["interrupted"].get<bool>()) {
    out << "  (interrupted: figures cover the time until the stop)\n";
  }
  out << "\n";
  latency_rows(out, r);
  const Json& q = r["requests"];
  const Json& t = r["throughput"];
  out << "\n  Requests    " << q["responses"].get<std::uint64_t>() << " responses in "
      << fixed(r["duration_s"].get<double>(), 2) << "s: " << fixed(t["rps"].get<double>(), 1)
      << " req/s; success " << format_metric(q["success_rate"].get<double>(),
                                             MetricUnit::kFraction)
      << "; " << q["errors"].get<std::uint64_t>() << " errors\n";
  out << "  Transfer    read " << size_text(t["bytes_read"].get<double>()) << " ("
      << size_text(t["read_bytes_per_s"].get<double>()) << "/s), wrote "
      << size_text(t["bytes_written"].get<double>()) << "\n";
  out << "  Status     ";
  if (r["status_codes"].empty()) {
    out << " none";
  }
  for (const auto& [code, n] : r["status_codes"].items()) {
    out << " " << code << ": " << n.get<std::uint64_t>();
  }
  out << "\n  Errors     ";
  bool any = false;
  for (const auto& [kind, n] : r["errors"].items()) {
    if (n.get<std::uint64_t>() > 0) {
      out << " " << kind << " " << n.get<std::uint64_t>();
      any = true;
    }
  }
  out << (any ? "\n" : " none\n");
  const Json& cold = r["cold_start"];
  out << "  Cold start  " << format_metric(cold["rate"].get<double>(), MetricUnit::kFraction)
      << " of responses slower than " << ms_cell(cold["threshold_ms"]);
  if (cold["first_over_warm_p50"].is_number()) {
    out << "; first request on a connection p50 " << ms_cell(cold["first_p50_ms"])
        << " vs warm " << ms_cell(cold["warm_p50_ms"]) << " ("
        << fixed(cold["first_over_warm_p50"].get<double>(), 2) << "x)";
  }
  out << "\n";
  const Json& e = r["expectations"];
  if (!c["expect_headers"].empty()) {
    out << "  Headers    ";
    const char* sep = " ";
    for (const auto& [name, n] : e["headers"].items()) {
      out << sep << name << " missing in " << n.get<std::uint64_t>();
      sep = ", ";
    }
    out << " (" << format_metric(e["missing_header_rate"].get<double>(), MetricUnit::kFraction)
        << " of responses miss one)\n";
  }
  if (e["unexpected_status"].get<std::uint64_t>() > 0) {
    out << "  Unexpected  " << e["unexpected_status"].get<std::uint64_t>()
        << " responses outside --expect-status " << c["expect_status"].get<std::string>()
        << "\n";
  }
  const Json& rate = r["rate"];
  if (rate["target_rps"].is_number()) {
    bool reached = rate["reached"].get<bool>();
    out << "  Rate        target " << fixed(rate["target_rps"].get<double>(), 1)
        << " req/s, achieved " << fixed(rate["achieved_rps"].get<double>(), 1) << " req/s"
        << (reached ? "" : "  -- TARGET RATE NOT REACHED (add connections?)") << "; "
        << rate["late_sends"].get<std::uint64_t>() << " requests sent late\n";
  }
  if (!r["scenario"].empty()) {
    char line[256];
    std::snprintf(line, sizeof line, "\n  %-24s %6s %10s %9s %9s %9s\n", "Scenario", "weight",
                  "responses", "success", "p50", "p99");
    out << line;
    for (const Json& s : r["scenario"]) {
      std::uint64_t n = s["responses"].get<std::uint64_t>() + s["errors"].get<std::uint64_t>();
      double ok = n == 0 ? 0.0 : s["ok"].get<double>() / static_cast<double>(n);
      std::snprintf(line, sizeof line, "  %-24.24s %6u %10llu %9s %9s %9s\n",
                    s["name"].get<std::string>().c_str(), s["weight"].get<unsigned>(),
                    static_cast<unsigned long long>(s["responses"].get<std::uint64_t>()),
                    format_metric(ok, MetricUnit::kFraction).c_str(),
                    ms_cell(s["latency"]["p50_ms"]).c_str(),
                    ms_cell(s["latency"]["p99_ms"]).c_str());
      out << line;
    }
  }
  return out.str();
}

std::string format_compare(const Json& before, const Json& after, std::string_view before_label,
                           std::string_view after_label) {
  struct Row {
    const char* label;
    const char* metric;
  };
  const Row rows[] = {
      {"requests/s", "rps"},         {"latency avg", "avg"},
      {"latency p50", "p50"},        {"latency p90", "p90"},
      {"latency p99", "p99"},        {"latency p99.9", "p99.9"},
      {"latency max", "max"},        {"first byte p50", "ttfb_p50"},
      {"success rate", "success_rate"}, {"errors", "errors"},
      {"cold start rate", "cold_start_rate"},
  };
  std::ostringstream out;
  char line[256];
  std::string b(before_label.substr(0, 16));
  std::string a(after_label.substr(0, 16));
  std::snprintf(line, sizeof line, "  %-16s %16s %16s %10s %9s\n", "", b.c_str(), a.c_str(),
                "change", "factor");
  out << line;
  for (const Row& row : rows) {
    auto m = find_metric(row.metric);
    auto vb = metric_value(before, *m);
    auto va = metric_value(after, *m);
    if (!vb || !va) {
      continue;
    }
    std::string change = "-";
    std::string factor = "-";
    if (*vb != 0) {
      double pct = (*va - *vb) / std::fabs(*vb) * 100;
      change = (pct >= 0 ? "+" : "") + fixed(pct, 1) + "%";
    }
    if (m->unit != MetricUnit::kFraction && m->unit != MetricUnit::kCount && *vb > 0 && *va > 0) {
      double f = m->lower_is_better ? *vb / *va : *va / *vb;
      factor = fixed(f, f >= 10 ? 0 : 2) + "x";
    }
    std::snprintf(line, sizeof line, "  %-16s %16s %16s %10s %9s\n", row.label,
                  format_metric(*vb, m->unit).c_str(), format_metric(*va, m->unit).c_str(),
                  change.c_str(), factor.c_str());
    out << line;
  }
  out << "  (factor: how many times better the second column is; below 1x it is worse)\n";
  return out.str();
}

core::Result<Json> load_report(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return core::Error{"cannot read report", path};
  }
  Json doc = Json::parse(in, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    return core::Error{"not a JSON report", path};
  }
  if (!doc.contains("schema") || !doc["schema"].is_string() ||
      doc["schema"].get<std::string>() != kReportSchema) {
    return core::Error{"not a ramjet bench report of schema ramjet.bench/v1", path};
  }
  return doc;
}

}  // namespace ramjet::bench
