// /cache/explain's decision (proxy/cache_explain.hpp) over a hand-filled store and a
// ManualClock: the same route matching, policies and consult_cache decision as the request
// path, with nothing recorded in the store.

#include "proxy/cache_explain.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "config/load.hpp"
#include "proxy/server.hpp"

namespace ramjet::proxy {
namespace {

using namespace std::chrono_literals;

constexpr std::string_view kConfig = R"(
upstreams:
  app: {endpoints: [127.0.0.1:9]}
routes:
  - {name: nocache, match: {path_prefix: /off}, upstream: app, cache: false}
  - {name: shadow, match: {path_prefix: /shadow}, upstream: app, cache: {mode: shadow}}
  - name: search
    match: {path: /search, methods: [POST]}
    upstream: app
    cache: {ttl: 30s, key: [method, path, json_body]}
  - {name: api, match: {path_prefix: /api}, upstream: app}
)";

constexpr std::string_view kHost = "127.0.0.1:8080";

// A request head parsed from text, with the storage its views point into.
struct ParsedRequest {
  explicit ParsedRequest(std::string text) : raw(std::move(text)), fields(32) {
    http::ParseResult r = http::parse_request(raw, http::ParseLimits{}, fields, head);
    EXPECT_EQ(r.status, http::ParseStatus::kComplete) << raw;
  }
  std::string raw;
  std::vector<http::Header> fields;
  http::RequestHead head;
};

class CacheExplainTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto loaded = config::load_config_string(kConfig, "test.yaml");
    ASSERT_TRUE(loaded.ok()) << loaded.error().to_string();
    config_ = std::make_shared<const config::Config>(std::move(loaded.value()));
    auto policies = build_cache_policies(*config_);
    ASSERT_TRUE(policies.ok()) << policies.error().to_string();
    policies_ = policies.value();
    auto store = cache::Store::create(make_store_options(config_->cache), clock_);
    ASSERT_TRUE(store.ok());
    store_ = std::move(store.value());
  }

  const cache::CachePolicy& policy_of(std::string_view route) const {
    for (std::size_t i = 0; i < config_->routes.size(); ++i) {
      if (config_->routes[i].name == route) {
        return *(*policies_)[i];
      }
    }
    ADD_FAILURE() << "no route " << route;
    return *policies_->back();
  }

  // Stores the response `response_headers` for GET `target` (with `request_headers` lines).
  void store_response(std::string_view route, const std::string& target,
                      const std::vector<std::pair<std::string, std::string>>& response_headers,
                      const std::string& request_headers = "") {
    ParsedRequest req("GET " + target + " HTTP/1.1\r\nHost: " + std::string(kHost) + "\r\n" +
                      request_headers + "\r\n");
    const cache::CachePolicy& policy = policy_of(route);
    cache::CacheKey key;
    ASSERT_EQ(cache::build_key(cache::RequestView::from(req.head, "http"), policy.key, key),
              cache::KeyError::kNone);
    std::vector<http::Header> fields;
    for (const auto& [name, value] : response_headers) {
      fields.push_back(http::Header{name, value});
    }
    const cache::ExchangeTimes times{clock_.wall_now(), clock_.wall_now(), clock_.now()};
    auto entry = cache::CachedResponse::create(200, fields, "hello", times, policy);
    ASSERT_NE(store_->insert(key, req.head.headers, entry), cache::InsertStatus::kTooLarge);
  }

  CacheExplanation explain(ExplainRequest request) {
    auto e = explain_request(context(), request, clock_.now());
    EXPECT_TRUE(e.ok()) << e.error().to_string();
    return e.ok() ? e.value() : CacheExplanation{};
  }
  core::Result<CacheExplanation> try_explain(ExplainRequest request) {
    return explain_request(context(), request, clock_.now());
  }
  ExplainContext context() const {
    return ExplainContext{config_.get(), policies_.get(), store_.get(), std::string(kHost)};
  }

  core::ManualClock clock_;
  std::shared_ptr<const config::Config> config_;
  std::shared_ptr<const Runtime::CachePolicies> policies_;
  std::unique_ptr<cache::Store> store_;
};

