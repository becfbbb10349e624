// The sharded store: per-shard W-TinyLFU queues, expiry heap, indexes and accounting.
// See store.hpp for the contract and docs/adr/0002-cache-eviction.md for the policy.

#include "cache/store.hpp"

#include <algorithm>
#include <bit>
#include <unordered_map>
#include <utility>

#include "cache/frequency_sketch.hpp"
#include "cache/glob.hpp"
#include "cache/mutex.hpp"

namespace ramjet::cache {
namespace {

struct Slot;

// Intrusive doubly linked list links; a Queue's sentinel is a bare Links.
struct Links {
  Links* prev = nullptr;
  Links* next = nullptr;
};

// One stored variant: the unit of admission, eviction and expiry.
struct Node : Links {
  Slot* slot = nullptr;
  Node* next_variant = nullptr;
  std::shared_ptr<const CachedResponse> response;
  std::string variant;  // secondary (Vary) key
  std::uint64_t charge = 0;
  core::MonoTime removable_at{};
  std::size_t heap_index = 0;
  Segment segment = Segment::kWindow;
};

struct KeyRef {
  std::string_view bytes;  // points into a Slot's key, which owns it
  std::uint64_t hash = 0;
  bool operator==(const KeyRef& other) const { return bytes == other.bytes; }
};

struct KeyRefHash {
  std::size_t operator()(const KeyRef& k) const noexcept {
    return static_cast<std::size_t>(k.hash);
  }
};

// All variants of one primary key.
struct Slot {
  std::string key;
  std::uint64_t hash = 0;
  std::uint64_t url_hash = 0;
  std::size_t url_size = 0;
  std::string vary;  // the Vary names of every variant here
  Node* variants = nullptr;
  std::size_t variant_count = 0;
  // Chain of slots with route extras (key longer than the URL) sharing one URL.
  Slot* url_prev = nullptr;
  Slot* url_next = nullptr;

  bool has_extras() const { return url_size < key.size(); }
  std::string_view url() const { return std::string_view(key).substr(0, url_size); }
};

class Queue {
 public:
  Queue() { head_.prev = head_.next = &head_; }
  Queue(const Queue&) = delete;
  Queue& operator=(const Queue&) = delete;

  void push_front(Node* n) {
    n->prev = &head_;
    n->next = head_.next;
    head_.next->prev = n;
    head_.next = n;
    bytes_ += n->charge;
    ++count_;
  }
  void remove(Node* n) {
    n->prev->next = n->next;
    n->next->prev = n->prev;
    n->prev = n->next = nullptr;
    bytes_ -= n->charge;
    --count_;
  }
  // Least recently used; null when empty.
  Node* back() const { return head_.prev == &head_ ? nullptr : static_cast<Node*>(head_.prev); }
  void adjust(std::uint64_t old_charge, std::uint64_t new_charge) {
    bytes_ = bytes_ - old_charge + new_charge;
  }
  std::uint64_t bytes() const { return bytes_; }
  std::size_t count() const { return count_; }
  // Forgets every node (their memory is the caller's business).
  void reset() {
    head_.prev = head_.next = &head_;
    bytes_ = 0;
    count_ = 0;
  }

 private:
  Links head_;
  std::uint64_t bytes_ = 0;
  std::size_t count_ = 0;
};

// libstdc++ unordered_map node: next pointer, the value, and the cached hash code.
constexpr std::size_t kMapNodeBytes =
    sizeof(void*) + sizeof(std::pair<const KeyRef, Slot*>) + sizeof(std::size_t);
constexpr std::uint32_t kWarmFrequency = 6;  // see admit()
constexpr std::uint32_t kMaxShards = 64;

// Heap bytes of a std::string copy of `size` bytes (capacity == size for such copies).
std::size_t copy_charge(std::size_t size) { return size > 15 ? heap_charge(size + 1) : 0; }

// Responses released by a shard operation, destroyed after the shard lock is dropped so
// that freeing large bodies never happens under the lock.
using Graveyard = std::vector<std::shared_ptr<const CachedResponse>>;

}  // namespace

const char* to_string(Segment segment) {
  switch (segment) {
    case Segment::kWindow: return "window";
    case Segment::kProbation: return "probation";
    case Segment::kProtected: return "protected";
  }
  return "window";
}

std::size_t Store::entry_overhead() {
  return heap_charge(sizeof(Node)) + heap_charge(sizeof(Slot)) + 2 * heap_charge(kMapNodeBytes);
}

class Store::Shard {
 public:
  Shard(const StoreOptions& options, std::uint64_t share, std::uint64_t seed)
      : options_(options),
        sketch_(std::max<std::uint64_t>(share / std::max<std::uint64_t>(
                                                    options.expected_entry_bytes, 1), 64)),
        rng_(seed | 1) {
    sketch_memory_ = sketch_.memory_bytes();
    capacity_ = share > sketch_memory_ ? share - sketch_memory_ : 0;
    window_cap_ = static_cast<std::uint64_t>(static_cast<double>(capacity_) *
                                             options.window_fraction);
  }

