#include "bench/cli.hpp"

#include <CLI/CLI.hpp>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <iostream>
#include <sstream>

#include "bench/generator.hpp"
#include "bench/response_reader.hpp"
#include "bench/html_report.hpp"
#include "bench/report.hpp"
#include "bench/scenario.hpp"
#include "bench/threshold.hpp"

namespace ramjet::bench {
namespace {

using namespace std::chrono_literals;

constexpr int kUsage = 2;
constexpr int kFailed = 1;

// The flags as typed, before they are turned into BenchOptions.
struct CliArgs {
  std::string url;
  std::uint32_t connections = 10;
  std::uint32_t threads = 1;
  std::uint64_t requests = 0;
  std::string duration;
  std::string warmup = "0";
  bool no_keepalive = false;
  std::string method;
  std::vector<std::string> headers;
  std::string body;
  std::string timeout = "10s";
  std::string rate;
  std::string scenario;
  std::string cold_threshold = "1s";
  std::string expect_status;
  std::vector<std::string> expect_headers;
  std::string json_path;
  std::string html_path;
  std::vector<std::string> thresholds;
  std::string compare_path;
  std::uint64_t seed = 1;
};

void add_flags(CLI::App& app, CliArgs& a) {
  app.add_option("url", a.url, "Target URL (http://host:port/path); the base for a scenario");
  app.add_option("-c,--connections", a.connections, "Open connections (default 10)");
  app.add_option("-t,--threads", a.threads, "Threads, one event loop each (default 1)");
  app.add_option("-n,--requests", a.requests, "Stop after this many requests");
  app.add_option("-d,--duration", a.duration, "Measured time, e.g. 30s (default 10s unless -n)");
  app.add_option("--warmup", a.warmup, "Load sent before measuring, e.g. 2s (default 0)");
  app.add_flag("--no-keepalive", a.no_keepalive, "A new connection for every request");
  app.add_option("-m,--method", a.method, "Request method (default GET; POST with a body)");
  // Repeatable flags take one value per use, so "-H 'A: b' URL" never eats the URL.
  app.add_option("-H,--header", a.headers, "Request header 'Name: value' (repeatable)")
      ->allow_extra_args(false);
  app.add_option("-b,--body", a.body, "Request body, inline or @FILE");
  app.add_option("--timeout", a.timeout, "Per request and per connect (default 10s)");
  app.add_option("--rate", a.rate,
                 "Open loop at a constant rate, e.g. 2000/s; latency from intended send times");
  app.add_option("--scenario", a.scenario, "YAML file of weighted requests (a mixed load)");
  app.add_option("--cold-threshold", a.cold_threshold,
                 "Responses slower than this count toward cold_start_rate (default 1s)");
  app.add_option("--expect-status", a.expect_status,
                 "Statuses that count as success, e.g. 200,304 or 2xx (default 2xx,3xx)");
  app.add_option("--expect-header", a.expect_headers,
                 "A header every response must carry (repeatable)")
      ->allow_extra_args(false);
  app.add_option("--json", a.json_path, "Write the full report as JSON (schema ramjet.bench/v1)");
  app.add_option("--html", a.html_path, "Write a self-contained HTML report with plots");
  app.add_option("--threshold", a.thresholds,
                 "Gate, e.g. p95<500ms, success_rate>=95%, rps>=1000 (repeatable; exit 1 "
                 "when one fails)")
      ->allow_extra_args(false);
  app.add_option("--compare", a.compare_path, "A previous --json report: print before/after");
  app.add_option("--seed", a.seed, "Seed of the scenario's weighted choice (default 1)");
}

core::Result<core::Duration> duration_flag(const std::string& text, const char* flag) {
  auto d = core::parse_duration(text);
  if (!d.ok()) {
    return core::Error{flag, d.error().to_string()};
  }
  return d;
}

core::Result<std::string> body_arg(const std::string& body) {
  if (body.empty() || body.front() != '@') {
    return body;
  }
  std::ifstream in(body.substr(1), std::ios::binary);
  if (!in) {
    return core::Error{"--body: cannot read file", body.substr(1)};
  }
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

core::Result<bool> fill_requests(const CliArgs& a, BenchOptions& o) {
  std::vector<std::pair<std::string, std::string>> headers;
  for (const std::string& h : a.headers) {
    auto parsed = parse_header_arg(h);
    if (!parsed.ok()) {
      return parsed.error();
    }
    headers.push_back(parsed.value());
  }
  if (!a.scenario.empty()) {
    if (!a.method.empty() || !a.body.empty()) {
      return core::Error{"--method and --body do not mix with --scenario (set them per "
                         "request in the file)",
                         {}};
    }
    auto scenario = load_scenario(a.scenario, a.url);
    if (!scenario.ok()) {
      return scenario.error();
    }
    o.requests = std::move(scenario->requests);
    for (RequestSpec& r : o.requests) {
      r.headers.insert(r.headers.end(), headers.begin(), headers.end());
    }
    o.scenario_path = a.scenario;
    return true;
  }
  if (a.url.empty()) {
    return core::Error{"give a URL (e.g. ramjet bench http://127.0.0.1:8080/) or --scenario",
                       {}};
  }
  auto body = body_arg(a.body);
  if (!body.ok()) {
    return body.error();
  }
  RequestSpec spec;
  spec.url = a.url;
  spec.method = !a.method.empty() ? a.method : (a.body.empty() ? "GET" : "POST");
  spec.headers = std::move(headers);
  spec.body = std::move(body.value());
  o.requests.push_back(std::move(spec));
  return true;
}

core::Result<BenchOptions> to_options(const CliArgs& a) {
  BenchOptions o;
  o.connections = a.connections;
  o.threads = a.threads;
  if (a.requests > 0) {
    o.max_requests = a.requests;
  }
  if (!a.duration.empty()) {
    auto d = duration_flag(a.duration, "--duration");
    if (!d.ok()) {
      return d.error();
    }
    o.duration = d.value();
  }
  struct DurationFlag {
    const std::string& text;
    const char* name;
    core::Duration& out;
  };
  for (const DurationFlag& f : {DurationFlag{a.warmup, "--warmup", o.warmup},
                                DurationFlag{a.timeout, "--timeout", o.timeout},
                                DurationFlag{a.cold_threshold, "--cold-threshold",
                                             o.cold_threshold}}) {
    auto d = duration_flag(f.text, f.name);
    if (!d.ok()) {
      return d.error();
    }
    f.out = d.value();
  }
  o.keep_alive = !a.no_keepalive;
  if (!a.rate.empty()) {
    auto r = parse_rate(a.rate);
    if (!r.ok()) {
      return r.error();
    }
    o.rate = r.value();
  }
  if (!a.expect_status.empty()) {
    auto s = StatusSet::parse(a.expect_status);
    if (!s.ok()) {
      return core::Error{"--expect-status", s.error().to_string()};
    }
    o.expect_status = s.value();
    o.expect_status_given = true;
  }
  if (a.expect_headers.size() > ResponseReader::kMaxExpectedHeaders) {
    return core::Error{"too many --expect-header (at most 32)", {}};
  }
  o.expect_headers = a.expect_headers;
  o.seed = a.seed;
  auto filled = fill_requests(a, o);
  if (!filled.ok()) {
    return filled.error();
  }
  auto valid = validate(o);
  if (!valid.ok()) {
    return valid.error();
  }
  return o;
}

std::string command_line(int argc, char** argv) {
  std::string out = "ramjet";
  for (int i = 0; i < argc; ++i) {
    std::string arg = argv[i];
    bool quote = arg.empty() || arg.find_first_of(" \t'\"<>|&;$*?") != std::string::npos;
    out += ' ';
    if (quote) {
      std::string q = "'";
      for (char ch : arg) {
        q += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
      }
      out += q + "'";
    } else {
      out += arg;
    }
  }
  return out;
}

void raise_fd_limit() {
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &lim);
  }
}

// Prints the live line while the run goes on; handles Ctrl-C. Bounded: a timed run ends by
// its deadline plus --timeout; after that the run is stopped.
bool drive_run(Generator& gen, const BenchOptions& o, const sigset_t& signals) {
  const bool tty = ::isatty(STDOUT_FILENO) == 1;
  const auto began = std::chrono::steady_clock::now();
  auto next_tick = began + 1s;
  std::uint64_t last_responses = 0;
  auto last_tick = began;
  bool interrupted = false;
  // A -n run has no deadline of its own: each request is bounded by --timeout instead.
  auto give_up = std::chrono::steady_clock::time_point::max();
  if (auto d = o.effective_duration()) {
    give_up = began + o.warmup + *d + o.timeout + 5s;
  }
  while (!gen.wait(core::Duration::zero())) {
    timespec wait_for{0, 50'000'000};
    int sig = ::sigtimedwait(&signals, nullptr, &wait_for);
    if (sig > 0) {
      if (interrupted) {
        std::fprintf(stderr, "\nramjet bench: interrupted twice, exiting\n");
        std::_Exit(130);
      }
      interrupted = true;
      gen.stop();
    }
    auto now = std::chrono::steady_clock::now();
    if (now > give_up) {
      gen.stop();
      give_up = std::chrono::steady_clock::time_point::max();
    }
    if (tty && now >= next_tick) {
      LiveFigures f = gen.live();
      double dt = std::chrono::duration<double>(now - last_tick).count();
      double rps = dt > 0 ? static_cast<double>(f.responses - last_responses) / dt : 0.0;
      std::printf("\r\033[K[%6.1fs]%s %llu responses  %.1f req/s  p99 %s  errors %llu",
                  std::chrono::duration<double>(f.elapsed).count(),
                  f.warming_up ? " warm-up" : "", static_cast<unsigned long long>(f.responses),
                  rps,
                  format_metric(static_cast<double>(f.p99_ns) / 1e6, MetricUnit::kMilliseconds)
                      .c_str(),
                  static_cast<unsigned long long>(f.errors));
      std::fflush(stdout);
      last_responses = f.responses;
      last_tick = now;
      next_tick = now + 1s;
    }
  }
  if (tty) {
    std::printf("\r\033[K");
    std::fflush(stdout);
  }
  return interrupted;
}

bool write_file(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  out.close();
  if (!out) {
    std::fprintf(stderr, "ramjet bench: cannot write %s\n", path.c_str());
    return false;
  }
  return true;
}

std::string file_label(const std::string& path) {
  std::size_t slash = path.rfind('/');
  std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  if (name.size() > 5 && name.substr(name.size() - 5) == ".json") {
    name.resize(name.size() - 5);
  }
  return name;
}

}  // namespace

