#pragma once
// Freshness (RFC 9111 §4.2, RFC 5861): what a response head says about its lifetime and age,
// and, at lookup time, whether a stored response may be served, served while refreshing, or
// must be revalidated first.
//
// Clocks: the RFC's age arithmetic compares the origin's Date with our receipt time, so it
// runs on wall time (ExchangeTimes) once, when a response is stored; from then on an entry
// ages on the monotonic clock (FreshnessInfo::response_mono), so a wall-clock step never
// makes the whole cache fresh or stale at once. Every function takes `now` explicitly; the
// caller reads it from its injected core::Clock.
//
// Threading: pure functions over values. ResponseFacts holds views into the response head
// buffer it was read from, which must outlive it.

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "cache/cache_control.hpp"
#include "cache/cache_policy.hpp"
#include "core/clock.hpp"
#include "http/parser.hpp"

namespace ramjet::cache {

// When the exchange that produced a response happened (RFC 9111 §4.2.3 request_time and
// response_time). The proxy reads request_time just before sending the request upstream and
// the other two when the response head arrives.
struct ExchangeTimes {
  core::WallTime request_time;
  core::WallTime response_time;
  core::MonoTime response_mono;  // response_time on the monotonic clock

  // Response times read from `clock` now.
  static ExchangeTimes received(const core::Clock& clock, core::WallTime request_time) {
    return ExchangeTimes{request_time, clock.wall_now(), clock.now()};
  }
};

// What the cache reads from a response head.
struct ResponseFacts {
  int status = 0;
  ResponseDirectives cc;
  SurrogateDirectives surrogate;  // Surrogate-Control meant for us
  std::optional<core::WallTime> date;           // valid Date
  bool expires_present = false;                 // an Expires field, valid or not
  std::optional<core::WallTime> expires;        // valid Expires (invalid reads as the past)
  std::optional<core::WallTime> last_modified;  // valid Last-Modified
  std::optional<Seconds> age;                   // Age, when it is one delta-seconds value
  // Age present but not one non-negative integer on one field line ("abc", "-1", "7.0",
  // "0, 0", two lines, "10;p=1"). RFC 9111 §5.1 says to use the first member or ignore an
  // invalid one, which would let a response of unknown age be served as fresh; we take the
  // conservative reading the http-cache-tests suite requires: the response is stale (a
  // lifetime of 0), so it is revalidated before reuse.
  bool age_unusable = false;
  std::string_view etag;                        // first ETag value as sent (W/"..." or "...")
  std::string_view last_modified_text;          // Last-Modified value as sent
  bool has_vary = false;
  bool vary_star = false;  // Vary: * (never stored, §4.1)
  bool set_cookie = false;

  bool has_validators() const { return !etag.empty() || !last_modified_text.empty(); }
  // max-age, s-maxage or Expires present (RFC 9111 §4.2.1).
  bool explicit_freshness() const { return cc.max_age || cc.s_maxage || expires_present; }
  // Surrogate-Control gave us a max-age: it, not Cache-Control's no-store, private, no-cache,
  // max-age and s-maxage nor Expires, decides whether and how long we keep the response
  // (cache_control.hpp). must-revalidate and proxy-revalidate still hold.
  bool surrogate_governs() const { return surrogate.max_age.has_value(); }
  // Cache-Control no-cache, unless Surrogate-Control governs.
  bool no_cache() const { return cc.no_cache && !surrogate_governs(); }
};

// Reads the fields the cache uses from a response head (`status` and its headers).
ResponseFacts analyze_response(int status, std::span<const http::Header> headers);

enum class LifetimeSource : std::uint8_t {
  kNone,       // no freshness information: lifetime 0
  kSurrogateMaxAge,  // Surrogate-Control: max-age
  kSMaxAge,
  kMaxAge,
  kExpires,
  kRouteTtl,   // CachePolicy::ttl, the origin having said nothing
  kHeuristic,  // CachePolicy::heuristic from Last-Modified
};

const char* to_string(LifetimeSource source);

struct Lifetime {
  core::Duration value{0};
  LifetimeSource source = LifetimeSource::kNone;
};

// Freshness lifetime (§4.2.1): Surrogate-Control max-age, else s-maxage, else max-age, else
// Expires - Date (Date absent: response_time); else the route TTL for a listed status; else
// heuristic if enabled (§4.2.2: fraction of Date - Last-Modified for heuristically cacheable
// statuses, capped); else 0. Always 0 (from the same source) when the Age is unusable.
Lifetime freshness_lifetime(const ResponseFacts& facts, const CachePolicy& policy,
                            core::WallTime response_time);

// corrected_initial_age of §4.2.3:
//   apparent_age = max(0, response_time - date_value)
//   corrected_age_value = age_value + (response_time - request_time)
//   corrected_initial_age = max(apparent_age, corrected_age_value)
core::Duration corrected_initial_age(const ResponseFacts& facts, const ExchangeTimes& times);

// True for the status codes RFC 9110 §15.1 defines as heuristically cacheable.
bool heuristically_cacheable(int status);

// Everything the lookup-time decisions need about a stored response, fixed when it is stored.
struct FreshnessInfo {
  core::MonoTime response_mono{};
  core::WallTime response_time{};
  core::Duration corrected_initial_age{0};
  core::Duration lifetime{0};
  core::Duration stale_while_revalidate{0};  // response's, else the route's
  core::Duration stale_if_error{0};          // response's, else the route's
  LifetimeSource source = LifetimeSource::kNone;
  bool must_revalidate = false;  // must-revalidate, proxy-revalidate or s-maxage (§5.2.2.10)
  bool no_cache = false;         // unqualified no-cache: revalidate before every use
  bool has_validators = false;

