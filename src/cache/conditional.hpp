#pragma once
// Validation in both directions (RFC 9111 §4.3, RFC 9110 §13):
//   - upstream: the conditional headers that revalidate a stale entry, whether a 304 selects
//     the entry, and the freshened entry built from the 304 (§4.3.3-4.3.4);
//   - downstream: evaluating a client's preconditions against a stored entry so that a hit
//     can be answered 304 (or 412) without touching the origin (§4.3.2, RFC 9110 §13.2.2).
//
// Threading: pure functions over immutable entries. Returned views point into the entry
// (or the header span) passed in, which the caller keeps alive while using them.

#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "cache/cache_policy.hpp"
#include "cache/cached_response.hpp"
#include "cache/freshness.hpp"
#include "http/parser.hpp"

namespace ramjet::cache {

// Validators to send upstream when revalidating `stored` (§4.3.1): If-None-Match with its
// ETag, If-Modified-Since with its Last-Modified; a view is empty when the entry lacks that
// validator (both empty: nothing to revalidate with, fetch unconditionally). The proxy
// replaces any conditional headers of the client's own request with these.
struct RevalidationHeaders {
  std::string_view if_none_match;
  std::string_view if_modified_since;
  bool empty() const { return if_none_match.empty() && if_modified_since.empty(); }
};
RevalidationHeaders revalidation_headers(const CachedResponse& stored);

// Appends "If-None-Match: ...\r\n" / "If-Modified-Since: ...\r\n" for the above to `out`.
void append_revalidation_headers(const CachedResponse& stored, std::string& out);

// Whether a 304 received for a revalidation selects `stored` (§4.3.4): its ETag (weak
// comparison) must equal the stored one; without an ETag, its Last-Modified must equal the
// stored one when both have one. A 304 with no validator at all answers the conditional
// request built from `stored` and is taken to select it. False means: refetch
// unconditionally.
bool not_modified_selects(const CachedResponse& stored, const ResponseFacts& not_modified);

// The entry that replaces `stored` after a selecting 304 (§3.2, §4.3.4): the stored fields,
// with every field the 304 carries replacing the stored lines of that name, except
// Content-Length, Content-Encoding, Content-Range, Transfer-Encoding, hop-by-hop fields and
// the body's digests (Content-MD5, Content-Digest, Repr-Digest, Digest): the stored body's
// framing, coding and checksums do not change; a stored Date the 304 does not
// replace becomes the 304's receipt time; freshness recomputed from the merged fields and
// the new exchange times. Shares the stored body bytes (no copy). Insert it into
// the store in place of `stored`.
std::shared_ptr<const CachedResponse> freshen(const CachedResponse& stored,
                                              std::span<const http::Header> not_modified,
                                              const ExchangeTimes& times,
                                              const CachePolicy& policy);

enum class Precondition : std::uint8_t {
  kNone,                // no precondition stops it: send the stored response
  kNotModified,         // send 304 (append_not_modified_headers) instead
  kPreconditionFailed,  // send 412
};

// Evaluates If-Match, If-Unmodified-Since, If-None-Match (weak comparison, "*") and
// If-Modified-Since of a request against a stored entry in the order of RFC 9110 §13.2.2.
// If-Modified-Since compares with Last-Modified, else Date, else the receipt time, and is
// only used for GET/HEAD without If-None-Match. If-Range is not evaluated (ranges are not
// served from cache; Range is ignored and the full response sent).
Precondition evaluate_preconditions(http::Method method,
                                    std::span<const http::Header> request_headers,
                                    const CachedResponse& stored);

// Appends the fields a 304 must carry if a 200 would (RFC 9110 §15.4.5): Cache-Control,
// Content-Location, Date, ETag, Expires, Last-Modified and Vary, from the stored block.
void append_not_modified_headers(const CachedResponse& stored, std::string& out);

// Entity-tag comparisons of RFC 9110 §8.8.3.2 on field values such as W/"x" or "x".
bool weak_etag_match(std::string_view a, std::string_view b);
bool strong_etag_match(std::string_view a, std::string_view b);

}  // namespace ramjet::cache