int run_cli(int argc, char** argv, std::string_view version) {
  CLI::App app{"ramjet bench: load generator and performance gate. Measures latency "
               "(percentiles, cold start, time to first byte), throughput and errors; gates "
               "a CI job with --threshold.",
               "ramjet bench"};
  CliArgs args;
  add_flags(app, args);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : kUsage;
  }
  auto options = to_options(args);
  if (!options.ok()) {
    std::fprintf(stderr, "ramjet bench: %s\n", options.error().to_string().c_str());
    return kUsage;
  }
  const BenchOptions& o = options.value();
  std::vector<Threshold> thresholds;
  for (const std::string& text : args.thresholds) {
    auto t = parse_threshold(text);
    if (!t.ok()) {
      std::fprintf(stderr, "ramjet bench: --threshold: %s\n", t.error().to_string().c_str());
      return kUsage;
    }
    thresholds.push_back(t.value());
  }
  std::optional<Json> before;
  if (!args.compare_path.empty()) {
    auto loaded = load_report(args.compare_path);
    if (!loaded.ok()) {
      std::fprintf(stderr, "ramjet bench: --compare: %s\n",
                   loaded.error().to_string().c_str());
      return kUsage;
    }
    before = std::move(loaded.value());
  }
  Url url = parse_url(o.requests.front().url).value();
  std::string user_agent = "ramjet-bench/" + std::string(version);
  std::vector<PreparedRequest> prepared;
  for (const RequestSpec& spec : o.requests) {
    auto p = prepare_request(spec, parse_url(spec.url).value(), o.keep_alive, user_agent);
    if (!p.ok()) {
      std::fprintf(stderr, "ramjet bench: %s\n", p.error().to_string().c_str());
      return kUsage;
    }
    prepared.push_back(std::move(p.value()));
  }
  auto address = net::Address::resolve(url.host, url.port);
  if (!address.ok()) {
    std::fprintf(stderr, "ramjet bench: %s\n", address.error().to_string().c_str());
    return kFailed;
  }

  raise_fd_limit();
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigset_t previous;
  ::pthread_sigmask(SIG_BLOCK, &signals, &previous);  // the generator threads inherit it
  ::signal(SIGPIPE, SIG_IGN);
  core::RealClock clock;
  RunResult result;
  {
    Generator gen(o, prepared, address.value(), clock);
    auto started = gen.start();
    if (!started.ok()) {
      ::pthread_sigmask(SIG_SETMASK, &previous, nullptr);
      std::fprintf(stderr, "ramjet bench: %s\n", started.error().to_string().c_str());
      return kFailed;
    }
    drive_run(gen, o, signals);
    result = gen.finish();
  }
  ::pthread_sigmask(SIG_SETMASK, &previous, nullptr);

  ReportContext ctx;
  ctx.version = std::string(version);
  ctx.command = command_line(argc, argv);
  ctx.url = o.requests.front().url;
  ctx.address = address->to_string();
  Json report = build_report(result, o, prepared, ctx);
  auto results = evaluate_thresholds(thresholds, report);
  std::string summary = format_summary(report);
  std::fputs(summary.c_str(), stdout);
  int code = 0;
  if (report["requests"]["responses"].get<std::uint64_t>() == 0) {
    std::printf("\n  No response arrived: is the server at %s up?\n", ctx.address.c_str());
    code = kFailed;
  }
  if (!results.empty()) {
    std::printf("\nThresholds\n%s", format_threshold_results(results).c_str());
    for (const ThresholdResult& r : results) {
      if (!r.passed) {
        code = kFailed;
      }
    }
  }
  if (before) {
    std::printf("\nCompared with %s\n%s", args.compare_path.c_str(),
                format_compare(*before, report, file_label(args.compare_path),
                               args.json_path.empty() ? "this run" : file_label(args.json_path))
                    .c_str());
  }
  std::fflush(stdout);
  std::string json_text = report.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
  if (!args.json_path.empty() && !write_file(args.json_path, json_text)) {
    code = kFailed;
  }
  if (!args.html_path.empty() && !write_file(args.html_path, render_html(report))) {
    code = kFailed;
  }
  return code;
}

}  // namespace ramjet::bench
