#pragma once
// MetricsExporter: the body of GET /metrics (Prometheus text format 0.0.4).
//
// Most series come from a metrics::MetricSet that names the fields of the proxy's per-worker
// stats structs once (ProxyStats, RouteStats labelled route=, UpstreamStats labelled
// upstream=) and sums the workers' instances on read. Route and upstream entries appear
// while the proxy runs (first start, reloads), so each write first attaches the table slots
// created since the previous one. Families the stats structs cannot express as fields —
// responses by exact status code, route→upstream info, upstream health, readiness — are
// written after the set from the same read, and so are the route latency histograms: their
// per-worker bucket counts are summed straight into the exposition, without the merged
// 16 KiB copy per series that MetricSet::collect makes (40% of a 100-route scrape). Other
// subsystems (cache, breakers) register their own groups or callbacks in metric_set(); they
// then appear in /metrics unchanged.
//
// Every name is listed in docs/OBSERVABILITY.md.
//
// Threading: write() runs on the admin thread only (it owns the attach bookkeeping);
// metric_set() registration may come from any thread (MetricSet locks). Ownership: borrows
// the StatsSource and the clock, which must outlive the exporter.

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "admin/sampler.hpp"
#include "admin/stats_source.hpp"
#include "config/config.hpp"
#include "core/clock.hpp"
#include "metrics/metric_set.hpp"

namespace ramjet::admin {

class MetricsExporter {
 public:
  MetricsExporter(const StatsSource& source, const core::Clock& clock, core::MonoTime start);
  MetricsExporter(const MetricsExporter&) = delete;
  MetricsExporter& operator=(const MetricsExporter&) = delete;

  metrics::MetricSet& metric_set() { return set_; }

  // Extra figures that only the admin side knows.
  struct Extras {
    const config::Config* config = nullptr;  // route→upstream mapping (current snapshot)
    const Sampler* sampler = nullptr;        // upstream health
    bool ready = false;
    double startup_seconds = 0;
    std::string_view version;
  };
  // Appends the whole exposition to `out`.
  void write(std::string& out, const Extras& extras);

 private:
  void attach_new_entries();

  const StatsSource& source_;
  metrics::MetricSet set_;
  std::optional<metrics::MetricGroup<proxy::RouteStats>> routes_;
  std::optional<metrics::MetricGroup<proxy::UpstreamStats>> upstreams_;
  std::vector<std::size_t> attached_routes_;     // per worker: slots attached so far
  std::vector<std::size_t> attached_upstreams_;
};

}  // namespace ramjet::admin