  ~Shard() {
    Graveyard graveyard;
    MutexLock lock(mutex_);
    clear_locked(graveyard);
  }

  Shard(const Shard&) = delete;
  Shard& operator=(const Shard&) = delete;

  std::uint64_t capacity() const { return capacity_; }

  LookupResult lookup(const CacheKey& key, std::span<const http::Header> headers,
                      core::MonoTime now) RAMJET_EXCLUDES(mutex_) {
    Graveyard graveyard;
    MutexLock lock(mutex_);
    reclaim_locked(now, options_.reclaim_per_operation, graveyard);
    sketch_.record(key.hash);
    const auto it = slots_.find(KeyRef{key.bytes, key.hash});
    if (it == slots_.end()) {
      ++misses_;
      return {nullptr, LookupStatus::kMiss};
    }
    Node* node = find_variant_locked(it->second, headers);
    if (node == nullptr) {
      ++misses_;
      return {nullptr, LookupStatus::kVariantMiss};
    }
    if (now >= node->removable_at) {
      remove_locked(node, graveyard);
      ++expired_;
      ++misses_;
      return {nullptr, LookupStatus::kExpired};
    }
    on_access_locked(node);
    ++hits_;
    if (now >= node->response->freshness().fresh_until()) {
      ++stale_hits_;
    }
    return {node->response, LookupStatus::kHit};
  }

  LookupResult peek(const CacheKey& key, std::span<const http::Header> headers,
                    core::MonoTime now) const RAMJET_EXCLUDES(mutex_) {
    std::string variant;  // scratch_ is for the writers; explain is rare enough to allocate
    MutexLock lock(mutex_);
    const auto it = slots_.find(KeyRef{key.bytes, key.hash});
    if (it == slots_.end()) {
      return {nullptr, LookupStatus::kMiss};
    }
    const Node* node = select_variant_locked(*it->second, headers, variant);
    if (node == nullptr) {
      return {nullptr, LookupStatus::kVariantMiss};
    }
    if (now >= node->removable_at) {
      return {nullptr, LookupStatus::kExpired};
    }
    return {node->response, LookupStatus::kHit};
  }

  InsertStatus insert(const CacheKey& key, std::span<const http::Header> headers,
                      std::shared_ptr<const CachedResponse> response, core::MonoTime now)
      RAMJET_EXCLUDES(mutex_) {
    Graveyard graveyard;
    MutexLock lock(mutex_);
    ++inserts_;
    build_variant_key(response->vary(), headers, scratch_);
    const std::uint64_t charge = response->charge() + Store::entry_overhead() +
                                 copy_charge(scratch_.size()) + copy_charge(key.bytes.size()) +
                                 copy_charge(response->vary().size());
    if (charge > entry_budget_locked()) {
      ++too_large_;
      return InsertStatus::kTooLarge;
    }
    Slot* slot = slot_for_locked(key, response->vary(), graveyard);
    Node* node = slot->variants;
    while (node != nullptr && node->variant != scratch_) {
      node = node->next_variant;
    }
    InsertStatus status = InsertStatus::kAdmitted;
    if (node != nullptr) {
      graveyard.push_back(std::exchange(node->response, std::move(response)));
      queue_locked(node->segment).adjust(node->charge, charge);
      entry_bytes_ = entry_bytes_ - node->charge + charge;
      node->charge = charge;
      node->removable_at = removable_at(*node->response);
      heap_fix_locked(node);
      on_access_locked(node);
      ++replacements_;
      status = InsertStatus::kReplaced;
    } else {
      node = new Node;
      node->slot = slot;
      node->variant = scratch_;
      node->response = std::move(response);
      node->charge = charge;
      node->removable_at = removable_at(*node->response);
      node->next_variant = slot->variants;
      slot->variants = node;
      ++slot->variant_count;
      window_.push_front(node);
      entry_bytes_ += charge;
      heap_push_locked(node);
    }
    const bool kept = evict_to_fit_locked(node, graveyard);
    reclaim_locked(now, options_.reclaim_per_operation, graveyard);
    return kept ? status : InsertStatus::kRejected;
  }

