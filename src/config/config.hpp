#pragma once
// Config: the validated, immutable snapshot of everything a ramjet process was told to do.
//
// Built only by the loader (config/load.hpp), which checks every key, range and
// cross-reference; a Config that exists is valid. After building, treat it as read-only:
// the composition root (src/app/) holds it as std::shared_ptr<const Config> and a reload
// builds a new one, so in-flight requests keep the snapshot they started with (STYLE #8).
// Nothing here is global and nothing here does I/O.
//
// Units live in the types: durations are core::Duration, sizes are *_bytes. Defaults come
// from the profile (defaults_for); docs/CONFIG.md lists each key with its default per profile.

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <regex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/units.hpp"
#include "http/parser.hpp"

namespace ramjet::config {

using core::Duration;

// Machine sizes. Profiles scale capacity (workers, connections, pools); protocol limits and
// timeouts are the same in all three.
enum class Profile : std::uint8_t { kSmall, kMedium, kLarge };
enum class Balance : std::uint8_t { kRoundRobin };
enum class MatchKind : std::uint8_t { kPathPrefix, kPath, kPathRegex };
enum class LogLevel : std::uint8_t { kTrace, kDebug, kInfo, kWarn, kError };
enum class AccessLog : std::uint8_t { kOff, kJson, kCombined };
// Response cache: kShadow computes keys and lookups and counts would-be hits, but always
// forwards (to measure a cache before trusting it).
enum class CacheMode : std::uint8_t { kOn, kShadow };
// What of a POST/QUERY body joins the cache key: nothing (such requests are not cached), the
// raw bytes, or the canonical JSON.
enum class BodyKeyKind : std::uint8_t { kNone, kRaw, kJson };
// A response with Set-Cookie: not stored, stored without its Set-Cookie fields, or as is.
enum class SetCookieMode : std::uint8_t { kRefuse, kStrip, kStore };

// The configuration spelling of each value ("medium", "round_robin", "path_prefix"...).
const char* to_string(Profile profile);
const char* to_string(Balance balance);
const char* to_string(MatchKind kind);
const char* to_string(LogLevel level);
const char* to_string(AccessLog access);
const char* to_string(CacheMode mode);         // "on", "shadow"
const char* to_string(BodyKeyKind kind);       // "none", "body", "json_body" (key components)
const char* to_string(SetCookieMode mode);     // "refuse", "strip", "store"

// A host and a port as written in the configuration; names are resolved elsewhere (net/).
struct HostPort {
  std::string host;  // lower-case DNS name, IPv4 literal, or IPv6 literal without brackets
  std::uint16_t port = 0;

  std::string to_string() const;  // "host:port", "[::1]:port" for IPv6
  friend bool operator==(const HostPort&, const HostPort&) = default;
};

// An IPv4 or IPv6 network such as 10.0.0.0/8 or fd00::/8; host bits are always zero.
struct Cidr {
  std::array<std::uint8_t, 16> network{};  // network order; IPv4 uses the first 4 bytes
  std::uint8_t prefix_length = 0;
  bool ipv6 = false;

