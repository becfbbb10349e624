#include "metrics/process_stats.hpp"

#include <dirent.h>
#include <sys/resource.h>
#include <sys/time.h>

#include <charconv>
#include <chrono>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>

#include "metrics/metric_set.hpp"

namespace ramjet::metrics {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Value in bytes of a "Key:   1234 kB" line of /proc/self/status, if `line` is that key.
bool parse_kb_line(std::string_view line, std::string_view key, std::uint64_t& bytes) {
  if (!line.starts_with(key) || line.size() <= key.size() || line[key.size()] != ':') {
    return false;
  }
  std::string_view rest = line.substr(key.size() + 1);
  while (!rest.empty() && (rest.front() == ' ' || rest.front() == '\t')) {
    rest.remove_prefix(1);
  }
  std::uint64_t kb = 0;
  const auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), kb);
  if (ec != std::errc{} || kb > std::numeric_limits<std::uint64_t>::max() / 1024) {
    return false;
  }
  bytes = kb * 1024;
  return true;
}

double seconds(const timeval& tv) {
  return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
}

}  // namespace

core::Result<MemoryUsage> parse_proc_status(std::string_view text) {
  MemoryUsage usage;
  bool have_rss = false;
  bool have_peak = false;
  while (!text.empty()) {
    const std::size_t eol = text.find('\n');
    const std::string_view line = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view{} : text.substr(eol + 1);
    have_rss = parse_kb_line(line, "VmRSS", usage.rss_bytes) || have_rss;
    have_peak = parse_kb_line(line, "VmHWM", usage.peak_rss_bytes) || have_peak;
  }
  if (!have_rss || !have_peak) {
    return core::Error{"VmRSS or VmHWM missing from process status", {}};
  }
  return usage;
}

core::Result<MemoryUsage> read_memory_usage() {
  std::ifstream in("/proc/self/status");
  if (!in) {
    return core::Error{"cannot open /proc/self/status", {}};
  }
  std::ostringstream text;
  text << in.rdbuf();
  return parse_proc_status(text.str());
}

core::Result<CpuTime> read_cpu_time() {
  rusage usage{};
  if (getrusage(RUSAGE_SELF, &usage) != 0) {
    return core::Error{"getrusage failed", {}};
  }
  return CpuTime{seconds(usage.ru_utime), seconds(usage.ru_stime)};
}

core::Result<std::uint64_t> count_open_fds() {
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) {
    return core::Error{"cannot open /proc/self/fd", {}};
  }
  std::uint64_t entries = 0;
  while (const dirent* entry = readdir(dir)) {
    if (entry->d_name[0] != '.') {
      ++entries;
    }
  }
  closedir(dir);
  return entries == 0 ? 0 : entries - 1;  // minus the descriptor opendir() held
}

core::Duration uptime(const core::Clock& clock, core::MonoTime start) {
  const auto elapsed = std::chrono::duration_cast<core::Duration>(clock.now() - start);
  return elapsed.count() < 0 ? core::Duration::zero() : elapsed;
}

void add_process_metrics(MetricSet& set, const core::Clock& clock, core::MonoTime start) {
  set.add_callback("ramjet_process_resident_memory_bytes", "Resident set size in bytes.",
                   MetricType::kGauge, {}, [] {
                     auto m = read_memory_usage();
                     return m ? static_cast<double>(m->rss_bytes) : kNaN;
                   });
  set.add_callback("ramjet_process_resident_memory_peak_bytes",
                   "Peak resident set size in bytes.", MetricType::kGauge, {}, [] {
                     auto m = read_memory_usage();
                     return m ? static_cast<double>(m->peak_rss_bytes) : kNaN;
                   });
  set.add_callback("ramjet_process_cpu_seconds", "User and system CPU time in seconds.",
                   MetricType::kCounter, {}, [] {
                     auto cpu = read_cpu_time();
                     return cpu ? cpu->total_seconds() : kNaN;
                   });
  set.add_callback("ramjet_process_open_fds", "Open file descriptors.", MetricType::kGauge, {},
                   [] {
                     auto fds = count_open_fds();
                     return fds ? static_cast<double>(*fds) : kNaN;
                   });
  set.add_callback("ramjet_process_uptime_seconds", "Seconds since the process started.",
                   MetricType::kGauge, {}, [&clock, start] {
                     return std::chrono::duration<double>(uptime(clock, start)).count();
                   });
}

}  // namespace ramjet::metrics
