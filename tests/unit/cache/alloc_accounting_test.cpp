// Checks that the store's byte accounting is honest: the heap it really holds (measured by
// replacing the global operator new/delete for this test binary) never exceeds what it
// charges against max_memory, and the charge is not wildly pessimistic either.
//
// Sanitizer builds keep their own allocator hooks, so the measurement is skipped there.

#include <malloc.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <random>

#include <gtest/gtest.h>

#include "cache/store.hpp"
#include "test_util.hpp"

#if defined(__SANITIZE_ADDRESS__)
#define RAMJET_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RAMJET_TEST_ASAN 1
#endif
#endif

#if !defined(RAMJET_TEST_ASAN)
namespace {
std::atomic<bool> g_counting{false};
std::atomic<std::int64_t> g_live_bytes{0};

// What a chunk holding `p` occupies (usable size plus glibc's 8-byte header).
std::int64_t chunk_bytes(void* p) { return static_cast<std::int64_t>(malloc_usable_size(p)) + 8; }

void* acquire(std::size_t n) {
  void* p = std::malloc(n == 0 ? 1 : n);
  if (p == nullptr) {
    throw std::bad_alloc();
  }
  if (g_counting.load(std::memory_order_relaxed)) {
    g_live_bytes.fetch_add(chunk_bytes(p), std::memory_order_relaxed);
  }
  return p;
}
void release(void* p) noexcept {
  if (p != nullptr && g_counting.load(std::memory_order_relaxed)) {
    g_live_bytes.fetch_sub(chunk_bytes(p), std::memory_order_relaxed);
  }
  std::free(p);
}
}  // namespace

void* operator new(std::size_t n) { return acquire(n); }
void* operator new[](std::size_t n) { return acquire(n); }
void operator delete(void* p) noexcept { release(p); }
void operator delete[](void* p) noexcept { release(p); }
void operator delete(void* p, std::size_t) noexcept { release(p); }
void operator delete[](void* p, std::size_t) noexcept { release(p); }
#endif

namespace ramjet::cache {
namespace {

using testing::Headers;

TEST(AllocAccounting, ChargedBytesCoverTheHeapTheStoreHolds) {
#if defined(RAMJET_TEST_ASAN)
  GTEST_SKIP() << "allocation counting is off under AddressSanitizer";
#else
  core::ManualClock clock;
  StoreOptions o;
  o.max_memory = 8 << 20;
  o.max_object = 256 << 10;
  auto created = Store::create(o, clock);
  ASSERT_TRUE(created.ok());
  std::unique_ptr<Store> store = std::move(created).value();
  const std::string body(200 << 10, 'x');
  std::vector<CacheKey> keys;
  for (int i = 0; i < 6000; ++i) {
    keys.push_back(testing::url_key("http://acct.example/items/" + std::to_string(i) +
                                    "?with=a-longer-query-string-" + std::to_string(i * 7)));
  }
  const Headers head{{"Cache-Control", "max-age=3600"},
                     {"Content-Type", "application/json"},
                     {"ETag", "\"some-etag-value\""},
                     {"Surrogate-Key", "tag-a tag-b"}};
  const Headers none{};
  const ExchangeTimes times = testing::now_times(clock);
  const CachePolicy policy;
  std::mt19937 rng(3);
  std::uniform_int_distribution<std::size_t> size(0, 3000);
  const StoreStats before = store->stats();

  g_live_bytes = 0;
  g_counting = true;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    // Mostly small bodies, every 50th a large one (mmap-sized).
    const std::size_t n = i % 50 == 0 ? body.size() - i : size(rng);
    store->insert(keys[i], none,
                  CachedResponse::create(200, head, std::string_view(body).substr(0, n), times,
                                         policy));
  }
  g_counting = false;
  const StoreStats after = store->stats();
  const std::int64_t live = g_live_bytes.load();
  const auto charged = static_cast<std::int64_t>(after.bytes - before.bytes);
  std::printf("[ accounting ] entries=%llu heap held=%lld B charged=%lld B (%.1f%%)\n",
              static_cast<unsigned long long>(after.entries), static_cast<long long>(live),
              static_cast<long long>(charged),
              100.0 * static_cast<double>(charged) / static_cast<double>(live));
  EXPECT_GT(after.evictions + after.rejected, 0U);
  EXPECT_LE(after.bytes, o.max_memory);
  EXPECT_LE(live, charged + 64 * 1024) << "the store holds more heap than it charges";
  EXPECT_LE(charged, live + live / 4 + 64 * 1024) << "the charge is far too pessimistic";
#endif
}

}  // namespace
}  // namespace ramjet::cache
