#pragma once
// Building a Config from its three sources, in increasing precedence:
//   1. a YAML file (optional),
//   2. RAMJET_* environment variables (docs/CONFIG.md, "Environment"),
//   3. command-line flags (CliOverrides).
// The profile is decided first (flag, else variable, else file, else medium), because it
// sets the defaults every other source then overrides.
//
// Errors: the first problem found, as core::Error whose `detail` is one complete line
//   FILE:LINE:COL: message                         (a key or value in the file)
//   FILE: message                                  (the file as a whole)
//   environment variable RAMJET_LISTEN: message     (a variable)
//   option --listen: message                        (a flag)
// which `ramjet check-config` prints as is. Loading may throw internally (the one place
// that may, STYLE #3); these functions never do.
//
// No globals: the environment is passed in, so reloads and tests are plain calls.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "core/result.hpp"

namespace ramjet::config {

// The environment as NAME -> VALUE. Only names starting with "RAMJET_" are read, and each
// of those must be a known variable (a misspelt override is an error, not a no-op).
using Environment = std::map<std::string, std::string, std::less<>>;

// Captures the RAMJET_* entries of a NAME=VALUE array such as `environ` (may be null).
Environment environment_from(const char* const* envp);

// The RAMJET_* variables this build understands, sorted.
std::vector<std::string> environment_variable_names();

// Flags of `ramjet serve`; empty optionals leave the lower sources alone. Values are the
// flag's text, validated here like the file's.
struct CliOverrides {
  std::optional<std::string> listen;   // --listen ADDR
  std::vector<std::string> upstreams;  // --upstream URL, repeatable
  std::optional<std::string> admin;    // --admin ADDR (admin.listen)
  std::optional<std::string> workers;  // --workers N|auto
  std::optional<std::string> profile;  // --profile small|medium|large
  std::optional<bool> cache_enabled;   // --no-cache sets false (cache.enabled)
};

// Upstream URLs given by flag (or RAMJET_UPSTREAM) become the endpoints of one upstream:
// the file's only upstream, or a new one named "default" when the file defines none; it is
// an error when the file defines several. With no routes and one upstream, a route "/" to
// it is added, so `--upstream URL` alone is a working configuration.

core::Result<Config> load_config_file(const std::string& path);
core::Result<Config> load_config_string(std::string_view text, std::string_view name_for_errors);

// All three sources; `path` may be empty (flags and environment alone).
core::Result<Config> build_config(const std::optional<std::string>& path, const Environment& env,
                                  const CliOverrides& cli);
// As build_config, with the file's text given (named `name_for_errors` in messages).
core::Result<Config> build_config_from_string(std::string_view text,
                                              std::string_view name_for_errors,
                                              const Environment& env, const CliOverrides& cli);

}  // namespace ramjet::config
