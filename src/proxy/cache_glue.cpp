#include "proxy/cache_glue.hpp"


namespace ramjet::proxy {

const char* to_string(CacheLabel label) {
  switch (label) {
    case CacheLabel::kNone:
      return "";
    case CacheLabel::kHit:
      return "HIT";
    case CacheLabel::kMiss:
      return "MISS";
    case CacheLabel::kStale:
      return "STALE";
    case CacheLabel::kRevalidated:
      return "REVALIDATED";
    case CacheLabel::kBypass:
      return "BYPASS";
    case CacheLabel::kExpired:
      return "EXPIRED";
  }
  return "";
}

core::Result<std::shared_ptr<const cache::CachePolicy>> make_cache_policy(
    const config::Config& config, const config::Route& route) {
  const auto& rc = route.cache;
  if (!config.cache.enabled || !rc.enabled) {
    return std::shared_ptr<const cache::CachePolicy>();
  }
  cache::CachePolicy p;
  p.enabled = true;
  p.ttl = rc.ttl;
  p.ttl_statuses = rc.ttl_statuses;
  p.stale_while_revalidate = rc.stale_while_revalidate;
  p.stale_if_error = rc.stale_if_error;
  p.refresh_ahead = rc.refresh_ahead;
  p.heuristic = rc.heuristic;
  p.store_no_store = rc.store_no_store;
  p.store_private = rc.store_private;
  switch (rc.set_cookie) {
    case config::SetCookieMode::kRefuse:
      p.set_cookie = cache::SetCookiePolicy::kRefuse;
      break;
    case config::SetCookieMode::kStrip:
      p.set_cookie = cache::SetCookiePolicy::kStrip;
      break;
    case config::SetCookieMode::kStore:
      p.set_cookie = cache::SetCookiePolicy::kStore;
      break;
  }
  p.max_object_bytes = std::min(rc.max_object.value_or(config.cache.max_object),
                                config.cache.max_object);
  p.key.sort_query = rc.sort_query;
  p.key.drop_query = rc.drop_query;
  p.key.include_headers = rc.include_headers;
  p.key.max_body_bytes = rc.max_body_bytes;
  switch (rc.body_key) {
    case config::BodyKeyKind::kNone:
      p.key.body = cache::BodyKey::kNone;
      break;
    case config::BodyKeyKind::kRaw:
      p.key.body = cache::BodyKey::kRaw;
      break;
    case config::BodyKeyKind::kJson:
      p.key.body = cache::BodyKey::kJson;
      break;
  }
  p.cache_post = p.key.body != cache::BodyKey::kNone;
  auto valid = cache::validate_policy(std::move(p));
  if (!valid.ok()) {
    return valid.error();
  }
  return std::make_shared<const cache::CachePolicy>(std::move(valid.value()));
}

cache::StoreOptions make_store_options(const config::CacheOptions& options) {
  cache::StoreOptions s;
  s.max_memory = options.max_memory;
  s.max_object = options.max_object;
  return s;
}

namespace {

// consult_cache's decision with the store access given: `look(view)` is Store::lookup
// for the request path and Store::peek for /cache/explain, so both run this one code.
template <typename Look>
CacheFront decide_front(const cache::CachePolicy& policy, const http::RequestHead& head,
                        std::string_view body, cache::CacheKey& key, core::MonoTime now,
                        Look&& look) {
  CacheFront f;
  cache::RequestView view = cache::RequestView::from(head, "http", body);
  cache::RequestPlan plan = cache::plan_request(view, policy);
  if (plan.action != cache::RequestAction::kLookup) {
    f.action = CacheFront::Action::kBypass;
    f.label = CacheLabel::kBypass;
    f.fwd = "bypass";
    f.detail = plan.reason;
    f.invalidate = plan.action == cache::RequestAction::kInvalidate;
    return f;
  }
  cache::KeyError ke = cache::build_key(view, policy.key, key);
  if (ke != cache::KeyError::kNone) {
    f.action = CacheFront::Action::kBypass;
    f.label = CacheLabel::kBypass;
    f.fwd = "bypass";
    f.detail = cache::to_string(ke);
    return f;
  }
  f.keyed = true;
  f.request_cc = cache::parse_request_directives(view.headers);
  cache::LookupResult found = look(view);
  f.lookup = found.status;
  if (!found.response) {
    f.action = f.request_cc.only_if_cached ? CacheFront::Action::kOnlyIfCached
                                           : CacheFront::Action::kFetch;
    f.label = CacheLabel::kMiss;
    f.fwd = found.status == cache::LookupStatus::kVariantMiss ? "vary-miss" : "uri-miss";
    return f;
  }
  f.entry = std::move(found.response);
  f.decision = cache::decide(f.entry->freshness(), f.request_cc, policy, now);
  switch (f.decision.verdict) {
    case cache::Verdict::kFresh:
      f.action = CacheFront::Action::kServe;
      f.label = CacheLabel::kHit;
      return f;
    case cache::Verdict::kFreshRefreshAhead:
      f.action = CacheFront::Action::kServeAndRefresh;
      f.label = CacheLabel::kHit;
      f.detail = "refresh-ahead";
      return f;
    case cache::Verdict::kStaleWhileRevalidate:
      f.action = CacheFront::Action::kServeAndRefresh;
      f.label = CacheLabel::kStale;
      f.detail = "stale-while-revalidate";
      return f;
    case cache::Verdict::kStaleAllowed:
      f.action = CacheFront::Action::kServe;
      f.label = CacheLabel::kStale;
      f.detail = "max-stale";
      return f;
    case cache::Verdict::kRevalidate:
      break;
  }
  f.action = f.request_cc.only_if_cached ? CacheFront::Action::kOnlyIfCached
                                         : CacheFront::Action::kFetch;
  f.label = CacheLabel::kExpired;
  f.fwd = "stale";
  f.detail = f.decision.reason;
  return f;
}

}  // namespace

CacheFront consult_cache(cache::Store& store, const cache::CachePolicy& policy,
                         const http::RequestHead& head, std::string_view body,
                         cache::CacheKey& key, core::MonoTime now) {
  return decide_front(policy, head, body, key, now, [&](const cache::RequestView& view) {
    return store.lookup(key, view.headers);
  });
}

CacheFront peek_cache(const cache::Store& store, const cache::CachePolicy& policy,
                      const http::RequestHead& head, std::string_view body,
                      cache::CacheKey& key, core::MonoTime now) {
  return decide_front(policy, head, body, key, now, [&](const cache::RequestView& view) {
    return store.peek(key, view.headers);
  });
}

void write_cache_headers(HeadWriter& w, CacheLabel label, std::string_view fwd,
                         std::string_view detail, bool stored, std::optional<std::int64_t> ttl,
                         bool collapsed) {
  if (label == CacheLabel::kNone) {
    return;
  }
  bool hit = label == CacheLabel::kHit || label == CacheLabel::kStale;
  w.add("X-Cache: ").add(to_string(label)).add("\r\nCache-Status: ramjet; ");
  if (hit) {
    w.add("hit");
  } else {
    w.add("fwd=").add(fwd.empty() ? std::string_view("miss") : fwd);
  }
  if (stored) {
    w.add("; stored");
  }
  if (ttl) {
    w.add("; ttl=");
    if (*ttl < 0) {
      w.add("-").add_uint(static_cast<std::uint64_t>(-*ttl));
    } else {
      w.add_uint(static_cast<std::uint64_t>(*ttl));
    }
  }
  if (collapsed) {
    w.add("; collapsed");
  }
  if (!detail.empty()) {
    w.add("; detail=").add(detail);
  }
  w.add("\r\n");
}

}  // namespace ramjet::proxy