ExplainRequest get(std::string url,
                   std::vector<std::pair<std::string, std::string>> headers = {}) {
  ExplainRequest r;
  r.url = std::move(url);
  r.headers = std::move(headers);
  return r;
}

TEST_F(CacheExplainTest, NothingStoredIsAMissThatWouldFetch) {
  CacheExplanation e = explain(get("/api/x?a=1"));
  EXPECT_EQ(e.route, "api");
  EXPECT_EQ(e.host, kHost);
  EXPECT_TRUE(e.route_caches);
  EXPECT_EQ(e.front.label, CacheLabel::kMiss);
  EXPECT_EQ(e.action, ExplainAction::kFetch);
  EXPECT_EQ(e.key, "http://127.0.0.1:8080/api/x?a=1");
  EXPECT_NE(e.reason.find("no stored response"), std::string::npos) << e.reason;
  EXPECT_EQ(e.front.entry, nullptr);
}

TEST_F(CacheExplainTest, FreshEntryIsAHitWithItsAgeAndTimeLeft) {
  store_response("api", "/api/x", {{"Cache-Control", "max-age=60"}});
  clock_.advance(10s);
  CacheExplanation e = explain(get("/api/x"));
  EXPECT_EQ(e.front.label, CacheLabel::kHit);
  EXPECT_EQ(e.action, ExplainAction::kServe);
  ASSERT_NE(e.front.entry, nullptr);
  EXPECT_EQ(e.age_s, 10);
  EXPECT_EQ(e.ttl_left_s, 50);
  EXPECT_TRUE(e.fresh);
  EXPECT_EQ(e.variants, 1u);
  EXPECT_NE(e.reason.find("fresh for another 50s"), std::string::npos) << e.reason;
}

TEST_F(CacheExplainTest, AbsoluteUrlsCarryTheirOwnHost) {
  store_response("api", "/api/x", {{"Cache-Control", "max-age=60"}});
  EXPECT_EQ(explain(get("http://127.0.0.1:8080/api/x")).front.label, CacheLabel::kHit);
  CacheExplanation other = explain(get("http://example.com/api/x"));
  EXPECT_EQ(other.host, "example.com");
  EXPECT_EQ(other.front.label, CacheLabel::kMiss);
  EXPECT_EQ(explain(get("/api/x", {{"Host", "example.com"}})).key, "http://example.com/api/x");
}

TEST_F(CacheExplainTest, ExplainingRecordsNothingInTheStore) {
  store_response("api", "/api/x", {{"Cache-Control", "max-age=1"}});
  const cache::StoreStats before = store_->stats();
  explain(get("/api/x"));
  explain(get("/api/missing"));
  clock_.advance(1h);  // long past retention: peek reports it, the store keeps it
  EXPECT_EQ(explain(get("/api/x")).front.lookup, cache::LookupStatus::kExpired);
  const cache::StoreStats after = store_->stats();
  EXPECT_EQ(after.hits, before.hits);
  EXPECT_EQ(after.misses, before.misses);
  EXPECT_EQ(after.entries, before.entries);
  EXPECT_EQ(after.expired, before.expired);
}

TEST_F(CacheExplainTest, RequestNoCacheRevalidatesAnEntryWithValidators) {
  store_response("api", "/api/v", {{"Cache-Control", "max-age=60"}, {"ETag", "\"v1\""}});
  store_response("api", "/api/n", {{"Cache-Control", "max-age=60"}});
  CacheExplanation v = explain(get("/api/v", {{"Cache-Control", "no-cache"}}));
  EXPECT_EQ(v.front.label, CacheLabel::kExpired);
  EXPECT_EQ(v.action, ExplainAction::kRevalidate);
  EXPECT_NE(v.reason.find("no-cache"), std::string::npos) << v.reason;
  CacheExplanation n = explain(get("/api/n", {{"Cache-Control", "no-cache"}}));
  EXPECT_EQ(n.action, ExplainAction::kFetch) << "no validators: a full fetch";
  EXPECT_NE(n.reason.find("no validators"), std::string::npos) << n.reason;
}

