#pragma once
// MetricSet: the registry that names per-worker stats fields and merges them on read.
//
// Purpose (STYLE #6): the hot path bumps fields of a plain per-worker struct (counter.hpp);
// nothing on it knows names, labels or the registry. At start the composition root
// declares, once per subsystem, which field is which metric, then attaches every worker's
// instance:
//
//   auto group = set.group<UpstreamStats>();
//   group.counter("ramjet_upstream_requests", "Requests sent upstream.",
//                 &UpstreamStats::requests)
//       .histogram("ramjet_upstream_duration_seconds", "Upstream response time.",
//                  &UpstreamStats::latency);
//   for (auto& w : workers) group.attach(w.upstream_stats, {{"upstream", "app"}});
//
// When /metrics is read, collect() sums the instances that share a label set (the workers)
// and hands each merged series to a visitor; prometheus.hpp turns that into text.
//
// Naming: counters are declared without the "_total" suffix, which is appended to the
// exposed name (a name already ending in "_total" is kept). Histograms hold nanoseconds and
// are exposed in seconds, so their names should end in "_seconds". Names follow
// [a-zA-Z_:][a-zA-Z0-9_:]*, label names [a-zA-Z_][a-zA-Z0-9_]* and may not start with "__";
// histograms may not use the label "le".
//
// Errors: registration never throws. A bad name, a label problem, a metric declared twice
// with a different type or help, or two fields producing the same series is recorded
// (the first one is kept and the offending field skipped); the composition root checks
// registration_error() once after registering everything and refuses to start.
//
// Threading: registration (group(), MetricGroup's methods, add_callback()) and collect()
// take an internal mutex, so the admin thread may read while a late subsystem registers.
// collect() reads workers' live fields with relaxed loads (see histogram.hpp on what a
// snapshot guarantees). Visitors and callbacks run under that mutex and must not call back
// into the set.
//
// Ownership: the set stores pointers to attached stats structs and copies of callbacks; both
// must stay alive and in place for as long as the set is read. Attaching is permanent.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "core/result.hpp"
#include "metrics/counter.hpp"
#include "metrics/histogram.hpp"

namespace ramjet::metrics {

enum class MetricType : std::uint8_t { kCounter, kGauge, kHistogram };

struct Label {
  std::string name;
  std::string value;
};
using Labels = std::vector<Label>;

// A merged value: a counter's sum, a gauge's sum, a callback's reading, or a histogram
// merged from every instance (valid only during the visitor call).
using SampleValue = std::variant<std::uint64_t, std::int64_t, double, const Histogram*>;

// One merged series as handed to collect()'s visitor. Views are valid during the call only.
struct SeriesView {
  std::string_view name;  // exposed family name; counters end in "_total"
  std::string_view help;
  MetricType type = MetricType::kCounter;
  const Labels* labels = nullptr;      // field labels followed by instance labels
  std::string_view rendered_labels;    // `a="x",b="y"`, Prometheus-escaped; empty when none
  std::size_t index_in_family = 0;     // 0 for the first series of a family
  SampleValue value;
};

template <typename Stats>
class MetricGroup;

class MetricSet {
 public:
  MetricSet() = default;
  MetricSet(const MetricSet&) = delete;
  MetricSet& operator=(const MetricSet&) = delete;

  // Starts declaring the fields of one per-worker stats struct; see MetricGroup.
  template <typename Stats>
  MetricGroup<Stats> group() {
    return MetricGroup<Stats>(*this);
  }

  // A counter or gauge whose value is read by calling `read` at collect time: process
  // stats, or state several threads share (cache bytes). `read` runs on the reading thread.
  void add_callback(std::string_view name, std::string_view help, MetricType type,
                    Labels labels, std::function<double()> read);

  // The first registration problem, if any (see "Errors" above).
  std::optional<core::Error> registration_error() const;

