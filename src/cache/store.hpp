#pragma once
// Store: the in-memory response store shared by all workers.
//
// Shape. The key space is split into N shards (a power of two, at most 64) by the hash of the
// key's URL part, so every key and Vary variant of one URL lives in one shard. Each shard has
// its own lock, its own slice of the byte budget, its own eviction queues and frequency
// sketch; no operation holds two shard locks, and a lookup holds one lock for a few hundred
// nanoseconds (hash-map probe, Vary key, queue splice, refcount increment).
//
// Within a shard: primary key -> slot (the Vary field names of its responses) -> variants
// (secondary key -> entry). Storing a response whose Vary names differ from the slot's drops
// the slot's older variants (the origin changed how it varies).
//
// Budget. max_memory bounds everything the store holds, counted honestly: each entry is
// charged CachedResponse::charge() (header block, body, shared_ptr control blocks, allocator
// rounding: about 370 bytes plus the block and body) plus its bookkeeping, entry_overhead()
// (384 bytes with libstdc++ on x86-64: queue node, slot, two hash-map nodes) plus its key
// and Vary key bytes; so an entry costs about 750 bytes more than its header block, body and
// key. Each shard also charges its hash-table bucket arrays and expiry heap at their current
// capacity, and its frequency sketch is deducted from its share up front. stats().bytes
// never exceeds max_memory (tests/unit/cache/alloc_accounting_test.cpp checks the charge
// against the heap really held); outside it are the Store object and shard headers, a few
// KiB.
//
// Admission and eviction: W-TinyLFU (docs/adr/0002-cache-eviction.md). New entries enter a
// small LRU window (window_fraction of the shard); the window's overflow competes for the
// main space, a segmented LRU (probation, then protected after a second hit), against the
// main victim, by estimated access frequency; the loser is dropped. A scan of one-off keys
// churns through the window and loses every contest, so the hot set stays.
//
// Expiry: an entry is dead once it is past fresh + max(stale-while-revalidate,
// stale-if-error) windows (+ retain_stale when it has validators, so it can still be
// revalidated with a 304). Dead entries are reclaimed incrementally: a lookup that finds one
// drops it; every lookup and insert reclaims up to reclaim_per_operation others from the
// shard's expiry heap; and sweep() reclaims a bounded number per call for a timer. Never
// stop-the-world.
//
// Threading: every method may be called from any thread. Entries are handed out as
// shared_ptr<const CachedResponse>: the caller may keep one after it is evicted.
// Purges that match patterns (prefix, glob, tag, all) scan each shard once under its lock:
// O(entries of the shard) per shard, one shard at a time.

#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cache/cached_response.hpp"
#include "cache/key.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"
#include "core/units.hpp"
#include "http/parser.hpp"

namespace ramjet::cache {

struct StoreOptions {
  std::uint64_t max_memory = 256ULL * 1024 * 1024;
  std::uint64_t max_object = 8ULL * 1024 * 1024;  // body bytes; larger responses not stored
  // Power of two in [1, 64]; 0 = the most shards (up to 64) that leave each one at least
  // 4 x max_object.
  std::uint32_t shards = 0;
  std::uint64_t expected_entry_bytes = 2048;  // sizes the frequency sketches
  double window_fraction = 0.01;              // admission window share of each shard
  double protected_fraction = 0.8;            // protected share of the main space
  core::Duration retain_stale = std::chrono::minutes(5);
  std::uint32_t reclaim_per_operation = 2;
};

enum class Segment : std::uint8_t { kWindow, kProbation, kProtected };
const char* to_string(Segment segment);

struct StoreStats {
  std::uint64_t entries = 0;        // stored variants
  std::uint64_t bytes = 0;          // everything charged (entries, indexes, sketches)
  std::uint64_t entry_bytes = 0;    // the entries' share of `bytes`
  std::uint64_t capacity = 0;       // max_memory
  std::uint64_t hits = 0;           // lookups that returned an entry...
  std::uint64_t stale_hits = 0;     // ...of which past their freshness lifetime
  std::uint64_t misses = 0;         // lookups that returned nothing
  std::uint64_t inserts = 0;        // new variants offered to the store
  std::uint64_t replacements = 0;   // variants replaced in place (refetch, 304 update)
  std::uint64_t evictions = 0;      // entries evicted for space
  std::uint64_t rejected = 0;       // new entries that lost the admission contest
  std::uint64_t expired = 0;        // dead entries reclaimed
  std::uint64_t purged = 0;         // entries removed by purges and invalidations
  std::uint64_t too_large = 0;      // responses refused for size

