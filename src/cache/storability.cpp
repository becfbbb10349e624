// Request plans, storability (RFC 9111 §3) and invalidation targets (§4.4).

#include "cache/storability.hpp"

#include "cache/key.hpp"

namespace ramjet::cache {
namespace {

// Status codes whose caching requirements we implement (for must-understand, §5.2.2.3).
bool understood(int status) {
  switch (status) {
    case 200: case 203: case 204: case 300: case 301: case 302: case 303: case 307:
    case 308: case 404: case 405: case 410: case 414: case 451: case 501:
      return true;
    default:
      return false;
  }
}

bool body_keyed(const CachePolicy& policy) {
  return policy.cache_post && policy.key.body != BodyKey::kNone;
}

bool method_storable(http::Method method, const CachePolicy& policy) {
  if (method == http::Method::kGet) {
    return true;
  }
  return (method == http::Method::kPost || method == http::Method::kQuery) && body_keyed(policy);
}

// Status, must-understand, no-store, private: the response-only refusals.
NotStored response_refusal(const ResponseFacts& r, const CachePolicy& policy) {
  if (r.status < 200 || r.status == 304) {
    return NotStored::kStatus;
  }
  if (r.status == 206) {
    return NotStored::kPartial;
  }
  bool ignore_no_store = policy.store_no_store;
  if (r.cc.must_understand) {
    if (!understood(r.status)) {
      return NotStored::kMustUnderstand;
    }
    ignore_no_store = true;
  }
  if (r.cc.no_store && !ignore_no_store && !r.surrogate_governs()) {
    return NotStored::kNoStore;
  }
  if (r.surrogate.no_store) {  // said to us in particular: no route option overrides it
    return NotStored::kNoStore;
  }
  if (r.cc.is_private && !policy.store_private && !r.surrogate_governs()) {
    return NotStored::kPrivate;
  }
  if (r.vary_star) {
    return NotStored::kVaryStar;
  }
  if (r.set_cookie && policy.set_cookie == SetCookiePolicy::kRefuse) {
    return NotStored::kSetCookie;
  }
  return NotStored::kStored;
}

}  // namespace

RequestPlan plan_request(const RequestView& request, const CachePolicy& policy) {
  if (!policy.enabled) {
    return {RequestAction::kBypass, "disabled"};
  }
  switch (request.method) {
    case http::Method::kGet:
    case http::Method::kHead:
      return {RequestAction::kLookup, ""};
    case http::Method::kPost:
      if (body_keyed(policy)) {
        return {RequestAction::kLookup, ""};
      }
      return {RequestAction::kInvalidate, "method"};
    case http::Method::kQuery:
      if (body_keyed(policy)) {
        return {RequestAction::kLookup, ""};
      }
      return {RequestAction::kBypass, "method"};
    case http::Method::kOptions:
    case http::Method::kTrace:
    case http::Method::kConnect:
      return {RequestAction::kBypass, "method"};
    default:
      return {RequestAction::kInvalidate, "method"};
  }
}

const char* to_string(NotStored reason) {
  switch (reason) {
    case NotStored::kStored: return "stored";
    case NotStored::kDisabled: return "disabled";
    case NotStored::kMethod: return "method";
    case NotStored::kRequestNoStore: return "request-no-store";
    case NotStored::kStatus: return "status";
    case NotStored::kPartial: return "partial-content";
    case NotStored::kMustUnderstand: return "must-understand";
    case NotStored::kNoStore: return "no-store";
    case NotStored::kPrivate: return "private";
    case NotStored::kAuthorization: return "authorization";
    case NotStored::kSetCookie: return "set-cookie";
    case NotStored::kVaryStar: return "vary-star";
    case NotStored::kTooLarge: return "too-large";
    case NotStored::kNoFreshness: return "no-freshness";
    case NotStored::kNotReusable: return "not-reusable";
  }
  return "not-stored";
}

StorageDecision decide_storage(const RequestView& request, const RequestDirectives& request_cc,
                               const ResponseFacts& response, const CachePolicy& policy,
                               core::WallTime response_time,
                               std::optional<std::uint64_t> content_length) {
  StorageDecision d;
  if (!policy.enabled) {
    d.reason = NotStored::kDisabled;
    return d;
  }
  if (!method_storable(request.method, policy)) {
    d.reason = NotStored::kMethod;
    return d;
  }
  if (request_cc.no_store) {
    d.reason = NotStored::kRequestNoStore;
    return d;
  }
  d.reason = response_refusal(response, policy);
  if (!d.store()) {
    return d;
  }
  const ResponseDirectives& cc = response.cc;
  if (request.has_header("authorization") &&
      !(cc.must_revalidate || cc.is_public || cc.s_maxage)) {
    d.reason = NotStored::kAuthorization;
    return d;
  }
  if (content_length && *content_length > policy.max_object_bytes) {
    d.reason = NotStored::kTooLarge;
    return d;
  }
  d.lifetime = freshness_lifetime(response, policy, response_time);
  if (d.lifetime.source == LifetimeSource::kNone && !cc.is_public &&
      !heuristically_cacheable(response.status)) {
    d.reason = NotStored::kNoFreshness;
    return d;
  }
  const bool stale_window = cc.stale_while_revalidate || cc.stale_if_error ||
                            response.surrogate.stale_extension ||
                            policy.stale_while_revalidate || policy.stale_if_error;
  const bool reusable_without_validation =
      !response.no_cache() && (d.lifetime.value > core::Duration{0} || stale_window);
  if (!reusable_without_validation && !response.has_validators()) {
    d.reason = NotStored::kNotReusable;
  }
  return d;
}

bool invalidates(int status) { return status >= 200 && status < 400; }

std::vector<std::string> invalidation_urls(const RequestView& request,
                                           std::span<const http::Header> response_headers,
                                           const KeyOptions& options) {
  std::vector<std::string> urls;
  std::string target;
  append_url_key(request.scheme, request.host, request.path, request.query, options, target);
  urls.push_back(target);
  for (const http::Header& h : response_headers) {
    if (!http::iequals(h.name, "location") && !http::iequals(h.name, "content-location")) {
      continue;
    }
    std::string url;
    if (!url_key_from_target(h.value, request.scheme, request.host, options, url)) {
      continue;
    }
    // Same host only (§4.4): compare the scheme://host part of both keys.
    const std::size_t target_host_end = target.find('/', target.find("://") + 3);
    const std::size_t url_host_end = url.find('/', url.find("://") + 3);
    if (target.compare(0, target_host_end, url, 0, url_host_end) == 0) {
      bool seen = false;
      for (const std::string& u : urls) {
        seen = seen || u == url;
      }
      if (!seen) {
        urls.push_back(std::move(url));
      }
    }
  }
  return urls;
}

}  // namespace ramjet::cache
