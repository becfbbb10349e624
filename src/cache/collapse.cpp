// Sharded table of in-flight fetches; see collapse.hpp for the protocol.

#include "cache/collapse.hpp"

#include <algorithm>
#include <bit>
#include <string>
#include <unordered_map>

#include "cache/mutex.hpp"

namespace ramjet::cache {
namespace {

constexpr std::uint32_t kMaxShards = 256;

struct Flight {
  std::string key;
  std::uint64_t hash = 0;
  std::uint64_t id = 0;
  core::MonoTime started{};
  std::vector<WaiterToken> waiters;
};

struct FlightRef {
  std::string_view key;  // points into Flight::key
  std::uint64_t hash = 0;
  bool operator==(const FlightRef& other) const { return key == other.key; }
};

struct FlightRefHash {
  std::size_t operator()(const FlightRef& r) const noexcept {
    return static_cast<std::size_t>(r.hash);
  }
};

}  // namespace

const char* to_string(Role role) {
  switch (role) {
    case Role::kLeader: return "leader";
    case Role::kWaiter: return "waiter";
    case Role::kOverflow: return "overflow";
    case Role::kBusy: return "busy";
  }
  return "leader";
}

class CollapseTable::Shard {
 public:
  Shard(const CollapseOptions& options, std::uint64_t index)
      : options_(options), next_id_(index + 1), id_step_(kMaxShards) {}

  Shard(const Shard&) = delete;
  Shard& operator=(const Shard&) = delete;

  // `waiter` null: lead or report busy (try_lead).
  JoinResult join(const CacheKey& key, const WaiterToken* waiter, core::MonoTime now)
      RAMJET_EXCLUDES(mutex_) {
    MutexLock lock(mutex_);
    const auto it = flights_.find(FlightRef{key.bytes, key.hash});
    if (it == flights_.end()) {
      auto flight = std::make_unique<Flight>();
      flight->key = key.bytes;
      flight->hash = key.hash;
      flight->id = new_id_locked();
      flight->started = now;
      const std::uint64_t id = flight->id;
      const FlightRef ref{flight->key, flight->hash};
      flights_.emplace(ref, std::move(flight));
      ++stats_.flights;
      return {Role::kLeader, id};
    }
    Flight& flight = *it->second;
    if (now - flight.started > options_.max_flight_age) {
      flight.id = new_id_locked();
      flight.started = now;
      ++stats_.takeovers;
      ++stats_.flights;
      return {Role::kLeader, flight.id};
    }
    if (waiter == nullptr) {
      ++stats_.busy;
      return {Role::kBusy, flight.id};
    }
    if (flight.waiters.size() >= options_.max_waiters) {
      ++stats_.overflows;
      return {Role::kOverflow, flight.id};
    }
    flight.waiters.push_back(*waiter);
    ++stats_.collapsed;
    return {Role::kWaiter, flight.id};
  }

  std::vector<WaiterToken> complete(const CacheKey& key, std::uint64_t id, FlightOutcome outcome)
      RAMJET_EXCLUDES(mutex_) {
    std::unique_ptr<Flight> done;
    {
      MutexLock lock(mutex_);
      const auto it = flights_.find(FlightRef{key.bytes, key.hash});
      if (it == flights_.end() || it->second->id != id) {
        return {};
      }
      done = std::move(it->second);
      flights_.erase(it);
      switch (outcome) {
        case FlightOutcome::kStored: ++stats_.completed_stored; break;
        case FlightOutcome::kUncacheable: ++stats_.completed_uncacheable; break;
        case FlightOutcome::kFailed: ++stats_.completed_failed; break;
      }
    }
    return std::move(done->waiters);
  }

  bool leave(const CacheKey& key, std::uint64_t waiter_id) RAMJET_EXCLUDES(mutex_) {
    MutexLock lock(mutex_);
    const auto it = flights_.find(FlightRef{key.bytes, key.hash});
    if (it == flights_.end()) {
      return false;
    }
    std::vector<WaiterToken>& waiters = it->second->waiters;
    const auto w = std::find_if(waiters.begin(), waiters.end(),
                                [waiter_id](const WaiterToken& t) { return t.id == waiter_id; });
    if (w == waiters.end()) {
      return false;
    }
    *w = waiters.back();
    waiters.pop_back();
    ++stats_.timeouts;
    return true;
  }

  void add_stats(CollapseStats& s) const RAMJET_EXCLUDES(mutex_) {
    MutexLock lock(mutex_);
    s.flights += stats_.flights;
    s.collapsed += stats_.collapsed;
    s.overflows += stats_.overflows;
    s.busy += stats_.busy;
    s.timeouts += stats_.timeouts;
    s.takeovers += stats_.takeovers;
    s.completed_stored += stats_.completed_stored;
    s.completed_uncacheable += stats_.completed_uncacheable;
    s.completed_failed += stats_.completed_failed;
    s.in_flight += flights_.size();
  }

 private:
  // Ids are unique across shards: shard index + k * kMaxShards.
  std::uint64_t new_id_locked() RAMJET_REQUIRES(mutex_) {
    const std::uint64_t id = next_id_;
    next_id_ += id_step_;
    return id;
  }

  mutable Mutex mutex_;
  const CollapseOptions& options_;
  std::unordered_map<FlightRef, std::unique_ptr<Flight>, FlightRefHash> flights_
      RAMJET_GUARDED_BY(mutex_);
  CollapseStats stats_ RAMJET_GUARDED_BY(mutex_);
  std::uint64_t next_id_ RAMJET_GUARDED_BY(mutex_);
  const std::uint64_t id_step_;
};

core::Result<std::unique_ptr<CollapseTable>> CollapseTable::create(const CollapseOptions& options,
                                                                   const core::Clock& clock) {
  if (options.shards == 0 || options.shards > kMaxShards || !std::has_single_bit(options.shards)) {
    return core::Error{"collapse: shards must be a power of two in [1, 256]",
                       std::to_string(options.shards)};
  }
  if (options.max_flight_age <= core::Duration{0}) {
    return core::Error{"collapse: max_flight_age must be positive", {}};
  }
  return std::unique_ptr<CollapseTable>(new CollapseTable(options, clock));
}

CollapseTable::CollapseTable(const CollapseOptions& options, const core::Clock& clock)
    : options_(options), clock_(clock) {
  shards_.reserve(options_.shards);
  for (std::uint32_t i = 0; i < options_.shards; ++i) {
    shards_.push_back(std::make_unique<Shard>(options_, i));
  }
}

CollapseTable::~CollapseTable() = default;

CollapseTable::Shard& CollapseTable::shard_for(std::uint64_t hash) const {
  return *shards_[(hash >> 56) & (shards_.size() - 1)];
}

JoinResult CollapseTable::join(const CacheKey& key, WaiterToken waiter) {
  return shard_for(key.hash).join(key, &waiter, clock_.now());
}

JoinResult CollapseTable::try_lead(const CacheKey& key) {
  return shard_for(key.hash).join(key, nullptr, clock_.now());
}

std::vector<WaiterToken> CollapseTable::complete(const CacheKey& key, std::uint64_t flight,
                                                 FlightOutcome outcome) {
  return shard_for(key.hash).complete(key, flight, outcome);
}

bool CollapseTable::leave(const CacheKey& key, std::uint64_t waiter_id) {
  return shard_for(key.hash).leave(key, waiter_id);
}

CollapseStats CollapseTable::stats() const {
  CollapseStats s;
  for (const auto& shard : shards_) {
    shard->add_stats(s);
  }
  return s;
}

}  // namespace ramjet::cache