  // The monotonic instant the response stops being fresh (may precede response_mono).
  core::MonoTime fresh_until() const {
    return response_mono + lifetime - corrected_initial_age;
  }
};

FreshnessInfo make_freshness(const ResponseFacts& facts, const CachePolicy& policy,
                             const ExchangeTimes& times);

// current_age of §4.2.3: corrected_initial_age + (now - response time).
core::Duration current_age(const FreshnessInfo& info, core::MonoTime now);

// The Age header value to send on a hit: current age in whole seconds, clamped to 2^31.
std::int64_t age_seconds(const FreshnessInfo& info, core::MonoTime now);

enum class Verdict : std::uint8_t {
  kFresh,                 // serve it
  kFreshRefreshAhead,     // serve it and start a background refresh (policy.refresh_ahead)
  kStaleWhileRevalidate,  // stale within stale-while-revalidate: serve, refresh in background
  kStaleAllowed,          // stale, but the request's max-stale accepts it: serve
  kRevalidate,            // contact the origin first (conditionally if it has validators)
};

const char* to_string(Verdict verdict);

struct FreshnessDecision {
  Verdict verdict = Verdict::kRevalidate;
  core::Duration age{0};
  core::Duration ttl_left{0};   // lifetime - age; negative once stale
  const char* reason = "";      // static text: why kRevalidate (or which stale rule served)

  bool serve_now() const { return verdict != Verdict::kRevalidate; }
  bool refresh_in_background() const {
    return verdict == Verdict::kFreshRefreshAhead || verdict == Verdict::kStaleWhileRevalidate;
  }
};

// The lookup-time decision for a stored response (RFC 9111 §4.2, §4.2.4, §5.2.1,
// RFC 5861 §3): request no-cache, response no-cache and, once stale, must-revalidate force
// revalidation; request max-age / min-fresh narrow what counts as fresh; max-stale accepts
// stale; stale-while-revalidate serves stale while one refresh runs (not when the request
// set no-cache, max-age or min-fresh). only-if-cached is the caller's: if the verdict is
// kRevalidate, answer 504 instead of contacting the origin.
FreshnessDecision decide(const FreshnessInfo& info, const RequestDirectives& request,
                         const CachePolicy& policy, core::MonoTime now);

// stale-if-error (RFC 5861 §4): whether the stored response may be served because the
// origin failed (error status 500/502/503/504, timeout, refused connection). True while
// fresh; when stale, within the request's stale-if-error if it sent one, else the entry's
// window, or within the request's max-stale; never with no-cache, nor once stale with
// must-revalidate.
bool usable_on_error(const FreshnessInfo& info, const RequestDirectives& request,
                     core::MonoTime now);

}  // namespace ramjet::cache
