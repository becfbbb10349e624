// Building immutable entries: header filtering, tags, Vary names and the memory charge.

#include "cache/cached_response.hpp"

#include <algorithm>

#include "cache/key.hpp"

namespace ramjet::cache {
namespace {

constexpr std::size_t kMaxTags = 64;
constexpr std::size_t kMaxTagBytes = 256;
// libstdc++: a shared_ptr control block made by make_shared (vtable pointer and two counts).
constexpr std::size_t kControlBlockBytes = 16;
// glibc's initial mmap threshold and the page size: larger blocks cost whole pages. (The
// threshold can rise at run time; counting pages above it only over-counts.)
constexpr std::size_t kMmapThreshold = 128 * 1024;
constexpr std::size_t kPage = 4096;

bool named_in(std::string_view list, std::string_view name) {
  bool found = false;
  for_each_field_name(list, [&found, name](std::string_view listed) {
    found = found || http::iequals(listed, name);
  });
  return found;
}

bool has_line_break(std::string_view s) {
  return s.find_first_of("\r\n") != std::string_view::npos;
}

bool excluded(const http::Header& field, std::span<const http::Header> headers,
              const ResponseFacts& facts, const CachePolicy& policy) {
  const std::string_view name = field.name;
  // The parser never yields these; refusing them anyway means no caller can smuggle a
  // header line into a stored block (response splitting).
  if (name.empty() || has_line_break(name) || name.find(':') != std::string_view::npos ||
      has_line_break(field.value)) {
    return true;
  }
  if (http::is_hop_by_hop(name) || http::iequals(name, "age") ||
      http::iequals(name, "content-length") || is_surrogate_field(name)) {
    return true;
  }
  if (http::iequals(name, "set-cookie") && policy.set_cookie != SetCookiePolicy::kStore) {
    return true;
  }
  if (!facts.cc.private_fields.empty() && named_in(facts.cc.private_fields, name)) {
    return true;
  }
  if (!facts.cc.no_cache_fields.empty() && named_in(facts.cc.no_cache_fields, name)) {
    return true;
  }
  return http::connection_lists(headers, name);
}

void add_tag(std::string_view tag, std::string& tags, std::size_t& count) {
  if (tag.empty() || tag.size() > kMaxTagBytes || count >= kMaxTags) {
    return;
  }
  if (!tags.empty()) {
    tags.push_back('\n');
  }
  tags.append(tag);
  ++count;
}

// Splits `value` on any of `separators`, adding each non-empty piece as a tag.
void add_tags(std::string_view value, std::string_view separators, std::string& tags,
              std::size_t& count) {
  while (!value.empty()) {
    const std::size_t cut = value.find_first_of(separators);
    std::string_view tag = value.substr(0, cut);
    while (!tag.empty() && (tag.front() == ' ' || tag.front() == '\t')) {
      tag.remove_prefix(1);
    }
    while (!tag.empty() && (tag.back() == ' ' || tag.back() == '\t')) {
      tag.remove_suffix(1);
    }
    add_tag(tag, tags, count);
    if (cut == std::string_view::npos) {
      break;
    }
    value.remove_prefix(cut + 1);
  }
}

}  // namespace

std::size_t heap_charge(std::size_t bytes) {
  if (bytes == 0) {
    return 0;
  }
  if (bytes >= kMmapThreshold) {  // glibc serves these with mmap: whole pages
    return (bytes + 16 + kPage - 1) & ~(kPage - 1);
  }
  const std::size_t chunk = (bytes + 8 + 15) & ~static_cast<std::size_t>(15);
  return std::max<std::size_t>(chunk, 32);
}

std::size_t string_charge(const std::string& s) {
  // libstdc++ keeps up to 15 characters inline (no allocation).
  return s.capacity() > 15 ? heap_charge(s.capacity() + 1) : 0;
}

void CachedResponse::set_head(int status, std::span<const http::Header> headers,
                              const ExchangeTimes& times, const CachePolicy& policy) {
  const ResponseFacts facts = analyze_response(status, headers);
  status_ = status;
  freshness_ = make_freshness(facts, policy, times);
  date_ = facts.date;
  last_modified_time_ = facts.last_modified;
  normalize_vary(headers, vary_);
  std::size_t tag_count = 0;
  std::size_t block_size = 0;
  surrogate_fields_.clear();
  for (const http::Header& h : headers) {
    if (http::iequals(h.name, "surrogate-key")) {
      add_tags(h.value, " \t", tags_, tag_count);
    } else if (http::iequals(h.name, "cache-tag")) {
      add_tags(h.value, ",", tags_, tag_count);
    }
    if (is_surrogate_field(h.name) && !has_line_break(h.value)) {
      surrogate_fields_.append(h.name).append(": ").append(h.value).append("\r\n");
    }
    if (!excluded(h, headers, facts, policy)) {
      block_size += h.name.size() + h.value.size() + 4;
    }
  }
  headers_.clear();
  headers_.reserve(block_size);
  for (const http::Header& h : headers) {
    if (excluded(h, headers, facts, policy)) {
      continue;
    }
    headers_.append(h.name).append(": ");
    const Slice value{static_cast<std::uint32_t>(headers_.size()),
                      static_cast<std::uint32_t>(h.value.size())};
    headers_.append(h.value).append("\r\n");
    if (etag_.size == 0 && http::iequals(h.name, "etag")) {
      etag_ = value;
    } else if (last_modified_.size == 0 && http::iequals(h.name, "last-modified")) {
      last_modified_ = value;
    }
  }
  freshness_.has_validators = etag_.size != 0 || last_modified_.size != 0;
}

void CachedResponse::set_body(std::shared_ptr<const std::string> body) { body_ = std::move(body); }

std::shared_ptr<const CachedResponse> CachedResponse::share(CachedResponse&& response) {
  auto shared = std::make_shared<CachedResponse>(std::move(response));
  std::size_t charge = heap_charge(sizeof(CachedResponse) + kControlBlockBytes) +
                       string_charge(shared->headers_) + string_charge(shared->vary_) +
                       string_charge(shared->tags_) + string_charge(shared->surrogate_fields_);
  if (shared->body_) {
    charge += heap_charge(sizeof(std::string) + kControlBlockBytes) + string_charge(*shared->body_);
  }
  shared->charge_ = charge;
  return shared;
}

std::shared_ptr<const CachedResponse> CachedResponse::create(int status,
                                                             std::span<const http::Header> headers,
                                                             std::string_view body,
                                                             const ExchangeTimes& times,
                                                             const CachePolicy& policy) {
  CachedResponse r;
  r.set_head(status, headers, times, policy);
  r.set_body(std::make_shared<const std::string>(body));
  return share(std::move(r));
}

bool CachedResponse::has_tag(std::string_view tag) const {
  std::string_view rest = tags_;
  while (!rest.empty()) {
    const std::size_t nl = rest.find('\n');
    if (rest.substr(0, nl) == tag) {
      return true;
    }
    if (nl == std::string_view::npos) {
      break;
    }
    rest.remove_prefix(nl + 1);
  }
  return false;
}

std::string_view CachedResponse::header(std::string_view name) const {
  std::string_view found;
  bool done = false;
  for_each_header([&](std::string_view n, std::string_view v) {
    if (!done && http::iequals(n, name)) {
      found = v;
      done = true;
    }
  });
  return found;
}

EntryBuilder::EntryBuilder(int status, std::span<const http::Header> headers,
                           const ExchangeTimes& times, const CachePolicy& policy,
                           std::optional<std::uint64_t> expected_body_bytes)
    : limit_(policy.max_object_bytes) {
  response_.set_head(status, headers, times, policy);
  if (expected_body_bytes) {
    if (*expected_body_bytes > limit_) {
      failed_ = true;
    } else {
      body_.reserve(static_cast<std::size_t>(*expected_body_bytes));
    }
  }
}

bool EntryBuilder::append(std::string_view bytes) {
  if (failed_) {
    return false;
  }
  if (bytes.size() > limit_ - body_.size()) {
    failed_ = true;
    std::string().swap(body_);
    return false;
  }
  body_.append(bytes);
  return true;
}

std::shared_ptr<const CachedResponse> EntryBuilder::finish() && {
  if (failed_) {
    return nullptr;
  }
  if (body_.capacity() - body_.size() > 64) {
    body_.shrink_to_fit();
  }
  response_.set_body(std::make_shared<const std::string>(std::move(body_)));
  return CachedResponse::share(std::move(response_));
}

}  // namespace ramjet::cache
