#pragma once
// What the cache may do with a request and its response, as a shared cache (RFC 9111 §3,
// §3.5, §4.4): whether to look the request up at all, whether a response may be stored, and
// which URLs an unsafe request invalidates. Every "no" carries a short static reason for the
// Cache-Status detail and /cache/explain ("no-store", "authorization"...).
//
// Threading: pure functions; nothing allocates except invalidation_urls' output.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cache/cache_control.hpp"
#include "cache/cache_policy.hpp"
#include "cache/freshness.hpp"
#include "cache/request_view.hpp"

namespace ramjet::cache {

enum class RequestAction : std::uint8_t {
  kLookup,      // build the key and look it up (GET, HEAD; POST/QUERY on body-keyed routes)
  kBypass,      // go upstream; store nothing
  kInvalidate,  // go upstream; if the response is 2xx/3xx, purge invalidation_urls()
};

struct RequestPlan {
  RequestAction action = RequestAction::kBypass;
  const char* reason = "";  // static; why not kLookup
};

// GET and HEAD are looked up (HEAD is answered from a stored GET: the key is
// method-independent). POST and QUERY are looked up only on routes with cache_post and a body
// key, where they are treated as safe queries and invalidate nothing. Other unsafe methods
// (POST elsewhere, PUT, DELETE, PATCH, unknown) invalidate; OPTIONS, TRACE, CONNECT and
// QUERY elsewhere bypass.
RequestPlan plan_request(const RequestView& request, const CachePolicy& policy);

enum class NotStored : std::uint8_t {
  kStored,           // storable
  kDisabled,         // cache off for the route
  kMethod,           // not GET (or POST/QUERY on an opted-in route); HEAD responses included
  kRequestNoStore,   // request Cache-Control: no-store
  kStatus,           // not a final status the cache can reuse (1xx, 304)
  kPartial,          // 206: ranges are not stored
  kMustUnderstand,   // must-understand with a status code we do not implement
  kNoStore,          // response no-store
  kPrivate,          // response private (unqualified)
  kAuthorization,    // request had Authorization and the response no public/s-maxage/m-r
  kSetCookie,        // Set-Cookie and the policy refuses it
  kVaryStar,         // Vary: *
  kTooLarge,         // Content-Length over max_object_bytes
  kNoFreshness,      // no explicit freshness, not public, status not heuristically cacheable
  kNotReusable,      // would be stale at once with no validator and no stale window
};

// Short token for Cache-Status `detail=` and logs: "no-store", "private", "vary-star"...
const char* to_string(NotStored reason);

struct StorageDecision {
  NotStored reason = NotStored::kStored;
  Lifetime lifetime;  // as freshness_lifetime() computed it

  bool store() const { return reason == NotStored::kStored; }
};

// Whether the response to `request` may be stored (RFC 9111 §3, §3.5), with the route's
// overrides: forced TTL (via freshness_lifetime), store_no_store, store_private, set_cookie.
// A response with must-understand whose status we implement ignores no-store (§5.2.2.3).
// `content_length` is the response's Content-Length if it has one (chunked: nullopt; the
// EntryBuilder then enforces the limit while the body streams).
StorageDecision decide_storage(const RequestView& request, const RequestDirectives& request_cc,
                               const ResponseFacts& response, const CachePolicy& policy,
                               core::WallTime response_time,
                               std::optional<std::uint64_t> content_length);

// True if a response with `status` to an unsafe request invalidates (§4.4: non-error status,
// i.e. 2xx or 3xx).
bool invalidates(int status);

// The URL keys (key.hpp, CacheKey::url()) an unsafe request invalidates after a non-error
// response: its target, and the Location and Content-Location targets when they are on the
// same host (absolute URLs with the same host, or absolute paths). Relative references other
// than absolute paths are not resolved.
std::vector<std::string> invalidation_urls(const RequestView& request,
                                           std::span<const http::Header> response_headers,
                                           const KeyOptions& options);

}  // namespace ramjet::cache
