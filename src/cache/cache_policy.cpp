// Validation and normalisation of a route's CachePolicy (config load time, not the data plane).

#include "cache/cache_policy.hpp"

#include <algorithm>

namespace ramjet::cache {
namespace {

bool is_token(std::string_view s) {
  if (s.empty()) {
    return false;
  }
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
  });
}

}  // namespace

core::Result<CachePolicy> validate_policy(CachePolicy policy) {
  if (policy.ttl && *policy.ttl < Duration{0}) {
    return core::Error{"cache.ttl must not be negative", {}};
  }
  if ((policy.stale_while_revalidate && *policy.stale_while_revalidate < Duration{0}) ||
      (policy.stale_if_error && *policy.stale_if_error < Duration{0})) {
    return core::Error{"cache stale windows must not be negative", {}};
  }
  if (!(policy.refresh_ahead >= 0.0 && policy.refresh_ahead < 1.0)) {
    return core::Error{"cache.refresh_ahead must be 0 (off) or in (0, 1)",
                       std::to_string(policy.refresh_ahead)};
  }
  if (!(policy.heuristic_fraction > 0.0 && policy.heuristic_fraction <= 1.0) ||
      policy.heuristic_max < Duration{0}) {
    return core::Error{"cache heuristic fraction must be in (0, 1] and its cap positive", {}};
  }
  for (const int status : policy.ttl_statuses) {
    if (status < 200 || status > 599 || status == 206 || status == 304) {
      return core::Error{"cache.ttl statuses must be final, non-206, non-304 codes",
                         std::to_string(status)};
    }
  }
  std::sort(policy.ttl_statuses.begin(), policy.ttl_statuses.end());
  policy.ttl_statuses.erase(std::unique(policy.ttl_statuses.begin(), policy.ttl_statuses.end()),
                            policy.ttl_statuses.end());
  for (std::string& name : policy.key.include_headers) {
    if (!is_token(name)) {
      return core::Error{"cache.key header names must be tokens", name};
    }
    std::transform(name.begin(), name.end(), name.begin(), [](char c) {
      return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + ('a' - 'A')) : c;
    });
  }
  for (const std::string& pattern : policy.key.drop_query) {
    if (pattern.empty()) {
      return core::Error{"cache.key drop patterns must not be empty", {}};
    }
  }
  if (policy.cache_post && policy.key.body == BodyKey::kNone) {
    return core::Error{"cache: POST/QUERY caching needs a body key (body or json_body)", {}};
  }
  if (policy.max_object_bytes == 0) {
    return core::Error{"cache.max_object must be positive", {}};
  }
  return policy;
}

}  // namespace ramjet::cache
