// Freshness lifetime, age and the lookup-time verdict (RFC 9111 §4.2, RFC 5861).

#include "cache/freshness.hpp"

#include <algorithm>

#include "http/chars.hpp"
#include "http/date.hpp"

namespace ramjet::cache {
namespace {

using core::Duration;
using std::chrono::duration_cast;

// Whole seconds since the epoch; wide enough that differences of clamped dates never
// overflow (time_point::max() is about 9.2e9 s).
std::int64_t epoch_seconds(core::WallTime t) {
  return duration_cast<Seconds>(t.time_since_epoch()).count();
}

// a - b in seconds, clamped to [0, 2^31].
Duration clamped_difference(core::WallTime a, core::WallTime b) {
  const std::int64_t d = epoch_seconds(a) - epoch_seconds(b);
  return Seconds{std::clamp<std::int64_t>(d, 0, kMaxDeltaSeconds)};
}

std::optional<core::WallTime> parse_date(std::string_view text) {
  const auto t = http::parse_http_date(text);
  if (!t) {
    return std::nullopt;
  }
  return std::chrono::time_point_cast<core::WallTime::duration>(*t);
}

// The first element of a list value ("10, 20" -> "10"), trimmed.
std::string_view first_element(std::string_view value) {
  value = value.substr(0, value.find(','));
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) {
    value.remove_suffix(1);
  }
  return value;
}

bool lists_star(std::string_view list) {
  while (!list.empty()) {
    const std::size_t comma = list.find(',');
    std::string_view element = list.substr(0, comma);
    while (!element.empty() && (element.front() == ' ' || element.front() == '\t')) {
      element.remove_prefix(1);
    }
    if (first_element(element) == "*") {
      return true;
    }
    if (comma == std::string_view::npos) {
      break;
    }
    list.remove_prefix(comma + 1);
  }
  return false;
}

bool status_listed(int status, const std::vector<int>& list) {
  return std::find(list.begin(), list.end(), status) != list.end();
}

}  // namespace

ResponseFacts analyze_response(int status, std::span<const http::Header> headers) {
  ResponseFacts f;
  f.status = status;
  bool have_date = false;
  bool have_age = false;
  for (const http::Header& h : headers) {
    const std::string_view n = h.name;
    if (http::iequals(n, "cache-control")) {
      parse_cache_control(h.value, f.cc);
    } else if (http::iequals(n, "surrogate-control")) {
      parse_surrogate_control(h.value, f.surrogate);
    } else if (http::iequals(n, "date")) {
      if (!have_date) {
        have_date = true;
        f.date = parse_date(h.value);
      }
    } else if (http::iequals(n, "expires")) {
      if (!f.expires_present) {
        f.expires_present = true;
        f.expires = parse_date(h.value);
      }
    } else if (http::iequals(n, "last-modified")) {
      if (f.last_modified_text.empty()) {
        f.last_modified_text = h.value;
        f.last_modified = parse_date(h.value);
      }
    } else if (http::iequals(n, "age")) {
      f.age = have_age ? std::nullopt : parse_delta_seconds(http::chars::trim_ows(h.value));
      f.age_unusable = !f.age.has_value();
      have_age = true;
    } else if (http::iequals(n, "etag")) {
      if (f.etag.empty()) {
        f.etag = h.value;
      }
    } else if (http::iequals(n, "vary")) {
      f.has_vary = f.has_vary || !h.value.empty();
      f.vary_star = f.vary_star || lists_star(h.value);
    } else if (http::iequals(n, "set-cookie")) {
      f.set_cookie = true;
    }
  }
  return f;
}

const char* to_string(LifetimeSource source) {
  switch (source) {
    case LifetimeSource::kNone: return "none";
    case LifetimeSource::kSurrogateMaxAge: return "surrogate-max-age";
    case LifetimeSource::kSMaxAge: return "s-maxage";
    case LifetimeSource::kMaxAge: return "max-age";
    case LifetimeSource::kExpires: return "expires";
    case LifetimeSource::kRouteTtl: return "route-ttl";
    case LifetimeSource::kHeuristic: return "heuristic";
  }
  return "none";
}

