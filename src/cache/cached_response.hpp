#pragma once
// CachedResponse: one stored response, immutable once built and shared by reference count.
// A hit hands out a std::shared_ptr<const CachedResponse>: the sender keeps it until the last
// byte is written, so an entry evicted or purged meanwhile stays alive exactly that long and
// nothing is copied. The body is a separate shared buffer so that a 304 (freshen(),
// conditional.hpp) makes a new entry with new headers around the same body bytes.
//
// What is stored is what the proxy sends on a hit, minus the framing it adds itself:
//   - status: the proxy writes "HTTP/1.1 <status> <reason_phrase(status)>";
//   - header_block(): "Name: value\r\n" per field, in received order, without the final
//     CRLF. Removed when the entry is built: hop-by-hop fields and those Connection lists
//     (the caller should already have dropped them), Age (the proxy sends the current age),
//     Content-Length and Transfer-Encoding (the proxy frames the body: Content-Length =
//     body().size(), also on HEAD), the fields named by qualified private="..." and
//     no-cache="..." (RFC 9111 §5.2.2.4, §5.2.2.7), Set-Cookie when the policy strips it,
//     Surrogate-Control / Surrogate-Key / Cache-Tag (kept aside, see surrogate_fields(), and
//     the tags as tags()), and any field whose name or value holds
//     CR or LF (the parser rejects those; this only guards against a caller that did not
//     use it). The proxy adds Date if absent, Age, X-Cache
//     and Cache-Status.
//   - body(): the decoded content (no chunked framing), at most the policy's
//     max_object_bytes.
//
// Memory: charge() is the heap this entry holds, counted honestly: each allocation rounded up
// as glibc's malloc does (heap_charge() below), including the shared_ptr control blocks and
// the body buffer; the store adds its own per-entry bookkeeping (store.hpp) on top.
//
// Threading: immutable after construction, so any thread may read a shared entry.

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "cache/cache_policy.hpp"
#include "cache/freshness.hpp"
#include "core/clock.hpp"
#include "http/parser.hpp"

namespace ramjet::cache {

class CachedResponse;
// Declared with its documentation in conditional.hpp (it builds an entry from a 304).
std::shared_ptr<const CachedResponse> freshen(const CachedResponse& stored,
                                              std::span<const http::Header> not_modified,
                                              const ExchangeTimes& times,
                                              const CachePolicy& policy);

class CachedResponse {
 public:
  // Builds an entry from a complete response head and body (copies what it keeps). The
  // caller decided it may be stored (decide_storage in storability.hpp).
  static std::shared_ptr<const CachedResponse> create(int status,
                                                      std::span<const http::Header> headers,
                                                      std::string_view body,
                                                      const ExchangeTimes& times,
                                                      const CachePolicy& policy);

  int status() const { return status_; }
  std::string_view header_block() const { return headers_; }
  std::string_view body() const { return body_ ? std::string_view(*body_) : std::string_view(); }
  const std::shared_ptr<const std::string>& body_buffer() const { return body_; }

  // Validators as the origin sent them; empty if absent.
  std::string_view etag() const { return slice(etag_); }
  std::string_view last_modified() const { return slice(last_modified_); }
  std::optional<core::WallTime> last_modified_time() const { return last_modified_time_; }
  std::optional<core::WallTime> date() const { return date_; }  // Date, if valid

  const FreshnessInfo& freshness() const { return freshness_; }
  // Normalised Vary field names ("accept-encoding,accept-language"); empty without Vary.
  std::string_view vary() const { return vary_; }
  // Tags from Surrogate-Key (space-separated) and Cache-Tag (comma-separated), '\n'-joined.
  std::string_view tags_text() const { return tags_; }
  bool has_tag(std::string_view tag) const;

  // Heap bytes this response holds (see "Memory" above).
  std::size_t charge() const { return charge_; }

