#include "metrics/process_stats.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "core/clock.hpp"
#include "metrics/metric_set.hpp"
#include "metrics/prometheus.hpp"

namespace ramjet::metrics {
namespace {

using namespace std::chrono_literals;

TEST(ProcessStats, ParsesRssAndPeakFromProcStatusText) {
  const auto usage = parse_proc_status(
      "Name:\tramjet\n"
      "VmPeak:\t  999999 kB\n"
      "VmHWM:\t    2048 kB\n"
      "VmRSS:\t    1024 kB\n"
      "Threads:\t4\n");
  ASSERT_TRUE(usage.ok());
  EXPECT_EQ(usage->rss_bytes, 1024u * 1024);
  EXPECT_EQ(usage->peak_rss_bytes, 2048u * 1024);
}

TEST(ProcessStats, ProcStatusWithoutRssIsAnError) {
  EXPECT_FALSE(parse_proc_status("Name:\tx\nVmHWM:\t1 kB\n").ok());
  EXPECT_FALSE(parse_proc_status("VmRSS:\tlots kB\nVmHWM:\t1 kB\n").ok());
  EXPECT_FALSE(parse_proc_status("").ok());
}

TEST(ProcessStats, ReadsThisProcessMemoryAndCpu) {
  const auto memory = read_memory_usage();
  ASSERT_TRUE(memory.ok()) << memory.error().to_string();
  EXPECT_GT(memory->rss_bytes, 0u);
  EXPECT_GE(memory->peak_rss_bytes, memory->rss_bytes);
  const auto cpu = read_cpu_time();
  ASSERT_TRUE(cpu.ok());
  EXPECT_GE(cpu->user_seconds, 0.0);
  EXPECT_GE(cpu->system_seconds, 0.0);
  EXPECT_DOUBLE_EQ(cpu->total_seconds(), cpu->user_seconds + cpu->system_seconds);
}

TEST(ProcessStats, OpenFdCountFollowsOpenAndClose) {
  const auto before = count_open_fds();
  ASSERT_TRUE(before.ok());
  EXPECT_GE(*before, 3u);  // stdin, stdout, stderr
  const int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(*count_open_fds(), *before + 1);
  ::close(fd);
  EXPECT_EQ(*count_open_fds(), *before);
}

TEST(ProcessStats, UptimeIsMeasuredOnTheInjectedClock) {
  core::ManualClock clock;
  const core::MonoTime start = clock.now();
  EXPECT_EQ(uptime(clock, start), 0ns);
  clock.advance(90s);
  EXPECT_EQ(uptime(clock, start), 90s);
  EXPECT_EQ(uptime(clock, start + 1h), 0ns);
}

TEST(ProcessStats, ProcessMetricsAppearInTheExposition) {
  core::ManualClock clock;
  const core::MonoTime start = clock.now();
  clock.advance(1500ms);
  MetricSet set;
  add_process_metrics(set, clock, start);
  ASSERT_FALSE(set.registration_error().has_value());
  std::string out;
  write_prometheus(set, out);
  EXPECT_NE(out.find("# TYPE ramjet_process_resident_memory_bytes gauge\n"), std::string::npos);
  EXPECT_NE(out.find("ramjet_process_resident_memory_peak_bytes "), std::string::npos);
  EXPECT_NE(out.find("# TYPE ramjet_process_cpu_seconds_total counter\n"), std::string::npos);
  EXPECT_NE(out.find("ramjet_process_open_fds "), std::string::npos);
  EXPECT_NE(out.find("ramjet_process_uptime_seconds 1.5\n"), std::string::npos);
  EXPECT_EQ(out.find("NaN"), std::string::npos);
}

}  // namespace
}  // namespace ramjet::metrics