TEST_F(CacheExplainTest, StaleEntryWithAnEtagWouldBeRevalidated) {
  store_response("api", "/api/e", {{"Cache-Control", "max-age=1"}, {"ETag", "\"e\""}});
  clock_.advance(13s);
  CacheExplanation e = explain(get("/api/e"));
  EXPECT_EQ(e.front.label, CacheLabel::kExpired);
  EXPECT_EQ(e.action, ExplainAction::kRevalidate);
  EXPECT_FALSE(e.fresh);
  EXPECT_EQ(e.ttl_left_s, -12);
  EXPECT_NE(e.reason.find("stale by 12s"), std::string::npos) << e.reason;
  EXPECT_NE(e.reason.find("would revalidate"), std::string::npos) << e.reason;
}

TEST_F(CacheExplainTest, StaleWhileRevalidateServesAndRefreshes) {
  store_response("api", "/api/s", {{"Cache-Control", "max-age=1, stale-while-revalidate=60"}});
  clock_.advance(5s);
  CacheExplanation e = explain(get("/api/s"));
  EXPECT_EQ(e.front.label, CacheLabel::kStale);
  EXPECT_EQ(e.action, ExplainAction::kServeAndRefresh);
}

TEST_F(CacheExplainTest, VaryKeepsVariantsApart) {
  store_response("api", "/api/vary",
                 {{"Cache-Control", "max-age=60"}, {"Vary", "Accept-Encoding"}},
                 "Accept-Encoding: gzip\r\n");
  EXPECT_EQ(explain(get("/api/vary", {{"Accept-Encoding", "gzip"}})).front.label,
            CacheLabel::kHit);
  CacheExplanation br = explain(get("/api/vary", {{"Accept-Encoding", "br"}}));
  EXPECT_EQ(br.front.label, CacheLabel::kMiss);
  EXPECT_EQ(br.front.lookup, cache::LookupStatus::kVariantMiss);
  EXPECT_EQ(std::string_view(br.front.fwd), "vary-miss");
  EXPECT_NE(br.reason.find("accept-encoding"), std::string::npos) << br.reason;
  EXPECT_EQ(br.variants, 1u);
}

TEST_F(CacheExplainTest, OnlyIfCachedOnAMissWouldAnswer504) {
  CacheExplanation e = explain(get("/api/none", {{"Cache-Control", "only-if-cached"}}));
  EXPECT_EQ(e.action, ExplainAction::kOnlyIfCached);
  EXPECT_NE(e.reason.find("504"), std::string::npos) << e.reason;
}

TEST_F(CacheExplainTest, RouteWithoutCacheBypasses) {
  CacheExplanation e = explain(get("/off/x"));
  EXPECT_EQ(e.route, "nocache");
  EXPECT_FALSE(e.route_caches);
  EXPECT_EQ(e.action, ExplainAction::kBypass);
  EXPECT_NE(e.reason.find("off for route nocache"), std::string::npos) << e.reason;
}

TEST_F(CacheExplainTest, UnsafeMethodsInvalidateAndAreNotLookedUp) {
  ExplainRequest del = get("/api/x");
  del.method = "DELETE";
  CacheExplanation e = explain(del);
  EXPECT_EQ(e.action, ExplainAction::kBypass);
  EXPECT_TRUE(e.front.invalidate);
  EXPECT_TRUE(e.key.empty());
  EXPECT_NE(e.reason.find("purges"), std::string::npos) << e.reason;
}

