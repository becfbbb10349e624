// The admin listener over loopback sockets: HTTP framing, keep-alive, limits, shutdown.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "admin/admin_server.hpp"
#include "config/load.hpp"
#include "fake_stats.hpp"
#include "support/http_client.hpp"

namespace ramjet::admin {
namespace {

using namespace std::chrono_literals;
using ramjet::testing::HttpClient;

class AdminServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto c = config::load_config_string(R"(
admin: {listen: 127.0.0.1:0}
upstreams: {app: {endpoints: [127.0.0.1:9]}}
)",
                                        "test.yaml");
    ASSERT_TRUE(c.ok()) << c.error().to_string();
    AdminHandlerOptions options;
    options.version = "test";
    options.started = clock_.now();
    options.summary_interval = 1s;
    AdminServerOptions server_options;
    server_options.max_connections = 4;
    server_options.tick_interval = 50ms;
    auto s = AdminServer::start(workers_.source(),
                                std::make_shared<const config::Config>(std::move(c.value())),
                                clock_, options, {},
                                [this](const std::string&) { lines_.fetch_add(1); },
                                server_options);
    ASSERT_TRUE(s.ok()) << s.error().to_string();
    server_ = std::move(s.value());
  }
  HttpClient connect() {
    auto c = HttpClient::connect(server_->address().port());
    EXPECT_TRUE(c.ok());
    return std::move(c.value());
  }

  core::RealClock clock_;
  testing::FakeWorkers workers_{1};
  std::atomic<int> lines_{0};
  std::unique_ptr<AdminServer> server_;
};

TEST_F(AdminServerTest, BindsAnEphemeralLoopbackPort) {
  EXPECT_NE(server_->address().port(), 0);
  EXPECT_TRUE(server_->address().is_loopback());
}

TEST_F(AdminServerTest, ServesSeveralRequestsOnOneKeepAliveConnection) {
  HttpClient c = connect();
  for (int i = 0; i < 3; ++i) {
    auto r = c.get("/health");
    ASSERT_TRUE(r.complete) << r.error;
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "{\"status\":\"ok\"}\n");
    EXPECT_EQ(r.header("cache-control"), "no-store");
  }
  EXPECT_FALSE(c.server_closed());
}

TEST_F(AdminServerTest, HeadHasTheHeadersButNoBody) {
  HttpClient c = connect();
  ramjet::testing::ReadOptions ro;
  ro.method = http::Method::kHead;
  auto r = c.request(c.make_request("HEAD", "/stats"), ro);
  ASSERT_TRUE(r.complete) << r.error;
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.body.empty());
  EXPECT_NE(r.header("content-length"), std::optional<std::string>("0"));
}

TEST_F(AdminServerTest, MalformedRequestsAreAnsweredAndClosed) {
  HttpClient c = connect();
  auto r = c.request("GET /health HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n"
                     "Transfer-Encoding: chunked\r\n\r\n");
  EXPECT_EQ(r.status, 400);
  EXPECT_TRUE(c.wait_closed(2000ms));
}

TEST_F(AdminServerTest, BodiesOverTheLimitAreRefused) {
  HttpClient c = connect();
  auto r = c.request("POST /cache/purge HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n");
  EXPECT_EQ(r.status, 413);
  EXPECT_TRUE(c.wait_closed(2000ms));
}

TEST_F(AdminServerTest, ConnectionsOverTheLimitGet503) {
  std::vector<HttpClient> held;
  for (int i = 0; i < 4; ++i) {
    held.push_back(connect());
    ASSERT_EQ(held.back().get("/health").status, 200);
  }
  HttpClient extra = connect();
  auto r = extra.read_response();
  EXPECT_EQ(r.status, 503);
  held.pop_back();
}

TEST_F(AdminServerTest, TicksRunOnTheAdminThreadAndLogSummaryLines) {
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (lines_.load() == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_GE(lines_.load(), 1);
}

TEST_F(AdminServerTest, StopClosesIdleConnectionsPromptly) {
  HttpClient c = connect();
  ASSERT_EQ(c.get("/health").status, 200);
  const auto before = std::chrono::steady_clock::now();
  server_->stop();
  EXPECT_LT(std::chrono::steady_clock::now() - before, 2s);
  EXPECT_TRUE(c.wait_closed(2000ms));
  server_->stop();  // idempotent
}

TEST(AdminServerStart, RefusesAnAddressInUse) {
  auto c = config::load_config_string(R"(
admin: {listen: 127.0.0.1:0}
upstreams: {app: {endpoints: [127.0.0.1:9]}}
)",
                                      "test.yaml");
  ASSERT_TRUE(c.ok());
  core::RealClock clock;
  testing::FakeWorkers workers(1);
  auto config = std::make_shared<const config::Config>(std::move(c.value()));
  auto first = AdminServer::start(workers.source(), config, clock, {}, {}, {});
  ASSERT_TRUE(first.ok());
  auto taken = std::make_shared<config::Config>(*config);
  taken->admin.listen.port = first.value()->address().port();
  auto second = AdminServer::start(workers.source(), taken, clock, {}, {}, {});
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.error().to_string().find("admin listener"), std::string::npos);
}

}  // namespace
}  // namespace ramjet::admin