  std::size_t purge_key(const CacheKey& key) RAMJET_EXCLUDES(mutex_) {
    Graveyard graveyard;
    MutexLock lock(mutex_);
    const auto it = slots_.find(KeyRef{key.bytes, key.hash});
    return it == slots_.end() ? 0 : purge_slot_locked(it->second, graveyard);
  }

  std::size_t purge_url(std::string_view url, std::uint64_t url_hash) RAMJET_EXCLUDES(mutex_) {
    Graveyard graveyard;
    MutexLock lock(mutex_);
    std::size_t removed = 0;
    const auto it = slots_.find(KeyRef{url, url_hash});
    if (it != slots_.end()) {
      removed += purge_slot_locked(it->second, graveyard);
    }
    const auto chain = url_chains_.find(KeyRef{url, url_hash});
    if (chain != url_chains_.end()) {
      std::vector<Slot*> slots;
      for (Slot* s = chain->second; s != nullptr; s = s->url_next) {
        slots.push_back(s);
      }
      for (Slot* s : slots) {
        removed += purge_slot_locked(s, graveyard);
      }
    }
    return removed;
  }

  // Removes every variant for which pred(slot, node) holds.
  template <typename Pred>
  std::size_t purge_if(Pred&& pred) RAMJET_EXCLUDES(mutex_) {
    Graveyard graveyard;
    MutexLock lock(mutex_);
    std::vector<Node*> doomed;
    for (const auto& [ref, slot] : slots_) {
      for (Node* n = slot->variants; n != nullptr; n = n->next_variant) {
        if (pred(*slot, *n)) {
          doomed.push_back(n);
        }
      }
    }
    for (Node* n : doomed) {
      remove_locked(n, graveyard);
    }
    purged_ += doomed.size();
    return doomed.size();
  }

  std::size_t purge_all() RAMJET_EXCLUDES(mutex_) {
    Graveyard graveyard;
    MutexLock lock(mutex_);
    const std::size_t removed = window_.count() + probation_.count() + protected_.count();
    clear_locked(graveyard);
    purged_ += removed;
    return removed;
  }

  std::size_t sweep(core::MonoTime now, std::size_t max_entries) RAMJET_EXCLUDES(mutex_) {
    Graveyard graveyard;
    MutexLock lock(mutex_);
    return reclaim_locked(now, max_entries, graveyard);
  }

  void add_stats(StoreStats& s) const RAMJET_EXCLUDES(mutex_) {
    MutexLock lock(mutex_);
    s.entries += window_.count() + probation_.count() + protected_.count();
    s.entry_bytes += entry_bytes_;
    s.bytes += entry_bytes_ + index_bytes_locked() + sketch_memory_;
    s.hits += hits_;
    s.stale_hits += stale_hits_;
    s.misses += misses_;
    s.inserts += inserts_;
    s.replacements += replacements_;
    s.evictions += evictions_;
    s.rejected += rejected_;
    s.expired += expired_;
    s.purged += purged_;
    s.too_large += too_large_;
  }

  void explain(const CacheKey& key, std::vector<EntryInfo>& out) const RAMJET_EXCLUDES(mutex_) {
    MutexLock lock(mutex_);
    const auto it = slots_.find(KeyRef{key.bytes, key.hash});
    if (it != slots_.end()) {
      append_info_locked(*it->second, out, SIZE_MAX);
    }
  }

