#pragma once
// Generator: the load engine behind `ramjet bench`. One event loop per thread (net::Workers),
// the connections spread over the threads, each connection a coroutine that sends a request,
// reads the response with ResponseReader and records it into its thread's RunStats.
//
// Two modes:
//  - closed loop (default): each connection sends its next request as soon as the previous
//    response arrived; latency runs from the send.
//  - open loop (--rate R): each connection has its own schedule (R / connections per second,
//    staggered), and latency runs from each request's *intended* send time, so a stalled
//    server shows its stall in every request that should have been sent meanwhile instead of
//    in the few that were in flight (coordinated omission corrected, as wrk2 does). A
//    connection that falls behind sends immediately and never skips a request.
//
// Hot path: prepared request bytes written as they are, one read buffer per connection,
// histogram and counter updates; no allocation per request (the connection's coroutine
// frame lives for the whole run). A connection reconnects after the server closes it or after
// an error; repeated connect failures back off up to 250 ms.
//
// Ending: a duration run stops at its deadline (in-flight requests are abandoned and not
// counted, as in wrk); a -n run when every connection's share is done. stop() ends either
// early from any thread. Every wait is bounded: requests and connects by --timeout.
//
// Threading: start(), wait(), live() and finish() are for one controlling thread; stop() may
// be called from any thread. Stats are merged after the worker threads have stopped.

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "bench/options.hpp"
#include "bench/request.hpp"
#include "bench/stats.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"
#include "net/address.hpp"
#include "net/workers.hpp"

namespace ramjet::bench {

struct RunResult {
  std::unique_ptr<RunStats> stats;  // merged over threads
  core::Duration measured{0};       // the time the figures cover (after warm-up)
  core::Duration elapsed{0};        // from start to the end, warm-up included
  core::WallTime started_at{};
  bool interrupted = false;         // stop() was called
};

// What the progress line shows, read while the run goes on.
struct LiveFigures {
  core::Duration elapsed{0};
  bool warming_up = false;
  std::uint64_t responses = 0;
  std::uint64_t errors = 0;
  std::uint64_t p99_ns = 0;
};

class ThreadRun;

class Generator {
 public:
  // `requests` are prepared from options.requests (same order); `address` is where every
  // connection goes. The clock must outlive the generator.
  Generator(const BenchOptions& options, std::vector<PreparedRequest> requests,
            net::Address address, const core::Clock& clock);
  ~Generator();
  Generator(const Generator&) = delete;
  Generator& operator=(const Generator&) = delete;

  // Starts the threads. An error when an event loop cannot be created.
  core::Result<bool> start();
  // Waits up to `max_wait` for the run to end; true once every thread has finished.
  bool wait(core::Duration max_wait);
  // Ends the run early (Ctrl-C). Any thread.
  void stop();
  LiveFigures live();
  // Joins the threads and merges their figures. Call once, after start().
  RunResult finish();

  const BenchOptions& options() const { return options_; }
  const std::vector<PreparedRequest>& requests() const { return requests_; }
  const net::Address& address() const { return address_; }
  const core::Clock& clock() const { return clock_; }
  core::MonoTime schedule_start() const { return schedule_start_; }
  core::MonoTime measure_start() const { return measure_start_; }
  std::optional<core::MonoTime> deadline() const { return deadline_; }

 private:
  BenchOptions options_;
  std::vector<PreparedRequest> requests_;
  net::Address address_;
  const core::Clock& clock_;
  core::MonoTime started_{};
  core::WallTime started_wall_{};
  core::MonoTime schedule_start_{};  // open loop: time zero of every connection's schedule
  core::MonoTime measure_start_{};   // end of warm-up
  std::optional<core::MonoTime> deadline_;
  std::atomic<bool> stop_requested_{false};
  std::atomic<std::int64_t> stopped_at_ns_{0};
  net::Workers workers_;  // declared before the runs: a run's sockets close before its loop
  std::vector<std::unique_ptr<ThreadRun>> runs_;
  metrics::Histogram live_scratch_;
  bool started_ok_ = false;
};

}  // namespace ramjet::bench
