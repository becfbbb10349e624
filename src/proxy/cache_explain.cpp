#include "proxy/cache_explain.hpp"

#include <chrono>
#include <cstdio>

#include "proxy/server.hpp"

namespace ramjet::proxy {
namespace {

using std::chrono::duration;

core::Error bad(const char* message, std::string detail) {
  return core::Error{message, std::move(detail)};
}

bool is_control(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u < 0x20 || u == 0x7F;
}

bool starts_with_ci(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && http::iequals(text.substr(0, prefix.size()), prefix);
}

// Checks what the parser cannot see once the head is assembled: bytes that would split or
// end a line (and so smuggle fields in), lower-case methods, framing fields.
core::Result<bool> check_description(const ExplainRequest& r) {
  if (r.method.empty()) {
    return bad("bad method", "method is empty");
  }
  for (const char c : r.method) {
    if (c >= 'a' && c <= 'z') {
      return bad("bad method", "methods are case-sensitive: write " + r.method + " in capitals");
    }
    if (is_control(c) || c == ' ') {
      return bad("bad method", "method has a space or a control character");
    }
  }
  if (r.url.empty()) {
    return bad("missing url", "give url: a path such as /api/x?a=1 or an absolute http:// URL");
  }
  if (r.url.front() != '/' && !starts_with_ci(r.url, "http://") &&
      !starts_with_ci(r.url, "https://")) {
    return bad("bad url", "url must be a path starting with '/' or an absolute http:// URL");
  }
  for (const char c : r.url) {
    if (is_control(c) || c == ' ') {
      return bad("bad url", "url has a space or a control character (percent-encode it)");
    }
  }
  for (const auto& [name, value] : r.headers) {
    if (name.empty()) {
      return bad("bad header", "a header has no name (give 'Name: value')");
    }
    for (const char c : name + value) {
      if (is_control(c) && c != '\t') {
        return bad("bad header", "header " + name + " has a control character");
      }
    }
    if (http::iequals(name, "content-length") || http::iequals(name, "transfer-encoding")) {
      return bad("bad header", name + " is set from the body of the explain request itself");
    }
  }
  return true;
}

bool has_header(const ExplainRequest& r, std::string_view name) {
  for (const auto& h : r.headers) {
    if (http::iequals(h.first, name)) {
      return true;
    }
  }
  return false;
}

// The authority of an absolute URL ("http://a:1/x" -> "a:1").
std::string_view authority_of(std::string_view url) {
  url.remove_prefix(url.find("://") + 3);
  return url.substr(0, url.find_first_of("/?"));
}

// The request head a client would send for the description.
std::string build_head(const ExplainRequest& r, std::string_view default_host) {
  std::string head = r.method + " " + r.url + " HTTP/1.1\r\n";
  if (!has_header(r, "host")) {
    head.append("Host: ")
        .append(r.url.front() == '/' ? default_host : authority_of(r.url))
        .append("\r\n");
  }
  for (const auto& [name, value] : r.headers) {
    head.append(name).append(": ").append(value).append("\r\n");
  }
  if (!r.body.empty()) {
    head.append("Content-Length: ").append(std::to_string(r.body.size())).append("\r\n");
  }
  head.append("\r\n");
  return head;
}

// "12s" (whole seconds, truncated like the ttl_left_s figure), "0.4s" below a second.
std::string seconds_text(core::Duration d) {
  const double s = duration<double>(d).count();
  char buf[32];
  if (s < 1.0) {
    std::snprintf(buf, sizeof buf, "%.1fs", s);
  } else {
    std::snprintf(buf, sizeof buf, "%llds", static_cast<long long>(s));
  }
  return buf;
}

std::string fraction_text(double fraction) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", fraction);
  return buf;
}

ExplainAction live_action_of(const CacheFront& f) {
  switch (f.action) {
    case CacheFront::Action::kBypass:
      return ExplainAction::kBypass;
    case CacheFront::Action::kServe:
      return ExplainAction::kServe;
    case CacheFront::Action::kServeAndRefresh:
      return ExplainAction::kServeAndRefresh;
    case CacheFront::Action::kOnlyIfCached:
      return ExplainAction::kOnlyIfCached;
    case CacheFront::Action::kFetch:
      break;
  }
  // The session sends the entry's validators upstream (append_revalidation_headers); with
  // none, the conditional request is an ordinary one.
  return f.entry && f.entry->freshness().has_validators ? ExplainAction::kRevalidate
                                                        : ExplainAction::kFetch;
}

std::string bypass_reason(const CacheFront& f, const cache::CacheKey& key,
                          const cache::CachePolicy& policy, std::string_view method) {
  const std::string_view detail = f.detail;
  const std::string m(method);
  if (detail == "method" && f.invalidate) {
    return m + " is not looked up on this route: forwarded, and a 2xx or 3xx answer purges "
               "what is stored for its URL (POST and QUERY are cached only on routes whose "
               "key includes the body)";
  }
  if (detail == "method") {
    return m + " requests are not cached: forwarded untouched";
  }
  if (detail == "body-too-large") {
    return "the body is larger than the route's key max_body_bytes (" +
           std::to_string(policy.key.max_body_bytes) + "): forwarded, not cached";
  }
  if (detail == "invalid-json") {
    return std::string("the route keys on json_body and the body is not valid JSON (") +
           cache::to_string(key.json_error) + "): forwarded, not cached";
  }
  if (detail == "body-not-keyed") {
    return m + " is cached only on routes whose key includes the body: forwarded, not cached";
  }
  return "not cacheable (" + std::string(detail) + "): forwarded, not cached";
}

std::string miss_reason(const CacheFront& f, std::string_view vary) {
  switch (f.lookup) {
    case cache::LookupStatus::kVariantMiss:
      return "responses are stored for this key, but none for this request's values of " +
             std::string(vary) + " (Vary): would fetch from the upstream";
    case cache::LookupStatus::kExpired:
      return "the stored response is past its stale windows and retention: it is dropped at "
             "the next lookup and fetched again";
    case cache::LookupStatus::kHit:
    case cache::LookupStatus::kMiss:
      break;
  }
  return "no stored response for this key: would fetch from the upstream (and store the "
         "answer if it is storable)";
}

// Why a stored response is not served as it is (FreshnessDecision::reason).
std::string revalidate_cause(const CacheFront& f) {
  const std::string_view why = f.decision.reason;
  const std::string stale_by = seconds_text(-f.decision.ttl_left);
  if (why == "request no-cache") {
    return "the request's Cache-Control: no-cache asks for a check with the origin";
  }
  if (why == "no-cache") {
    return "the stored response has Cache-Control: no-cache (check before every use)";
  }
  if (why == "request max-age") {
    return "the stored response is " + seconds_text(f.decision.age) +
           " old, more than the request's max-age";
  }
  if (why == "request min-fresh") {
    return "the stored response is fresh for only " + seconds_text(f.decision.ttl_left) +
           ", less than the request's min-fresh";
  }
  if (why == "must-revalidate") {
    return "the stored response is stale by " + stale_by +
           " and must-revalidate (or s-maxage) forbids serving it stale";
  }
  return "the stored response is stale by " + stale_by;
}

std::string entry_reason(const CacheFront& f, const cache::CachePolicy& policy) {
  const cache::FreshnessInfo& info = f.entry->freshness();
  switch (f.decision.verdict) {
    case cache::Verdict::kFresh:
      return "the stored response is fresh for another " + seconds_text(f.decision.ttl_left) +
             ": served from the cache";
    case cache::Verdict::kFreshRefreshAhead:
      return "the stored response is fresh for another " + seconds_text(f.decision.ttl_left) +
             " but past the route's refresh_ahead point (" + fraction_text(policy.refresh_ahead) +
             " of its lifetime): served, and refreshed in the background";
    case cache::Verdict::kStaleWhileRevalidate:
      return "the stored response is stale by " + seconds_text(-f.decision.ttl_left) +
             ", within its stale-while-revalidate window (" +
             seconds_text(info.stale_while_revalidate) +
             "): served stale, and refreshed in the background";
    case cache::Verdict::kStaleAllowed:
      return "the stored response is stale by " + seconds_text(-f.decision.ttl_left) +
             ", which the request's max-stale accepts: served stale";
    case cache::Verdict::kRevalidate:
      break;
  }
  std::string r = revalidate_cause(f);
  if (info.has_validators) {
    r += " and it has validators (";
    r += f.entry->etag().empty() ? "Last-Modified" : "ETag";
    r += "): would revalidate with the origin";
  } else {
    r += " and it has no validators: would fetch it again in full";
  }
  return r;
}

// The reason sentence for a route that caches.
std::string cache_reason(const CacheExplanation& e, const cache::CacheKey& key,
                         const cache::CachePolicy& policy, std::string_view vary) {
  const CacheFront& f = e.front;
  std::string r;
  if (f.action == CacheFront::Action::kBypass) {
    r = bypass_reason(f, key, policy, e.method);
  } else if (!f.entry) {
    r = miss_reason(f, vary);
  } else {
    r = entry_reason(f, policy);
  }
  if (f.action == CacheFront::Action::kOnlyIfCached) {
    r += "; but the request's only-if-cached forbids going upstream: 504";
  }
  if (e.shadow && e.live_action != ExplainAction::kBypass) {
    r += std::string("; shadow mode: forwarded anyway, a live cache would ") +
         to_string(e.live_action);
  }
  return r;
}

// The route's cache at work: fills front, actions, key, entry figures and the reason.
void explain_cache_part(const ExplainContext& ctx, const config::Route& route,
                        const cache::CachePolicy& policy, const http::RequestHead& head,
                        std::string_view body, core::MonoTime now, CacheExplanation& e) {
  cache::CacheKey key;
  // As the session: only body-keyed routes read the body for the key.
  e.front = peek_cache(*ctx.store, policy, head, policy.cache_post ? body : std::string_view(),
                       key, now);
  e.shadow = route.cache.mode.value_or(ctx.config->cache.mode) == config::CacheMode::kShadow;
  e.live_action = live_action_of(e.front);
  e.action = e.shadow && e.live_action != ExplainAction::kBypass ? ExplainAction::kFetch
                                                                : e.live_action;
  std::string vary;
  if (e.front.keyed) {
    e.key = cache::printable_key(key.bytes);
    e.canonical_body = key.canonical_body;
    const std::vector<cache::EntryInfo> stored = ctx.store->explain(key);
    e.variants = stored.size();
    if (!stored.empty() && stored.front().response) {
      vary = stored.front().response->vary();
    }
  }
  if (e.front.entry) {
    e.age_s = cache::age_seconds(e.front.entry->freshness(), now);
    // As Cache-Status ttl= on a hit: fresh_until - now, truncated to whole seconds.
    e.ttl_left_s = std::chrono::duration_cast<std::chrono::seconds>(e.front.decision.ttl_left)
                       .count();
    e.fresh = e.front.decision.ttl_left > core::Duration::zero();
  }
  e.reason = cache_reason(e, key, policy, vary);
}

void reject(CacheExplanation& e, int status, std::string reason) {
  e.action = e.live_action = ExplainAction::kReject;
  e.reject_status = status;
  e.front.label = CacheLabel::kNone;
  e.reason = std::move(reason);
}

}  // namespace

