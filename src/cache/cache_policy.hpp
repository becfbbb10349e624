#pragma once
// CachePolicy: one route's cache settings (the `cache:` block of a route, plus the global
// defaults the config loader folds in). Built once per configuration snapshot and validated
// by validate_policy(); afterwards read-only and shared by every worker (STYLE #8), so a
// reload builds new policies while in-flight requests keep theirs.
//
// Defaults are those of RFC 9111 for a shared cache: nothing is stored that the origin did
// not mark cacheable, heuristic freshness is off, Set-Cookie responses are not stored, and
// POST/QUERY are never cached unless the route opts in.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "core/units.hpp"

namespace ramjet::cache {

using core::Duration;

// What of a POST/QUERY request body goes into the key (the route's `key: [..., json_body]`).
enum class BodyKey : std::uint8_t {
  kNone,  // body-keyed methods are not cached on this route
  kRaw,   // 128-bit XXH3 of the body bytes
  kJson,  // 128-bit XXH3 of the canonical JSON (json_canonical.hpp); invalid JSON: no caching
};

// How the primary key is derived from a request (key.hpp has the format).
struct KeyOptions {
  bool sort_query = false;  // stable sort of query parameters by name
  // Query parameters dropped from the key, as glob patterns over the raw parameter name
  // ('*' any run, '?' one byte; e.g. "utm_*", "fbclid").
  std::vector<std::string> drop_query;
  // Request headers whose values join the primary key (names; lower-cased by validation).
  std::vector<std::string> include_headers;
  BodyKey body = BodyKey::kNone;
  std::uint64_t max_body_bytes = 64 * 1024;  // larger bodies are not cached (key error)
};

// Set-Cookie in a response: refuse to store it (default), store the response without the
// Set-Cookie fields, or store them as they are (only for origins known to set shared cookies).
enum class SetCookiePolicy : std::uint8_t { kRefuse, kStrip, kStore };

struct CachePolicy {
  bool enabled = true;
  // Cache POST and QUERY on this route: keyed by method and body per key.body (which must
  // then not be kNone). Responses still need freshness (explicit, or `ttl`).
  bool cache_post = false;
  // Route TTL used when the origin sent no freshness information (no max-age, s-maxage,
  // Expires) for a status in ttl_statuses. Never overrides no-store / private / no-cache.
  std::optional<Duration> ttl;
  std::vector<int> ttl_statuses{200, 203, 204, 300, 301, 404};
  // Route defaults used when a response carries no stale-while-revalidate / stale-if-error.
  std::optional<Duration> stale_while_revalidate;
  std::optional<Duration> stale_if_error;
  SetCookiePolicy set_cookie = SetCookiePolicy::kRefuse;
  bool store_no_store = false;  // store despite no-store (only for origins that misuse it)
  bool store_private = false;   // store despite private (likewise)
  // Heuristic freshness (RFC 9111 §4.2.2) for responses with Last-Modified and no explicit
  // freshness: fraction of (Date - Last-Modified), capped. Off by default.
  bool heuristic = false;
  double heuristic_fraction = 0.1;
  Duration heuristic_max = std::chrono::hours(24);
  // Refresh-ahead: a fresh entry whose age reaches this fraction of its lifetime is served
  // and refreshed in the background. 0 = off; otherwise in (0, 1).
  double refresh_ahead = 0.0;
  // Responses larger than this (body bytes) are not stored; the store's max_object also
  // applies. The proxy streams them through.
  std::uint64_t max_object_bytes = 8 * 1024 * 1024;
  KeyOptions key;
};

// Checks ranges and normalises (lower-cases header names, sorts ttl_statuses). Errors carry
// a static message and the offending value as detail (off the data plane: config loading).
core::Result<CachePolicy> validate_policy(CachePolicy policy);

}  // namespace ramjet::cache
