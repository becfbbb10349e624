#pragma once
// AccessLog: one line per exchange, written by a background thread so a worker never
// waits on a disk. Each worker pushes fixed-size records into its own single-producer
// ring (no lock shared between workers); the writer thread drains the rings every few
// milliseconds and formats JSON lines or the combined log format. When a ring is full the
// record is dropped and counted — logging never blocks or slows serving.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "config/config.hpp"
#include "core/result.hpp"

namespace ramjet::proxy {

struct AccessRecord {
  static constexpr std::size_t kTextBytes = 384;
  std::int64_t unix_micros = 0;      // when the request head was complete
  std::uint32_t total_us = 0;        // head received → last byte sent
  std::uint32_t upstream_us = 0;     // request sent upstream → response head received
  std::uint64_t bytes_sent = 0;
  std::uint16_t status = 0;
  std::uint16_t worker = 0;
  std::uint16_t retries = 0;         // upstream attempts retried
  std::uint8_t cache_len = 0;        // bytes of `cache` used; 0 = the route does not cache
  char cache[11] = {};               // cache status ("hit", "miss", "stale"...)
  char trace_id[32] = {};            // of the traceparent sent upstream; all '\0' when none
  // method, target, request id, client address, route, upstream endpoint; truncated.
  std::uint16_t method_len = 0, target_len = 0, request_id_len = 0, client_len = 0,
                route_len = 0, upstream_len = 0;
  char text[kTextBytes];

  // Appends the six text fields in order; returns false when truncated.
  void set_text(std::string_view method, std::string_view target, std::string_view request_id,
                std::string_view client, std::string_view route, std::string_view upstream);
};

class AccessLog {
 public:
  // Opens the destination ("-" = stdout). Capacity is per worker, in records.
  static core::Result<std::unique_ptr<AccessLog>> open(config::AccessLog format,
                                                      const std::string& path,
                                                      std::size_t workers,
                                                      std::size_t capacity = 8192);
  ~AccessLog();
  AccessLog(const AccessLog&) = delete;
  AccessLog& operator=(const AccessLog&) = delete;

  // Worker `worker` hands over one record (copied). Never blocks; drops when full.
  void push(std::size_t worker, const AccessRecord& record);
  std::uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }
  std::uint64_t written() const { return written_.load(std::memory_order_relaxed); }
  // Writes everything queued so far (shutdown, tests).
  void flush();

 private:
  struct Ring {
    std::vector<AccessRecord> slots;
    alignas(64) std::atomic<std::uint64_t> head{0};  // next to write (producer)
    alignas(64) std::atomic<std::uint64_t> tail{0};  // next to read (consumer)
  };

  AccessLog(config::AccessLog format, std::FILE* out, bool owns, std::size_t workers,
            std::size_t capacity);
  void run();
  std::size_t drain_once(std::string& scratch);
  void format(const AccessRecord& r, std::string& out) const;

  config::AccessLog format_;
  std::FILE* out_;
  bool owns_;
  std::vector<std::unique_ptr<Ring>> rings_;
  std::atomic<std::uint64_t> dropped_{0};
  std::atomic<std::uint64_t> written_{0};
  std::atomic<bool> stop_{false};
  std::mutex drain_mu_;  // writer thread vs flush(); never taken by workers
  std::thread writer_;
};

}  // namespace ramjet::proxy
