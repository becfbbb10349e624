#pragma once
// Cache keys (RFC 9111 §2 and §4.1).
//
// Primary key: the method-independent target, normalised, plus what the route adds. Bytes:
//
//   <scheme>://<host><path>[?<query>]          the URL part: CacheKey::url()
//   [US 'H' <name> [':' <value>]]...            each KeyOptions::include_headers entry, in
//                                               option order; no ':' when the header is absent
//   [US 'M' <METHOD> US 'B' <32 hex digits>]    body-keyed POST/QUERY: method and the 128-bit
//                                               XXH3 of the body (or of its canonical JSON)
//
// where US is 0x1F, which can appear neither in a request target nor in a header value (the
// HTTP parser rejects control characters), so keys are unambiguous. Normalisation: host
// lower-cased with the scheme's default port removed; path percent-escapes with upper-case
// hex and unreserved characters (RFC 3986 §2.3) decoded; an empty path is "/". The query is
// kept as sent unless the route sorts parameters (stable, by name, so repeated names keep
// their order) or drops some (glob over the raw name); then empty parameters vanish and an
// empty result drops the '?'. Every key of one URL shares url(), so purge-by-URL and
// invalidation find all of them (the store shards by the URL part).
//
// Secondary (Vary) key: for each field name the stored response's Vary lists (lower-case,
// sorted), `name=value` of the request's normalised value, or `name` alone when the request
// lacks the field, joined by US. Normalised value: all field lines joined with ',', each
// list element trimmed, whitespace runs collapsed to one space and removed around ';' and '=',
// empty elements dropped; lower-cased only for fields whose values are case-insensitive
// (Accept, Accept-Charset, Accept-Encoding, Accept-Language), never for Cookie,
// Authorization and the like; Accept-Encoding elements sorted (their order carries no
// meaning). Two requests with equal secondary keys may share a stored variant.
//
// Threading: pure functions; CacheKey is a per-request value (reuse one per worker to keep
// its buffers).

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "cache/cache_policy.hpp"
#include "cache/json_canonical.hpp"
#include "cache/request_view.hpp"
#include "http/parser.hpp"

namespace ramjet::cache {

inline constexpr char kKeySeparator = '\x1f';

struct CacheKey {
  std::string bytes;           // the primary key, format above
  std::size_t url_size = 0;    // bytes[0, url_size) is the URL part
  std::uint64_t url_hash = 0;  // XXH3-64 of the URL part: picks the store shard
  std::uint64_t hash = 0;      // XXH3-64 of all bytes: map lookups, frequency sketch
  // For BodyKey::kJson: the canonical body that was hashed (for /cache/explain); else empty.
  std::string canonical_body;
  JsonError json_error = JsonError::kNone;  // why a kJson key failed

  std::string_view url() const { return std::string_view(bytes).substr(0, url_size); }
  // Recomputes both hashes from bytes and url_size (build_key does this; for hand-made keys).
  void rehash();
};

enum class KeyError : std::uint8_t {
  kNone,
  kBodyTooLarge,   // body over KeyOptions::max_body_bytes: do not cache
  kBadJson,        // kJson route and the body is not valid JSON (see json_error)
  kBodyNotKeyed,   // POST/QUERY on a route whose key has no body part: do not cache
};

const char* to_string(KeyError error);

// Builds the primary key of `request` into `out` (its buffers are reused). On an error `out`
// is unusable for lookups and the request is not cacheable; for GET/HEAD it never fails.
KeyError build_key(const RequestView& request, const KeyOptions& options, CacheKey& out);

// The URL part alone, for a target given as parts (invalidation of Location and
// Content-Location targets, purge by URL). Appends to `out`.
void append_url_key(std::string_view scheme, std::string_view host, std::string_view path,
                    std::string_view query, const KeyOptions& options, std::string& out);

// Parses an absolute URL ("http://Host:80/a?b") or an origin-form target ("/a?b", with the
// given scheme and host) into its URL key; false if it is neither.
bool url_key_from_target(std::string_view target, std::string_view scheme,
                         std::string_view host, const KeyOptions& options, std::string& out);

// Normalised Vary field names of a response (every Vary line; lower-cased, sorted, unique,
// joined by ','). Returns false if any is "*" (such a response is never stored, §4.1).
bool normalize_vary(std::span<const http::Header> response_headers, std::string& out);

// The secondary key for `vary_names` (as normalize_vary writes them) from a request's
// headers. Writes to `out` (cleared first); empty when vary_names is empty.
void build_variant_key(std::string_view vary_names, std::span<const http::Header> request_headers,
                       std::string& out);

// The normalised value of request field `name` (lower-case) as the Vary key uses it; false
// if the request has no such field.
bool normalized_field_value(std::string_view name, std::span<const http::Header> headers,
                            std::string& out);

// Human-readable form of a key or variant key for /cache/explain and logs: separators become
// " | ", other control bytes \xHH.
std::string printable_key(std::string_view key_bytes);

// XXH3-64 of bytes (the hash the store and collapse table use).
std::uint64_t hash_bytes(std::string_view bytes);

}  // namespace ramjet::cache
