// The admin endpoints as a pure request → response function over hand-built stats.

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "admin/assets.hpp"
#include "admin/handler.hpp"
#include "config/load.hpp"
#include "fake_stats.hpp"

namespace ramjet::admin {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::FakeWorkers;

constexpr std::string_view kConfig = R"(
admin: {listen: 127.0.0.1:0, token: s3cret}
upstreams:
  app: {endpoints: [127.0.0.1:9]}
  spare: {endpoints: [127.0.0.1:10]}
routes:
  - {name: api, match: {path_prefix: /api}, upstream: app}
  - {name: rest, match: {path_prefix: /}, upstream: app}
)";

std::shared_ptr<const config::Config> load(std::string_view text) {
  auto c = config::load_config_string(text, "test.yaml");
  EXPECT_TRUE(c.ok()) << (c.ok() ? "" : c.error().to_string());
  return std::make_shared<const config::Config>(std::move(c.value()));
}

class AdminHandlerTest : public ::testing::Test {
 protected:
  AdminResponse get(std::string_view path) { return handler_->handle({"GET", path, {}, {}, {}}); }
  json get_json(std::string_view path) {
    AdminResponse r = get(path);
    EXPECT_EQ(r.content_type, "application/json");
    return json::parse(r.body);
  }
  void tick() {
    clock_.advance(1s);
    last_summary_ = handler_->tick();
  }
  std::shared_ptr<const config::Config> config_ = load(kConfig);
  core::ManualClock clock_;
  FakeWorkers workers_{2};
  std::unique_ptr<AdminHandler> handler_ = make_handler({});
  std::optional<std::string> last_summary_;

  std::unique_ptr<AdminHandler> make_handler(AdminHooks hooks) {
    AdminHandlerOptions options;
    options.version = "9.9.9";
    options.started = clock_.now();
    options.startup = 3ms;
    options.summary_interval = 5s;
    for (std::size_t w = 0; w < 2; ++w) {  // what Runtime creates for each worker
      workers_.route(w, "api");
      workers_.route(w, "rest");
      workers_.upstream(w, "app");
      workers_.upstream(w, "spare");
    }
    return std::make_unique<AdminHandler>(workers_.source(), config_, clock_, options,
                                          std::move(hooks));
  }
};

TEST_F(AdminHandlerTest, HealthAnswersOk) {
  AdminResponse r = get("/health");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(json::parse(r.body)["status"], "ok");
}

TEST_F(AdminHandlerTest, UnknownPathsAre404AndWrongMethods405WithAllow) {
  EXPECT_EQ(get("/nope").status, 404);
  AdminResponse r = handler_->handle({"POST", "/stats", {}, {}, {}});
  EXPECT_EQ(r.status, 405);
  ASSERT_EQ(r.headers.size(), 1u);
  EXPECT_EQ(r.headers[0].first, "Allow");
  EXPECT_EQ(handler_->handle({"GET", "/cache/purge", {}, {}, {}}).status, 405);
  EXPECT_EQ(handler_->handle({"HEAD", "/health", {}, {}, {}}).status, 200);
}

TEST_F(AdminHandlerTest, PurgeNeedsTheBearerTokenWhenOneIsSet) {
  auto purge = [&](std::string_view auth) {
    return handler_->handle({"POST", "/cache/purge", {}, auth, {}}).status;
  };
  EXPECT_EQ(purge(""), 401);
  EXPECT_EQ(purge("Bearer wrong"), 401);
  EXPECT_EQ(purge("Bearer s3cre"), 401);
  EXPECT_EQ(purge("Bearer s3cret2"), 401);
  EXPECT_EQ(purge("Basic s3cret"), 401);
  EXPECT_EQ(purge("Bearer s3cret"), 501) << "authorized, but no cache in this build";
  EXPECT_EQ(purge("bearer s3cret"), 501) << "the scheme is case-insensitive";
  AdminResponse r = handler_->handle({"POST", "/cache/purge", {}, {}, {}});
  ASSERT_FALSE(r.headers.empty());
  EXPECT_EQ(r.headers[0].first, "WWW-Authenticate");
}

