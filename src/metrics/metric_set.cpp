#include "metrics/metric_set.hpp"

#include <algorithm>
#include <memory>

#include "metrics/prometheus.hpp"

namespace ramjet::metrics {
namespace {

bool is_name_char(char c, bool first, bool colon_ok) {
  const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  const bool digit = c >= '0' && c <= '9';
  return alpha || (colon_ok && c == ':') || (!first && digit);
}

bool valid_name(std::string_view name, bool colon_ok) {
  if (name.empty()) {
    return false;
  }
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (!is_name_char(name[i], i == 0, colon_ok)) {
      return false;
    }
  }
  return true;
}

bool ends_with_total(std::string_view name) {
  constexpr std::string_view kTotal = "_total";
  return name.size() >= kTotal.size() && name.substr(name.size() - kTotal.size()) == kTotal;
}

// Empty when the labels are acceptable for a family of `type`, else the offending name.
std::optional<std::string> label_problem(const Labels& labels, MetricType type) {
  for (std::size_t i = 0; i < labels.size(); ++i) {
    const std::string& name = labels[i].name;
    if (!valid_name(name, false) || name.starts_with("__") ||
        (type == MetricType::kHistogram && name == "le")) {
      return name;
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (labels[j].name == name) {
        return name;
      }
    }
  }
  return std::nullopt;
}

std::string render_labels(const Labels& labels) {
  std::string out;
  for (const Label& label : labels) {
    if (!out.empty()) {
      out += ',';
    }
    out += label.name;
    out += "=\"";
    append_escaped_label_value(out, label.value);
    out += '"';
  }
  return out;
}

}  // namespace

void MetricSet::add_callback(std::string_view name, std::string_view help, MetricType type,
                             Labels labels, std::function<double()> read) {
  std::lock_guard lock(mutex_);
  if (type == MetricType::kHistogram || !read) {
    fail_locked("metric callback must be a non-empty counter or gauge reader", name);
    return;
  }
  const auto family = declare_locked(name, help, type);
  if (!family) {
    return;
  }
  if (Series* series = series_locked(*family, next_field_id_++, std::move(labels))) {
    series->callback = std::move(read);
  }
}

std::optional<core::Error> MetricSet::registration_error() const {
  std::lock_guard lock(mutex_);
  return error_;
}

std::optional<std::size_t> MetricSet::declare(std::string_view name, std::string_view help,
                                              MetricType type) {
  std::lock_guard lock(mutex_);
  return declare_locked(name, help, type);
}

std::uint32_t MetricSet::new_field_id() {
  std::lock_guard lock(mutex_);
  return next_field_id_++;
}

void MetricSet::add_source(std::size_t family, std::uint32_t field_id, Labels labels,
                           Source source) {
  std::lock_guard lock(mutex_);
  Series* series = series_locked(family, field_id, std::move(labels));
  if (series == nullptr) {
    return;
  }
  if (const auto* const* c = std::get_if<const Counter*>(&source)) {
    series->counters.push_back(*c);
  } else if (const auto* const* g = std::get_if<const Gauge*>(&source)) {
    series->gauges.push_back(*g);
  } else {
    series->histograms.push_back(std::get<const Histogram*>(source));
  }
}

void MetricSet::fail(const char* message, std::string_view detail) {
  std::lock_guard lock(mutex_);
  fail_locked(message, detail);
}

std::optional<std::size_t> MetricSet::declare_locked(std::string_view name,
                                                     std::string_view help, MetricType type) {
  if (!valid_name(name, true)) {
    fail_locked("invalid metric name", name);
    return std::nullopt;
  }
  std::string exposed(name);
  if (type == MetricType::kCounter && !ends_with_total(exposed)) {
    exposed += "_total";
  }
  for (std::size_t i = 0; i < families_.size(); ++i) {
    const Family& f = families_[i];
    if (f.name != exposed) {
      continue;
    }
    if (f.type != type || f.help != help) {
      fail_locked("metric declared twice with a different type or help", exposed);
      return std::nullopt;
    }
    return i;
  }
  families_.push_back(Family{std::move(exposed), std::string(help), type, {}});
  return families_.size() - 1;
}

MetricSet::Series* MetricSet::series_locked(std::size_t family, std::uint32_t field_id,
                                            Labels labels) {
  Family& f = families_[family];
  if (auto bad = label_problem(labels, f.type)) {
    fail_locked("invalid, reserved or repeated label name", f.name + " label " + *bad);
    return nullptr;
  }
  std::string rendered = render_labels(labels);
  for (Series& s : f.series) {
    if (s.rendered != rendered) {
      continue;
    }
    if (s.field_id != field_id) {
      fail_locked("two metric fields produce the same series", f.name + "{" + rendered + "}");
      return nullptr;
    }
    return &s;
  }
  f.series.push_back(Series{std::move(labels), std::move(rendered), field_id, {}, {}, {}, {}});
  return &f.series.back();
}

void MetricSet::fail_locked(const char* message, std::string_view detail) {
  if (!error_) {
    error_ = core::Error{message, std::string(detail)};
  }
}

void MetricSet::collect(const std::function<void(const SeriesView&)>& visit) const {
  std::lock_guard lock(mutex_);
  std::unique_ptr<Histogram> scratch;
  for (const Family& f : families_) {
    std::size_t index = 0;
    for (const Series& s : f.series) {
      SeriesView view{f.name, f.help, f.type, &s.labels, s.rendered, index, SampleValue{}};
      if (s.callback) {
        view.value = s.callback();
      } else if (f.type == MetricType::kCounter) {
        std::uint64_t total = 0;
        for (const Counter* c : s.counters) {
          total += c->value();
        }
        view.value = total;
      } else if (f.type == MetricType::kGauge) {
        std::int64_t total = 0;
        for (const Gauge* g : s.gauges) {
          total += g->value();
        }
        view.value = total;
      } else {
        if (!scratch) {
          scratch = std::make_unique<Histogram>();
        }
        scratch->reset();
        for (const Histogram* h : s.histograms) {
          scratch->merge(*h);
        }
        view.value = scratch.get();
      }
      visit(view);
      ++index;
    }
  }
}

}  // namespace ramjet::metrics
