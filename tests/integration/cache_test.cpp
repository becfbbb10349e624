// Integration tests of the response cache: the real ramjet in front of ramjet-origin on
// loopback. Origin request counts (the origin's /__origin/stats) tell hits from misses.
// Timing is asserted only with wide margins against an origin made deliberately slow.

#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "support/assertions.hpp"
#include "support/child_process.hpp"
#include "support/http_client.hpp"
#include "support/origin.hpp"
#include "support/scripted_origin.hpp"
#include "support/temp_file.hpp"

using namespace std::chrono_literals;
using ramjet::testing::ChildProcess;
using ramjet::testing::describe;
using ramjet::testing::HttpClient;
using ramjet::testing::HttpResponse;
using ramjet::testing::Origin;
using ramjet::testing::ReadOptions;
using ramjet::testing::ScriptedOrigin;
using ramjet::testing::TempFile;

namespace {

class CacheTest : public ::testing::Test {
 protected:
  void start_origin(const std::vector<std::string>& args = {}) {
    auto started = ramjet::testing::start_origin(args);
    ASSERT_TRUE(started.ok()) << started.error().to_string();
    origin_.emplace(std::move(started.value()));
  }
  // ramjet in front of the origin; `extra` YAML is appended to a minimal config.
  void start_proxy(const std::string& extra = "", int workers = 2) {
    start_proxy_for(origin_->port, extra, workers);
  }
  void start_proxy_for(std::uint16_t origin_port, const std::string& extra = "",
                       int workers = 2) {
    config_.emplace("listen: 127.0.0.1:0\nworkers: " + std::to_string(workers) +
                        "\nadmin: {listen: 127.0.0.1:0}\nupstreams:\n  app:\n    endpoints: "
                        "[\"127.0.0.1:" +
                        std::to_string(origin_port) + "\"]\n" + extra,
                    ".yaml");
    auto child = ChildProcess::start(
        {std::string(RAMJET_BINARY_DIR) + "/ramjet", "serve", "-c", config_->path()});
    ASSERT_TRUE(child.ok()) << child.error().to_string();
    proxy_.emplace(std::move(child.value()));
    auto port = ramjet::testing::wait_for_listening_port(*proxy_, 10000ms);
    ASSERT_TRUE(port.has_value()) << proxy_->describe();
    port_ = *port;
  }
  std::uint64_t origin_requests() {
    auto s = ramjet::testing::origin_stats(origin_->port);
    EXPECT_TRUE(s.ok());
    return s.ok() ? s.value().requests : 0;
  }
  HttpResponse get(const std::string& target, const ramjet::testing::Headers& headers = {}) {
    auto c = HttpClient::connect(port_);
    EXPECT_TRUE(c.ok());
    return c.ok() ? c.value().get(target, headers) : HttpResponse{};
  }

