#pragma once
// The body of GET /stats: one JSON object with the process, connection and request totals,
// each route and upstream (since start and over the last minute), the cache and breaker
// figures their hooks give, and the recent history the dashboard draws. The shape is
// documented field by field in docs/OBSERVABILITY.md; times are milliseconds rounded to
// the microsecond, ratios are 0..1, and a figure without data is null.
//
// Threading: a pure function of its inputs, on the admin thread.

#include <string>

#include "admin/handler.hpp"
#include "admin/sampler.hpp"
#include "admin/stats_source.hpp"
#include "config/config.hpp"
#include "core/clock.hpp"

namespace ramjet::admin {

struct StatsJsonInputs {
  const StatsSource& source;
  const config::Config& config;
  const Sampler& sampler;
  const core::Clock& clock;
  const AdminHandlerOptions& options;
  bool ready;
  bool draining;
  const AdminHooks& hooks;
};

std::string stats_json(const StatsJsonInputs& in);

}  // namespace ramjet::admin