const char* to_string(ExplainAction action) {
  switch (action) {
    case ExplainAction::kReject:
      return "reject";
    case ExplainAction::kBypass:
      return "bypass";
    case ExplainAction::kServe:
      return "serve";
    case ExplainAction::kServeAndRefresh:
      return "serve_and_refresh";
    case ExplainAction::kFetch:
      return "fetch";
    case ExplainAction::kRevalidate:
      return "revalidate";
    case ExplainAction::kOnlyIfCached:
      return "only_if_cached";
  }
  return "bypass";
}

core::Result<CacheExplanation> explain_request(const ExplainContext& ctx,
                                               const ExplainRequest& request,
                                               core::MonoTime now) {
  if (auto ok = check_description(request); !ok.ok()) {
    return ok.error();
  }
  const config::Config& config = *ctx.config;
  const std::string raw = build_head(request, ctx.default_host);
  const http::ParseLimits limits = config::parse_limits(config.limits);
  std::vector<http::Header> fields(limits.max_headers + 1);
  http::RequestHead head;
  const http::ParseResult parsed = http::parse_request(raw, limits, fields, head);
  if (parsed.status == http::ParseStatus::kNeedMore) {
    return bad("not a valid request", "the head is incomplete");
  }
  if (parsed.status != http::ParseStatus::kComplete) {
    return bad("not a valid request",
               std::string(http::to_string(parsed.error)) + " (the proxy would answer " +
                   std::to_string(http::status_for(parsed.error)) + ")");
  }
  CacheExplanation e;
  e.method = std::string(head.method);
  e.host = std::string(head.host);
  e.target = std::string(head.target);
  // The session's checks before the cache, in its order.
  if (head.method_id == http::Method::kConnect) {
    reject(e, 405, "CONNECT is not supported");
    return e;
  }
  const config::Route* route = match_route(config, head);
  if (route == nullptr) {
    reject(e, 404, "no route matches this request");
    return e;
  }
  e.route = route->name;
  if (request.body.size() > config.limits.max_body_bytes) {
    reject(e, 413, "the body is larger than limits.max_body_bytes");
    return e;
  }
  const auto index = static_cast<std::size_t>(route - config.routes.data());
  const cache::CachePolicy* policy =
      ctx.policies != nullptr && index < ctx.policies->size() ? (*ctx.policies)[index].get()
                                                               : nullptr;
  if (policy == nullptr || ctx.store == nullptr) {
    e.action = e.live_action = ExplainAction::kBypass;
    e.front.label = CacheLabel::kBypass;
    e.reason = ctx.store == nullptr || !config.cache.enabled
                   ? "caching is off (cache.enabled: false): forwarded, not cached"
                   : "the cache is off for route " + route->name + ": forwarded, not cached";
    return e;
  }
  e.route_caches = true;
  explain_cache_part(ctx, *route, *policy, head, request.body, now, e);
  return e;
}

core::Result<CacheExplanation> explain_request(const Server& server,
                                               const ExplainRequest& request,
                                               core::MonoTime now) {
  const Server::Snapshot snapshot = server.snapshot();
  ExplainContext ctx;
  ctx.config = snapshot.config.get();
  ctx.policies = snapshot.cache_policies.get();
  ctx.store = server.cache_store();
  ctx.default_host = default_explain_host(server.listen_address());
  return explain_request(ctx, request, now);
}

std::string default_explain_host(const net::Address& listen) {
  std::string text = listen.to_string();
  if (text.starts_with("0.0.0.0:")) {
    return "127.0.0.1:" + text.substr(8);
  }
  if (text.starts_with("[::]:")) {
    return "[::1]:" + text.substr(5);
  }
  return text;
}

}  // namespace ramjet::proxy
