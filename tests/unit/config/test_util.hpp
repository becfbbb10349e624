#pragma once
// Helpers shared by the config tests: load a YAML text and get the Config or the error line.

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "config/load.hpp"

namespace ramjet::config::testing {

// One upstream, so that a text that only sets other keys is a complete configuration.
inline constexpr std::string_view kOneUpstream =
    "upstreams: {app: {endpoints: [127.0.0.1:5000]}}\n";

inline Config load_ok(std::string_view text, const Environment& env = {},
                      const CliOverrides& cli = {}) {
  auto config = build_config_from_string(text, "test.yaml", env, cli);
  EXPECT_TRUE(config.ok()) << config.error().detail;
  return config.ok() ? std::move(config).value() : Config{};
}

// The complete error line, or "OK" when the text loads.
inline std::string load_error(std::string_view text, const Environment& env = {},
                              const CliOverrides& cli = {}) {
  auto config = build_config_from_string(text, "test.yaml", env, cli);
  return config.ok() ? std::string("OK") : config.error().detail;
}

inline std::string with_upstream(std::string_view text) {
  return std::string(kOneUpstream) + std::string(text);
}

}  // namespace ramjet::config::testing