TEST_F(AdminHandlerTest, PurgeIsOpenWithoutATokenAndUsesTheCacheHookWhenThere) {
  config_ = load(R"(
upstreams: {app: {endpoints: [127.0.0.1:9]}}
)");
  AdminHooks hooks;
  hooks.cache_purge = [](const AdminRequest& req) {
    return AdminResponse{200, "application/json", std::string(req.body), {}};
  };
  handler_ = make_handler(std::move(hooks));
  AdminResponse r = handler_->handle({"POST", "/cache/purge", {}, {}, "{\"all\":true}"});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "{\"all\":true}");
}

TEST(AdminBearerMatches, ComparesTheWholeToken) {
  EXPECT_TRUE(bearer_matches("Bearer abc", "abc"));
  EXPECT_TRUE(bearer_matches("BEARER  abc", "abc"));
  EXPECT_FALSE(bearer_matches("Bearer abcd", "abc"));
  EXPECT_FALSE(bearer_matches("Bearer ab", "abc"));
  EXPECT_FALSE(bearer_matches("Bearer", "abc"));
  EXPECT_FALSE(bearer_matches("abc", "abc"));
  EXPECT_TRUE(bearer_matches("", "")) << "no token configured";
}

TEST_F(AdminHandlerTest, StatsCountEveryExchangeOfEveryWorker) {
  for (int i = 0; i < 20; ++i) {
    workers_.exchange(static_cast<std::size_t>(i % 2), "api", 200, 10'000'000);
  }
  for (int i = 0; i < 5; ++i) {
    workers_.exchange(1, "rest", 503, 1'000'000);
  }
  workers_.upstream(0, "app").pool_reused.add(24);
  workers_.upstream(1, "app").pool_connected.add(1);
  tick();
  json s = get_json("/stats");
  EXPECT_EQ(s["version"], "9.9.9");
  EXPECT_EQ(s["requests"]["total"], 25);
  EXPECT_EQ(s["requests"]["failed"], 5);
  EXPECT_DOUBLE_EQ(s["requests"]["success_rate"].get<double>(), 0.8);
  ASSERT_EQ(s["routes"].size(), 2u);
  const json& api = s["routes"][0];
  EXPECT_EQ(api["name"], "api");
  EXPECT_EQ(api["upstream"], "app");
  EXPECT_EQ(api["requests"], 20);
  EXPECT_EQ(api["codes"]["200"], 20);
  EXPECT_EQ(api["latency"]["count"], 20);
  EXPECT_NEAR(api["latency"]["p99_ms"].get<double>(), 10.0, 0.1);
  EXPECT_EQ(api["window"]["count"], 20);
  EXPECT_NEAR(api["window"]["p50_ms"].get<double>(), 10.0, 0.1);
  EXPECT_EQ(s["routes"][1]["codes"]["503"], 5);
  EXPECT_EQ(s["latency"]["count"], 25);
  EXPECT_EQ(s["latency_window"]["count"], 25);
  const json& app = s["upstreams"][0];
  EXPECT_EQ(app["name"], "app");
  EXPECT_EQ(app["endpoints"][0], "127.0.0.1:9");
  EXPECT_DOUBLE_EQ(app["pool"]["reuse_ratio"].get<double>(), 24.0 / 25.0);
  EXPECT_EQ(app["responses"]["5xx"], 5);
  EXPECT_EQ(s["cache"]["enabled"], false);
  EXPECT_TRUE(s["breakers"].is_array());
  ASSERT_EQ(s["series"]["t"].size(), 1u);
  EXPECT_EQ(s["series"]["requests_per_s"][0], 25.0);
}

TEST_F(AdminHandlerTest, NotReadyWhileARoutedUpstreamOnlyFailsOrWhileDraining) {
  EXPECT_EQ(get("/ready").status, 200);
  workers_.upstream(0, "spare").connect_errors.add(5);  // no route uses it
  tick();
  EXPECT_EQ(get("/ready").status, 200);
  workers_.upstream(1, "app").connect_errors.add(2);
  tick();
  AdminResponse r = get("/ready");
  EXPECT_EQ(r.status, 503);
  json body = json::parse(r.body);
  EXPECT_EQ(body["ready"], false);
  EXPECT_EQ(body["checks"]["upstreams"]["upstreams"][0]["healthy"], false);
  workers_.upstream(0, "app").pool_connected.add();
  tick();
  EXPECT_EQ(get("/ready").status, 200);
  handler_->set_draining();
  EXPECT_EQ(get("/ready").status, 503);
}

