// The admin listener of a real `ramjet serve` in front of ramjet-origin: metrics and stats
// agree with the traffic sent, readiness follows the upstream, mutating endpoints need the
// token, Server-Timing and traceparent reach the client and the upstream, and the access
// log and summary line carry them.

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/child_process.hpp"
#include "support/http_client.hpp"
#include "support/origin.hpp"
#include "support/temp_file.hpp"

using namespace std::chrono_literals;
using nlohmann::json;
using ramjet::testing::ChildProcess;
using ramjet::testing::HttpClient;
using ramjet::testing::HttpResponse;
using ramjet::testing::TempFile;

namespace {

std::string ramjet_binary() { return std::string(RAMJET_BINARY_DIR) + "/ramjet"; }

struct Ramjet {
  ChildProcess process;
  std::uint16_t port = 0;
  std::uint16_t admin_port = 0;
};

// Starts `ramjet serve -c <file> args...` and reads both listening lines.
std::optional<Ramjet> start_ramjet(const std::string& config_path,
                                   const std::vector<std::string>& args, std::string* why) {
  std::vector<std::string> argv{ramjet_binary(), "serve", "-c", config_path};
  argv.insert(argv.end(), args.begin(), args.end());
  auto child = ChildProcess::start(argv);
  if (!child.ok()) {
    *why = child.error().to_string();
    return std::nullopt;
  }
  auto port = ramjet::testing::wait_for_listening_port(child.value(), 10000ms);
  auto admin = child.value().wait_for_line(R"(^admin listening on .*:([0-9]+)\s*$)", 10000ms);
  if (!port || !admin) {
    *why = child.value().describe();
    return std::nullopt;
  }
  auto admin_port = static_cast<std::uint16_t>(std::stoul(admin->groups[1]));
  return Ramjet{std::move(child.value()), *port, admin_port};
}

std::string config_text(std::uint16_t upstream_port, const std::string& extra = "") {
  return "listen: 127.0.0.1:0\nworkers: 2\n"
         "admin: {listen: 127.0.0.1:0, token: t0ken}\n"
         "upstreams:\n  app: {endpoints: [\"127.0.0.1:" +
         std::to_string(upstream_port) +
         "\"]}\n"
         "routes:\n"
         "  - {name: a, match: {path_prefix: /a}, upstream: app}\n"
         "  - {name: b, match: {path_prefix: /b}, upstream: app}\n" +
         extra;
}

HttpResponse admin_get(std::uint16_t port, const std::string& target,
                       const ramjet::testing::Headers& headers = {}) {
  auto c = HttpClient::connect(port);
  if (!c.ok()) {
    return {};
  }
  return c.value().request(c.value().make_request("GET", target, headers));
}

// The value of the sample whose series (name and labels) is exactly `series`.
std::optional<double> sample(const std::string& exposition, const std::string& series) {
  std::istringstream in(exposition);
  std::string line;
  while (std::getline(in, line)) {
    if (line.size() > series.size() && line.compare(0, series.size(), series) == 0 &&
        line[series.size()] == ' ') {
      return std::stod(line.substr(series.size() + 1));
    }
  }
  return std::nullopt;
}

// Polls GET /stats until `done(stats)` or `timeout`; the last body read.
json wait_for_stats(std::uint16_t port, const std::function<bool(const json&)>& done,
                    std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  json last;
  do {
    HttpResponse r = admin_get(port, "/stats");
    if (r.status == 200) {
      last = json::parse(r.body);
      if (done(last)) {
        return last;
      }
    }
    std::this_thread::sleep_for(100ms);
  } while (std::chrono::steady_clock::now() < deadline);
  return last;
}

const json* route_named(const json& stats, const std::string& name) {
  for (const json& r : stats["routes"]) {
    if (r["name"] == name) {
      return &r;
    }
  }
  return nullptr;
}

class AdminEndpoints : public ::testing::Test {
 protected:
  void SetUp() override {
    auto origin = ramjet::testing::start_origin();
    ASSERT_TRUE(origin.ok()) << origin.error().to_string();
    origin_.emplace(std::move(origin.value()));
    config_.emplace(config_text(origin_->port, "log: {access: json, access_path: " +
                                                   access_log_.path() + "}\n"),
                    ".yaml");
    std::string why;
    auto r = start_ramjet(config_->path(), {"--metrics-log-interval", "1s"}, &why);
    ASSERT_TRUE(r.has_value()) << why;
    ramjet_.emplace(std::move(*r));
  }

