// Unit benchmark: hit ratio of the store's W-TinyLFU policy against plain LRU with the same
// memory, on Zipf-distributed traces (s = 0.9 and 1.0) with scans of one-off keys mixed in.
// Prints the figures; asserts only that W-TinyLFU beats LRU (speed is never asserted).

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <list>
#include <random>
#include <unordered_map>

#include "cache/store.hpp"
#include "test_util.hpp"

namespace ramjet::cache {
namespace {

constexpr std::size_t kUniverse = 100'000;
constexpr std::size_t kRequests = 300'000;
constexpr std::size_t kScanEvery = 30'000;  // a scan burst after every this many requests...
constexpr std::size_t kScanLength = 6'000;  // ...of this many never-repeated keys

// Item ids: [0, kUniverse) Zipf-popular; ids from kUniverse up are one-off scan keys.
std::vector<std::uint64_t> make_trace(double s, std::uint32_t seed) {
  std::vector<double> cdf(kUniverse);
  double sum = 0;
  for (std::size_t i = 0; i < kUniverse; ++i) {
    sum += 1.0 / std::pow(static_cast<double>(i + 1), s);
    cdf[i] = sum;
  }
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0.0, sum);
  // Popularity ranks are scattered over ids so that hot keys do not share a prefix.
  std::vector<std::uint64_t> id_of_rank(kUniverse);
  for (std::size_t i = 0; i < kUniverse; ++i) {
    id_of_rank[i] = i;
  }
  std::shuffle(id_of_rank.begin(), id_of_rank.end(), rng);
  std::vector<std::uint64_t> trace;
  trace.reserve(kRequests + kRequests / kScanEvery * kScanLength);
  std::uint64_t next_scan_id = kUniverse;
  for (std::size_t r = 1; r <= kRequests; ++r) {
    const auto rank =
        static_cast<std::size_t>(std::lower_bound(cdf.begin(), cdf.end(), u(rng)) - cdf.begin());
    trace.push_back(id_of_rank[std::min(rank, kUniverse - 1)]);
    if (r % kScanEvery == 0) {
      for (std::size_t k = 0; k < kScanLength; ++k) {
        trace.push_back(next_scan_id++);
      }
    }
  }
  return trace;
}

struct Ratio {
  std::uint64_t hits = 0;
  std::uint64_t requests = 0;
  std::uint64_t hot_hits = 0;      // over Zipf requests only
  std::uint64_t hot_requests = 0;
  double all() const { return 100.0 * static_cast<double>(hits) / static_cast<double>(requests); }
  double hot() const {
    return 100.0 * static_cast<double>(hot_hits) / static_cast<double>(hot_requests);
  }
  void count(std::uint64_t id, bool hit) {
    ++requests;
    hits += hit ? 1U : 0U;
    if (id < kUniverse) {
      ++hot_requests;
      hot_hits += hit ? 1U : 0U;
    }
  }
};

CacheKey key_for(std::uint64_t id) { return testing::url_key("http://zipf/" + std::to_string(id)); }

Ratio run_store(const std::vector<std::uint64_t>& trace, const StoreOptions& options,
                std::uint64_t& entries_when_full) {
  core::ManualClock clock;
  auto store = std::move(Store::create(options, clock)).value();
  const auto response = testing::make_entry(
      clock, testing::Headers{{"Cache-Control", "max-age=86400"}}, std::string(1000, 'z'));
  const testing::Headers none{};
  Ratio ratio;
  for (const std::uint64_t id : trace) {
    const CacheKey key = key_for(id);
    const bool hit = store->lookup(key, none).status == LookupStatus::kHit;
    if (!hit) {
      store->insert(key, none, response);
    }
    ratio.count(id, hit);
  }
  entries_when_full = store->stats().entries;
  return ratio;
}

Ratio run_lru(const std::vector<std::uint64_t>& trace, std::size_t capacity) {
  std::list<std::uint64_t> order;  // front = most recent
  std::unordered_map<std::uint64_t, std::list<std::uint64_t>::iterator> where;
  Ratio ratio;
  for (const std::uint64_t id : trace) {
    const auto it = where.find(id);
    const bool hit = it != where.end();
    if (hit) {
      order.splice(order.begin(), order, it->second);
    } else {
      order.push_front(id);
      where[id] = order.begin();
      if (order.size() > capacity) {
        where.erase(order.back());
        order.pop_back();
      }
    }
    ratio.count(id, hit);
  }
  return ratio;
}

TEST(HitRatio, WTinyLfuBeatsLruOnZipfWithScans) {
  for (const double s : {0.9, 1.0}) {
    const std::vector<std::uint64_t> trace = make_trace(s, 42);
    for (const std::uint32_t shards : {1U, 8U}) {
      StoreOptions o;
      o.max_memory = shards * (4ULL << 20);
      o.max_object = 64 << 10;
      o.shards = shards;
      std::uint64_t entries = 0;
      const Ratio tiny = run_store(trace, o, entries);
      const Ratio lru = run_lru(trace, static_cast<std::size_t>(entries));
      std::printf(
          "[ hit ratio ] zipf s=%.1f, %zu requests (%zu scan keys), %llu entries (%.1f%% of "
          "keys), %u shard(s): W-TinyLFU %.2f%% (Zipf part %.2f%%) vs LRU %.2f%% (%.2f%%)\n",
          s, trace.size(), trace.size() - kRequests, static_cast<unsigned long long>(entries),
          100.0 * static_cast<double>(entries) / kUniverse, shards, tiny.all(), tiny.hot(),
          lru.all(), lru.hot());
      EXPECT_GT(tiny.all(), lru.all()) << "s=" << s << " shards=" << shards;
    }
  }
}

}  // namespace
}  // namespace ramjet::cache