// The checks `promtool check metrics` makes that matter here, plus histogram consistency.
void lint_exposition(const std::string& text) {
  std::map<std::string, std::string> types;
  std::map<std::string, double> last_bucket;
  std::istringstream in(text);
  std::string line;
  std::string family;
  while (std::getline(in, line)) {
    ASSERT_FALSE(line.empty());
    if (line.rfind("# HELP ", 0) == 0) {
      family = line.substr(7, line.find(' ', 7) - 7);
      EXPECT_EQ(types.count(family), 0u) << "family twice: " << family;
      continue;
    }
    if (line.rfind("# TYPE ", 0) == 0) {
      const std::string rest = line.substr(7);
      const std::string name = rest.substr(0, rest.find(' '));
      EXPECT_EQ(name, family) << "TYPE without HELP";
      types[name] = rest.substr(rest.find(' ') + 1);
      if (types[name] == "counter") {
        EXPECT_TRUE(name.ends_with("_total")) << name;
      } else {
        EXPECT_FALSE(name.ends_with("_total")) << name;
      }
      continue;
    }
    const std::string series = line.substr(0, line.rfind(' '));
    const std::string name = series.substr(0, series.find('{'));
    EXPECT_TRUE(name.rfind(family, 0) == 0) << "sample outside its family: " << line;
    EXPECT_TRUE(name.rfind("ramjet_", 0) == 0) << line;
    const double value = std::stod(line.substr(line.rfind(' ') + 1));
    if (name.ends_with("_bucket")) {
      const std::string key = series.substr(0, series.find("le=\""));
      if (series.find("le=\"0.0005\"") != std::string::npos) {
        last_bucket[key] = 0;
      }
      EXPECT_GE(value, last_bucket[key]) << "buckets must be cumulative: " << line;
      last_bucket[key] = value;
    }
  }
  EXPECT_FALSE(types.empty());
}

TEST_F(AdminHandlerTest, MetricsExpositionIsWellFormedAndCountsWhatHappened) {
  for (int i = 0; i < 7; ++i) {
    workers_.exchange(static_cast<std::size_t>(i % 2), "api", 201, 3'000'000);
  }
  workers_.exchange(0, "rest", 404, 1'000'000);
  tick();
  AdminResponse r = get("/metrics");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "text/plain; version=0.0.4; charset=utf-8");
  lint_exposition(r.body);
  for (const char* want : {
           "ramjet_route_requests_total{route=\"api\"} 7\n",
           "ramjet_route_responses_total{route=\"api\",code=\"201\"} 7\n",
           "ramjet_route_responses_total{route=\"rest\",code=\"404\"} 1\n",
           "ramjet_route_request_duration_seconds_count{route=\"api\"} 7\n",
           "ramjet_route_request_duration_seconds_bucket{route=\"api\",le=\"0.0025\"} 0\n",
           "ramjet_route_request_duration_seconds_bucket{route=\"api\",le=\"0.005\"} 7\n",
           "ramjet_responses_total{class=\"2xx\"} 7\n",
           "ramjet_responses_total{class=\"4xx\"} 1\n",
           "ramjet_requests_total 8\n",
           "ramjet_route_info{route=\"api\",upstream=\"app\"} 1\n",
           "ramjet_upstream_healthy{upstream=\"app\"} 1\n",
           "ramjet_ready 1\n",
           "ramjet_workers 2\n",
           "ramjet_build_info{version=\"9.9.9\"} 1\n",
           "# TYPE ramjet_process_resident_memory_bytes gauge\n",
           "# TYPE ramjet_upstream_pool_hits_total counter\n",
       }) {
    EXPECT_NE(r.body.find(want), std::string::npos) << "missing: " << want << "\n" << r.body;
  }
}

TEST_F(AdminHandlerTest, RoutesAddedByAReloadAppearInMetrics) {
  get("/metrics");
  workers_.exchange(0, "new", 200, 1'000'000);
  const std::string body = get("/metrics").body;
  EXPECT_NE(body.find("ramjet_route_requests_total{route=\"new\"} 1\n"), std::string::npos);
  lint_exposition(body);
}