  // Calls fn(name, value) for each field of header_block(), in order.
  template <typename Fn>
  void for_each_header(Fn&& fn) const {
    for_each_line(headers_, fn);
  }
  // Calls fn(name, value) for each field addressed to ramjet itself (is_surrogate_field):
  // never served, but kept so that a 304 without them does not lose them (freshen()).
  template <typename Fn>
  void for_each_surrogate_field(Fn&& fn) const {
    for_each_line(surrogate_fields_, fn);
  }

  // First value of field `name` in header_block(); empty if absent.
  std::string_view header(std::string_view name) const;

  CachedResponse(const CachedResponse&) = delete;
  CachedResponse& operator=(const CachedResponse&) = delete;
  CachedResponse(CachedResponse&&) = default;
  CachedResponse& operator=(CachedResponse&&) = default;

 private:
  template <typename Fn>
  static void for_each_line(std::string_view block, Fn&& fn) {
    std::string_view rest = block;
    while (!rest.empty()) {
      const std::size_t eol = rest.find("\r\n");
      const std::string_view line = rest.substr(0, eol);
      const std::size_t colon = line.find(':');
      std::string_view value = colon == std::string_view::npos ? std::string_view()
                                                              : line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') {
        value.remove_prefix(1);
      }
      fn(line.substr(0, colon), value);
      if (eol == std::string_view::npos) {
        break;
      }
      rest.remove_prefix(eol + 2);
    }
  }

  friend class EntryBuilder;
  friend std::shared_ptr<const CachedResponse> freshen(const CachedResponse&,
                                                       std::span<const http::Header>,
                                                       const ExchangeTimes&, const CachePolicy&);
  struct Slice {
    std::uint32_t offset = 0;
    std::uint32_t size = 0;
  };

  CachedResponse() = default;
  // Fills everything but the body from a response head.
  void set_head(int status, std::span<const http::Header> headers, const ExchangeTimes& times,
                const CachePolicy& policy);
  void set_body(std::shared_ptr<const std::string> body);
  std::string_view slice(Slice s) const {
    return std::string_view(headers_).substr(s.offset, s.size);
  }
  static std::shared_ptr<const CachedResponse> share(CachedResponse&& response);

  int status_ = 0;
  std::string headers_;
  Slice etag_;
  Slice last_modified_;
  std::optional<core::WallTime> last_modified_time_;
  std::optional<core::WallTime> date_;
  FreshnessInfo freshness_;
  std::string vary_;
  std::string tags_;
  std::string surrogate_fields_;  // "Name: value\r\n" lines of is_surrogate_field fields
  std::shared_ptr<const std::string> body_;
  std::size_t charge_ = 0;
};

// The heap a malloc of `bytes` really takes (glibc: 8-byte header, 16-byte granularity,
// 32-byte minimum; from 128 KiB, whole 4 KiB pages); 0 for 0.
std::size_t heap_charge(std::size_t bytes);
// heap_charge of a std::string's buffer (0 while the string fits its inline buffer).
std::size_t string_charge(const std::string& s);

// Collects a response while the proxy streams it downstream, then makes the entry.
//
//   EntryBuilder b(status, headers, times, policy, content_length_if_known);
//   for each body piece: if (!b.append(piece)) { drop b; }   // over max_object: give up
//   auto entry = std::move(b).finish();
//
// The constructor copies the head (the caller's head buffer may then be reused). Reserves
// `expected_body_bytes` (e.g. Content-Length) up front when it is within the limit, so the
// body is one exact allocation; finish() trims spare capacity otherwise.
class EntryBuilder {
 public:
  EntryBuilder(int status, std::span<const http::Header> headers, const ExchangeTimes& times,
               const CachePolicy& policy, std::optional<std::uint64_t> expected_body_bytes);

  // Adds body bytes; false (sticky) once the body would exceed the limit.
  bool append(std::string_view bytes);
  bool failed() const { return failed_; }
  std::uint64_t body_size() const { return body_.size(); }

  // The entry; null if append() failed. The builder is spent afterwards.
  std::shared_ptr<const CachedResponse> finish() &&;

 private:
  CachedResponse response_;
  std::string body_;
  std::uint64_t limit_ = 0;
  bool failed_ = false;
};

}  // namespace ramjet::cache