  std::optional<ramjet::testing::Origin> origin_;
  TempFile access_log_{"", ".log"};
  std::optional<TempFile> config_;
  std::optional<Ramjet> ramjet_;
};

TEST_F(AdminEndpoints, MetricsAndStatsCountTheTrafficSentExactly) {
  auto client = HttpClient::connect(ramjet_->port);
  ASSERT_TRUE(client.ok());
  constexpr int kFast = 40;
  constexpr int kFailing = 10;
  for (int i = 0; i < kFast; ++i) {
    HttpResponse r = client.value().get("/a?latency=20ms");
    ASSERT_EQ(r.status, 200) << r.error;
  }
  for (int i = 0; i < kFailing; ++i) {
    ASSERT_EQ(client.value().get("/b?status=503").status, 503);
  }
  HttpResponse m = admin_get(ramjet_->admin_port, "/metrics");
  ASSERT_EQ(m.status, 200);
  EXPECT_EQ(m.header("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  const std::string& text = m.body;
  EXPECT_EQ(sample(text, "ramjet_route_requests_total{route=\"a\"}"), kFast);
  EXPECT_EQ(sample(text, "ramjet_route_responses_total{route=\"a\",code=\"200\"}"), kFast);
  EXPECT_EQ(sample(text, "ramjet_route_responses_total{route=\"b\",code=\"503\"}"), kFailing);
  EXPECT_EQ(sample(text, "ramjet_route_request_duration_seconds_count{route=\"a\"}"), kFast);
  EXPECT_EQ(sample(text, "ramjet_route_request_duration_seconds_bucket{route=\"a\",le=\"0.01\"}"),
            0);
  EXPECT_EQ(sample(text, "ramjet_route_request_duration_seconds_bucket{route=\"a\",le=\"+Inf\"}"),
            kFast);
  EXPECT_EQ(sample(text, "ramjet_requests_total"), kFast + kFailing);
  EXPECT_EQ(sample(text, "ramjet_responses_total{class=\"2xx\"}"), kFast);
  EXPECT_EQ(sample(text, "ramjet_responses_total{class=\"5xx\"}"), kFailing);
  EXPECT_EQ(sample(text, "ramjet_upstream_requests_total{upstream=\"app\"}"), kFast + kFailing);
  EXPECT_EQ(sample(text, "ramjet_workers"), 2);
  EXPECT_EQ(sample(text, "ramjet_ready"), 1);
  EXPECT_GT(sample(text, "ramjet_process_resident_memory_bytes").value_or(0), 1 << 20);

  // /stats: exact counts at once; the last-minute window once the sampler has ticked.
  json s = wait_for_stats(
      ramjet_->admin_port,
      [](const json& j) {
        const json* a = route_named(j, "a");
        return a != nullptr && a->at("window").at("count") == kFast;
      },
      5000ms);
  const json* a = route_named(s, "a");
  ASSERT_NE(a, nullptr) << s.dump(2);
  EXPECT_EQ((*a)["requests"], kFast);
  EXPECT_EQ((*a)["codes"]["200"], kFast);
  EXPECT_EQ((*a)["success_rate"], 1.0);
  EXPECT_EQ((*a)["window"]["count"], kFast);
  // Every exchange took the origin's 20 ms plus a little; the histogram's error is < 1%.
  for (const char* p : {"p50_ms", "p95_ms", "p99_ms"}) {
    const double up = (*a)["upstream_latency"][p].get<double>();
    EXPECT_GE(up, 20.0 * 0.99) << p;
    EXPECT_LE(up, 20.0 * 1.01 + 30.0) << p;
    EXPECT_GE((*a)["window"][p].get<double>(), up * 0.99) << p;
  }
  EXPECT_GE((*a)["latency"]["min_ms"].get<double>(), 20.0);
  const json* b = route_named(s, "b");
  ASSERT_NE(b, nullptr);
  EXPECT_EQ((*b)["codes"]["503"], kFailing);
  EXPECT_EQ((*b)["success_rate"], 0.0);
  EXPECT_EQ(s["requests"]["failed"], kFailing);
  EXPECT_EQ(s["upstreams"][0]["requests"], kFast + kFailing);
  EXPECT_EQ(s["upstreams"][0]["pool"]["hits"].get<int>() +
                s["upstreams"][0]["pool"]["opened"].get<int>(),
            kFast + kFailing);
}

TEST_F(AdminEndpoints, MetricsPassPromtoolWhenItIsInstalled) {
  if (::access("/usr/bin/promtool", X_OK) != 0) {
    GTEST_SKIP() << "promtool is not installed (Debian package prometheus)";
  }
  auto client = HttpClient::connect(ramjet_->port);
  ASSERT_TRUE(client.ok());
  ASSERT_EQ(client.value().get("/a").status, 200);
  HttpResponse m = admin_get(ramjet_->admin_port, "/metrics");
  ASSERT_EQ(m.status, 200);
  TempFile exposition(m.body, ".prom");
  TempFile out("", ".txt");
  const std::string cmd = "/usr/bin/promtool check metrics < " + exposition.path() + " > " +
                          out.path() + " 2>&1";
  const int rc = std::system(cmd.c_str());
  std::ifstream result(out.path());
  std::stringstream said;
  said << result.rdbuf();
  EXPECT_EQ(rc, 0) << said.str();
  EXPECT_EQ(said.str(), "") << "promtool lint findings";
}

TEST_F(AdminEndpoints, PurgeNeedsTheBearerToken) {
  auto purge = [&](const ramjet::testing::Headers& headers) {
    auto c = HttpClient::connect(ramjet_->admin_port);
    return c.value().request(
        c.value().make_request("POST", "/cache/purge", headers, "{\"all\":true}"));
  };
  HttpResponse none = purge({});
  EXPECT_EQ(none.status, 401);
  EXPECT_TRUE(none.header("www-authenticate").has_value());
  EXPECT_EQ(purge({{"Authorization", "Bearer wrong"}}).status, 401);
  HttpResponse ok = purge({{"Authorization", "Bearer t0ken"}});
  EXPECT_EQ(ok.status, 200) << ok.body;  // the cache is on by default
  EXPECT_TRUE(json::parse(ok.body).contains("purged"));
}

TEST_F(AdminEndpoints, HealthReadyConfigConnectionsAndDashboardAnswer) {
  EXPECT_EQ(admin_get(ramjet_->admin_port, "/health").status, 200);
  HttpResponse ready = admin_get(ramjet_->admin_port, "/ready");
  EXPECT_EQ(ready.status, 200) << ready.body;
  HttpResponse config = admin_get(ramjet_->admin_port, "/config");
  EXPECT_EQ(config.status, 200);
  EXPECT_EQ(config.body.find("t0ken"), std::string::npos) << "token must be redacted";
  EXPECT_NE(config.body.find("<redacted>"), std::string::npos);
  HttpResponse conns = admin_get(ramjet_->admin_port, "/connections");
  ASSERT_EQ(conns.status, 200);
  EXPECT_TRUE(json::parse(conns.body)["downstream"].contains("open"));
  HttpResponse page = admin_get(ramjet_->admin_port, "/");
  EXPECT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("/assets/app.js"), std::string::npos);
  EXPECT_EQ(admin_get(ramjet_->admin_port, "/assets/app.js").status, 200);
  EXPECT_EQ(json::parse(admin_get(ramjet_->admin_port, "/breakers").body)["breakers"],
            json::array());
  EXPECT_TRUE(json::parse(admin_get(ramjet_->admin_port, "/cache/stats").body)
                  .contains("enabled"));
}

TEST_F(AdminEndpoints, ServerTimingBreaksTheExchangeDown) {
  auto client = HttpClient::connect(ramjet_->port);
  ASSERT_TRUE(client.ok());
  HttpResponse r = client.value().get("/a?latency=5ms");
  ASSERT_EQ(r.status, 200);
  const std::string timing = r.header("server-timing").value_or("");
  EXPECT_TRUE(std::regex_search(timing, std::regex(R"(^total;dur=[0-9]+\.[0-9]{3})"))) << timing;
  // The origin waits 5 ms: the upstream phase lasts at least that (never asserted above,
  // the machine may be slow).
  std::smatch upstream;
  ASSERT_TRUE(std::regex_search(timing, upstream, std::regex(R"(upstream;dur=([0-9]+\.[0-9]{3}))")))
      << timing;
  EXPECT_GE(std::stod(upstream[1].str()), 5.0) << timing;
  EXPECT_TRUE(std::regex_search(timing, std::regex(R"(connect;dur=[0-9]+\.[0-9]{3})")))
      << timing;
  EXPECT_TRUE(r.header("x-process-time").has_value());
}

TEST_F(AdminEndpoints, SummaryLineIsLoggedEveryInterval) {
  auto client = HttpClient::connect(ramjet_->port);
  ASSERT_TRUE(client.ok());
  ASSERT_EQ(client.value().get("/a").status, 200);
  auto line = ramjet_->process.wait_for_line(
      R"(summary requests=[0-9]+ ok=[0-9]+ failed=[0-9]+ success=\S+ avg=\S+ p95=\S+ )"
      R"(cache_hit=- pool_reuse=\S+ rss=[0-9]+MiB)",
      5000ms);
  EXPECT_TRUE(line.has_value()) << ramjet_->process.describe();
}

// A loopback upstream that records every request head it receives and answers 200.
class CaptureUpstream {
 public:
  CaptureUpstream() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    ::listen(fd_, 16);
    socklen_t len = sizeof(addr);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { run(); });
  }
  ~CaptureUpstream() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }
  std::uint16_t port() const { return port_; }
  std::vector<std::string> heads() {
    std::lock_guard lock(mu_);
    return heads_;
  }

 private:
  // One connection at a time, keep-alive, until stopped; every wait is a bounded poll.
  void run() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) {
        continue;
      }
      int c = ::accept(fd_, nullptr, nullptr);
      if (c >= 0) {
        serve(c);
        ::close(c);
      }
    }
  }
  void serve(int c) {
    std::string in;
    char buf[4096];
    while (!stop_) {
      pollfd p{c, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) {
        continue;
      }
      const ssize_t n = ::recv(c, buf, sizeof buf, 0);
      if (n <= 0) {
        return;
      }
      in.append(buf, static_cast<std::size_t>(n));
      for (auto end = in.find("\r\n\r\n"); end != std::string::npos; end = in.find("\r\n\r\n")) {
        {
          std::lock_guard lock(mu_);
          heads_.push_back(in.substr(0, end + 4));
        }
        in.erase(0, end + 4);
        static constexpr std::string_view kOk = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
        [[maybe_unused]] auto w = ::send(c, kOk.data(), kOk.size(), MSG_NOSIGNAL);
      }
    }
  }

  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::vector<std::string> heads_;
  std::thread thread_;
};

