#pragma once
// FrequencySketch: the approximate, aging access-frequency estimate behind the store's
// TinyLFU admission (docs/adr/0002-cache-eviction.md).
//
// A count-min sketch of 4-bit saturating counters (four per key, all in one 64-byte block of
// the table, so an access costs one cache line; the estimate is their minimum, and only the
// counters at that minimum grow: conservative update), in front of a "doorkeeper" blocked
// Bloom filter (3 probes in one 64-byte block): the first sighting of a key only sets its
// doorkeeper bits, so the long tail of one-off keys never reaches the counters. Aging: after
// sample_size() = 16 x counters recorded accesses every counter is halved and the doorkeeper
// cleared, so frequency means "recently popular" and yesterday's hot set does not squat.
//
// Size: counters = next power of two >= expected_entries (at least 128): half a byte each,
// plus 64 doorkeeper bits per counter (4 bits per access of a sample), i.e. 8.5 bytes per
// counter, allocated once at construction and never resized.
//
// Threading: not synchronised; each store shard owns one and uses it under its lock.

#include <cstdint>
#include <vector>

namespace ramjet::cache {

class FrequencySketch {
 public:
  explicit FrequencySketch(std::uint64_t expected_entries);

  // Records one access of the key with this 64-bit hash.
  void record(std::uint64_t hash);
  // Estimated recent accesses, 0..16 (15 from the counters plus 1 for the doorkeeper).
  std::uint32_t estimate(std::uint64_t hash) const;

  std::uint64_t memory_bytes() const;
  std::uint64_t sample_size() const { return sample_size_; }

 private:
  std::uint64_t slot(std::uint64_t mixed, int i) const;
  std::uint32_t counter(std::uint64_t slot_index) const;
  bool increment(std::uint64_t slot_index);
  bool door_contains(std::uint64_t hash) const;
  void door_insert(std::uint64_t hash);
  void age();

  std::vector<std::uint64_t> table_;  // 16 four-bit counters per word
  std::vector<std::uint64_t> door_;   // doorkeeper bits
  std::uint64_t counter_mask_ = 0;    // counters - 1
  std::uint64_t door_mask_ = 0;       // doorkeeper bits - 1
  std::uint64_t sample_size_ = 0;
  std::uint64_t additions_ = 0;
};

}  // namespace ramjet::cache