  // Calls visit(series) for every series with at least one source, families in declaration
  // order, series in order of first attachment. Allocates one scratch histogram per call.
  void collect(const std::function<void(const SeriesView&)>& visit) const;

 private:
  template <typename Stats>
  friend class MetricGroup;

  struct Series {
    Labels labels;
    std::string rendered;
    std::uint32_t field_id = 0;
    std::vector<const Counter*> counters;
    std::vector<const Gauge*> gauges;
    std::vector<const Histogram*> histograms;
    std::function<double()> callback;
  };
  struct Family {
    std::string name;
    std::string help;
    MetricType type = MetricType::kCounter;
    std::vector<Series> series;
  };
  using Source = std::variant<const Counter*, const Gauge*, const Histogram*>;

  // Finds or creates the family; nullopt (and an error recorded) when it cannot.
  std::optional<std::size_t> declare(std::string_view name, std::string_view help,
                                     MetricType type);
  std::uint32_t new_field_id();
  void add_source(std::size_t family, std::uint32_t field_id, Labels labels, Source source);
  void fail(const char* message, std::string_view detail);

  // Unlocked helpers; the caller holds mutex_.
  std::optional<std::size_t> declare_locked(std::string_view name, std::string_view help,
                                            MetricType type);
  Series* series_locked(std::size_t family, std::uint32_t field_id, Labels labels);
  void fail_locked(const char* message, std::string_view detail);

  mutable std::mutex mutex_;
  std::vector<Family> families_;
  std::optional<core::Error> error_;
  std::uint32_t next_field_id_ = 0;
};

// Declares which field of Stats is which metric, then attaches per-worker instances.
// Declare every field before the first attach(); a field declared later is an error.
template <typename Stats>
class MetricGroup {
 public:
  // `labels` are constant labels of this field, e.g. {{"code", "5xx"}} for a field that
  // counts only 5xx responses of a family shared with other fields.
  MetricGroup& counter(std::string_view name, std::string_view help, Counter Stats::*field,
                       Labels labels = {}) {
    return declare(name, help, MetricType::kCounter, field, std::move(labels));
  }
  MetricGroup& gauge(std::string_view name, std::string_view help, Gauge Stats::*field,
                     Labels labels = {}) {
    return declare(name, help, MetricType::kGauge, field, std::move(labels));
  }
  MetricGroup& histogram(std::string_view name, std::string_view help,
                         Histogram Stats::*field, Labels labels = {}) {
    return declare(name, help, MetricType::kHistogram, field, std::move(labels));
  }

  // Registers one instance (one worker's struct). Instances with equal instance_labels are
  // summed on read; different labels (route="a", route="b") become separate series.
  // `stats` must outlive the set's last read and must not move.
  void attach(const Stats& stats, const Labels& instance_labels = {}) {
    attached_ = true;
    for (const Field& f : fields_) {
      Labels labels = f.labels;
      labels.insert(labels.end(), instance_labels.begin(), instance_labels.end());
      auto source = std::visit(
          [&stats](auto member) -> MetricSet::Source { return &(stats.*member); }, f.member);
      set_->add_source(f.family, f.id, std::move(labels), source);
    }
  }

 private:
  friend class MetricSet;
  using Member = std::variant<Counter Stats::*, Gauge Stats::*, Histogram Stats::*>;
  struct Field {
    std::size_t family = 0;
    std::uint32_t id = 0;
    Labels labels;
    Member member;
  };

  explicit MetricGroup(MetricSet& set) : set_(&set) {}

  MetricGroup& declare(std::string_view name, std::string_view help, MetricType type,
                       Member member, Labels labels) {
    if (attached_) {
      set_->fail("metric field declared after an instance was attached", name);
      return *this;
    }
    if (auto family = set_->declare(name, help, type)) {
      fields_.push_back(Field{*family, set_->new_field_id(), std::move(labels), member});
    }
    return *this;
  }

  MetricSet* set_;
  std::vector<Field> fields_;
  bool attached_ = false;
};

}  // namespace ramjet::metrics