  void entries(std::string_view prefix, std::size_t limit, std::vector<EntryInfo>& out) const
      RAMJET_EXCLUDES(mutex_) {
    MutexLock lock(mutex_);
    for (const auto& [ref, slot] : slots_) {
      if (out.size() >= limit) {
        return;
      }
      if (slot->key.starts_with(prefix)) {
        append_info_locked(*slot, out, limit);
      }
    }
  }

  void count_too_large() RAMJET_EXCLUDES(mutex_) {
    MutexLock lock(mutex_);
    ++too_large_;
  }

 private:
  core::MonoTime removable_at(const CachedResponse& r) const {
    const FreshnessInfo& f = r.freshness();
    core::Duration extra = std::max(f.stale_while_revalidate, f.stale_if_error);
    if (f.has_validators) {
      extra += options_.retain_stale;
    }
    return f.fresh_until() + extra;
  }

  Queue& queue_locked(Segment segment) RAMJET_REQUIRES(mutex_) {
    switch (segment) {
      case Segment::kWindow: return window_;
      case Segment::kProbation: return probation_;
      case Segment::kProtected: return protected_;
    }
    return window_;
  }

  std::uint64_t index_bytes_locked() const RAMJET_REQUIRES(mutex_) {
    return (slots_.bucket_count() + url_chains_.bucket_count() + heap_.capacity()) *
           sizeof(void*);
  }

  // What the entries may use: the shard's share minus its indexes.
  std::uint64_t entry_budget_locked() const RAMJET_REQUIRES(mutex_) {
    const std::uint64_t index = index_bytes_locked();
    return capacity_ > index ? capacity_ - index : 0;
  }

  std::uint64_t main_cap_locked() const RAMJET_REQUIRES(mutex_) {
    const std::uint64_t budget = entry_budget_locked();
    return budget > window_cap_ ? budget - window_cap_ : 0;
  }

  Node* find_variant_locked(Slot* slot, std::span<const http::Header> headers)
      RAMJET_REQUIRES(mutex_) {
    return select_variant_locked(*slot, headers, scratch_);
  }

  // The variant of `slot` the request's Vary values select, or null; `variant` is scratch
  // for the secondary key.
  Node* select_variant_locked(const Slot& slot, std::span<const http::Header> headers,
                              std::string& variant) const RAMJET_REQUIRES(mutex_) {
    if (slot.vary.empty()) {
      return slot.variants;
    }
    build_variant_key(slot.vary, headers, variant);
    for (Node* n = slot.variants; n != nullptr; n = n->next_variant) {
      if (n->variant == variant) {
        return n;
      }
    }
    return nullptr;
  }

  // The slot for `key` whose Vary names are `vary`, created if needed; a stored slot with
  // other Vary names is emptied first (the origin changed how it varies).
  Slot* slot_for_locked(const CacheKey& key, std::string_view vary, Graveyard& graveyard)
      RAMJET_REQUIRES(mutex_) {
    const auto it = slots_.find(KeyRef{key.bytes, key.hash});
    if (it != slots_.end()) {
      if (it->second->vary == vary) {
        return it->second;
      }
      const std::size_t dropped = purge_slot_locked(it->second, graveyard);
      purged_ -= dropped;  // counted as replacements, not purges
      replacements_ += dropped;
    }
    auto* slot = new Slot;
    slot->key.assign(key.bytes);
    slot->hash = key.hash;
    slot->url_hash = key.url_hash;
    slot->url_size = key.url_size;
    slot->vary.assign(vary);
    slots_.emplace(KeyRef{slot->key, slot->hash}, slot);
    if (slot->has_extras()) {
      const auto [chain, inserted] = url_chains_.emplace(KeyRef{slot->url(), slot->url_hash}, slot);
      if (!inserted) {  // join the chain right after its head
        Slot* head = chain->second;
        slot->url_prev = head;
        slot->url_next = head->url_next;
        if (head->url_next != nullptr) {
          head->url_next->url_prev = slot;
        }
        head->url_next = slot;
      }
    }
    return slot;
  }