std::string header_of(const std::string& head, const std::string& name) {
  std::smatch m;
  if (std::regex_search(head, m, std::regex("\r\n" + name + ": ([^\r]*)\r\n",
                                            std::regex::icase))) {
    return m[1];
  }
  return "";
}

TEST(AdminTracing, TraceparentIsPropagatedGeneratedAndLogged) {
  CaptureUpstream upstream;
  TempFile access_log("", ".log");
  TempFile config(config_text(upstream.port(), "log: {access: json, access_path: " +
                                                    access_log.path() + "}\n"),
                  ".yaml");
  std::string why;
  auto ramjet = start_ramjet(config.path(), {}, &why);
  ASSERT_TRUE(ramjet.has_value()) << why;
  auto client = HttpClient::connect(ramjet->port);
  ASSERT_TRUE(client.ok());
  const std::string incoming = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  ASSERT_EQ(client.value().get("/a", {{"traceparent", incoming}}).status, 200);
  ASSERT_EQ(client.value().get("/a").status, 200);
  ASSERT_EQ(client.value().get("/a", {{"traceparent", "00-zz-bad-01"}}).status, 200);
  const std::vector<std::string> heads = upstream.heads();
  ASSERT_EQ(heads.size(), 3u);
  EXPECT_EQ(header_of(heads[0], "traceparent"), incoming);
  const std::regex shape("^00-[0-9a-f]{32}-[0-9a-f]{16}-01$");
  const std::string generated = header_of(heads[1], "traceparent");
  EXPECT_TRUE(std::regex_match(generated, shape)) << generated;
  const std::string replaced = header_of(heads[2], "traceparent");
  EXPECT_TRUE(std::regex_match(replaced, shape)) << replaced;
  EXPECT_NE(generated.substr(3, 32), replaced.substr(3, 32));
  EXPECT_EQ(heads[2].find("zz-bad"), std::string::npos) << "invalid value not forwarded";

  // The access log carries the trace id of each exchange (written off the hot path).
  std::vector<json> records;
  for (int i = 0; i < 100 && records.size() < 3; ++i) {
    std::this_thread::sleep_for(50ms);
    std::ifstream in(access_log.path());
    records.clear();
    for (std::string line; std::getline(in, line);) {
      records.push_back(json::parse(line));
    }
  }
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0]["trace_id"], "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(records[1]["trace_id"], generated.substr(3, 32));
  EXPECT_EQ(records[0]["route"], "a");
  EXPECT_EQ(records[0]["retries"], 0);
  EXPECT_EQ(records[0]["cache"], "MISS");  // cacheable method, nothing stored
}

