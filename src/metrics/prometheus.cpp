#include "metrics/prometheus.hpp"

#include <charconv>
#include <cmath>
#include <type_traits>

#include "metrics/metric_set.hpp"

namespace ramjet::metrics {
namespace {

constexpr double kNanosPerSecond = 1e9;

template <typename T>
void append_number(std::string& out, T value) {
  if constexpr (std::is_floating_point_v<T>) {
    if (std::isnan(value)) {
      out += "NaN";
      return;
    }
    if (std::isinf(value)) {
      out += value > 0 ? "+Inf" : "-Inf";
      return;
    }
  }
  char buf[32];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  out.append(buf, static_cast<std::size_t>(end - buf));
}

// name{labels} / name{labels,extra} / name{extra} / name
void append_series_name(std::string& out, std::string_view name, std::string_view suffix,
                        std::string_view labels, std::string_view extra) {
  out += name;
  out += suffix;
  if (labels.empty() && extra.empty()) {
    return;
  }
  out += '{';
  out += labels;
  if (!labels.empty() && !extra.empty()) {
    out += ',';
  }
  out += extra;
  out += '}';
}

std::string_view type_name(MetricType type) {
  switch (type) {
    case MetricType::kCounter:
      return "counter";
    case MetricType::kGauge:
      return "gauge";
    case MetricType::kHistogram:
      return "histogram";
  }
  return "untyped";
}

void append_header(std::string& out, const SeriesView& s) {
  out += "# HELP ";
  out += s.name;
  out += ' ';
  append_escaped_help(out, s.help);
  out += "\n# TYPE ";
  out += s.name;
  out += ' ';
  out += type_name(s.type);
  out += '\n';
}

}  // namespace

std::array<std::uint64_t, kLatencyBounds.size() + 1> cumulative_latency_buckets(
    const Histogram& h) {
  std::array<std::uint64_t, kLatencyBounds.size() + 1> counts{};
  std::size_t j = 0;
  h.for_each_bucket([&](const BucketView& b) {
    while (j < kLatencyBounds.size() && kLatencyBounds[j].ns < b.lowest) {
      ++j;
    }
    counts[j] += b.count;
  });
  for (std::size_t i = 1; i < counts.size(); ++i) {
    counts[i] += counts[i - 1];
  }
  return counts;
}

void append_escaped_label_value(std::string& out, std::string_view value) {
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
}

void append_escaped_help(std::string& out, std::string_view help) {
  for (char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
}

void write_prometheus_histogram(std::string& out, std::string_view name, std::string_view labels,
                                const Histogram& h) {
  const auto counts = cumulative_latency_buckets(h);
  std::string le;
  for (std::size_t i = 0; i < counts.size(); ++i) {
    le = "le=\"";
    le += i < kLatencyBounds.size() ? kLatencyBounds[i].label : std::string_view("+Inf");
    le += '"';
    append_series_name(out, name, "_bucket", labels, le);
    out += ' ';
    append_number(out, counts[i]);
    out += '\n';
  }
  append_series_name(out, name, "_sum", labels, {});
  out += ' ';
  append_number(out, static_cast<double>(h.sum()) / kNanosPerSecond);
  out += '\n';
  append_series_name(out, name, "_count", labels, {});
  out += ' ';
  append_number(out, counts.back());
  out += '\n';
}

void write_prometheus(const MetricSet& set, std::string& out) {
  set.collect([&out](const SeriesView& s) {
    if (s.index_in_family == 0) {
      append_header(out, s);
    }
    if (const auto* const* h = std::get_if<const Histogram*>(&s.value)) {
      write_prometheus_histogram(out, s.name, s.rendered_labels, **h);
      return;
    }
    append_series_name(out, s.name, {}, s.rendered_labels, {});
    out += ' ';
    std::visit(
        [&out](auto v) {
          if constexpr (!std::is_pointer_v<decltype(v)>) {
            append_number(out, v);
          }
        },
        s.value);
    out += '\n';
  });
}

}  // namespace ramjet::metrics
