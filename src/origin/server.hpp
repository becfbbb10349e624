#pragma once
// OriginServer: the part of ramjet-origin that one worker owns: its listener (SO_REUSEPORT,
// all workers on one port), its downstream connections and its counters. It speaks
// HTTP/1.1 with keep-alive and pipelining, reads (and discards or echoes) Content-Length and
// chunked request bodies, and answers as the ResponsePlan of each request says.
//
// Life of an exchange: an idle connection is a small struct registered with the loop plus an
// idle timer; readable bytes start a session coroutine that borrows a buffer block from the
// worker's pool, parses heads with http::parse_request, consumes the body, waits the planned
// latency on a timer, and writes the head and the first body bytes with one writev. When no
// bytes are left the block goes back to the pool and the connection is idle again.
//
// What it answers (the contract tests rely on):
//   - any path: the ResponsePlan's status and a body of the deterministic pattern
//     (body_pattern.hpp), Content-Length or chunked (never chunked to an HTTP/1.0 client);
//     Date, Content-Type: application/octet-stream, X-Origin-Request: N (unique across
//     workers; 1, 2, 3... with one worker). HEAD gets the head only; 204/304 have no body.
//   - /echo (any method): JSON {"method","target","version","headers":[[name,value]...],
//     "body" (first 1 MiB; bytes >= 0x80 as \u00XX),"body_bytes","peer"}.
//   - /__origin/stats: {"requests","connections","open_connections"}; POST
//     /__origin/reset-stats zeroes requests and connections. Neither is counted, delayed,
//     failed or numbered.
//   - a malformed head or body framing: http::status_for(error), text/plain, Connection: close;
//     an invalid query value: 400 naming the parameter, connection kept.
//   - an injected failure (--failure-rate): 500, Cache-Control: no-store, short text body.
//
// Threading: everything but the counters is touched only on the worker's loop thread. The
// counters are relaxed atomics that /__origin/stats (served by any worker) sums over all.

#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "net/event_loop.hpp"
#include "net/listener.hpp"
#include "net/task.hpp"
#include "origin/options.hpp"

namespace ramjet::origin {

// One worker's counters, padded so workers never share a cache line.
struct alignas(64) WorkerCounters {
  std::atomic<std::uint64_t> requests{0};     // exchanges other than /__origin/*
  std::atomic<std::uint64_t> connections{0};  // accepted since start (or the last reset)
  std::atomic<std::int64_t> open_connections{0};
};

struct Connection;
struct SessionBlock;
struct ResponsePlan;

class OriginServer {
 public:
  // `counters` holds every worker's counters (index `worker` is this one's); it and
  // `options` must outlive the server.
  OriginServer(const OriginOptions& options, std::size_t worker,
               std::span<WorkerCounters> counters);
  ~OriginServer();
  OriginServer(const OriginServer&) = delete;
  OriginServer& operator=(const OriginServer&) = delete;

  // On the worker's thread: starts accepting on `listen_fd` (ownership taken).
  void start(net::EventLoop& loop, int listen_fd);
  // On the worker's thread: stops accepting and closes every connection, resuming parked
  // sessions with ECANCELED so they end without suspending again.
  void shutdown();

  std::size_t open_connections() const { return open_count_; }

 private:
  friend struct Connection;
  struct PauseOp;
  class Exchange;

  void accept(int fd, const net::Address& peer);
  void destroy(Connection& c);
  void go_idle(Connection& c);
  static void on_idle_readable(net::IoWatcher* watcher, void* arg);
  static void on_idle_timeout(net::Timer* timer, void* arg);

  net::Task<void> session(Connection& c);
  SessionBlock* acquire_block();
  void release_block(SessionBlock* block);

  std::uint64_t next_request_id();  // sequence * workers + worker + 1: unique, no sharing
  std::string_view date_header();  // IMF-fixdate, refreshed once a second

  const OriginOptions& options_;
  std::size_t worker_;
  std::span<WorkerCounters> counters_;
  WorkerCounters& mine_;
  net::EventLoop* loop_ = nullptr;
  std::unique_ptr<net::Listener> listener_;
  Connection* connections_ = nullptr;  // intrusive list of open connections
  std::size_t open_count_ = 0;
  std::vector<SessionBlock*> free_blocks_;
  std::uint64_t sequence_ = 0;
  bool stopping_ = false;
  std::int64_t date_second_ = -1;
  char date_[32] = {};
};

}  // namespace ramjet::origin
