// Fuzzes the cache's header-value readers: Cache-Control (response and request), Pragma,
// the fields analyze_response() reads (Date, Expires, Age, ETag, Vary), Vary normalisation,
// conditional-request evaluation, and glob matching.
// Oracles: parsing is deterministic; every view a parser returns lies inside its input;
// delta-seconds accept digits only; glob_match agrees with a reference dynamic programme;
// a decision over the parsed values never breaks its own invariants.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "cache/cache_control.hpp"
#include "cache/conditional.hpp"
#include "cache/freshness.hpp"
#include "cache/glob.hpp"
#include "cache/key.hpp"
#include "core/clock.hpp"

namespace {

using namespace ramjet;

void require(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "oracle failed: %s\n", what);
    std::abort();
  }
}

bool inside(std::string_view part, std::string_view whole) {
  return part.empty() ||
         (part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size());
}

bool same(const cache::ResponseDirectives& a, const cache::ResponseDirectives& b) {
  return a.max_age == b.max_age && a.s_maxage == b.s_maxage &&
         a.stale_while_revalidate == b.stale_while_revalidate &&
         a.stale_if_error == b.stale_if_error && a.no_store == b.no_store &&
         a.no_cache == b.no_cache && a.no_cache_fields == b.no_cache_fields &&
         a.is_private == b.is_private && a.private_fields == b.private_fields &&
         a.is_public == b.is_public && a.must_revalidate == b.must_revalidate &&
         a.proxy_revalidate == b.proxy_revalidate && a.immutable == b.immutable;
}

// Reference glob: dynamic programme over (pattern prefix, text prefix).
bool reference_glob(std::string_view p, std::string_view t) {
  std::vector<std::vector<char>> m(p.size() + 1, std::vector<char>(t.size() + 1, 0));
  m[0][0] = 1;
  for (std::size_t i = 1; i <= p.size(); ++i) {
    m[i][0] = p[i - 1] == '*' && m[i - 1][0];
    for (std::size_t j = 1; j <= t.size(); ++j) {
      if (p[i - 1] == '*') {
        m[i][j] = m[i - 1][j] || m[i][j - 1];
      } else {
        m[i][j] = (p[i - 1] == '?' || p[i - 1] == t[j - 1]) && m[i - 1][j - 1];
      }
    }
  }
  return m[p.size()][t.size()] != 0;
}

void check_directives(std::string_view value) {
  cache::ResponseDirectives r1;
  cache::ResponseDirectives r2;
  cache::parse_cache_control(value, r1);
  cache::parse_cache_control(value, r2);
  require(same(r1, r2), "response parsing is deterministic");
  require(inside(r1.no_cache_fields, value) && inside(r1.private_fields, value),
          "field lists are views into the value");
  for (const auto& v : {r1.max_age, r1.s_maxage, r1.stale_while_revalidate, r1.stale_if_error}) {
    require(!v || (v->count() >= 0 && v->count() <= cache::kMaxDeltaSeconds),
            "delta-seconds within [0, 2^31]");
  }
  cache::for_each_field_name(r1.private_fields, [&](std::string_view name) {
    require(!name.empty() && inside(name, value), "field names are non-empty views");
  });
  cache::RequestDirectives q;
  cache::parse_cache_control(value, q);
  require(!q.max_stale_limit || q.max_stale, "a max-stale bound implies max-stale");
  if (const auto d = cache::parse_delta_seconds(value)) {
    for (const char c : value) {
      require(c >= '0' && c <= '9', "delta-seconds are digits only");
    }
  }
}

void check_response_fields(std::string_view value) {
  const http::Header headers[] = {
      {"Cache-Control", value}, {"Date", value}, {"Expires", value}, {"Age", value},
      {"ETag", value},          {"Vary", value}, {"Last-Modified", value},
      {"Surrogate-Key", value}, {"Cache-Tag", value}};
  const core::ManualClock clock;
  const cache::ResponseFacts facts = cache::analyze_response(200, headers);
  require(inside(facts.etag, value), "etag is a view into its field");
  cache::CachePolicy policy;
  policy.ttl = std::chrono::minutes(5);
  policy.heuristic = true;
  const cache::ExchangeTimes times{clock.wall_now(), clock.wall_now(), clock.now()};
  const cache::FreshnessInfo info = cache::make_freshness(facts, policy, times);
  require(info.lifetime >= core::Duration{0}, "lifetime is never negative");
  require(info.corrected_initial_age >= core::Duration{0}, "age is never negative");
  cache::RequestDirectives request;
  cache::parse_cache_control(value, request);
  const cache::FreshnessDecision d = cache::decide(info, request, policy, clock.now());
  require(d.ttl_left == info.lifetime - d.age, "ttl_left = lifetime - age");
  static_cast<void>(cache::usable_on_error(info, request, clock.now()));

  const auto entry = cache::CachedResponse::create(200, headers, value, times, policy);
  require(entry->body() == value, "the body is stored as given");
  require(inside(entry->etag(), entry->header_block()), "validators are views into the block");
  std::size_t fields = 0;
  entry->for_each_header([&fields](std::string_view, std::string_view) { ++fields; });
  require(fields <= 9, "no more fields than given");
  const http::Header conditions[] = {{"If-None-Match", value},
                                     {"If-Modified-Since", value},
                                     {"If-Match", value},
                                     {"If-Unmodified-Since", value}};
  static_cast<void>(cache::evaluate_preconditions(http::Method::kGet, conditions, *entry));

  std::string names;
  const bool no_star = cache::normalize_vary(headers, names);
  require(no_star == !facts.vary_star, "Vary * seen by both readers");
  std::string variant;
  const http::Header request_headers[] = {{"Accept-Encoding", value}, {"Accept", value}};
  cache::build_variant_key(names, request_headers, variant);
  cache::build_variant_key("accept,accept-encoding,cookie", request_headers, variant);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  check_directives(input);
  check_response_fields(input);
  const std::size_t half = input.size() / 2;
  const std::string_view pattern = input.substr(0, std::min<std::size_t>(half, 48));
  const std::string_view text = input.substr(half, 64);
  require(cache::glob_match(pattern, text) == reference_glob(pattern, text),
          "glob matches the reference");
  return 0;
}
