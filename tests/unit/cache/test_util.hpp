#pragma once
// Helpers for the cache unit tests: header lists that own their bytes, and entries built
// from literal response heads at a ManualClock instant.

#include <initializer_list>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "cache/cache_policy.hpp"
#include "cache/cached_response.hpp"
#include "cache/freshness.hpp"
#include "cache/key.hpp"
#include "core/clock.hpp"
#include "http/date.hpp"
#include "http/parser.hpp"

namespace ramjet::cache::testing {

// A header list whose Header views point into strings it owns. Not copyable (the views
// would dangle); build one per use.
class Headers {
 public:
  Headers(std::initializer_list<std::pair<std::string, std::string>> fields)
      : fields_(fields.begin(), fields.end()) {
    rebuild();
  }
  Headers(const Headers&) = delete;
  Headers& operator=(const Headers&) = delete;

  void add(std::string name, std::string value) {
    fields_.emplace_back(std::move(name), std::move(value));
    rebuild();
  }
  std::span<const http::Header> span() const { return headers_; }
  operator std::span<const http::Header>() const { return headers_; }  // NOLINT

 private:
  void rebuild() {
    headers_.clear();
    for (const auto& [name, value] : fields_) {
      headers_.push_back(http::Header{name, value});
    }
  }
  std::vector<std::pair<std::string, std::string>> fields_;
  std::vector<http::Header> headers_;
};

// Exchange times for a response received "now" on `clock` with no upstream delay.
inline ExchangeTimes now_times(const core::ManualClock& clock) {
  return ExchangeTimes{clock.wall_now(), clock.wall_now(), clock.now()};
}

// IMF-fixdate of clock.wall_now() + offset.
inline std::string http_date(const core::ManualClock& clock,
                             std::chrono::seconds offset = std::chrono::seconds{0}) {
  char buf[29];
  return std::string(http::format_http_date(clock.wall_now() + offset, buf));
}

inline std::shared_ptr<const CachedResponse> make_entry(const core::ManualClock& clock,
                                                        const Headers& headers,
                                                        std::string_view body = "hello",
                                                        const CachePolicy& policy = {},
                                                        int status = 200) {
  return CachedResponse::create(status, headers, body, now_times(clock), policy);
}

// A key for a plain URL (no route extras).
inline CacheKey url_key(std::string_view url) {
  CacheKey key;
  key.bytes.assign(url);
  key.url_size = key.bytes.size();
  key.rehash();
  return key;
}

}  // namespace ramjet::cache::testing
