#pragma once
// Counter and Gauge: the scalar metrics a subsystem puts in its per-worker stats struct.
//
// Pattern (STYLE #6): a subsystem declares one plain struct of Counter, Gauge and Histogram
// fields; each worker owns one instance and bumps fields directly on the hot path, never
// looking a metric up by name. A MetricSet (metric_set.hpp) learns the fields' names once
// at start and sums the per-worker instances when /metrics is read.
//
//   struct UpstreamStats {
//     Counter requests;
//     Counter failures;
//     Gauge active_connections;
//     Histogram latency;
//   };
//
// Threading: single writer. Only the owning worker calls add()/sub()/set(); they are a
// relaxed load + store of a std::atomic (a plain add, no lock prefix), so any thread may
// read value() concurrently without a data race. State that several threads update (the
// shared cache's byte count) is not a Gauge: keep it in its own atomic and expose it with
// MetricSet::add_callback().
//
// Copying reads the current value (a snapshot), so stats structs stay copyable.

#include <atomic>
#include <cstdint>

namespace ramjet::metrics {

// A monotonically increasing count (requests, bytes, errors).
class Counter {
 public:
  Counter() = default;
  Counter(const Counter& other) noexcept : value_(other.value()) {}
  Counter& operator=(const Counter& other) noexcept {
    value_.store(other.value(), std::memory_order_relaxed);
    return *this;
  }

  void add(std::uint64_t n = 1) noexcept {
    value_.store(value_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  std::uint64_t value() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

// A value that goes up and down (open connections, queued requests). Per-worker gauges are
// summed on read, so each worker's value is its own share (it may be negative when work
// started on one worker and ended on another).
class Gauge {
 public:
  Gauge() = default;
  Gauge(const Gauge& other) noexcept : value_(other.value()) {}
  Gauge& operator=(const Gauge& other) noexcept {
    set(other.value());
    return *this;
  }

  void add(std::int64_t n = 1) noexcept {
    value_.store(value_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  void sub(std::int64_t n = 1) noexcept {
    value_.store(value_.load(std::memory_order_relaxed) - n, std::memory_order_relaxed);
  }
  void set(std::int64_t v) noexcept { value_.store(v, std::memory_order_relaxed); }
  std::int64_t value() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::int64_t> value_{0};
};

}  // namespace ramjet::metrics