  void unlink_slot_locked(Slot* slot) RAMJET_REQUIRES(mutex_) {
    slots_.erase(KeyRef{slot->key, slot->hash});
    if (slot->has_extras()) {
      if (slot->url_prev != nullptr) {
        slot->url_prev->url_next = slot->url_next;
        if (slot->url_next != nullptr) {
          slot->url_next->url_prev = slot->url_prev;
        }
      } else {
        // The chain's head: the map entry's key views this slot's bytes, so re-key it.
        url_chains_.erase(KeyRef{slot->url(), slot->url_hash});
        if (Slot* next = slot->url_next; next != nullptr) {
          next->url_prev = nullptr;
          url_chains_.emplace(KeyRef{next->url(), next->url_hash}, next);
        }
      }
    }
    delete slot;
  }

  // Removes one variant (and its slot when it was the last).
  void remove_locked(Node* node, Graveyard& graveyard) RAMJET_REQUIRES(mutex_) {
    queue_locked(node->segment).remove(node);
    heap_remove_locked(node);
    Slot* slot = node->slot;
    Node** link = &slot->variants;
    while (*link != node) {
      link = &(*link)->next_variant;
    }
    *link = node->next_variant;
    --slot->variant_count;
    entry_bytes_ -= node->charge;
    graveyard.push_back(std::move(node->response));
    delete node;
    if (slot->variant_count == 0) {
      unlink_slot_locked(slot);
    }
  }

  std::size_t purge_slot_locked(Slot* slot, Graveyard& graveyard) RAMJET_REQUIRES(mutex_) {
    const std::size_t count = slot->variant_count;
    while (slot->variant_count > 1) {
      remove_locked(slot->variants, graveyard);
    }
    remove_locked(slot->variants, graveyard);  // deletes the slot
    purged_ += count;
    return count;
  }

  void clear_locked(Graveyard& graveyard) RAMJET_REQUIRES(mutex_) {
    for (auto& [ref, slot] : slots_) {
      for (Node* n = slot->variants; n != nullptr;) {
        Node* next = n->next_variant;
        graveyard.push_back(std::move(n->response));
        delete n;
        n = next;
      }
      delete slot;
    }
    slots_.clear();
    url_chains_.clear();
    heap_.clear();
    window_.reset();
    probation_.reset();
    protected_.reset();
    entry_bytes_ = 0;
  }

  // Recency (and promotion) on a hit, per the segment the entry is in.
  void on_access_locked(Node* node) RAMJET_REQUIRES(mutex_) {
    switch (node->segment) {
      case Segment::kWindow:
        window_.remove(node);
        window_.push_front(node);
        return;
      case Segment::kProtected:
        protected_.remove(node);
        protected_.push_front(node);
        return;
      case Segment::kProbation:
        break;
    }
    probation_.remove(node);
    node->segment = Segment::kProtected;
    protected_.push_front(node);
    const auto protected_cap = static_cast<std::uint64_t>(
        static_cast<double>(main_cap_locked()) * options_.protected_fraction);
    while (protected_.bytes() > protected_cap && protected_.count() > 1) {
      Node* demoted = protected_.back();
      if (demoted == nullptr) {
        break;
      }
      protected_.remove(demoted);
      demoted->segment = Segment::kProbation;
      probation_.push_front(demoted);
    }
  }

  std::uint64_t xorshift_locked() RAMJET_REQUIRES(mutex_) {
    rng_ ^= rng_ << 13;
    rng_ ^= rng_ >> 7;
    rng_ ^= rng_ << 17;
    return rng_;
  }

  // TinyLFU admission: the candidate replaces the victim only if its key was accessed more
  // often recently. Ties keep the incumbent. A warm candidate is let in at random 1 time in
  // 128 so that an attacker cannot pin a victim by colliding sketch counters (hash flooding).
  bool admit_locked(const Node* candidate, const Node* victim) RAMJET_REQUIRES(mutex_) {
    const std::uint32_t cand_freq = sketch_.estimate(candidate->slot->hash);
    const std::uint32_t victim_freq = sketch_.estimate(victim->slot->hash);
    if (cand_freq > victim_freq) {
      return true;
    }
    return cand_freq >= kWarmFrequency && (xorshift_locked() & 127) == 0;
  }