  std::optional<Origin> origin_;
  std::optional<TempFile> config_;
  std::optional<ChildProcess> proxy_;
  std::uint16_t port_ = 0;
};

TEST_F(CacheTest, FreshResponseIsServedFromTheStoreWithAge) {
  start_origin({"--cache-control", "public, max-age=60"});
  start_proxy();
  HttpResponse first = get("/fresh");
  ASSERT_EQ(first.status, 200) << describe(first);
  EXPECT_EQ(first.header("X-Cache"), "MISS");
  EXPECT_NE(first.header("Cache-Status").value_or("").find("stored"), std::string::npos);
  HttpResponse second = get("/fresh");
  ASSERT_EQ(second.status, 200) << describe(second);
  EXPECT_EQ(second.header("X-Cache"), "HIT");
  EXPECT_TRUE(second.header("Age").has_value());
  EXPECT_EQ(second.body, first.body);
  EXPECT_EQ(origin_requests(), 1u);
}

TEST_F(CacheTest, ConcurrentMissesOfAColdKeyReachTheOriginOnce) {
  start_origin({"--cache-control", "public, max-age=60"});
  start_proxy();
  constexpr int kClients = 500;
  std::vector<HttpClient> clients;
  clients.reserve(kClients);
  for (int i = 0; i < kClients; ++i) {
    auto c = HttpClient::connect(port_);
    ASSERT_TRUE(c.ok()) << "connection " << i << ": " << c.error().to_string();
    clients.push_back(std::move(c.value()));
  }
  for (auto& c : clients) {
    ASSERT_TRUE(c.send(c.make_request("GET", "/cold?latency=500ms")));
  }
  int ok = 0;
  ReadOptions opts;
  opts.timeout = 30s;
  for (auto& c : clients) {
    ok += c.read_response(opts).status == 200 ? 1 : 0;
  }
  EXPECT_EQ(ok, kClients);
  EXPECT_EQ(origin_requests(), 1u);
}

TEST_F(CacheTest, StaleWhileRevalidateAnswersAtOnceWhileTheOriginIsSlow) {
  start_origin({"--cache-control", "public, max-age=1, stale-while-revalidate=60"});
  start_proxy();
  ASSERT_EQ(get("/swr?latency=1500ms").status, 200);
  std::this_thread::sleep_for(1200ms);
  auto start = std::chrono::steady_clock::now();
  HttpResponse stale = get("/swr?latency=1500ms");
  auto took = std::chrono::steady_clock::now() - start;
  ASSERT_EQ(stale.status, 200) << describe(stale);
  EXPECT_EQ(stale.header("X-Cache"), "STALE");
  EXPECT_LT(took, 1000ms) << "a stale hit must not wait for the 1.5 s origin";
  // The background refresh reaches the origin once.
  bool refreshed = false;
  for (int i = 0; i < 100 && !refreshed; ++i) {
    std::this_thread::sleep_for(50ms);
    refreshed = origin_requests() == 2;
  }
  EXPECT_TRUE(refreshed);
}

TEST_F(CacheTest, StaleIfErrorCoversAnOriginThatWentDown) {
  start_origin({"--cache-control", "public, max-age=1, stale-if-error=60"});
  start_proxy();
  HttpResponse first = get("/sie");
  ASSERT_EQ(first.status, 200) << describe(first);
  origin_->process.stop();
  std::this_thread::sleep_for(1200ms);
  HttpResponse r = get("/sie");
  ASSERT_EQ(r.status, 200) << describe(r);
  EXPECT_EQ(r.header("X-Cache"), "STALE");
  EXPECT_NE(r.header("Cache-Status").value_or("").find("stale-if-error"), std::string::npos);
  EXPECT_EQ(r.body, first.body);
}

TEST_F(CacheTest, NoStoreResponsesAreNeverServedToASecondClient) {
  start_origin({"--cache-control", "no-store"});
  start_proxy();
  HttpResponse a = get("/private-data");
  HttpResponse b = get("/private-data");
  EXPECT_EQ(a.status, 200);
  EXPECT_EQ(b.status, 200);
  EXPECT_NE(b.header("X-Cache"), "HIT");
  EXPECT_NE(b.header("Cache-Status").value_or("").find("no-store"), std::string::npos)
      << describe(b);
  EXPECT_EQ(origin_requests(), 2u);
}

TEST_F(CacheTest, VaryKeepsVariantsApart) {
  start_origin({"--cache-control", "public, max-age=60"});
  start_proxy();
  std::string target = "/v?vary=Accept-Encoding";
  EXPECT_EQ(get(target, {{"Accept-Encoding", "gzip"}}).header("X-Cache"), "MISS");
  EXPECT_EQ(get(target, {{"Accept-Encoding", "br"}}).header("X-Cache"), "MISS");
  EXPECT_EQ(get(target, {{"Accept-Encoding", "gzip"}}).header("X-Cache"), "HIT");
  EXPECT_EQ(origin_requests(), 2u);
}

TEST_F(CacheTest, StaleEntryWithEtagIsRevalidated) {
  start_origin({"--cache-control", "public, max-age=1", "--etag"});
  start_proxy();
  HttpResponse first = get("/etag");
  ASSERT_EQ(first.status, 200);
  std::this_thread::sleep_for(1200ms);
  HttpResponse r = get("/etag");
  ASSERT_EQ(r.status, 200) << describe(r);
  EXPECT_EQ(r.header("X-Cache"), "REVALIDATED");
  EXPECT_EQ(r.body, first.body);
  EXPECT_EQ(get("/etag").header("X-Cache"), "HIT");
  EXPECT_EQ(origin_requests(), 2u);  // the 200 and the 304
}

TEST_F(CacheTest, ConditionalRequestsAreAnsweredFromTheStore) {
  start_origin({"--cache-control", "public, max-age=60", "--etag"});
  start_proxy();
  HttpResponse first = get("/cond");
  auto etag = first.header("ETag");
  ASSERT_TRUE(etag.has_value()) << describe(first);
  HttpResponse r = get("/cond", {{"If-None-Match", *etag}});
  EXPECT_EQ(r.status, 304) << describe(r);
  EXPECT_EQ(r.body_bytes, 0u);
  EXPECT_EQ(origin_requests(), 1u);
}

TEST_F(CacheTest, HeadIsAnsweredFromAStoredGet) {
  start_origin({"--cache-control", "public, max-age=60", "--body-size", "4096"});
  start_proxy();
  ASSERT_EQ(get("/h").status, 200);
  ASSERT_CONNECT(c, port_);
  ReadOptions head;
  head.method = ramjet::http::Method::kHead;
  HttpResponse r = c.request(c.make_request("HEAD", "/h"), head);
  EXPECT_EQ(r.status, 200) << describe(r);
  EXPECT_EQ(r.header("X-Cache"), "HIT");
  EXPECT_EQ(r.header("Content-Length"), "4096");
  EXPECT_EQ(r.body_bytes, 0u);
  EXPECT_EQ(origin_requests(), 1u);
}

TEST_F(CacheTest, SuccessfulUnsafeRequestInvalidatesTheTarget) {
  start_origin({"--cache-control", "public, max-age=60"});
  start_proxy();
  ASSERT_EQ(get("/item").status, 200);
  EXPECT_EQ(get("/item").header("X-Cache"), "HIT");
  ASSERT_CONNECT(c, port_);
  HttpResponse post = c.request(c.make_request("POST", "/item", {}, "update"));
  EXPECT_EQ(post.status, 200) << describe(post);
  EXPECT_EQ(get("/item").header("X-Cache"), "MISS");
}

TEST_F(CacheTest, RouteTtlCachesAnApiThatSendsNoCacheHeaders) {
  start_origin();
  start_proxy("routes:\n  - match: {path_prefix: /}\n    upstream: app\n    cache: {ttl: 5m}\n");
  ASSERT_EQ(get("/api/users").status, 200);
  HttpResponse r = get("/api/users");
  EXPECT_EQ(r.header("X-Cache"), "HIT") << describe(r);
  EXPECT_EQ(origin_requests(), 1u);
}

TEST_F(CacheTest, JsonBodyKeyedPostsShareAnEntryAcrossKeyOrderAndSpacing) {
  start_origin();
  start_proxy("routes:\n  - match: {path_prefix: /search, methods: [POST]}\n    upstream: app\n"
              "    cache: {ttl: 5m, key: [method, path, json_body]}\n"
              "  - match: {path_prefix: /}\n    upstream: app\n");
  ASSERT_CONNECT(c, port_);
  HttpResponse a = c.request(c.make_request("POST", "/search", {{"Content-Type", "application/json"}},
                                            R"({"q":"x","k":1})"));
  ASSERT_EQ(a.status, 200) << describe(a);
  EXPECT_EQ(a.header("X-Cache"), "MISS");
  HttpResponse b = c.request(c.make_request("POST", "/search", {{"Content-Type", "application/json"}},
                                            R"({ "k": 1, "q": "x" })"));
  EXPECT_EQ(b.header("X-Cache"), "HIT") << describe(b);
  HttpResponse other = c.request(
      c.make_request("POST", "/search", {{"Content-Type", "application/json"}}, R"({"q":"y"})"));
  EXPECT_EQ(other.header("X-Cache"), "MISS");
  EXPECT_EQ(origin_requests(), 2u);
}

TEST_F(CacheTest, MemoryStaysWithinTheBudgetUnderADistinctKeyFlood) {
  start_origin({"--cache-control", "public, max-age=600", "--body-size", "16KiB"});
  start_proxy("cache: {max_memory: 8MiB, max_object: 1MiB}\n", 1);
  ASSERT_CONNECT(c, port_);
  ASSERT_EQ(c.get("/warm").status, 200);
  auto before = ramjet::testing::read_rss_kib(proxy_->pid());
  ASSERT_TRUE(before.has_value());
  for (int i = 0; i < 3000; ++i) {
    HttpResponse r = c.get("/flood/" + std::to_string(i));
    ASSERT_EQ(r.status, 200) << "request " << i << ": " << describe(r);
  }
  auto after = ramjet::testing::read_rss_kib(proxy_->pid());
  ASSERT_TRUE(after.has_value());
  // 3000 x 16 KiB = 47 MiB went through; the store may hold 8 MiB, plus fixed overhead.
  EXPECT_LT(*after - std::min(*after, *before), 20u * 1024)
      << "RSS grew from " << *before << " KiB to " << *after << " KiB";
}

TEST_F(CacheTest, AResponseIsStoredBeforeTheClientHasReadIt) {
  // A client that reads a response and at once asks again, on a new connection that may
  // land on the other worker, finds it stored: the store happens before the last byte
  // goes out, not after. (The old order lost this race only under scheduling pressure, as
  // on a loaded CI machine; 100 rounds give it room.)
  start_origin({"--cache-control", "public, max-age=60"});
  start_proxy();
  for (int i = 0; i < 100; ++i) {
    std::string target = "/again/" + std::to_string(i);
    HttpResponse first = get(target);
    ASSERT_EQ(first.status, 200) << describe(first);
    HttpResponse second = get(target);
    ASSERT_EQ(second.header("X-Cache"), "HIT") << "key " << i << ": " << describe(second);
  }
}

TEST_F(CacheTest, TheCacheCanBeTurnedOff) {
  start_origin({"--cache-control", "public, max-age=60"});
  start_proxy("cache: {enabled: false}\n");
  EXPECT_EQ(get("/off").status, 200);
  HttpResponse r = get("/off");
  EXPECT_FALSE(r.header("X-Cache").has_value()) << describe(r);
  EXPECT_EQ(origin_requests(), 2u);
}

}  // namespace

