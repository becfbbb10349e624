#pragma once
// CollapseTable: request collapsing. Concurrent misses for one key make one upstream request:
// the first becomes the leader and fetches; later ones register as waiters and are answered
// from the leader's result. A pure data structure: it never calls back, sleeps or posts; it
// hands the proxy the tokens of the waiters to notify, and the proxy posts each completion to
// the waiter's own worker loop (STYLE #5).
//
// Protocol, for the proxy (key = the request's CacheKey):
//
//   JoinResult j = table.join(key, WaiterToken{id, my_worker});
//   kLeader:   fetch upstream; store the response if storable; then, whatever happened
//              (stored, uncacheable, upstream error, client gone):
//                for (WaiterToken w : table.complete(key, j.flight, outcome)) post(w, result);
//              Exactly one complete() per kLeader. Waiters given kStored are answered from the
//              entry; given kUncacheable or kFailed they go upstream themselves, at once.
//   kWaiter:   suspend until the posted completion arrives or the wait times out; on timeout
//              call table.leave(key, id): true = removed, go upstream yourself; false = the
//              leader already took this waiter's token and has posted, or is about to post,
//              its completion: keep waiting for it (it will come; no timeout needed).
//   kOverflow: the flight already has max_waiters waiters: go upstream yourself, do not wait.
//
//   For a background refresh (stale-while-revalidate, refresh-ahead) use try_lead(): kLeader
//   (then complete() as above) or kBusy (a fetch for the key is already running: skip).
//
// A leader that never completes (a bug, a lost coroutine) is bounded by max_flight_age: the
// next join() after that takes the flight over as its new leader (the waiters stay attached;
// the old leader's late complete() is ignored because the flight id changed).
//
// Threading: any thread; a lock per shard, picked by the key hash; no call holds two locks.
// Tokens are stored by value; `context` is never dereferenced here.

#include <cstdint>
#include <memory>
#include <vector>

#include "cache/key.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"
#include "core/units.hpp"

namespace ramjet::cache {

struct CollapseOptions {
  std::uint32_t shards = 16;         // power of two in [1, 256]
  std::uint32_t max_waiters = 1024;  // per flight; later misses go upstream themselves
  core::Duration max_flight_age = std::chrono::seconds(60);
};

// Identifies a waiter to the proxy. `id` must be unique among live waiters (e.g. worker
// index << 48 | per-worker sequence); `context` is the proxy's (e.g. the waiter's loop).
struct WaiterToken {
  std::uint64_t id = 0;
  void* context = nullptr;
};

enum class Role : std::uint8_t { kLeader, kWaiter, kOverflow, kBusy };
const char* to_string(Role role);

struct JoinResult {
  Role role = Role::kLeader;
  std::uint64_t flight = 0;  // the flight's id (pass it to complete() when leading)
};

enum class FlightOutcome : std::uint8_t {
  kStored,       // the response was stored: waiters use the leader's entry
  kUncacheable,  // not storable: waiters go upstream themselves
  kFailed,       // upstream error or aborted: waiters go upstream (or stale-if-error)
};

struct CollapseStats {
  std::uint64_t flights = 0;     // leaders created (including takeovers)
  std::uint64_t collapsed = 0;   // waiters that joined a flight
  std::uint64_t overflows = 0;   // joins refused for too many waiters
  std::uint64_t busy = 0;        // try_lead() calls that found a flight running
  std::uint64_t timeouts = 0;    // waiters that left before completion
  std::uint64_t takeovers = 0;   // flights taken over after max_flight_age
  std::uint64_t completed_stored = 0;       // complete() calls by outcome
  std::uint64_t completed_uncacheable = 0;
  std::uint64_t completed_failed = 0;
  std::uint64_t in_flight = 0;   // flights now running
};

class CollapseTable {
 public:
  static core::Result<std::unique_ptr<CollapseTable>> create(const CollapseOptions& options,
                                                             const core::Clock& clock);
  ~CollapseTable();
  CollapseTable(const CollapseTable&) = delete;
  CollapseTable& operator=(const CollapseTable&) = delete;

  // Leader if no flight runs for `key` (or it is older than max_flight_age), else waiter
  // (registering `waiter`), or kOverflow if the flight is full.
  JoinResult join(const CacheKey& key, WaiterToken waiter);
  // Leader if no flight runs for `key` (or it is older than max_flight_age), else kBusy.
  JoinResult try_lead(const CacheKey& key);
  // Ends the flight `flight` of `key` and returns its waiters, whom the caller notifies of
  // `outcome`. Returns nothing if that flight is no longer current (taken over).
  std::vector<WaiterToken> complete(const CacheKey& key, std::uint64_t flight,
                                    FlightOutcome outcome);
  // A waiter gives up (timeout). True if it was removed; false if it is no longer
  // registered (the flight completed and a notification was or is being posted).
  bool leave(const CacheKey& key, std::uint64_t waiter_id);

  CollapseStats stats() const;

 private:
  class Shard;
  CollapseTable(const CollapseOptions& options, const core::Clock& clock);
  Shard& shard_for(std::uint64_t hash) const;

  CollapseOptions options_;
  const core::Clock& clock_;
  std::vector<std::unique_ptr<Shard>> shards_;
};

}  // namespace ramjet::cache