  double hit_ratio() const {
    const std::uint64_t lookups = hits + misses;
    return lookups == 0 ? 0.0 : static_cast<double>(hits) / static_cast<double>(lookups);
  }
};

enum class LookupStatus : std::uint8_t {
  kHit,
  kMiss,         // no entry for the key
  kVariantMiss,  // the key is stored, but not for this request's Vary values
  kExpired,      // an entry was found dead and reclaimed
};

struct LookupResult {
  std::shared_ptr<const CachedResponse> response;  // null unless kHit
  LookupStatus status = LookupStatus::kMiss;
};

enum class InsertStatus : std::uint8_t {
  kAdmitted,  // stored as a new variant
  kReplaced,  // replaced the stored response of the same variant
  kRejected,  // lost the admission contest (the caller has served it anyway)
  kTooLarge,  // body over max_object, or the entry larger than a shard
};

// One stored variant, for /cache/explain and enumeration (copies; the response is shared).
struct EntryInfo {
  std::string key;      // primary key bytes (printable_key() for display)
  std::string variant;  // secondary (Vary) key bytes; empty without Vary
  std::shared_ptr<const CachedResponse> response;
  std::uint64_t charge = 0;  // bytes charged for it, bookkeeping included
  Segment segment = Segment::kWindow;
  std::uint32_t frequency = 0;  // sketch estimate of recent accesses of its key
};

class Store {
 public:
  // Validates the options (sizes non-zero, fractions in range, shards a power of two <= 64,
  // max_object within a shard's share). `clock` must outlive the store.
  static core::Result<std::unique_ptr<Store>> create(const StoreOptions& options,
                                                     const core::Clock& clock);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Finds the variant of `key` that matches the request's Vary values and records the
  // access (frequency and recency). Counts a hit or a miss; a hit past its freshness
  // lifetime also counts as a stale hit (whether it may be served is decide()'s call).
  LookupResult lookup(const CacheKey& key, std::span<const http::Header> request_headers);

  // What lookup() would return now, without its side effects: no frequency or recency
  // recorded, no hit/miss counted, nothing reclaimed (an entry past its retention is
  // reported kExpired and left to the sweep). For /cache/explain, which must not warm the
  // keys it is asked about.
  LookupResult peek(const CacheKey& key, std::span<const http::Header> request_headers) const;

  // Offers a response stored under `key` for the request whose headers are given (they
  // select the variant when the response has Vary). Replaces the same variant if stored.
  // The entry competes for admission; evicts as needed so the budget holds on return.
  InsertStatus insert(const CacheKey& key, std::span<const http::Header> request_headers,
                      std::shared_ptr<const CachedResponse> response);

  // Purges; each returns the number of variants removed.
  std::size_t purge_key(const CacheKey& key);           // every variant of one primary key
  std::size_t purge_url(std::string_view url);          // every key whose URL part is `url`
  std::size_t purge_prefix(std::string_view prefix);    // keys whose bytes start with prefix
  std::size_t purge_glob(std::string_view pattern);     // keys whose URL part matches the glob
  std::size_t purge_tag(std::string_view tag);          // entries carrying the tag
  std::size_t purge_all();

  // Reclaims up to `max_entries` dead entries, visiting shards round-robin from where the
  // previous call stopped. For a periodic timer; returns how many were reclaimed.
  std::size_t sweep(std::size_t max_entries);

  StoreStats stats() const;
  // Every stored variant of `key` (empty if none).
  std::vector<EntryInfo> explain(const CacheKey& key) const;
  // Up to `limit` stored variants whose key starts with `prefix`, in no particular order.
  std::vector<EntryInfo> entries(std::string_view prefix, std::size_t limit) const;

  std::uint32_t shard_count() const { return static_cast<std::uint32_t>(shards_.size()); }
  const StoreOptions& options() const { return options_; }
  // Fixed bookkeeping charged per entry besides its response, key and Vary key bytes.
  static std::size_t entry_overhead();

 private:
  class Shard;
  Store(const StoreOptions& options, const core::Clock& clock, std::uint32_t shards);
  Shard& shard_for(std::uint64_t url_hash) const;

  StoreOptions options_;
  const core::Clock& clock_;
  std::vector<std::unique_ptr<Shard>> shards_;
  std::uint64_t shard_mask_ = 0;  // shards - 1; a shard is picked by the URL hash's top bits
  std::atomic<std::uint32_t> sweep_cursor_{0};
};

}  // namespace ramjet::cache