TEST(AdminReadiness, NotReadyWhileTheRoutedUpstreamRefusesConnections) {
  // A port nothing listens on: bind, read the port, close.
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  TempFile config(config_text(ntohs(addr.sin_port)), ".yaml");
  std::string why;
  auto ramjet = start_ramjet(config.path(), {}, &why);
  ASSERT_TRUE(ramjet.has_value()) << why;
  EXPECT_EQ(admin_get(ramjet->admin_port, "/ready").status, 200) << "no failure yet";
  auto client = HttpClient::connect(ramjet->port);
  ASSERT_TRUE(client.ok());
  EXPECT_EQ(client.value().get("/a").status, 502);
  HttpResponse ready;
  for (int i = 0; i < 50; ++i) {  // the sampler looks once a second
    ready = admin_get(ramjet->admin_port, "/ready");
    if (ready.status == 503) {
      break;
    }
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(ready.status, 503) << ready.body;
  EXPECT_EQ(json::parse(ready.body)["checks"]["upstreams"]["upstreams"][0]["healthy"], false);
  EXPECT_EQ(admin_get(ramjet->admin_port, "/health").status, 200) << "still alive";
}

}  // namespace

namespace {

TEST(AdminCache, StatsMetricsAndPurgeReachTheResponseCache) {
  auto origin = ramjet::testing::start_origin();
  ASSERT_TRUE(origin.ok()) << origin.error().to_string();
  TempFile config("listen: 127.0.0.1:0\nworkers: 1\n"
                  "admin: {listen: 127.0.0.1:0, token: t0ken}\n"
                  "upstreams:\n  app: {endpoints: [\"127.0.0.1:" +
                      std::to_string(origin.value().port) +
                      "\"]}\n"
                      "routes:\n"
                      "  - {name: cached, match: {path_prefix: /}, upstream: app, "
                      "cache: {ttl: 5m}}\n",
                  ".yaml");
  std::string why;
  auto ramjet = start_ramjet(config.path(), {}, &why);
  ASSERT_TRUE(ramjet.has_value()) << why;
  auto client = HttpClient::connect(ramjet->port);
  ASSERT_TRUE(client.ok());
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(client.value().get("/item").status, 200);
  }
  json stats = json::parse(admin_get(ramjet->admin_port, "/cache/stats").body);
  EXPECT_EQ(stats["enabled"], true) << stats.dump();
  EXPECT_GE(stats["hits"].get<int>(), 1) << stats.dump();
  EXPECT_GE(stats["entries"].get<int>(), 1) << stats.dump();
  const std::string metrics = admin_get(ramjet->admin_port, "/metrics").body;
  EXPECT_GE(sample(metrics, "ramjet_cache_hits_total").value_or(0), 1) << metrics;
  EXPECT_GE(sample(metrics, "ramjet_cache_entries").value_or(0), 1);
  EXPECT_EQ(json::parse(admin_get(ramjet->admin_port, "/stats").body)["cache"]["enabled"], true);

  auto purge = [&](std::string_view body) {
    auto c = HttpClient::connect(ramjet->admin_port);
    return c.value().request(c.value().make_request(
        "POST", "/cache/purge", {{"Authorization", "Bearer t0ken"}}, body));
  };
  EXPECT_EQ(purge("{\"nothing\":1}").status, 400);
  HttpResponse purged = purge("{\"all\":true}");
  ASSERT_EQ(purged.status, 200) << purged.body;
  EXPECT_GE(json::parse(purged.body)["purged"].get<int>(), 1);
  EXPECT_EQ(json::parse(admin_get(ramjet->admin_port, "/cache/stats").body)["entries"], 0);
}

}  // namespace
