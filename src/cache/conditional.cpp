// Revalidation headers, 304 selection and freshening, and client precondition evaluation.

#include "cache/conditional.hpp"

#include <vector>

#include "http/chars.hpp"
#include "http/date.hpp"

namespace ramjet::cache {
namespace {

using http::chars::trim_ows;

bool is_weak(std::string_view tag) { return tag.starts_with("W/"); }

// The quoted opaque-tag of an entity-tag (quotes included), or empty if malformed.
std::string_view opaque_tag(std::string_view tag) {
  tag = trim_ows(tag);
  if (is_weak(tag)) {
    tag.remove_prefix(2);
  }
  if (tag.size() < 2 || tag.front() != '"' || tag.back() != '"' ||
      tag.substr(1, tag.size() - 2).find('"') != std::string_view::npos) {
    return {};
  }
  return tag;
}

// Calls fn(entity_tag) for each element of an If-Match / If-None-Match list; returns false if
// the list is malformed. Entity-tags may contain commas, so the list is scanned, not split.
template <typename Fn>
bool for_each_etag(std::string_view list, Fn&& fn) {
  std::size_t i = 0;
  while (i < list.size()) {
    while (i < list.size() && (list[i] == ' ' || list[i] == '\t' || list[i] == ',')) {
      ++i;
    }
    if (i == list.size()) {
      break;
    }
    const std::size_t start = i;
    if (list.substr(i, 2) == "W/") {
      i += 2;
    }
    if (i >= list.size() || list[i] != '"') {
      return false;
    }
    const std::size_t close = list.find('"', i + 1);
    if (close == std::string_view::npos) {
      return false;
    }
    i = close + 1;
    fn(list.substr(start, i - start));
  }
  return true;
}

enum class ListMatch : std::uint8_t { kAbsent, kMatch, kNoMatch };

// Evaluates an If-Match / If-None-Match field against `etag`: "*" matches any stored entry.
ListMatch match_list(std::span<const http::Header> headers, std::string_view name,
                     std::string_view etag, bool strong) {
  bool present = false;
  bool matched = false;
  for (const http::Header& h : headers) {
    if (!http::iequals(h.name, name)) {
      continue;
    }
    present = true;
    if (trim_ows(h.value) == "*") {
      matched = true;
      continue;
    }
    const bool ok = for_each_etag(h.value, [&](std::string_view tag) {
      matched = matched || (strong ? strong_etag_match(tag, etag) : weak_etag_match(tag, etag));
    });
    if (!ok) {
      continue;  // a malformed list matches nothing
    }
  }
  if (!present) {
    return ListMatch::kAbsent;
  }
  return matched ? ListMatch::kMatch : ListMatch::kNoMatch;
}

// Any field named If-* (If-Match, If-None-Match, If-Modified-Since, If-Unmodified-Since,
// If-Range)?
bool has_conditional_field(std::span<const http::Header> headers) {
  for (const http::Header& h : headers) {
    const std::string_view n = h.name;
    if (n.size() > 3 && (n[0] | 0x20) == 'i' && (n[1] | 0x20) == 'f' && n[2] == '-') {
      return true;
    }
  }
  return false;
}

std::optional<core::WallTime> header_date(std::span<const http::Header> headers,
                                          std::string_view name) {
  for (const http::Header& h : headers) {
    if (http::iequals(h.name, name)) {
      const auto t = http::parse_http_date(trim_ows(h.value));
      if (!t) {
        return std::nullopt;
      }
      return std::chrono::time_point_cast<core::WallTime::duration>(*t);
    }
  }
  return std::nullopt;
}

// Fields a 304 does not update: the stored body's framing, coding and digests stay what they
// are, since they describe bytes the 304 did not carry (RFC 9111 §3.2: a cache may keep
// fields "necessary to assure integrity of the stored response").
bool updatable(std::string_view name) {
  return !(http::is_hop_by_hop(name) || http::iequals(name, "content-length") ||
           http::iequals(name, "content-encoding") || http::iequals(name, "content-range") ||
           http::iequals(name, "content-md5") || http::iequals(name, "content-digest") ||
           http::iequals(name, "repr-digest") || http::iequals(name, "digest"));
}

bool has_field(std::span<const http::Header> headers, std::string_view name) {
  for (const http::Header& h : headers) {
    if (http::iequals(h.name, name)) {
      return true;
    }
  }
  return false;
}

std::chrono::seconds whole_seconds(core::WallTime t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch());
}

}  // namespace

bool weak_etag_match(std::string_view a, std::string_view b) {
  const std::string_view oa = opaque_tag(a);
  return !oa.empty() && oa == opaque_tag(b);
}

