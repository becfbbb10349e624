#include "bench/threshold.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <sstream>

#include "core/units.hpp"

namespace ramjet::bench {
namespace {

struct OpText {
  std::string_view text;
  CompareOp op;
};
// Two-character operators first, so "<=" is not read as "<" followed by "=".
constexpr std::array<OpText, 6> kOps = {{
    {"<=", CompareOp::kLessEqual},
    {">=", CompareOp::kGreaterEqual},
    {"==", CompareOp::kEqual},
    {"!=", CompareOp::kNotEqual},
    {"<", CompareOp::kLess},
    {">", CompareOp::kGreater},
}};

std::string_view trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') {
    s.remove_prefix(1);
  }
  while (!s.empty() && s.back() == ' ') {
    s.remove_suffix(1);
  }
  return s;
}

bool parse_number(std::string_view s, double& out) {
  if (s.empty()) {
    return false;
  }
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && end == s.data() + s.size() && std::isfinite(out);
}

core::Result<double> parse_limit(std::string_view value, MetricUnit unit, std::string_view text) {
  double number = 0;
  switch (unit) {
    case MetricUnit::kMilliseconds: {
      auto d = core::parse_duration(value);
      if (!d.ok()) {
        return core::Error{"latency thresholds need a duration with a unit (e.g. 500ms, 2s)",
                           std::string(text)};
      }
      return std::chrono::duration<double, std::milli>(d.value()).count();
    }
    case MetricUnit::kFraction:
      if (!value.empty() && value.back() == '%') {
        if (!parse_number(value.substr(0, value.size() - 1), number) || number < 0 ||
            number > 100) {
          return core::Error{"invalid percentage (0% to 100%)", std::string(text)};
        }
        return number / 100;
      }
      if (!parse_number(value, number) || number < 0 || number > 1) {
        return core::Error{"rates are a percentage (95%) or a fraction between 0 and 1",
                           std::string(text)};
      }
      return number;
    case MetricUnit::kPerSecond:
    case MetricUnit::kCount:
      if (value.size() > 2 && value.substr(value.size() - 2) == "/s") {
        value.remove_suffix(2);
      }
      if (!parse_number(value, number) || number < 0) {
        return core::Error{"expected a non-negative number", std::string(text)};
      }
      return number;
  }
  return core::Error{"invalid threshold value", std::string(text)};
}

}  // namespace

const char* to_string(CompareOp op) {
  for (const OpText& o : kOps) {
    if (o.op == op) {
      return o.text.data();
    }
  }
  return "?";
}

bool compare(double measured, CompareOp op, double limit) {
  switch (op) {
    case CompareOp::kLess:
      return measured < limit;
    case CompareOp::kLessEqual:
      return measured <= limit;
    case CompareOp::kGreater:
      return measured > limit;
    case CompareOp::kGreaterEqual:
      return measured >= limit;
    case CompareOp::kEqual:
      return measured == limit;
    case CompareOp::kNotEqual:
      return measured != limit;
  }
  return false;
}

core::Result<Threshold> parse_threshold(std::string_view text) {
  std::size_t at = text.find_first_of("<>=!");
  if (at == std::string_view::npos) {
    return core::Error{"threshold needs an operator (< <= > >= == !=), e.g. p95<500ms",
                       std::string(text)};
  }
  Threshold t;
  t.expression = std::string(text);
  std::string_view name = trim(text.substr(0, at));
  std::string_view rest = text.substr(at);
  const OpText* found = nullptr;
  for (const OpText& o : kOps) {
    if (rest.substr(0, o.text.size()) == o.text) {
      found = &o;
      break;
    }
  }
  if (found == nullptr) {
    return core::Error{"invalid operator (use < <= > >= == !=)", std::string(text)};
  }
  std::string_view value = trim(rest.substr(found->text.size()));
  if (value.find_first_of("<>=!") != std::string_view::npos) {
    return core::Error{"invalid operator (use < <= > >= == !=)", std::string(text)};
  }
  auto info = find_metric(name);
  if (!info) {
    return core::Error{"unknown metric",
                       std::string(text) + " (known: " + metric_names_help() + ")"};
  }
  auto limit = parse_limit(value, info->unit, text);
  if (!limit.ok()) {
    return limit.error();
  }
  t.metric = std::string(name);
  t.info = *info;
  t.op = found->op;
  t.limit = limit.value();
  return t;
}

std::vector<ThresholdResult> evaluate_thresholds(const std::vector<Threshold>& thresholds,
                                                 Json& report) {
  std::vector<ThresholdResult> results;
  Json& out = report["thresholds"];
  out = Json::array();
  for (const Threshold& t : thresholds) {
    ThresholdResult r;
    r.threshold = t;
    if (auto v = metric_value(report, t.info)) {
      r.available = true;
      r.measured = *v;
      r.passed = compare(*v, t.op, t.limit);
    }
    out.push_back({{"expression", t.expression},
                   {"metric", t.metric},
                   {"op", to_string(t.op)},
                   {"limit", t.limit},
                   {"measured", r.available ? Json(r.measured) : Json(nullptr)},
                   {"passed", r.passed}});
    results.push_back(std::move(r));
  }
  return results;
}

std::string format_threshold_results(const std::vector<ThresholdResult>& results) {
  std::ostringstream out;
  for (const ThresholdResult& r : results) {
    out << "  " << (r.passed ? "PASS" : "FAIL") << "  " << r.threshold.expression
        << "  (measured "
        << (r.available ? format_metric(r.measured, r.threshold.info.unit) : "n/a") << ")\n";
  }
  return out.str();
}

}  // namespace ramjet::bench