TEST_F(CacheExplainTest, ShadowRoutesAlwaysForwardButSayWhatALiveCacheWouldDo) {
  store_response("shadow", "/shadow/x", {{"Cache-Control", "max-age=60"}});
  CacheExplanation e = explain(get("/shadow/x"));
  EXPECT_TRUE(e.shadow);
  EXPECT_EQ(e.action, ExplainAction::kFetch);
  EXPECT_EQ(e.live_action, ExplainAction::kServe);
  EXPECT_NE(e.reason.find("shadow mode"), std::string::npos) << e.reason;
}

TEST_F(CacheExplainTest, BodyKeyedRoutesKeyOnTheCanonicalJson) {
  ExplainRequest a;
  a.method = "POST";
  a.url = "/search";
  a.body = R"({"b": 2, "a": 1})";
  CacheExplanation e = explain(a);
  EXPECT_EQ(e.route, "search");
  EXPECT_EQ(e.action, ExplainAction::kFetch);
  EXPECT_EQ(e.canonical_body, R"({"a":1,"b":2})");
  EXPECT_NE(e.key.find("POST"), std::string::npos) << e.key;
  ExplainRequest b = a;
  b.body = R"({"a":1,"b":2})";
  EXPECT_EQ(explain(b).key, e.key) << "key order and spaces do not matter";
  b.body = "{not json";
  CacheExplanation bad = explain(b);
  EXPECT_EQ(bad.action, ExplainAction::kBypass);
  EXPECT_NE(bad.reason.find("not valid JSON"), std::string::npos) << bad.reason;
}

TEST_F(CacheExplainTest, RequestsTheSessionRefusesBeforeTheCacheAreRejects) {
  CacheExplanation none = explain(get("/nowhere"));
  EXPECT_EQ(none.action, ExplainAction::kReject);
  EXPECT_EQ(none.reject_status, 404);
  EXPECT_TRUE(none.route.empty());
  ExplainRequest get_search = get("/search");  // the route takes POST only
  EXPECT_EQ(explain(get_search).reject_status, 404);
}

TEST_F(CacheExplainTest, MalformedDescriptionsAreErrors) {
  EXPECT_FALSE(try_explain(get("")).ok());
  EXPECT_FALSE(try_explain(get("api/x")).ok()) << "neither a path nor absolute";
  EXPECT_FALSE(try_explain(get("/api/a b")).ok());
  EXPECT_FALSE(try_explain(get("/api/x\r\nX-Evil: 1")).ok());
  EXPECT_FALSE(try_explain(get("/api/x", {{"X-A", "1\r\nContent-Length: 5"}})).ok());
  EXPECT_FALSE(try_explain(get("/api/x", {{"", "v"}})).ok());
  EXPECT_FALSE(try_explain(get("/api/x", {{"Bad Name", "v"}})).ok()) << "parser: not a token";
  EXPECT_FALSE(try_explain(get("/api/x", {{"Content-Length", "3"}})).ok());
  EXPECT_FALSE(try_explain(get("/api/x", {{"Transfer-Encoding", "chunked"}})).ok());
  ExplainRequest lower = get("/api/x");
  lower.method = "get";
  EXPECT_FALSE(try_explain(lower).ok());
  ExplainRequest spaced = get("/api/x");
  spaced.method = "G T";
  EXPECT_FALSE(try_explain(spaced).ok());
  ExplainRequest bad_method = get("/api/x");
  bad_method.method = "GE(T";
  auto r = try_explain(bad_method);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().to_string().find("400"), std::string::npos) << r.error().to_string();
}

TEST(DefaultExplainHost, WildcardListenersAreReachedOnLoopback) {
  auto v4 = net::Address::resolve("0.0.0.0", 8080);
  ASSERT_TRUE(v4.ok());
  EXPECT_EQ(default_explain_host(v4.value()), "127.0.0.1:8080");
  auto local = net::Address::resolve("127.0.0.2", 81);
  ASSERT_TRUE(local.ok());
  EXPECT_EQ(default_explain_host(local.value()), "127.0.0.2:81");
}

}  // namespace
}  // namespace ramjet::proxy
