#pragma once
// What one response of ramjet-origin looks like: the command-line defaults with the request's
// query-string overrides applied on top (the query wins). Pure functions over bytes, no
// allocation: decoded values are written into a caller-supplied scratch area.
//
// Query parameters (unknown names are ignored; a bad value makes the answer a 400):
//   latency=50ms  size=1024|64KiB  status=503  cc=<url-encoded Cache-Control>  chunked=1
//   slow=10ms  reset=512  etag=1  lm=1  vary=Accept-Encoding  header=Name:value (repeatable)
//   close=1 (answer with Connection: close, then close)
// Booleans accept 1/0/true/false/yes/no.

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

#include "core/units.hpp"
#include "origin/options.hpp"

namespace ramjet::origin {

struct ExtraHeader {
  std::string_view name;
  std::string_view value;
};

struct ResponsePlan {
  static constexpr std::size_t kMaxQueryHeaders = 16;

  int status = 200;
  std::uint64_t body_size = 0;
  core::Duration latency{0};
  core::Duration slow_body{0};
  bool reset = false;
  std::uint64_t reset_after = 0;
  bool chunked = false;
  bool etag = false;
  bool last_modified = false;
  bool close = false;
  std::string_view cache_control;  // empty: none. Views: options or the decode scratch.
  std::string_view vary;
  std::array<ExtraHeader, kMaxQueryHeaders> headers{};
  std::size_t header_count = 0;

  // Set when a query parameter was invalid: a static reason and the parameter's name.
  const char* error = nullptr;
  std::string_view error_param;
};

// The plan the flags alone describe. Views point into `options`, which must outlive it.
ResponsePlan default_plan(const OriginOptions& options);

// Applies the overrides in `query` (without '?') to `plan`. Decoded values are written to
// `scratch`, which must hold at least query.size() bytes and outlive the plan; the plan's
// views point into `scratch` or keep pointing where they did.
void apply_query(std::string_view query, std::span<char> scratch, ResponsePlan& plan);

// Percent-decodes `in` ('+' becomes a space) into `out` (at least in.size() bytes) and
// returns the decoded view, or an empty view with `ok` false on a bad escape.
std::string_view url_decode(std::string_view in, char* out, bool& ok);

}  // namespace ramjet::origin
