#pragma once
// Process statistics for /metrics and /stats (Linux): resident memory now and at peak,
// CPU time, open file descriptors and uptime.
//
// Sources: /proc/self/status (VmRSS, VmHWM), getrusage(RUSAGE_SELF), the entries of
// /proc/self/fd, and the injected clock (uptime = clock.now() - start, STYLE #7).
//
// Threading: every function is safe from any thread; each read performs a few syscalls and
// must stay off the hot path (admin and periodic logging only). Failures are values.

#include <cstdint>
#include <string_view>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "core/units.hpp"

namespace ramjet::metrics {

class MetricSet;

struct MemoryUsage {
  std::uint64_t rss_bytes = 0;       // VmRSS
  std::uint64_t peak_rss_bytes = 0;  // VmHWM
};

struct CpuTime {
  double user_seconds = 0.0;
  double system_seconds = 0.0;
  double total_seconds() const { return user_seconds + system_seconds; }
};

// Parses the text of /proc/<pid>/status; an error when VmRSS or VmHWM is missing.
core::Result<MemoryUsage> parse_proc_status(std::string_view text);
// Reads and parses /proc/self/status.
core::Result<MemoryUsage> read_memory_usage();
// User and system CPU time of the whole process (all threads).
core::Result<CpuTime> read_cpu_time();
// Number of open file descriptors (entries of /proc/self/fd, not counting the one used to
// list them).
core::Result<std::uint64_t> count_open_fds();
// Time since `start` by `clock`; zero if the clock reads earlier than start.
core::Duration uptime(const core::Clock& clock, core::MonoTime start);

// Registers gauges ramjet_process_resident_memory_bytes,
// ramjet_process_resident_memory_peak_bytes, ramjet_process_open_fds,
// ramjet_process_uptime_seconds and the counter ramjet_process_cpu_seconds_total, each read
// when the set is collected (a failed read reports NaN). `clock` must outlive `set`.
void add_process_metrics(MetricSet& set, const core::Clock& clock, core::MonoTime start);

}  // namespace ramjet::metrics
