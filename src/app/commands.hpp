#pragma once
// The ramjet subcommands behind main(): each returns the process exit code
// (0 success, 1 runtime failure, 2 usage or configuration error).

#include <optional>
#include <string>

#include "config/load.hpp"

namespace ramjet::app {

struct ServeOptions {
  std::optional<std::string> config_path;
  config::CliOverrides overrides;
};

int run_serve(const ServeOptions& options, const config::Environment& env);
int run_check_config(const std::string& path, const config::Environment& env);

}  // namespace ramjet::app