namespace {

TEST_F(CacheTest, ShadowModeStoresAndCountsButAlwaysForwards) {
  start_origin({"--cache-control", "public, max-age=60"});
  start_proxy("cache: {mode: shadow}\n");
  HttpResponse a = get("/shadow");
  HttpResponse b = get("/shadow");
  EXPECT_EQ(a.status, 200);
  EXPECT_EQ(b.status, 200);
  EXPECT_FALSE(b.header("X-Cache").has_value()) << describe(b);
  EXPECT_EQ(origin_requests(), 2u);
  // /stats says what the cache would have done: one miss, then one hit.
  auto admin = proxy_->wait_for_line("admin listening on 127\\.0\\.0\\.1:([0-9]+)", 5000ms);
  ASSERT_TRUE(admin.has_value()) << proxy_->describe();
  auto stats_client = HttpClient::connect(
      static_cast<std::uint16_t>(std::stoi(admin->groups.at(1))));
  ASSERT_TRUE(stats_client.ok());
  HttpResponse stats = stats_client.value().get("/stats");
  ASSERT_EQ(stats.status, 200);
  EXPECT_NE(stats.body.find("\"would_hit\":1"), std::string::npos) << stats.body.substr(0, 2000);
  EXPECT_NE(stats.body.find("\"would_miss\":1"), std::string::npos);
}

}  // namespace

