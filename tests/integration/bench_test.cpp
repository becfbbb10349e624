// `ramjet bench` end to end: the real binary against ramjet-origin with known latency, on
// loopback ephemeral ports. Timing is asserted with generous upper bounds only: the machine
// is shared and may be slow, never fast.

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "support/child_process.hpp"
#include "support/origin.hpp"
#include "support/temp_file.hpp"

using namespace std::chrono_literals;
using ramjet::testing::ChildProcess;
using ramjet::testing::Millis;
using ramjet::testing::Origin;
using ramjet::testing::TempFile;
using Json = nlohmann::json;

namespace {

std::string ramjet_binary() { return std::string(RAMJET_BINARY_DIR) + "/ramjet"; }

struct BenchRun {
  int exit_code = -1;
  std::string out;
  std::string err;
};

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

class BenchTest : public ::testing::Test {
 protected:
  void start_origin(const std::vector<std::string>& args = {}) {
    auto started = ramjet::testing::start_origin(args);
    ASSERT_TRUE(started.ok()) << started.error().to_string();
    origin_.emplace(std::move(started.value()));
  }

  // Starts `ramjet bench ARGS...` (the origin's URL is not added: tests pass it).
  ChildProcess spawn(const std::vector<std::string>& args) {
    std::vector<std::string> argv{ramjet_binary(), "bench"};
    argv.insert(argv.end(), args.begin(), args.end());
    auto child = ChildProcess::start(argv);
    EXPECT_TRUE(child.ok()) << child.error().to_string();
    return std::move(child.value());
  }