bool heuristically_cacheable(int status) {
  switch (status) {
    case 200: case 203: case 204: case 206: case 300: case 301: case 308:
    case 404: case 405: case 410: case 414: case 501:
      return true;
    default:
      return false;
  }
}

namespace {

Lifetime stated_lifetime(const ResponseFacts& facts, const CachePolicy& policy,
                         core::WallTime response_time) {
  if (facts.surrogate.max_age) {
    return {*facts.surrogate.max_age, LifetimeSource::kSurrogateMaxAge};
  }
  if (facts.cc.s_maxage) {
    return {*facts.cc.s_maxage, LifetimeSource::kSMaxAge};
  }
  if (facts.cc.max_age) {
    return {*facts.cc.max_age, LifetimeSource::kMaxAge};
  }
  const core::WallTime date = facts.date.value_or(response_time);
  if (facts.expires_present) {
    // An invalid Expires (such as "0") means "already expired" (§5.3).
    const Duration d = facts.expires ? clamped_difference(*facts.expires, date) : Duration{0};
    return {d, LifetimeSource::kExpires};
  }
  if (policy.ttl && status_listed(facts.status, policy.ttl_statuses)) {
    return {*policy.ttl, LifetimeSource::kRouteTtl};
  }
  if (policy.heuristic && facts.last_modified && heuristically_cacheable(facts.status)) {
    const Duration since_modified = clamped_difference(date, *facts.last_modified);
    const auto scaled = duration_cast<Duration>(since_modified * policy.heuristic_fraction);
    return {std::min(scaled, policy.heuristic_max), LifetimeSource::kHeuristic};
  }
  return {};
}

}  // namespace

Lifetime freshness_lifetime(const ResponseFacts& facts, const CachePolicy& policy,
                            core::WallTime response_time) {
  Lifetime stated = stated_lifetime(facts, policy, response_time);
  if (facts.age_unusable) {
    stated.value = Duration{0};
  }
  return stated;
}

Duration corrected_initial_age(const ResponseFacts& facts, const ExchangeTimes& times) {
  const Duration apparent_age =
      facts.date ? clamped_difference(times.response_time, *facts.date) : Duration{0};
  const Duration response_delay = std::max(Duration{0}, times.response_time - times.request_time);
  const Duration corrected_age_value = facts.age.value_or(Seconds{0}) + response_delay;
  return std::max(apparent_age, corrected_age_value);
}

FreshnessInfo make_freshness(const ResponseFacts& facts, const CachePolicy& policy,
                             const ExchangeTimes& times) {
  FreshnessInfo info;
  const Lifetime lifetime = freshness_lifetime(facts, policy, times.response_time);
  info.response_mono = times.response_mono;
  info.response_time = times.response_time;
  info.corrected_initial_age = corrected_initial_age(facts, times);
  // Bounded so that monotonic deadlines computed from these never overflow.
  info.lifetime = std::min<Duration>(lifetime.value, Seconds{kMaxDeltaSeconds});
  info.source = lifetime.source;
  info.stale_while_revalidate = std::min<Duration>(
      facts.cc.stale_while_revalidate ? Duration{*facts.cc.stale_while_revalidate}
                                      : policy.stale_while_revalidate.value_or(Duration{0}),
      Seconds{kMaxDeltaSeconds});
  info.stale_if_error = std::min<Duration>(
      facts.surrogate.stale_extension ? Duration{*facts.surrogate.stale_extension}
      : facts.cc.stale_if_error       ? Duration{*facts.cc.stale_if_error}
                                      : policy.stale_if_error.value_or(Duration{0}),
      Seconds{kMaxDeltaSeconds});
  info.must_revalidate =
      facts.cc.must_revalidate || facts.cc.proxy_revalidate ||
      (facts.cc.s_maxage.has_value() && !facts.surrogate_governs());
  info.no_cache = facts.no_cache();
  info.has_validators = facts.has_validators();
  return info;
}