namespace {

TEST_F(CacheTest, ConcurrentRequestsAtExpiryRevalidateOnce) {
  start_origin({"--cache-control", "public, max-age=1", "--etag"});
  start_proxy();
  ASSERT_EQ(get("/expiring?latency=300ms").status, 200);
  std::this_thread::sleep_for(1200ms);
  constexpr int kClients = 200;
  std::vector<HttpClient> clients;
  for (int i = 0; i < kClients; ++i) {
    auto c = HttpClient::connect(port_);
    ASSERT_TRUE(c.ok());
    clients.push_back(std::move(c.value()));
  }
  for (auto& c : clients) {
    ASSERT_TRUE(c.send(c.make_request("GET", "/expiring?latency=300ms")));
  }
  int ok = 0;
  for (auto& c : clients) {
    ok += c.read_response().status == 200 ? 1 : 0;
  }
  EXPECT_EQ(ok, kClients);
  EXPECT_EQ(origin_requests(), 2u);  // the first fetch and one revalidation
}

}  // namespace

namespace {

// An origin that stores "v1", then answers the revalidation with a 304 for another
// representation ("v2"), then sends "v2" whole to whoever asks without validators.
std::string answer_with_a_mismatched_not_modified(std::string_view head, std::size_t index,
                                                  std::string_view cache_control) {
  using ramjet::testing::make_response;
  std::string cc = "Cache-Control: " + std::string(cache_control) + "\r\n";
  if (index == 0) {
    return make_response(200, "ETag: \"v1\"\r\n" + cc, "one");
  }
  if (head.find("If-None-Match") != std::string_view::npos) {
    return make_response(304, "ETag: \"v2\"\r\n" + cc);
  }
  return make_response(200, "ETag: \"v2\"\r\n" + cc, "two");
}

TEST_F(CacheTest, ANotModifiedForAnotherRepresentationIsRefetchedWhole) {
  ScriptedOrigin origin([](std::string_view head, std::size_t index) {
    return answer_with_a_mismatched_not_modified(head, index, "max-age=0");
  });
  start_proxy_for(origin.port(), "", 1);
  HttpResponse first = get("/changing");
  ASSERT_EQ(first.body, "one") << describe(first);
  HttpResponse second = get("/changing");
  EXPECT_EQ(second.status, 200) << describe(second);
  EXPECT_EQ(second.body, "two") << describe(second);
  EXPECT_EQ(second.header("ETag"), "\"v2\"");
  std::vector<std::string> seen = origin.requests();
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_NE(seen[1].find("If-None-Match: \"v1\""), std::string::npos) << seen[1];
  EXPECT_EQ(seen[2].find("If-None-Match"), std::string::npos) << seen[2];
  HttpResponse third = get("/changing");  // "two" was stored, and revalidates as "v2"
  EXPECT_EQ(third.body, "two") << describe(third);
}

TEST_F(CacheTest, ABackgroundRefreshRefetchesWholeAfterAMismatchedNotModified) {
  ScriptedOrigin origin([](std::string_view head, std::size_t index) {
    return answer_with_a_mismatched_not_modified(head, index,
                                                 "max-age=0, stale-while-revalidate=60");
  });
  start_proxy_for(origin.port(), "", 1);
  ASSERT_EQ(get("/swr").body, "one");
  HttpResponse stale = get("/swr");  // served at once; the refresh runs behind it
  EXPECT_EQ(stale.body, "one") << describe(stale);
  EXPECT_EQ(stale.header("X-Cache"), "STALE");
  for (int i = 0; i < 100 && origin.requests().size() < 3; ++i) {
    std::this_thread::sleep_for(20ms);
  }
  std::vector<std::string> seen = origin.requests();
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[2].find("If-None-Match"), std::string::npos) << seen[2];
  std::string body;
  for (int i = 0; i < 100 && body != "two"; ++i) {  // the refresh stores "v2" shortly after
    body = get("/swr").body;
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(body, "two");
}

}  // namespace