  static BenchRun finish(ChildProcess& child, Millis timeout = Millis(60'000)) {
    BenchRun r;
    r.exit_code = child.wait_exit(timeout).value_or(-1);
    r.out = child.stdout_text();
    r.err = child.stderr_text();
    return r;
  }

  BenchRun bench(const std::vector<std::string>& args) {
    ChildProcess child = spawn(args);
    return finish(child);
  }

  // Runs with --json and returns the parsed report.
  Json bench_json(std::vector<std::string> args, BenchRun* run = nullptr) {
    TempFile report("", ".json");
    args.push_back("--json");
    args.push_back(report.path());
    BenchRun r = bench(args);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    if (run != nullptr) {
      *run = r;
    }
    Json doc = Json::parse(read_text(report.path()), nullptr, false);
    EXPECT_FALSE(doc.is_discarded()) << r.out << r.err;
    return doc;
  }

  std::string url(const std::string& target = "/") const { return origin_->url(target); }

  std::optional<Origin> origin_;
};

TEST_F(BenchTest, MeasuredMedianMatchesTheInjectedLatency) {
  ASSERT_NO_FATAL_FAILURE(start_origin({"--latency", "50ms"}));
  Json r = bench_json({url(), "-c", "4", "-d", "2s"});
  ASSERT_TRUE(r.is_object());
  EXPECT_EQ(r["requests"]["errors"], 0);
  EXPECT_GT(r["latency"]["count"].get<int>(), 40);
  double p50 = r["latency"]["p50_ms"].get<double>();
  EXPECT_GE(p50, 49.5);
  EXPECT_LE(p50, 80.0);
  EXPECT_GE(r["latency"]["min_ms"].get<double>(), 49.5);
  // Four connections, each waiting ~50 ms per response: at most 80 req/s.
  EXPECT_LE(r["throughput"]["rps"].get<double>(), 81.0);
  EXPECT_EQ(r["latency_first"]["count"], 4);
  EXPECT_EQ(r["connect"]["count"], 4);
}

// The stall: SIGSTOP the origin for 600 ms in the middle of a run. A closed loop sees it only
// in the few requests in flight; the open loop measures every request that should have been
// sent meanwhile from its intended send time.
TEST_F(BenchTest, OpenLoopReportsAStallThatTheClosedLoopHides) {
  ASSERT_NO_FATAL_FAILURE(start_origin({"--latency", "5ms"}));
  auto stalled_run = [this](const std::vector<std::string>& mode) {
    TempFile report("", ".json");
    std::vector<std::string> args{url(), "-d", "3s", "--json", report.path()};
    args.insert(args.end(), mode.begin(), mode.end());
    ChildProcess child = spawn(args);
    std::this_thread::sleep_for(1s);
    origin_->process.signal(SIGSTOP);
    std::this_thread::sleep_for(600ms);
    origin_->process.signal(SIGCONT);
    BenchRun r = finish(child);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    return Json::parse(read_text(report.path()), nullptr, false);
  };
  Json closed = stalled_run({"-c", "10"});
  Json open = stalled_run({"-c", "20", "--rate", "200/s"});
  ASSERT_TRUE(closed.is_object());
  ASSERT_TRUE(open.is_object());
  // Closed loop: 10 of thousands of requests waited; p90 stays near the 5 ms service time.
  EXPECT_LT(closed["latency"]["p90_ms"].get<double>(), 100.0) << closed["latency"];
  EXPECT_GE(closed["latency"]["max_ms"].get<double>(), 500.0) << closed["latency"];
  // Open loop: ~120 of ~600 requests were due during the stall.
  EXPECT_GE(open["latency"]["p90_ms"].get<double>(), 150.0) << open["latency"];
  EXPECT_GE(open["latency"]["p99_ms"].get<double>(), 400.0) << open["latency"];
  EXPECT_EQ(open["config"]["mode"], "open");
  EXPECT_GT(open["rate"]["late_sends"].get<int>(), 0);
}

TEST_F(BenchTest, ThresholdsPassAndFailWithExitCodes) {
  ASSERT_NO_FATAL_FAILURE(start_origin({"--latency", "20ms"}));
  BenchRun pass = bench({url(), "-c", "2", "-n", "20", "--threshold", "p95<5s", "--threshold",
                         "success_rate>=95%", "--threshold", "missing_header_rate==0"});
  EXPECT_EQ(pass.exit_code, 0) << pass.out << pass.err;
  EXPECT_NE(pass.out.find("PASS  p95<5s"), std::string::npos) << pass.out;

  BenchRun fail = bench({url(), "-c", "2", "-n", "20", "--threshold", "p50<1ms", "--threshold",
                         "error_rate<1%", "--expect-header", "X-Not-There", "--threshold",
                         "missing_header_rate==0"});
  EXPECT_EQ(fail.exit_code, 1) << fail.out << fail.err;
  EXPECT_NE(fail.out.find("FAIL  p50<1ms  (measured "), std::string::npos) << fail.out;
  EXPECT_NE(fail.out.find("PASS  error_rate<1%"), std::string::npos) << fail.out;
  EXPECT_NE(fail.out.find("FAIL  missing_header_rate==0  (measured 100.00%)"),
            std::string::npos)
      << fail.out;

  EXPECT_EQ(bench({url(), "--threshold", "p95<500"}).exit_code, 2);  // no unit
  EXPECT_EQ(bench({url(), "--threshold", "speed>1"}).exit_code, 2);
  EXPECT_EQ(bench({url(), "--no-such-flag"}).exit_code, 2);
  EXPECT_EQ(bench({"-c", "2"}).exit_code, 2);                          // no URL
  EXPECT_EQ(bench({"https://127.0.0.1:1/"}).exit_code, 2);
  EXPECT_EQ(bench({url(), "--rate", "fast"}).exit_code, 2);
  EXPECT_EQ(bench({"--help"}).exit_code, 0);
}

TEST_F(BenchTest, NoResponseAtAllIsARunFailure) {
  ASSERT_NO_FATAL_FAILURE(start_origin());
  std::uint16_t port = origin_->port;
  origin_.reset();  // nothing listens there any more
  BenchRun r = bench({"http://127.0.0.1:" + std::to_string(port) + "/", "-c", "1", "-n", "3"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("connect 3"), std::string::npos) << r.out;
}

TEST_F(BenchTest, JsonReportKeepsItsSchema) {
  ASSERT_NO_FATAL_FAILURE(start_origin({"--chunked"}));
  Json r = bench_json({url("/x?size=3000"), "-c", "2", "-n", "50", "--expect-status", "200",
                       "--expect-header", "X-Origin-Request", "--threshold", "p99<10s"});
  ASSERT_TRUE(r.is_object());
  EXPECT_EQ(r["schema"], "ramjet.bench/v1");
  std::vector<std::string> keys;
  for (const auto& [k, v] : r.items()) {
    keys.push_back(k);
  }
  std::sort(keys.begin(), keys.end());
  const std::vector<std::string> expected = {
      "cold_start", "command",      "config",     "connect",       "duration_s",
      "elapsed_s",  "errors",       "expectations", "histogram",   "interrupted",
      "latency",    "latency_first", "latency_warm", "rate",       "requests",
      "scenario",   "schema",       "started_at", "status_codes",  "target",
      "thresholds", "throughput",   "timeline",   "tool",          "ttfb",
      "version"};
  EXPECT_EQ(keys, expected);
  for (const char* h : {"latency", "latency_warm", "latency_first", "ttfb", "connect"}) {
    for (const char* k : {"count", "avg_ms", "stdev_ms", "min_ms", "max_ms", "p50_ms", "p90_ms",
                          "p95_ms", "p99_ms", "p999_ms"}) {
      EXPECT_TRUE(r[h].contains(k)) << h << "." << k;
    }
  }
  for (const char* k : {"connect", "timeout", "reset", "closed", "parse", "other"}) {
    EXPECT_EQ(r["errors"][k], 0) << k;
  }
  EXPECT_EQ(r["requests"]["responses"], 50);
  EXPECT_EQ(r["status_codes"]["200"], 50);
  EXPECT_EQ(r["throughput"]["body_bytes"], 150000);  // chunked framing removed
  EXPECT_EQ(r["expectations"]["headers"]["X-Origin-Request"], 0);
  EXPECT_EQ(r["config"]["expect_status"], "200");
  EXPECT_EQ(r["thresholds"][0]["passed"], true);
  EXPECT_TRUE(r["histogram"]["buckets"].is_array());
  EXPECT_FALSE(r["timeline"]["points"].empty());
}

TEST_F(BenchTest, ScenarioMixesRequestsByWeight) {
  ASSERT_NO_FATAL_FAILURE(start_origin());
  TempFile scenario(
      "requests:\n"
      "  - {name: ok, url: /a, weight: 3}\n"
      "  - {name: missing, url: '/b?status=404', weight: 1}\n"
      "  - {name: post, method: POST, url: /c, body: '{\"q\": 1}', weight: 1,\n"
      "     headers: {Content-Type: application/json}}\n",
      ".yaml");
  Json r = bench_json({url(), "--scenario", scenario.path(), "-c", "4", "-n", "1000",
                       "--expect-status", "200"});
  ASSERT_TRUE(r.is_object());
  ASSERT_EQ(r["scenario"].size(), 3u);
  double ok = r["scenario"][0]["responses"].get<double>();
  double missing = r["scenario"][1]["responses"].get<double>();
  double post = r["scenario"][2]["responses"].get<double>();
  EXPECT_EQ(ok + missing + post, 1000.0);
  EXPECT_NEAR(ok / 1000.0, 0.6, 0.06);
  EXPECT_NEAR(missing / 1000.0, 0.2, 0.05);
  EXPECT_EQ(r["status_codes"]["404"].get<double>(), missing);
  EXPECT_EQ(r["requests"]["unexpected_status"].get<double>(), missing);
  EXPECT_EQ(r["scenario"][1]["ok"], 0);
}

TEST_F(BenchTest, CompareTableShowsTheChange) {
  ASSERT_NO_FATAL_FAILURE(start_origin({"--latency", "10ms"}));
  TempFile before("", ".json");
  BenchRun first = bench({url(), "-c", "2", "-n", "20", "--json", before.path()});
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
  BenchRun second = bench({url("/?latency=1ms"), "-c", "2", "-n", "20", "--compare",
                           before.path()});
  EXPECT_EQ(second.exit_code, 0) << second.out << second.err;
  EXPECT_NE(second.out.find("Compared with"), std::string::npos) << second.out;
  EXPECT_NE(second.out.find("requests/s"), std::string::npos) << second.out;
  EXPECT_NE(second.out.find("latency p50"), std::string::npos) << second.out;
  EXPECT_NE(second.out.find("this run"), std::string::npos) << second.out;
  TempFile junk("{\"schema\": \"other\"}", ".json");
  EXPECT_EQ(bench({url(), "-n", "1", "--compare", junk.path()}).exit_code, 2);
}

TEST_F(BenchTest, HtmlReportIsWrittenAndSelfContained) {
  ASSERT_NO_FATAL_FAILURE(start_origin({"--latency", "2ms"}));
  TempFile html("", ".html");
  BenchRun r = bench({url(), "-c", "2", "-d", "1s", "--html", html.path()});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  std::string page = read_text(html.path());
  EXPECT_NE(page.find("<!DOCTYPE html>"), std::string::npos);
  EXPECT_NE(page.find("id=\"report-data\""), std::string::npos);
  EXPECT_EQ(page.find("<script src"), std::string::npos);
  // Rendering in a real browser: scripts/check-html-report (headless Chromium), which this
  // test runs when Chromium is installed.
  if (::access("/usr/bin/chromium", X_OK) != 0) {
    GTEST_SKIP() << "chromium is not installed: the rendering check is skipped";
  }
  auto check = ChildProcess::start(
      {std::string(RAMJET_SOURCE_DIR) + "/scripts/check-html-report", html.path()});
  ASSERT_TRUE(check.ok());
  BenchRun c = finish(check.value(), Millis(90'000));
  EXPECT_EQ(c.exit_code, 0) << c.out << c.err;
}

TEST_F(BenchTest, RepeatableFlagsBeforeTheUrlDoNotSwallowIt) {
  ASSERT_NO_FATAL_FAILURE(start_origin());
  BenchRun r = bench({"-H", "X-Api-Key: k", "--expect-header", "X-Origin-Request",
                      "--threshold", "errors==0", url(), "-n", "3", "-c", "1"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("X-Origin-Request missing in 0"), std::string::npos) << r.out;
}

TEST_F(BenchTest, ProgressLineStaysQuietWhenStdoutIsNotATerminal) {
  ASSERT_NO_FATAL_FAILURE(start_origin());
  BenchRun r = bench({url(), "-c", "1", "-d", "1500ms"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out.find('\r'), std::string::npos);
  EXPECT_EQ(r.out.find("\033["), std::string::npos);
  EXPECT_EQ(r.out.rfind("ramjet bench http://", 0), 0u) << r.out;
}

}  // namespace
