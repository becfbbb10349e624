#pragma once
// The proxy's side of the response cache: turning a route's configuration into a
// cache::CachePolicy, deciding what a request does with the store before anything goes
// upstream (CacheFront), and formatting X-Cache / Cache-Status (RFC 9211). The cache module
// itself (src/cache) knows nothing of sockets; the coroutine parts (collapsing, background
// refresh, serving an entry) live in session.cpp.

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

#include "cache/cache.hpp"
#include "config/config.hpp"
#include "proxy/head_writer.hpp"

namespace ramjet::proxy {

// The policy of one route, or null when the route does not cache (cache off globally or
// for the route). Errors are configuration errors (reported at start or reload).
core::Result<std::shared_ptr<const cache::CachePolicy>> make_cache_policy(
    const config::Config& config, const config::Route& route);

cache::StoreOptions make_store_options(const config::CacheOptions& options);

// What X-Cache says (one word) and what Cache-Status explains.
enum class CacheLabel : std::uint8_t { kNone, kHit, kMiss, kStale, kRevalidated, kBypass, kExpired };
const char* to_string(CacheLabel label);

// The cache's verdict on one request, before anything goes upstream.
struct CacheFront {
  enum class Action : std::uint8_t {
    kBypass,          // not cacheable: forward, store nothing
    kServe,           // answer from `entry` now
    kServeAndRefresh, // answer from `entry` now, refresh it in the background
    kFetch,           // go upstream (revalidating `entry` if set), maybe store
    kOnlyIfCached,    // only-if-cached and nothing usable: 504
  };
  Action action = Action::kBypass;
  CacheLabel label = CacheLabel::kBypass;
  const char* detail = "";     // static: Cache-Status detail / fwd reason
  const char* fwd = "";        // RFC 9211 fwd= value: "uri-miss", "stale", "bypass", ...
  bool invalidate = false;     // unsafe method: purge the target after a 2xx/3xx
  std::shared_ptr<const cache::CachedResponse> entry;  // served or to revalidate
  cache::RequestDirectives request_cc;
  cache::FreshnessDecision decision;
  bool keyed = false;  // `key` was built (the request was planned for a lookup)
  cache::LookupStatus lookup = cache::LookupStatus::kMiss;  // what the store said, if keyed
};

// Plans the request, builds `key`, looks it up and decides. `body` is the complete
// request body for body-keyed routes (empty otherwise).
CacheFront consult_cache(cache::Store& store, const cache::CachePolicy& policy,
                         const http::RequestHead& head, std::string_view body,
                         cache::CacheKey& key, core::MonoTime now);

// The same decision, through the same code, with Store::peek instead of Store::lookup: the
// store records nothing (no frequency, recency or hit counts). For /cache/explain.
CacheFront peek_cache(const cache::Store& store, const cache::CachePolicy& policy,
                      const http::RequestHead& head, std::string_view body,
                      cache::CacheKey& key, core::MonoTime now);

// Appends "X-Cache: <label>" and "Cache-Status: ramjet; ..." (RFC 9211) header lines.
void write_cache_headers(HeadWriter& w, CacheLabel label, std::string_view fwd,
                         std::string_view detail, bool stored, std::optional<std::int64_t> ttl,
                         bool collapsed);

}  // namespace ramjet::proxy