Duration current_age(const FreshnessInfo& info, core::MonoTime now) {
  const Duration resident = std::max(Duration{0}, Duration{now - info.response_mono});
  return info.corrected_initial_age + resident;
}

std::int64_t age_seconds(const FreshnessInfo& info, core::MonoTime now) {
  const std::int64_t s = duration_cast<Seconds>(current_age(info, now)).count();
  return std::min(s, kMaxDeltaSeconds);
}

const char* to_string(Verdict verdict) {
  switch (verdict) {
    case Verdict::kFresh: return "fresh";
    case Verdict::kFreshRefreshAhead: return "fresh-refresh-ahead";
    case Verdict::kStaleWhileRevalidate: return "stale-while-revalidate";
    case Verdict::kStaleAllowed: return "stale-allowed";
    case Verdict::kRevalidate: return "revalidate";
  }
  return "revalidate";
}

namespace {

FreshnessDecision fresh_verdict(const FreshnessInfo& info, const RequestDirectives& request,
                                const CachePolicy& policy, FreshnessDecision d) {
  if (request.max_age && d.age > *request.max_age) {
    d.reason = "request max-age";
    return d;
  }
  if (request.min_fresh && d.ttl_left < *request.min_fresh) {
    d.reason = "request min-fresh";
    return d;
  }
  const auto threshold = duration_cast<Duration>(info.lifetime * policy.refresh_ahead);
  if (policy.refresh_ahead > 0.0 && d.age >= threshold) {
    d.verdict = Verdict::kFreshRefreshAhead;
    d.reason = "refresh-ahead";
    return d;
  }
  d.verdict = Verdict::kFresh;
  return d;
}

FreshnessDecision stale_verdict(const FreshnessInfo& info, const RequestDirectives& request,
                                FreshnessDecision d) {
  const Duration staleness = -d.ttl_left;
  if (info.must_revalidate) {
    d.reason = "must-revalidate";
    return d;
  }
  const bool age_ok = !request.max_age || d.age <= *request.max_age;
  if (request.max_stale && age_ok &&
      (!request.max_stale_limit || staleness <= *request.max_stale_limit)) {
    d.verdict = Verdict::kStaleAllowed;
    d.reason = "request max-stale";
    return d;
  }
  if (!request.max_age && !request.min_fresh && staleness <= info.stale_while_revalidate &&
      info.stale_while_revalidate > Duration{0}) {
    d.verdict = Verdict::kStaleWhileRevalidate;
    d.reason = "stale-while-revalidate";
    return d;
  }
  d.reason = "stale";
  return d;
}

}  // namespace

FreshnessDecision decide(const FreshnessInfo& info, const RequestDirectives& request,
                         const CachePolicy& policy, core::MonoTime now) {
  FreshnessDecision d;
  d.age = current_age(info, now);
  d.ttl_left = info.lifetime - d.age;
  d.verdict = Verdict::kRevalidate;
  if (request.no_cache) {
    d.reason = "request no-cache";
    return d;
  }
  if (info.no_cache) {
    d.reason = "no-cache";
    return d;
  }
  if (info.lifetime > d.age) {
    return fresh_verdict(info, request, policy, d);
  }
  return stale_verdict(info, request, d);
}

bool usable_on_error(const FreshnessInfo& info, const RequestDirectives& request,
                     core::MonoTime now) {
  if (info.no_cache) {
    return false;
  }
  const Duration age = current_age(info, now);
  if (info.lifetime > age) {
    return true;
  }
  if (info.must_revalidate) {
    return false;
  }
  const Duration staleness = age - info.lifetime;
  if (request.max_stale && (!request.max_stale_limit || staleness <= *request.max_stale_limit)) {
    return true;
  }
  const Duration window =
      request.stale_if_error ? Duration{*request.stale_if_error} : info.stale_if_error;
  return staleness <= window && window > Duration{0};
}

}  // namespace ramjet::cache