bool strong_etag_match(std::string_view a, std::string_view b) {
  a = trim_ows(a);
  b = trim_ows(b);
  return !is_weak(a) && !is_weak(b) && weak_etag_match(a, b);
}

RevalidationHeaders revalidation_headers(const CachedResponse& stored) {
  return RevalidationHeaders{stored.etag(), stored.last_modified()};
}

void append_revalidation_headers(const CachedResponse& stored, std::string& out) {
  const RevalidationHeaders h = revalidation_headers(stored);
  if (!h.if_none_match.empty()) {
    out.append("If-None-Match: ").append(h.if_none_match).append("\r\n");
  }
  if (!h.if_modified_since.empty()) {
    out.append("If-Modified-Since: ").append(h.if_modified_since).append("\r\n");
  }
}

bool not_modified_selects(const CachedResponse& stored, const ResponseFacts& not_modified) {
  if (!not_modified.etag.empty()) {
    return weak_etag_match(not_modified.etag, stored.etag());
  }
  if (!not_modified.last_modified_text.empty() && !stored.last_modified().empty()) {
    return trim_ows(not_modified.last_modified_text) == trim_ows(stored.last_modified());
  }
  return true;
}

std::shared_ptr<const CachedResponse> freshen(const CachedResponse& stored,
                                              std::span<const http::Header> not_modified,
                                              const ExchangeTimes& times,
                                              const CachePolicy& policy) {
  std::vector<http::Header> merged;
  merged.reserve(not_modified.size() + 16);
  // A 304 without Date must not leave the old Date in place: the age computed from it would
  // make the refreshed entry stale at once. Its receipt time stands in (RFC 9110 §6.6.1).
  const bool dated = has_field(not_modified, "date");
  char date[http::kHttpDateSize];
  stored.for_each_header([&](std::string_view name, std::string_view value) {
    if (http::iequals(name, "date") && !dated) {
      merged.push_back(http::Header{name, http::format_http_date(times.response_time, date)});
    } else if (!(updatable(name) && has_field(not_modified, name))) {
      merged.push_back(http::Header{name, value});
    }
  });
  stored.for_each_surrogate_field([&](std::string_view name, std::string_view value) {
    if (!has_field(not_modified, name)) {
      merged.push_back(http::Header{name, value});
    }
  });
  for (const http::Header& h : not_modified) {
    if (updatable(h.name)) {
      merged.push_back(h);
    }
  }
  CachedResponse r;
  r.set_head(stored.status(), merged, times, policy);
  r.set_body(stored.body_buffer());
  return CachedResponse::share(std::move(r));
}

Precondition evaluate_preconditions(http::Method method,
                                    std::span<const http::Header> request_headers,
                                    const CachedResponse& stored) {
  if (!has_conditional_field(request_headers)) {
    return Precondition::kNone;  // the common case, answered in one pass
  }
  const bool get_or_head = method == http::Method::kGet || method == http::Method::kHead;
  const ListMatch if_match = match_list(request_headers, "if-match", stored.etag(), true);
  if (if_match == ListMatch::kNoMatch) {
    return Precondition::kPreconditionFailed;
  }
  if (if_match == ListMatch::kAbsent && stored.last_modified_time()) {
    const auto ius = header_date(request_headers, "if-unmodified-since");
    if (ius && whole_seconds(*stored.last_modified_time()) > whole_seconds(*ius)) {
      return Precondition::kPreconditionFailed;
    }
  }
  const ListMatch if_none_match =
      match_list(request_headers, "if-none-match", stored.etag(), false);
  if (if_none_match == ListMatch::kMatch) {
    return get_or_head ? Precondition::kNotModified : Precondition::kPreconditionFailed;
  }
  if (if_none_match == ListMatch::kNoMatch || !get_or_head) {
    return Precondition::kNone;
  }
  const auto ims = header_date(request_headers, "if-modified-since");
  if (!ims) {
    return Precondition::kNone;
  }
  const core::WallTime modified = stored.last_modified_time().value_or(
      stored.date().value_or(stored.freshness().response_time));
  return whole_seconds(modified) <= whole_seconds(*ims) ? Precondition::kNotModified
                                                        : Precondition::kNone;
}

void append_not_modified_headers(const CachedResponse& stored, std::string& out) {
  stored.for_each_header([&out](std::string_view name, std::string_view value) {
    if (http::iequals(name, "cache-control") || http::iequals(name, "content-location") ||
        http::iequals(name, "date") || http::iequals(name, "etag") ||
        http::iequals(name, "expires") || http::iequals(name, "last-modified") ||
        http::iequals(name, "vary")) {
      out.append(name).append(": ").append(value).append("\r\n");
    }
  });
}

}  // namespace ramjet::cache
