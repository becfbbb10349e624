#include "cache/store.hpp"

#include <gtest/gtest.h>

#include <random>
#include <thread>

#include "test_util.hpp"

namespace ramjet::cache {
namespace {

using namespace std::chrono_literals;
using testing::Headers;
using testing::make_entry;
using testing::url_key;

class StoreTest : public ::testing::Test {
 protected:
  std::unique_ptr<Store> make_store(StoreOptions options) {
    auto store = Store::create(options, clock_);
    EXPECT_TRUE(store.ok()) << (store.ok() ? "" : store.error().to_string());
    return std::move(store).value();
  }

  std::shared_ptr<const CachedResponse> entry(std::string_view cc = "max-age=3600",
                                              std::string_view body = "hello") {
    return make_entry(clock_, Headers{{"Cache-Control", std::string(cc)}}, body);
  }

  core::ManualClock clock_;
  const Headers no_headers_{};
};

TEST_F(StoreTest, CreateValidatesOptions) {
  StoreOptions o;
  o.max_memory = 1 << 20;
  o.max_object = 1 << 20;
  EXPECT_FALSE(Store::create(o, clock_).ok());  // larger than the shard it would live in
  o.max_object = 64 << 10;
  auto store = Store::create(o, clock_);
  ASSERT_TRUE(store.ok());
  EXPECT_EQ((*store)->shard_count(), 4U);  // each shard keeps >= 4 x max_object
  o.shards = 3;
  EXPECT_FALSE(Store::create(o, clock_).ok());
  o.shards = 0;
  o.window_fraction = 1.0;
  EXPECT_FALSE(Store::create(o, clock_).ok());
  StoreOptions big;
  auto defaults = Store::create(big, clock_);
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ((*defaults)->shard_count(), 8U);  // 256 MiB / (4 x 8 MiB)
}

TEST_F(StoreTest, InsertThenHitSharesTheResponse) {
  auto store = make_store({});
  const CacheKey key = url_key("http://h/a");
  EXPECT_EQ(store->lookup(key, no_headers_).status, LookupStatus::kMiss);
  const auto response = entry();
  EXPECT_EQ(store->insert(key, no_headers_, response), InsertStatus::kAdmitted);
  const LookupResult hit = store->lookup(key, no_headers_);
  ASSERT_EQ(hit.status, LookupStatus::kHit);
  EXPECT_EQ(hit.response.get(), response.get());  // no copy
  const StoreStats s = store->stats();
  EXPECT_EQ(s.entries, 1U);
  EXPECT_EQ(s.hits, 1U);
  EXPECT_EQ(s.misses, 1U);
  EXPECT_EQ(s.inserts, 1U);
  EXPECT_GT(s.entry_bytes, response->charge());
  EXPECT_LE(s.bytes, s.capacity);
}

TEST_F(StoreTest, ReplacesTheSameVariant) {
  auto store = make_store({});
  const CacheKey key = url_key("http://h/a");
  store->insert(key, no_headers_, entry("max-age=60", "one"));
  EXPECT_EQ(store->insert(key, no_headers_, entry("max-age=60", "two")), InsertStatus::kReplaced);
  EXPECT_EQ(store->lookup(key, no_headers_).response->body(), "two");
  EXPECT_EQ(store->stats().entries, 1U);
}

TEST_F(StoreTest, VaryKeepsVariantsApart) {
  auto store = make_store({});
  const CacheKey key = url_key("http://h/v");
  const Headers vary_head{{"Cache-Control", "max-age=60"}, {"Vary", "Accept-Encoding"}};
  const Headers gzip{{"Accept-Encoding", "gzip, br"}};
  const Headers gzip_reordered{{"Accept-Encoding", "br,gzip"}};
  const Headers identity{};
  store->insert(key, gzip, make_entry(clock_, vary_head, "compressed"));
  store->insert(key, identity, make_entry(clock_, vary_head, "plain"));
  EXPECT_EQ(store->lookup(key, gzip_reordered).response->body(), "compressed");
  EXPECT_EQ(store->lookup(key, identity).response->body(), "plain");
  EXPECT_EQ(store->lookup(key, Headers{{"Accept-Encoding", "zstd"}}).status,
            LookupStatus::kVariantMiss);
  EXPECT_EQ(store->explain(key).size(), 2U);
  // The origin changes how it varies: older variants go.
  const Headers new_vary{{"Cache-Control", "max-age=60"}, {"Vary", "Accept-Language"}};
  store->insert(key, Headers{{"Accept-Language", "en"}}, make_entry(clock_, new_vary, "en"));
  EXPECT_EQ(store->explain(key).size(), 1U);
  EXPECT_EQ(store->lookup(key, Headers{{"Accept-Language", "EN"}}).response->body(), "en");
}

TEST_F(StoreTest, DeadEntriesAreReclaimedIncrementally) {
  StoreOptions o;
  o.reclaim_per_operation = 0;  // only lookups of the entry itself and sweep()
  auto store = make_store(o);
  for (int i = 0; i < 10; ++i) {
    store->insert(url_key("http://h/" + std::to_string(i)), no_headers_, entry("max-age=10"));
  }
  const CacheKey validated = url_key("http://h/etag");
  store->insert(validated, no_headers_,
                make_entry(clock_, Headers{{"Cache-Control", "max-age=10"}, {"ETag", "\"x\""}}));
  clock_.advance(9s);
  EXPECT_EQ(store->sweep(100), 0U);
  clock_.advance(2s);
  EXPECT_EQ(store->lookup(url_key("http://h/0"), no_headers_).status, LookupStatus::kExpired);
  EXPECT_EQ(store->sweep(3), 3U);
  EXPECT_EQ(store->sweep(100), 6U);
  // Entries with validators stay retain_stale longer, for revalidation.
  const LookupResult stale = store->lookup(validated, no_headers_);
  ASSERT_EQ(stale.status, LookupStatus::kHit);
  EXPECT_EQ(store->stats().stale_hits, 1U);
  clock_.advance(5min);
  EXPECT_EQ(store->sweep(100), 1U);
  const StoreStats s = store->stats();
  EXPECT_EQ(s.expired, 11U);
  EXPECT_EQ(s.entries, 0U);
}

TEST_F(StoreTest, OperationsReclaimAFewDeadEntriesEach) {
  StoreOptions o;  // reclaim_per_operation = 2
  o.shards = 1;
  auto store = make_store(o);
  for (int i = 0; i < 10; ++i) {
    store->insert(url_key("http://h/" + std::to_string(i)), no_headers_, entry("max-age=10"));
  }
  clock_.advance(11s);
  store->lookup(url_key("http://h/other"), no_headers_);
  EXPECT_EQ(store->stats().expired, 2U);
  store->insert(url_key("http://h/new"), no_headers_, entry());
  EXPECT_EQ(store->stats().expired, 4U);
}

TEST_F(StoreTest, StaleWindowsKeepEntriesUsable) {
  auto store = make_store({});
  const CacheKey key = url_key("http://h/swr");
  store->insert(key, no_headers_, entry("max-age=10, stale-while-revalidate=60"));
  clock_.advance(40s);
  EXPECT_EQ(store->lookup(key, no_headers_).status, LookupStatus::kHit);
  clock_.advance(31s);
  // Gone: reclaimed by this lookup's incremental sweep or found dead by it.
  EXPECT_NE(store->lookup(key, no_headers_).status, LookupStatus::kHit);
  EXPECT_EQ(store->stats().expired, 1U);
}

TEST_F(StoreTest, AnEvictedEntryStaysAliveWhileHeld) {
  auto store = make_store({});
  const CacheKey key = url_key("http://h/held");
  store->insert(key, no_headers_, entry("max-age=60", std::string(100000, 'x')));
  const std::shared_ptr<const CachedResponse> held = store->lookup(key, no_headers_).response;
  ASSERT_NE(held, nullptr);
  EXPECT_EQ(store->purge_all(), 1U);
  EXPECT_EQ(held->body().size(), 100000U);  // still readable (ASan would object otherwise)
  EXPECT_EQ(held.use_count(), 1);
}

TEST_F(StoreTest, RefusesObjectsOverMaxObject) {
  StoreOptions o;
  o.max_object = 1000;
  auto store = make_store(o);
  EXPECT_EQ(store->insert(url_key("http://h/big"), no_headers_, entry("max-age=60",
                                                                     std::string(1001, 'x'))),
            InsertStatus::kTooLarge);
  EXPECT_EQ(store->stats().too_large, 1U);
  EXPECT_EQ(store->stats().entries, 0U);
}

TEST_F(StoreTest, PurgeVariants) {
  auto store = make_store({});
  const Headers vary_head{{"Cache-Control", "max-age=600"}, {"Vary", "Accept"},
                          {"Surrogate-Key", "user-7 users"}};
  const Headers tagged{{"Cache-Control", "max-age=600"}, {"Cache-Tag", "users, list"}};
  const CacheKey u7 = url_key("http://h/users/7");
  store->insert(u7, Headers{{"Accept", "a"}}, make_entry(clock_, vary_head));
  store->insert(u7, Headers{{"Accept", "b"}}, make_entry(clock_, vary_head));
  // A key of the same URL with route extras (an included header).
  CacheKey u7_tenant;
  RequestView r;
  r.host = "h";
  r.path = "/users/7";
  const Headers tenant{{"X-Tenant", "acme"}};
  r.headers = tenant;
  KeyOptions with_tenant;
  with_tenant.include_headers = {"x-tenant"};
  ASSERT_EQ(build_key(r, with_tenant, u7_tenant), KeyError::kNone);
  store->insert(u7_tenant, no_headers_, entry());
  for (int i = 0; i < 5; ++i) {
    store->insert(url_key("http://h/users?page=" + std::to_string(i)), no_headers_,
                  make_entry(clock_, tagged));
  }
  store->insert(url_key("http://h/static/app.js"), no_headers_, entry());
  store->insert(url_key("http://h/static/app.css"), no_headers_, entry());
  store->insert(url_key("http://other/static/x.js"), no_headers_, entry());
  EXPECT_EQ(store->stats().entries, 11U);

  EXPECT_EQ(store->purge_url("http://h/users/7"), 3U);  // both variants and the extras key
  EXPECT_EQ(store->purge_url("http://h/users/7"), 0U);
  EXPECT_EQ(store->purge_key(url_key("http://h/users?page=0")), 1U);
  EXPECT_EQ(store->purge_tag("list"), 4U);
  EXPECT_EQ(store->purge_tag("list"), 0U);
  EXPECT_EQ(store->purge_glob("http://*/static/*.js"), 2U);
  EXPECT_EQ(store->purge_prefix("http://h/static/"), 1U);
  EXPECT_EQ(store->stats().entries, 0U);
  store->insert(url_key("http://h/a"), no_headers_, entry());
  store->insert(url_key("http://h/b"), no_headers_, entry());
  EXPECT_EQ(store->purge_all(), 2U);
  const StoreStats s = store->stats();
  EXPECT_EQ(s.purged, 13U);
  EXPECT_EQ(s.entries, 0U);
  EXPECT_EQ(s.entry_bytes, 0U);
}

TEST_F(StoreTest, PurgeUrlChainsSurviveHeadRemoval) {
  auto store = make_store({});
  KeyOptions o;
  o.include_headers = {"x-t"};
  std::vector<CacheKey> keys(3);
  std::vector<std::unique_ptr<Headers>> headers;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    headers.push_back(std::make_unique<Headers>(
        std::initializer_list<std::pair<std::string, std::string>>{{"X-T", std::to_string(i)}}));
    RequestView r;
    r.host = "h";
    r.path = "/p";
    r.headers = *headers.back();
    ASSERT_EQ(build_key(r, o, keys[i]), KeyError::kNone);
    store->insert(keys[i], no_headers_, entry());
  }
  EXPECT_EQ(store->purge_key(keys[0]), 1U);  // whichever was the chain's head
  EXPECT_EQ(store->purge_key(keys[2]), 1U);
  EXPECT_EQ(store->purge_url("http://h/p"), 1U);
}

TEST_F(StoreTest, EnumeratesForExplain) {
  auto store = make_store({});
  store->insert(url_key("http://h/a"), no_headers_, entry());
  store->insert(url_key("http://h/b"), no_headers_, entry());
  store->insert(url_key("http://x/c"), no_headers_, entry());
  EXPECT_EQ(store->entries("http://h/", 10).size(), 2U);
  EXPECT_EQ(store->entries("", 2).size(), 2U);
  const auto info = store->explain(url_key("http://h/a"));
  ASSERT_EQ(info.size(), 1U);
  EXPECT_EQ(info[0].key, "http://h/a");
  EXPECT_EQ(info[0].segment, Segment::kWindow);
  EXPECT_GE(info[0].charge, info[0].response->charge() + Store::entry_overhead());
}

TEST_F(StoreTest, PeekAnswersLikeLookupAndRecordsNothing) {
  StoreOptions o;
  o.reclaim_per_operation = 0;  // so that the last lookup meets the dead entry itself
  auto store = make_store(o);
  const CacheKey key = url_key("http://h/p");
  const CacheKey vary_key = url_key("http://h/v");
  const CacheKey dead = url_key("http://h/dead");
  store->insert(key, no_headers_, entry("max-age=60"));
  store->insert(vary_key, Headers{{"Accept-Encoding", "gzip"}},
                make_entry(clock_, Headers{{"Cache-Control", "max-age=60"},
                                           {"Vary", "Accept-Encoding"}}));
  store->insert(dead, no_headers_, entry("max-age=1"));
  const std::uint32_t frequency = store->explain(key)[0].frequency;
  const StoreStats before = store->stats();
  EXPECT_EQ(store->peek(key, no_headers_).status, LookupStatus::kHit);
  EXPECT_EQ(store->peek(url_key("http://h/none"), no_headers_).status, LookupStatus::kMiss);
  EXPECT_EQ(store->peek(vary_key, Headers{{"Accept-Encoding", "gzip"}}).status,
            LookupStatus::kHit);
  EXPECT_EQ(store->peek(vary_key, Headers{{"Accept-Encoding", "br"}}).status,
            LookupStatus::kVariantMiss);
  clock_.advance(10s);
  EXPECT_EQ(store->peek(dead, no_headers_).status, LookupStatus::kExpired);
  const StoreStats after = store->stats();
  EXPECT_EQ(after.hits, before.hits);
  EXPECT_EQ(after.misses, before.misses);
  EXPECT_EQ(after.expired, 0U) << "peek reclaims nothing";
  EXPECT_EQ(after.entries, 3U);
  EXPECT_EQ(store->explain(key)[0].frequency, frequency) << "peek does not warm the key";
  EXPECT_EQ(store->lookup(dead, no_headers_).status, LookupStatus::kExpired);
}

// A flood of distinct keys of random sizes never takes the store over its budget.
TEST_F(StoreTest, BudgetHoldsUnderAFloodOfDistinctKeys) {
  StoreOptions o;
  o.max_memory = 4 << 20;
  o.max_object = 64 << 10;
  auto store = make_store(o);
  std::mt19937 rng(7);
  std::uniform_int_distribution<std::size_t> size(0, 40000);
  const std::string body(64 << 10, 'b');
  std::uint64_t peak = 0;
  for (int i = 0; i < 20000; ++i) {
    const auto response = entry("max-age=3600", std::string_view(body).substr(0, size(rng)));
    store->insert(url_key("http://flood/" + std::to_string(i)), no_headers_, response);
    const StoreStats s = store->stats();
    ASSERT_LE(s.bytes, o.max_memory) << "after " << i;
    peak = std::max(peak, s.bytes);
  }
  const StoreStats s = store->stats();
  EXPECT_GT(peak, o.max_memory * 3 / 4);  // it does use its budget
  EXPECT_GT(s.evictions + s.rejected, 19000U);
  EXPECT_EQ(s.entries, s.inserts - s.evictions - s.rejected - s.expired);
}

// A scan of one-off keys must not flush the hot set (the point of TinyLFU admission).
TEST_F(StoreTest, HotSetSurvivesAScan) {
  StoreOptions o;
  o.max_memory = 2 << 20;
  o.max_object = 64 << 10;
  o.shards = 1;
  auto store = make_store(o);
  const auto response = entry("max-age=3600", std::string(2000, 'h'));
  const auto access = [&](const CacheKey& key) {
    if (store->lookup(key, no_headers_).status != LookupStatus::kHit) {
      store->insert(key, no_headers_, response);
    }
  };
  std::vector<CacheKey> hot;
  for (int i = 0; i < 200; ++i) {
    hot.push_back(url_key("http://h/hot/" + std::to_string(i)));
  }
  for (int round = 0; round < 10; ++round) {
    for (const CacheKey& k : hot) {
      access(k);
    }
  }
  for (int i = 0; i < 20000; ++i) {  // 20x the capacity in one-off keys
    access(url_key("http://h/scan/" + std::to_string(i)));
  }
  std::size_t still = 0;
  for (const CacheKey& k : hot) {
    still += store->lookup(k, no_headers_).status == LookupStatus::kHit ? 1U : 0U;
  }
  EXPECT_GE(still, 190U) << "hot entries left after the scan";
  const StoreStats s = store->stats();
  EXPECT_GT(s.rejected + s.evictions, 15000U);
}

TEST_F(StoreTest, ConcurrentUseKeepsTheBudget) {
  StoreOptions o;
  o.max_memory = 2 << 20;
  o.max_object = 64 << 10;
  auto store = make_store(o);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 rng(static_cast<unsigned>(t));
      std::uniform_int_distribution<int> pick(0, 3000);
      const auto response = entry("max-age=3600", std::string(1000, 'c'));
      const Headers none{};
      for (int i = 0; i < 20000; ++i) {
        const CacheKey key = url_key("http://c/" + std::to_string(pick(rng)));
        if (store->lookup(key, none).status != LookupStatus::kHit) {
          store->insert(key, none, response);
        }
        if (i % 5000 == 0) {
          store->purge_prefix("http://c/1");
        }
      }
    });
  }
  for (std::thread& th : threads) {
    th.join();
  }
  const StoreStats s = store->stats();
  EXPECT_LE(s.bytes, o.max_memory);
  EXPECT_EQ(s.hits + s.misses, 80000U);
}

}  // namespace
}  // namespace ramjet::cache
