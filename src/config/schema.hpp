#pragma once
// Internal to config/: what the three sources of a Config (file, environment, flags) share.
// The table of scalar settings below drives the YAML sections, the RAMJET_* variables and
// the "did you mean" hints, so a key exists everywhere or nowhere.
//
// Everything here reports a problem by throwing LoadError; load.cpp catches it and turns it
// into a core::Error (config loading is the one place that may throw, STYLE #3).

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "config/load.hpp"

namespace ramjet::config::detail {

// A value to apply and where it came from, formatted for messages: "ramjet.yaml:12:5",
// "environment variable RAMJET_LISTEN", "option --listen". `text` is borrowed from the
// source (YAML node, environment map, flags), which outlives the Value.
struct Value {
  std::string_view text;
  std::string where;
};

// what() is the complete message line, "WHERE: message".
class LoadError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

[[noreturn]] void fail(std::string_view where, std::string_view message);

// The Config being built, and where things were set, for the checks that can only run when
// every source has been applied (detail/finalize).
struct Draft {
  Config config;
  std::string origin;  // the file's name, or "command line": where whole-config errors go
  std::map<std::string, std::string, std::less<>> where;  // setting path -> last set at
  std::vector<std::string> upstream_where;                // parallel to config.upstreams
  std::vector<std::string> route_where;  // parallel to config.routes (its upstream value)
  // Parallel to config.routes: where the route's cache.max_object was written ("" = not).
  std::vector<std::string> route_max_object_where;

  std::string where_of(std::string_view path) const;  // `origin` when never set
};

struct Setting {
  std::string_view path;  // "timeouts.upstream_connect"; a section's keys share its prefix
  void (*apply)(Draft&, const Value&) = nullptr;                 // scalar settings
  void (*apply_list)(Draft&, std::span<const Value>) = nullptr;  // list settings
};

std::span<const Setting> settings();
const Setting* find_setting(std::string_view path);
// Applies and records where; list settings replace the whole list.
void apply_setting(Draft& draft, const Setting& setting, const Value& value);
void apply_list_setting(Draft& draft, const Setting& setting, std::span<const Value> values,
                        const std::string& where);
// "timeouts.upstream_connect" -> "RAMJET_TIMEOUTS_UPSTREAM_CONNECT".
std::string env_name(std::string_view path);

// Throws unless every byte of value.text is printable (no control characters).
void check_printable(const Value& value);

// Parsers shared by the sources; `key` names the setting in messages.
Profile parse_profile(const Value& value);
std::uint64_t parse_count(const Value& value, std::string_view key, std::uint64_t min,
                          std::uint64_t max);
std::uint64_t parse_bytes(const Value& value, std::string_view key, std::uint64_t min,
                          std::uint64_t max);
Duration parse_time(const Value& value, std::string_view key, Duration min, Duration max);
bool parse_bool(const Value& value, std::string_view key);
CacheMode parse_cache_mode(const Value& value, std::string_view key);
SetCookieMode parse_set_cookie(const Value& value, std::string_view key);
// "0.8" or "80%" -> 0.8; 0 or a fraction below 1 (plain decimals, no exponent or sign).
double parse_fraction(const Value& value, std::string_view key);
// The shortest plain decimal that parse_fraction reads back as the same double.
std::string format_fraction(double fraction);
// An HTTP field name (RFC 9110 token), lower-cased.
std::string parse_header_name(const Value& value, std::string_view key);
// A glob over query parameter names ('*', '?'); no '&', '=', '#' or spaces.
std::string parse_query_pattern(const Value& value, std::string_view key);
// Upstream URLs: at least one, no duplicates.
std::vector<HostPort> parse_endpoints(std::span<const Value> urls, const std::string& where);

// The methods a route may name, with their configuration spelling ("GET").
struct MethodName {
  std::string_view name;
  http::Method method;
};
std::span<const MethodName> method_names();

// " (did you mean 'x'?)" for the candidate closest to `word`, or "" if none is close.
std::string did_you_mean(std::string_view word, std::span<const std::string_view> candidates);
std::string did_you_mean(std::string_view word, std::span<const std::string> candidates);

// The environment and flag sources (overrides.cpp); the file source is yaml_source.hpp.
std::optional<Profile> profile_in_environment(const Environment& env);
std::optional<Profile> profile_in_flags(const CliOverrides& cli);
void apply_environment(Draft& draft, const Environment& env);
void apply_flags(Draft& draft, const CliOverrides& cli);

// Replaces the endpoints of the only upstream, or creates "default" (load.hpp).
void apply_upstream_urls(Draft& draft, std::span<const Value> urls, const std::string& where);

// Cross-checks and completions once every source is applied: default route, upstream
// references, admin token, address conflicts.
Config finalize(Draft draft);

}  // namespace ramjet::config::detail
