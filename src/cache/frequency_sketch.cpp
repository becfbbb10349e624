// Count-min sketch with 4-bit counters, conservative update, periodic halving, and a
// doorkeeper Bloom filter. See frequency_sketch.hpp.

#include "cache/frequency_sketch.hpp"

#include <algorithm>
#include <bit>

namespace ramjet::cache {
namespace {

constexpr int kDepth = 4;
constexpr int kDoorProbes = 3;
constexpr std::uint64_t kCountersPerBlock = 128;  // 8 words of 16 four-bit counters
constexpr std::uint64_t kSeed = 0x9E3779B97F4A7C15ULL;
constexpr std::uint64_t kDoorSeed = 0x94D049BB133111EBULL;

// splitmix64 finaliser: decorrelates the probes drawn from one key hash.
std::uint64_t mix(std::uint64_t x) {
  x ^= x >> 30;
  x *= 0xBF58476D1CE4E5B9ULL;
  x ^= x >> 27;
  x *= 0x94D049BB133111EBULL;
  x ^= x >> 31;
  return x;
}

}  // namespace

FrequencySketch::FrequencySketch(std::uint64_t expected_entries) {
  const std::uint64_t counters =
      std::bit_ceil(std::max<std::uint64_t>(expected_entries, kCountersPerBlock));
  table_.assign(counters / 16, 0);
  counter_mask_ = counters - 1;
  sample_size_ = 16 * counters;
  const std::uint64_t door_bits = std::bit_ceil(sample_size_ * 4);
  door_.assign(door_bits / 64, 0);
  door_mask_ = door_bits - 1;
}

std::uint64_t FrequencySketch::memory_bytes() const {
  return (table_.capacity() + door_.capacity()) * sizeof(std::uint64_t);
}

// The four counters of a key live in one 64-byte block (8 words) of the table, so a record or
// an estimate touches one cache line: the block from the low bits of the mixed hash, then for
// counter i a word (3 bits) and a nibble in it (4 bits) from disjoint higher bits.
std::uint64_t FrequencySketch::slot(std::uint64_t mixed, int i) const {
  const std::uint64_t block = (mixed & (counter_mask_ >> 7)) << 3;  // first word of the block
  const auto shift = static_cast<unsigned>(32 + 7 * i);
  const std::uint64_t word = block + ((mixed >> shift) & 7);
  const std::uint64_t nibble = (mixed >> (shift + 3)) & 15;
  return word * 16 + nibble;
}

std::uint32_t FrequencySketch::counter(std::uint64_t slot_index) const {
  const std::uint64_t word = table_[slot_index >> 4];
  return static_cast<std::uint32_t>((word >> ((slot_index & 15) * 4)) & 0xF);
}

bool FrequencySketch::increment(std::uint64_t slot_index) {
  std::uint64_t& word = table_[slot_index >> 4];
  const std::uint64_t shift = (slot_index & 15) * 4;
  if (((word >> shift) & 0xF) == 0xF) {
    return false;
  }
  word += std::uint64_t{1} << shift;
  return true;
}

// Blocked Bloom filter: the probes of one key fall in one 512-bit block (one cache line).
bool FrequencySketch::door_contains(std::uint64_t hash) const {
  const std::uint64_t h = mix(hash ^ kDoorSeed);
  const std::uint64_t block = (h & (door_mask_ >> 9)) << 3;
  for (int i = 0; i < kDoorProbes; ++i) {
    const std::uint64_t bit = (h >> (37 + 9 * i)) & 511;
    if ((door_[block + (bit >> 6)] & (std::uint64_t{1} << (bit & 63))) == 0) {
      return false;
    }
  }
  return true;
}

void FrequencySketch::door_insert(std::uint64_t hash) {
  const std::uint64_t h = mix(hash ^ kDoorSeed);
  const std::uint64_t block = (h & (door_mask_ >> 9)) << 3;
  for (int i = 0; i < kDoorProbes; ++i) {
    const std::uint64_t bit = (h >> (37 + 9 * i)) & 511;
    door_[block + (bit >> 6)] |= std::uint64_t{1} << (bit & 63);
  }
}

void FrequencySketch::record(std::uint64_t hash) {
  if (!door_contains(hash)) {
    door_insert(hash);
  } else {
    const std::uint64_t mixed = mix(hash + kSeed);
    std::uint64_t slots[kDepth];
    std::uint32_t least = 0xF;
    for (int i = 0; i < kDepth; ++i) {
      slots[i] = slot(mixed, i);
      least = std::min(least, counter(slots[i]));
    }
    // Conservative update: only the counters at the minimum grow, which keeps the
    // over-estimate of rare keys sharing a counter with hot ones small.
    for (const std::uint64_t s : slots) {
      if (counter(s) == least) {
        increment(s);
      }
    }
  }
  if (++additions_ >= sample_size_) {
    age();
  }
}

std::uint32_t FrequencySketch::estimate(std::uint64_t hash) const {
  const std::uint64_t mixed = mix(hash + kSeed);
  std::uint32_t least = 0xF;
  for (int i = 0; i < kDepth; ++i) {
    least = std::min(least, counter(slot(mixed, i)));
  }
  return least + (door_contains(hash) ? 1U : 0U);
}

void FrequencySketch::age() {
  for (std::uint64_t& word : table_) {
    word = (word >> 1) & 0x7777777777777777ULL;
  }
  std::fill(door_.begin(), door_.end(), 0);
  additions_ /= 2;
}

}  // namespace ramjet::cache