  // `address` is 4 (IPv4) or 16 (IPv6) bytes in network order; the family must match.
  bool contains(std::span<const std::uint8_t> address) const;
  std::string to_string() const;
  friend bool operator==(const Cidr&, const Cidr&) = default;
};

struct AdminOptions {
  HostPort listen;
  std::string token;  // secret; empty = none (then listen must be a loopback address)
};

// Limits for the connections to each endpoint of an upstream, for the whole process; the
// proxy gives each worker an equal share, rounded up.
struct PoolOptions {
  std::uint32_t max_idle = 0;   // idle keep-alive connections kept; 0 disables reuse
  Duration idle_ttl{};          // an idle connection older than this is closed, not reused
  std::uint32_t max_total = 0;  // idle plus busy; >= max_idle
};

struct UpstreamOptions {
  std::string name;                 // [A-Za-z0-9_.-], unique; used in metrics labels
  std::vector<HostPort> endpoints;  // at least one, no duplicates
  PoolOptions pool;
  std::optional<std::string> host_rewrite;  // Host sent upstream; nullopt keeps the client's
  Balance balance = Balance::kRoundRobin;
};

// What a request must look like for a route to take it. All given conditions must hold.
struct RouteMatch {
  MatchKind kind = MatchKind::kPathPrefix;
  // The prefix, the exact path, or the regex pattern. Compared with the request's path
  // (without the query), byte for byte.
  std::string path = "/";
  // For kPathRegex: the compiled ECMAScript pattern, matched against the whole path
  // (std::regex_match). libstdc++ matches recursively, so the path length must stay bounded
  // (limits.max_target_bytes does). Null for the other kinds.
  std::shared_ptr<const std::regex> regex;
  std::vector<http::Method> methods;  // empty = any method
  // Empty = any. Lower-case host, compared case-insensitively with the Host header; with no
  // port here the Host header's port is ignored, with a port it must be equal.
  std::string host;
};

// The process-wide response cache (top-level `cache:`). Plain options: the proxy builds the
// cache/ store and policies from these (config/ does not depend on cache/).
struct CacheOptions {
  bool enabled = true;              // `cache: {enabled: false}` or --no-cache
  CacheMode mode = CacheMode::kOn;  // shadow: compute and count, always forward
  std::uint64_t max_memory = 0;     // bytes; profile: small 64MiB, medium 256MiB, large 1GiB
  // Largest stored response body, bytes; <= max_memory / 4. 8MiB unless written (lowered to
  // max_memory / 4 when only max_memory is written and is below 32MiB).
  std::uint64_t max_object = 0;
  Duration collapse_timeout{};  // waiters of a collapsed miss give up (and forward) after this
};

// One route's cache settings (a route's `cache:`; absent = all defaults). The cache key is
// always method, host, path and query (after sort_query / drop_query), plus what is below.
struct RouteCacheOptions {
  bool enabled = true;           // `cache: false` or `cache: {enabled: false}` turns it off
  std::optional<CacheMode> mode;  // overrides CacheOptions::mode
  // Freshness used when the origin sends none (no max-age, s-maxage, Expires), for the
  // statuses in ttl_statuses. Never overrides no-store, private or no-cache.
  std::optional<Duration> ttl;
  std::vector<int> ttl_statuses{200, 203, 204, 300, 301, 404};  // each 200..599, no repeats
  std::optional<Duration> stale_while_revalidate;  // used when a response carries none
  std::optional<Duration> stale_if_error;          // likewise
  double refresh_ahead = 0.0;  // 0 = off, else in (0,1): refresh at this fraction of lifetime
  bool sort_query = false;     // sort query parameters by name in the key
  std::vector<std::string> drop_query;       // glob patterns ('*', '?') over parameter names
  std::vector<std::string> include_headers;  // request header names joining the key; lower-case
  BodyKeyKind body_key = BodyKeyKind::kNone;  // from `key: [..., body | json_body]`
  std::uint64_t max_body_bytes = 64 * 1024;   // body-keyed requests with larger bodies: uncached
  SetCookieMode set_cookie = SetCookieMode::kRefuse;
  bool store_no_store = false;  // store despite no-store (origins that misuse it)
  bool store_private = false;   // store despite private
  bool heuristic = false;       // RFC 9111 §4.2.2 heuristic freshness from Last-Modified
  std::optional<std::uint64_t> max_object;  // bytes; per-route cap, <= CacheOptions::max_object
};

struct Route {
  // Unique. Unless given: "route<N>" (N from 1, file order), or "default" for the route
  // added when there are no routes and one upstream.
  std::string name;
  RouteMatch match;
  std::string upstream;             // name of an entry of Config::upstreams
  std::size_t upstream_index = 0;   // its index there
  std::optional<Duration> timeout;  // whole-request deadline; nullopt = timeouts.request
  RouteCacheOptions cache;
};

struct LimitsOptions {
  std::uint32_t max_connections = 0;  // open downstream connections, whole process
  std::size_t max_header_bytes = 0;   // request line + headers (431 beyond)
  std::size_t max_headers = 0;        // header fields per request (431 beyond)
  std::size_t max_target_bytes = 0;   // request target (414 beyond); <= max_header_bytes
  std::uint64_t max_body_bytes = 0;   // request body (413 beyond); 0 refuses bodies
};

// Every phase of an exchange has a bound. "Gap" timeouts restart on each read.
struct TimeoutOptions {
  Duration client_header{};     // first byte of a request head to its end
  Duration client_idle{};       // keep-alive connection with no request in progress
  Duration client_body{};       // gap between two reads of the request body
  Duration upstream_connect{};  // TCP connect to one endpoint
  Duration upstream_header{};   // request sent to response head received
  Duration upstream_body{};     // gap between two reads of the response body
  Duration request{};           // whole exchange, head received to last byte sent
  Duration drain{};             // on SIGTERM: in-flight work finishes within this; may be 0
};

struct ProxyOptions {
  bool via = true;          // add "Via: 1.1 ramjet" (RFC 9110 §7.6.3)
  bool x_forwarded = true;  // set X-Forwarded-For/-Proto/-Host
  // Peers whose X-Forwarded-* headers are trusted and extended; others' are replaced.
  std::vector<Cidr> trusted_proxies;
  bool add_request_id = true;  // X-Request-Id (kept if the client sent one)
  bool timing_headers = true;  // Server-Timing and X-Process-Time
};

struct LogOptions {
  LogLevel level = LogLevel::kInfo;
  AccessLog access = AccessLog::kOff;
  std::string access_path = "-";  // "-" = standard output, else a file path
};

struct Config {
  Profile profile = Profile::kMedium;
  HostPort listen;
  std::uint32_t workers = 0;  // 0 = one per core
  AdminOptions admin;
  std::vector<UpstreamOptions> upstreams;  // file order; at least one
  std::vector<Route> routes;               // first match wins, in order; at least one
  LimitsOptions limits;
  TimeoutOptions timeouts;
  ProxyOptions proxy;
  LogOptions log;
  CacheOptions cache;
  std::string source;  // what it was built from, for messages: a path or "command line"

  // Null if no upstream has that name.
  const UpstreamOptions* find_upstream(std::string_view name) const;
};

// Everything but upstreams and routes, as `profile` sets it.
Config defaults_for(Profile profile);
// The pool every upstream starts from under `profile`.
PoolOptions default_pool(Profile profile);
// The parser limits that limits.* imply.
http::ParseLimits parse_limits(const LimitsOptions& limits);

// One line for the startup log: profile, listen, workers, admin, upstreams, routes, cache.
std::string describe(const Config& config);
// The whole snapshot as YAML that loads back to the same Config, with admin.token replaced
// by "<redacted>" when set. For the admin /config endpoint.
std::string to_yaml_redacted(const Config& config);

}  // namespace ramjet::config
