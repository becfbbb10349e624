#pragma once
// Cache-Control parsing (RFC 9111 §5.2, stale-* extensions of RFC 5861) and request Pragma
// (RFC 9111 §5.4). Pure functions over header values: no allocation, no clock.
//
// Tolerance, because origins and clients send anything: directive names are matched without
// regard to case; whitespace around tokens, '=' and ',' is skipped; values may be tokens or
// quoted strings (commas inside quotes do not split); unknown directives are ignored; garbage
// is skipped up to the next comma outside quotes. Parsing never fails and never reads outside
// the value.
//
// Duplicates and bad values, following RFC 9111 §4.2.1 and §5.2: a boolean directive counts
// if it appears anywhere (the most restrictive reading); for an argument directive the first
// occurrence wins; a max-age or s-maxage whose value is not delta-seconds makes the response
// stale (it reads as 0); delta-seconds above 2^31 are clamped to 2^31 (§1.2.2).
//
// Ownership: the string_views in the parsed structs (qualified field lists) point into the
// header value passed in, which must outlive them.

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "http/parser.hpp"

namespace ramjet::cache {

using Seconds = std::chrono::seconds;

// RFC 9111 §1.2.2: a recipient clamps delta-seconds it cannot represent to 2^31.
inline constexpr std::int64_t kMaxDeltaSeconds = 2147483648;

// Response directives (RFC 9111 §5.2.2, RFC 5861 §3-4, RFC 8246 immutable).
struct ResponseDirectives {
  std::optional<Seconds> max_age;
  std::optional<Seconds> s_maxage;
  std::optional<Seconds> stale_while_revalidate;
  std::optional<Seconds> stale_if_error;
  bool no_store = false;
  // Unqualified no-cache (or a qualified one whose field list could not be read, which is
  // treated as unqualified: the safe reading of §5.2.2.4).
  bool no_cache = false;
  // Qualified no-cache="a, b": the listed fields may not be reused without revalidation. A
  // shared cache that drops them from the stored copy honours that (cached_response.hpp).
  std::string_view no_cache_fields;
  bool is_private = false;         // unqualified private: a shared cache must not store
  std::string_view private_fields;  // qualified private="a, b": store without those fields
  bool is_public = false;
  bool must_revalidate = false;
  bool proxy_revalidate = false;
  bool must_understand = false;
  bool no_transform = false;
  bool immutable = false;
  bool present = false;  // at least one Cache-Control field line was seen
};

// Request directives (RFC 9111 §5.2.1, RFC 5861 §4) plus Pragma: no-cache.
struct RequestDirectives {
  std::optional<Seconds> max_age;    // a malformed value reads as 0 (revalidate)
  std::optional<Seconds> min_fresh;  // malformed: ignored
  bool max_stale = false;            // max-stale present...
  std::optional<Seconds> max_stale_limit;  // ...with this bound; absent = any staleness
  std::optional<Seconds> stale_if_error;
  bool no_cache = false;  // Cache-Control: no-cache, or Pragma: no-cache without Cache-Control
  bool no_store = false;
  bool only_if_cached = false;
  bool present = false;  // at least one Cache-Control field line was seen
};

// Surrogate-Control (W3C Edge Architecture 1.0 §3): what an origin says to the reverse
// proxies in front of it, which ramjet advertises it understands by sending
// `Surrogate-Capability: ramjet="Surrogate/1.0"` upstream. A directive counts when it has no
// target or is targeted at kSurrogateDevice ("max-age=60;ramjet"); once one targeted at us
// is seen, the untargeted ones are set aside (a device prefers what is addressed to it), and
// directives for other devices are ignored. Honoured: no-store (never store, whatever
// Cache-Control says) and max-age=N[+M] (the freshness lifetime, in place of Cache-Control's
// and Expires; M, the Edge Architecture's freshness extension, is how long a stale copy may
// cover an unreachable origin, i.e. stale-if-error). The first max-age wins; a malformed one
// reads as 0 (stale), as Cache-Control's does.
inline constexpr std::string_view kSurrogateDevice = "ramjet";
struct SurrogateDirectives {
  bool no_store = false;
  std::optional<Seconds> max_age;
  std::optional<Seconds> stale_extension;  // the "+M" of max-age=N+M
  bool targeted = false;  // a directive targeted at us was seen: only those count
  bool present = false;   // at least one Surrogate-Control field line was seen
};

// Fields an origin addresses to its surrogates (Surrogate-Control, Surrogate-Key, Cache-Tag):
// with the cache on, ramjet consumes them and never forwards them to clients, on hits and
// misses alike (with `--no-cache` it is no surrogate and passes them on).
bool is_surrogate_field(std::string_view name);

// Adds the directives of one Surrogate-Control field value to `into`.
void parse_surrogate_control(std::string_view value, SurrogateDirectives& into);

// Adds the directives of one Cache-Control field value to `into` (call once per field line,
// in order, so "first occurrence" spans lines).
void parse_cache_control(std::string_view value, ResponseDirectives& into);
void parse_cache_control(std::string_view value, RequestDirectives& into);

// All Cache-Control field lines of a response head.
ResponseDirectives parse_response_directives(std::span<const http::Header> headers);

// All Cache-Control field lines of a request head, and Pragma: no-cache, which counts as
// Cache-Control: no-cache only when the request has no Cache-Control field (RFC 7234 §5.4;
// RFC 9111 deprecates Pragma but HTTP/1.0 clients still send it).
RequestDirectives parse_request_directives(std::span<const http::Header> headers);

// Calls fn(name) for each field name of a qualified list ("Set-Cookie, X-Foo"), OWS-trimmed,
// skipping empty elements.
template <typename Fn>
void for_each_field_name(std::string_view list, Fn&& fn) {
  while (!list.empty()) {
    const std::size_t comma = list.find(',');
    std::string_view name = list.substr(0, comma);
    while (!name.empty() && (name.front() == ' ' || name.front() == '\t')) {
      name.remove_prefix(1);
    }
    while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) {
      name.remove_suffix(1);
    }
    if (!name.empty()) {
      fn(name);
    }
    if (comma == std::string_view::npos) {
      break;
    }
    list.remove_prefix(comma + 1);
  }
}

// Reads delta-seconds (1*DIGIT), clamped to kMaxDeltaSeconds; nullopt if not all digits or
// empty. Also used for the Age header (RFC 9111 §5.1).
std::optional<Seconds> parse_delta_seconds(std::string_view text);

}  // namespace ramjet::cache