  // Moves window overflow into the main space through the admission contest, then evicts
  // from the LRU ends until everything fits. Returns false if `watch` was removed.
  bool evict_to_fit_locked(Node* watch, Graveyard& graveyard) RAMJET_REQUIRES(mutex_) {
    bool alive = true;
    while (window_.bytes() > window_cap_) {
      Node* candidate = window_.back();
      if (candidate == nullptr) {
        break;
      }
      window_.remove(candidate);
      candidate->segment = Segment::kProbation;
      probation_.push_front(candidate);
      while (probation_.bytes() + protected_.bytes() > main_cap_locked()) {
        Node* victim = probation_.back();
        if (victim == candidate) {
          victim = protected_.back();
        }
        if (victim == nullptr || !admit_locked(candidate, victim)) {
          alive = alive && candidate != watch;
          drop_locked(candidate, true, graveyard);
          break;
        }
        alive = alive && victim != watch;
        drop_locked(victim, false, graveyard);
      }
    }
    while (entry_bytes_ > entry_budget_locked()) {
      Node* victim = probation_.back();
      victim = victim != nullptr ? victim : protected_.back();
      victim = victim != nullptr ? victim : window_.back();
      if (victim == nullptr) {
        break;
      }
      alive = alive && victim != watch;
      drop_locked(victim, false, graveyard);
    }
    return alive;
  }

  void drop_locked(Node* node, bool rejected, Graveyard& graveyard) RAMJET_REQUIRES(mutex_) {
    remove_locked(node, graveyard);
    if (rejected) {
      ++rejected_;
    } else {
      ++evictions_;
    }
  }

  std::size_t reclaim_locked(core::MonoTime now, std::size_t max_entries, Graveyard& graveyard)
      RAMJET_REQUIRES(mutex_) {
    std::size_t reclaimed = 0;
    while (reclaimed < max_entries && !heap_.empty() && heap_.front()->removable_at <= now) {
      remove_locked(heap_.front(), graveyard);
      ++reclaimed;
    }
    expired_ += reclaimed;
    return reclaimed;
  }

  void append_info_locked(const Slot& slot, std::vector<EntryInfo>& out, std::size_t limit) const
      RAMJET_REQUIRES(mutex_) {
    for (const Node* n = slot.variants; n != nullptr && out.size() < limit; n = n->next_variant) {
      out.push_back(EntryInfo{slot.key, n->variant, n->response, n->charge, n->segment,
                              sketch_.estimate(slot.hash)});
    }
  }

  // Min-heap on removable_at; each node knows its index.
  bool heap_less_locked(std::size_t a, std::size_t b) const RAMJET_REQUIRES(mutex_) {
    return heap_[a]->removable_at < heap_[b]->removable_at;
  }
  void heap_swap_locked(std::size_t a, std::size_t b) RAMJET_REQUIRES(mutex_) {
    std::swap(heap_[a], heap_[b]);
    heap_[a]->heap_index = a;
    heap_[b]->heap_index = b;
  }
  void sift_up_locked(std::size_t i) RAMJET_REQUIRES(mutex_) {
    while (i > 0 && heap_less_locked(i, (i - 1) / 2)) {
      heap_swap_locked(i, (i - 1) / 2);
      i = (i - 1) / 2;
    }
  }
  void sift_down_locked(std::size_t i) RAMJET_REQUIRES(mutex_) {
    for (;;) {
      const std::size_t l = 2 * i + 1;
      const std::size_t r = l + 1;
      std::size_t least = i;
      if (l < heap_.size() && heap_less_locked(l, least)) {
        least = l;
      }
      if (r < heap_.size() && heap_less_locked(r, least)) {
        least = r;
      }
      if (least == i) {
        return;
      }
      heap_swap_locked(i, least);
      i = least;
    }
  }
  void heap_push_locked(Node* node) RAMJET_REQUIRES(mutex_) {
    node->heap_index = heap_.size();
    heap_.push_back(node);
    sift_up_locked(node->heap_index);
  }
  void heap_fix_locked(Node* node) RAMJET_REQUIRES(mutex_) {
    sift_up_locked(node->heap_index);
    sift_down_locked(node->heap_index);
  }
  void heap_remove_locked(Node* node) RAMJET_REQUIRES(mutex_) {
    const std::size_t i = node->heap_index;
    Node* last = heap_.back();
    heap_.pop_back();
    if (i < heap_.size()) {
      heap_[i] = last;
      last->heap_index = i;
      sift_up_locked(i);
      sift_down_locked(last->heap_index);
    }
  }