namespace {

TEST_F(CacheTest, SurrogateControlAddressesRamjetAndStaysBehindIt) {
  ScriptedOrigin origin([](std::string_view, std::size_t) {
    return ramjet::testing::make_response(200,
                                          "Cache-Control: no-store\r\n"
                                          "Surrogate-Control: max-age=600;ramjet\r\n"
                                          "Surrogate-Key: products\r\n",
                                          "for the edge");
  });
  start_proxy_for(origin.port());
  HttpResponse miss = get("/edge");
  ASSERT_EQ(miss.status, 200) << describe(miss);
  HttpResponse hit = get("/edge");
  EXPECT_EQ(hit.header("X-Cache"), "HIT") << "Surrogate-Control max-age beats no-store";
  EXPECT_EQ(hit.body, "for the edge");
  for (const HttpResponse* r : {&miss, &hit}) {
    EXPECT_FALSE(r->header("Surrogate-Control").has_value()) << describe(*r);
    EXPECT_FALSE(r->header("Surrogate-Key").has_value()) << describe(*r);
    EXPECT_EQ(r->header("Cache-Control"), "no-store") << "browsers still get no-store";
  }
  std::vector<std::string> seen = origin.requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_NE(seen[0].find("Surrogate-Capability: ramjet=\"Surrogate/1.0\""), std::string::npos)
      << seen[0];
}

TEST_F(CacheTest, WithTheCacheOffSurrogateFieldsPassThrough) {
  ScriptedOrigin origin([](std::string_view, std::size_t) {
    return ramjet::testing::make_response(
        200, "Surrogate-Control: max-age=600\r\nSurrogate-Key: products\r\n", "x");
  });
  start_proxy_for(origin.port(), "cache: {enabled: false}\n");
  HttpResponse r = get("/edge");
  ASSERT_EQ(r.status, 200) << describe(r);
  EXPECT_EQ(r.header("Surrogate-Control"), "max-age=600") << "not a surrogate: not ours";
  EXPECT_EQ(r.header("Surrogate-Key"), "products");
  ASSERT_EQ(origin.requests().size(), 1u);
  EXPECT_EQ(origin.requests()[0].find("Surrogate-Capability"), std::string::npos);
}

}  // namespace
