#pragma once
// The ramjet subcommands behind main(): each returns the process exit code
// (0 success, 1 runtime failure, 2 usage or configuration error).

#include <optional>
#include <string>

#include "config/load.hpp"
#include "core/units.hpp"

namespace ramjet::app {

struct ServeOptions {
  std::optional<std::string> config_path;
  config::CliOverrides overrides;
  // Period of the summary log line (--metrics-log-interval; zero = none). A flag until the
  // config schema has metrics.log_interval.
  core::Duration metrics_log_interval = std::chrono::minutes(5);
};

int run_serve(const ServeOptions& options, const config::Environment& env);
int run_check_config(const std::string& path, const config::Environment& env);

}  // namespace ramjet::app