  mutable Mutex mutex_;
  const StoreOptions& options_;
  std::uint64_t capacity_ = 0;    // entries + indexes; the sketch is already deducted
  std::uint64_t window_cap_ = 0;
  std::uint64_t sketch_memory_ = 0;
  FrequencySketch sketch_ RAMJET_GUARDED_BY(mutex_);
  std::unordered_map<KeyRef, Slot*, KeyRefHash> slots_ RAMJET_GUARDED_BY(mutex_);
  std::unordered_map<KeyRef, Slot*, KeyRefHash> url_chains_ RAMJET_GUARDED_BY(mutex_);
  Queue window_ RAMJET_GUARDED_BY(mutex_);
  Queue probation_ RAMJET_GUARDED_BY(mutex_);
  Queue protected_ RAMJET_GUARDED_BY(mutex_);
  std::vector<Node*> heap_ RAMJET_GUARDED_BY(mutex_);
  std::string scratch_ RAMJET_GUARDED_BY(mutex_);  // Vary key buffer, reused
  std::uint64_t entry_bytes_ RAMJET_GUARDED_BY(mutex_) = 0;
  std::uint64_t rng_ RAMJET_GUARDED_BY(mutex_) = 1;
  std::uint64_t hits_ RAMJET_GUARDED_BY(mutex_) = 0;
  std::uint64_t stale_hits_ RAMJET_GUARDED_BY(mutex_) = 0;
  std::uint64_t misses_ RAMJET_GUARDED_BY(mutex_) = 0;
  std::uint64_t inserts_ RAMJET_GUARDED_BY(mutex_) = 0;
  std::uint64_t replacements_ RAMJET_GUARDED_BY(mutex_) = 0;
  std::uint64_t evictions_ RAMJET_GUARDED_BY(mutex_) = 0;
  std::uint64_t rejected_ RAMJET_GUARDED_BY(mutex_) = 0;
  std::uint64_t expired_ RAMJET_GUARDED_BY(mutex_) = 0;
  std::uint64_t purged_ RAMJET_GUARDED_BY(mutex_) = 0;
  std::uint64_t too_large_ RAMJET_GUARDED_BY(mutex_) = 0;
};

core::Result<std::unique_ptr<Store>> Store::create(const StoreOptions& options,
                                                   const core::Clock& clock) {
  if (options.max_memory == 0 || options.max_object == 0) {
    return core::Error{"cache: max_memory and max_object must be positive", {}};
  }
  if (!(options.window_fraction > 0.0 && options.window_fraction < 1.0) ||
      !(options.protected_fraction > 0.0 && options.protected_fraction < 1.0)) {
    return core::Error{"cache: window and protected fractions must lie in (0, 1)", {}};
  }
  if (options.retain_stale < core::Duration{0} ||
      options.retain_stale > std::chrono::seconds(kMaxDeltaSeconds)) {
    return core::Error{"cache: retain_stale out of range", {}};
  }
  std::uint32_t shards = options.shards;
  if (shards == 0) {
    shards = 1;
    while (shards < kMaxShards && options.max_memory / (2ULL * shards) >= 4 * options.max_object) {
      shards *= 2;
    }
  }
  if (shards > kMaxShards || !std::has_single_bit(shards)) {
    return core::Error{"cache: shards must be a power of two in [1, 64]",
                       std::to_string(shards)};
  }
  auto store = std::unique_ptr<Store>(new Store(options, clock, shards));
  const std::uint64_t smallest = store->shards_.front()->capacity();
  if (smallest < options.max_object + entry_overhead()) {
    return core::Error{"cache: max_object exceeds one shard's share of max_memory",
                       std::to_string(options.max_object) + " > " + std::to_string(smallest)};
  }
  return store;
}

Store::Store(const StoreOptions& options, const core::Clock& clock, std::uint32_t shards)
    : options_(options), clock_(clock), shard_mask_(shards - 1) {
  shards_.reserve(shards);
  for (std::uint32_t i = 0; i < shards; ++i) {
    shards_.push_back(std::make_unique<Shard>(options_, options_.max_memory / shards,
                                              0x9E3779B97F4A7C15ULL * (i + 1)));
  }
}

Store::~Store() = default;

Store::Shard& Store::shard_for(std::uint64_t url_hash) const {
  return *shards_[(url_hash >> 58) & shard_mask_];
}

LookupResult Store::lookup(const CacheKey& key, std::span<const http::Header> request_headers) {
  return shard_for(key.url_hash).lookup(key, request_headers, clock_.now());
}

LookupResult Store::peek(const CacheKey& key,
                         std::span<const http::Header> request_headers) const {
  return shard_for(key.url_hash).peek(key, request_headers, clock_.now());
}

InsertStatus Store::insert(const CacheKey& key, std::span<const http::Header> request_headers,
                           std::shared_ptr<const CachedResponse> response) {
  Shard& shard = shard_for(key.url_hash);
  if (!response || response->body().size() > options_.max_object) {
    shard.count_too_large();
    return InsertStatus::kTooLarge;
  }
  return shard.insert(key, request_headers, std::move(response), clock_.now());
}

std::size_t Store::purge_key(const CacheKey& key) { return shard_for(key.url_hash).purge_key(key); }

std::size_t Store::purge_url(std::string_view url) {
  const std::uint64_t url_hash = hash_bytes(url);
  return shard_for(url_hash).purge_url(url, url_hash);
}

std::size_t Store::purge_prefix(std::string_view prefix) {
  std::size_t removed = 0;
  for (const auto& shard : shards_) {
    removed += shard->purge_if(
        [prefix](const Slot& slot, const Node&) { return slot.key.starts_with(prefix); });
  }
  return removed;
}

std::size_t Store::purge_glob(std::string_view pattern) {
  std::size_t removed = 0;
  for (const auto& shard : shards_) {
    removed += shard->purge_if(
        [pattern](const Slot& slot, const Node&) { return glob_match(pattern, slot.url()); });
  }
  return removed;
}

std::size_t Store::purge_tag(std::string_view tag) {
  std::size_t removed = 0;
  for (const auto& shard : shards_) {
    removed += shard->purge_if(
        [tag](const Slot&, const Node& node) { return node.response->has_tag(tag); });
  }
  return removed;
}

std::size_t Store::purge_all() {
  std::size_t removed = 0;
  for (const auto& shard : shards_) {
    removed += shard->purge_all();
  }
  return removed;
}

std::size_t Store::sweep(std::size_t max_entries) {
  const core::MonoTime now = clock_.now();
  std::size_t reclaimed = 0;
  for (std::size_t visited = 0; visited < shards_.size() && reclaimed < max_entries; ++visited) {
    const std::uint32_t i = sweep_cursor_.fetch_add(1, std::memory_order_relaxed) &
                            static_cast<std::uint32_t>(shard_mask_);
    reclaimed += shards_[i]->sweep(now, max_entries - reclaimed);
  }
  return reclaimed;
}

StoreStats Store::stats() const {
  StoreStats s;
  s.capacity = options_.max_memory;
  for (const auto& shard : shards_) {
    shard->add_stats(s);
  }
  return s;
}

std::vector<EntryInfo> Store::explain(const CacheKey& key) const {
  std::vector<EntryInfo> out;
  shard_for(key.url_hash).explain(key, out);
  return out;
}

std::vector<EntryInfo> Store::entries(std::string_view prefix, std::size_t limit) const {
  std::vector<EntryInfo> out;
  for (const auto& shard : shards_) {
    if (out.size() >= limit) {
      break;
    }
    shard->entries(prefix, limit, out);
  }
  return out;
}

}  // namespace ramjet::cache