TEST_F(AdminHandlerTest, ConfigIsYamlWithTheTokenRedacted) {
  AdminResponse r = get("/config");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body.find("s3cret"), std::string::npos);
  EXPECT_NE(r.body.find("<redacted>"), std::string::npos);
  EXPECT_NE(r.body.find("upstreams"), std::string::npos);
}

TEST_F(AdminHandlerTest, ConnectionsAreCountedByState) {
  workers_.worker(0).proxy.connections_open.add(5);
  workers_.worker(1).proxy.connections_open.add(3);
  workers_.worker(1).proxy.connections_idle.add(2);
  workers_.upstream(0, "app").connections_open.add(4);
  workers_.upstream(0, "app").connections_idle.add(3);
  json c = get_json("/connections");
  EXPECT_EQ(c["downstream"]["open"], 8);
  EXPECT_EQ(c["downstream"]["idle"], 2);
  EXPECT_EQ(c["downstream"]["active"], 6);
  EXPECT_EQ(c["upstream"]["busy"], 1);
}

TEST_F(AdminHandlerTest, CacheAndBreakersAnswerPlaceholdersUntilTheirHooksExist) {
  EXPECT_EQ(get_json("/cache/stats")["enabled"], false);
  EXPECT_EQ(get_json("/breakers")["breakers"], json::array());
}

TEST_F(AdminHandlerTest, DashboardIsServedFromTheBinary) {
  AdminResponse page = get("/");
  EXPECT_EQ(page.status, 200);
  EXPECT_EQ(page.content_type, "text/html; charset=utf-8");
  EXPECT_NE(page.body.find("<canvas"), std::string::npos);
  EXPECT_EQ(page.body.find("http://"), std::string::npos) << "no external resources";
  EXPECT_EQ(page.body.find("https://"), std::string::npos) << "no external resources";
  AdminResponse js = get("/assets/app.js");
  EXPECT_EQ(js.status, 200);
  EXPECT_EQ(js.content_type, "text/javascript; charset=utf-8");
  EXPECT_NE(js.body.find("/stats"), std::string::npos);
  EXPECT_EQ(get("/assets/style.css").status, 200);
  EXPECT_EQ(get("/assets/missing.js").status, 404);
  EXPECT_EQ(embedded_assets().size(), 3u);
}

TEST_F(AdminHandlerTest, SummaryLineComesEveryIntervalWithThatIntervalsFigures) {
  for (int i = 0; i < 4; ++i) {
    tick();
    EXPECT_FALSE(last_summary_.has_value());
  }
  for (int i = 0; i < 10; ++i) {
    workers_.exchange(0, "api", i < 9 ? 200 : 502, 20'000'000);
  }
  workers_.upstream(0, "app").pool_reused.add(9);
  workers_.upstream(0, "app").pool_connected.add(1);
  tick();
  ASSERT_TRUE(last_summary_.has_value());
  EXPECT_EQ(last_summary_->substr(0, last_summary_->find(" rss=")),
            "requests=10 ok=9 failed=1 success=90.00% avg=20.0ms p95=20.1ms cache_hit=- "
            "pool_reuse=90.0%");
  for (int i = 0; i < 5; ++i) {
    tick();
  }
  ASSERT_TRUE(last_summary_.has_value());
  EXPECT_EQ(last_summary_->substr(0, last_summary_->find(" rss=")),
            "requests=0 ok=0 failed=0 success=- avg=- p95=- cache_hit=- pool_reuse=-");
}

TEST(AdminFormatSummary, PrintsEveryFigure) {
  IntervalTotals t;
  t.responses = {0, 140, 3, 2, 5};
  t.latency.count = 150;
  t.latency.mean_ns = 234e6;
  t.latency.p95_ns = 410'000'000;
  t.pool_reused = 971;
  t.pool_connected = 29;
  EXPECT_EQ(format_summary(t, 0.785, 41ull << 20),
            "requests=150 ok=145 failed=5 success=96.67% avg=234ms p95=410ms cache_hit=78.5% "
            "pool_reuse=97.1% rss=41MiB");
}

}  // namespace
}  // namespace ramjet::admin
