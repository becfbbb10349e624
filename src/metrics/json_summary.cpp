#include "metrics/json_summary.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <string_view>

namespace ramjet::metrics {
namespace {

struct Quantile {
  double q;
  std::string_view key;
};

constexpr std::array<Quantile, 5> kQuantiles = {{
    {0.50, "p50_ms"},
    {0.90, "p90_ms"},
    {0.95, "p95_ms"},
    {0.99, "p99_ms"},
    {0.999, "p999_ms"},
}};

// Nanoseconds to milliseconds, rounded to the microsecond, shortest round-trip text.
void append_ms(std::string& out, std::string_view key, double ns) {
  out += ",\"";
  out += key;
  out += "\":";
  const double ms = std::round(ns / 1e3) / 1e3;
  char buf[32];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, ms);
  out.append(buf, static_cast<std::size_t>(end - buf));
}

}  // namespace

void append_json_summary(std::string& out, const Histogram& h) {
  out += "{\"count\":";
  char buf[24];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, h.count());
  out.append(buf, static_cast<std::size_t>(end - buf));
  append_ms(out, "avg_ms", h.mean());
  append_ms(out, "stdev_ms", h.stdev());
  append_ms(out, "min_ms", static_cast<double>(h.min()));
  append_ms(out, "max_ms", static_cast<double>(h.max()));
  for (const Quantile& q : kQuantiles) {
    append_ms(out, q.key, static_cast<double>(h.value_at_quantile(q.q)));
  }
  out += '}';
}

}  // namespace ramjet::metrics
