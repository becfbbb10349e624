// GET|POST /cache/explain's HTTP surface: the query it decodes, the JSON it answers and how
// the handler routes it. The decision itself is tested in tests/unit/proxy.

#include "admin/cache_explain.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "config/load.hpp"
#include "fake_stats.hpp"
#include "proxy/server.hpp"

namespace ramjet::admin {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

TEST(ExplainQuery, DecodesUrlMethodAndRepeatedHeaders) {
  auto r = parse_explain_query(
      "url=%2Fapi%2Fx%3Fa%3D1%26b%3D2&method=POST&header=Accept-Encoding%3A+gzip"
      "&header=Cache-Control:%20no-cache&&",
      "{}");
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->url, "/api/x?a=1&b=2");
  EXPECT_EQ(r->method, "POST");
  ASSERT_EQ(r->headers.size(), 2u);
  EXPECT_EQ(r->headers[0].first, "Accept-Encoding");
  EXPECT_EQ(r->headers[0].second, "gzip");
  EXPECT_EQ(r->headers[1].first, "Cache-Control");
  EXPECT_EQ(r->headers[1].second, "no-cache");
  EXPECT_EQ(r->body, "{}");
}

TEST(ExplainQuery, MethodDefaultsToGet) {
  auto r = parse_explain_query("url=/x", "");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->method, "GET");
  EXPECT_TRUE(r->headers.empty());
}

TEST(ExplainQuery, RefusesWhatItCannotRead) {
  EXPECT_FALSE(parse_explain_query("", "").ok()) << "url is required";
  EXPECT_FALSE(parse_explain_query("url=", "").ok());
  EXPECT_FALSE(parse_explain_query("method=GET", "").ok());
  EXPECT_FALSE(parse_explain_query("url=/a&url=/b", "").ok());
  EXPECT_FALSE(parse_explain_query("url=/a&method=GET&method=PUT", "").ok());
  EXPECT_FALSE(parse_explain_query("url=/a&verbose=1", "").ok());
  EXPECT_FALSE(parse_explain_query("url=/a%2", "").ok());
  EXPECT_FALSE(parse_explain_query("url=/a%zz", "").ok());
  EXPECT_FALSE(parse_explain_query("url=/a&header=NoColon", "").ok());
  auto missing = parse_explain_query("", "");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().to_string().find("url"), std::string::npos);
}

constexpr std::string_view kConfig = R"(
upstreams:
  app: {endpoints: [127.0.0.1:9]}
routes:
  - {name: api, match: {path_prefix: /api}, upstream: app}
)";

TEST(ExplainJson, CarriesTheVerdictKeyAndEntry) {
  auto loaded = config::load_config_string(kConfig, "test.yaml");
  ASSERT_TRUE(loaded.ok());
  const config::Config& config = loaded.value();
  auto policies = proxy::build_cache_policies(config);
  ASSERT_TRUE(policies.ok());
  core::ManualClock clock;
  auto store = cache::Store::create(proxy::make_store_options(config.cache), clock);
  ASSERT_TRUE(store.ok());
  const proxy::ExplainContext ctx{&config, policies.value().get(), store.value().get(),
                                  "h:80"};

  auto request = parse_explain_query("url=/api/x", "");
  ASSERT_TRUE(request.ok());
  auto miss = proxy::explain_request(ctx, request.value(), clock.now());
  ASSERT_TRUE(miss.ok());
  json m = json::parse(explanation_json(request.value(), miss.value()));
  EXPECT_EQ(m["url"], "/api/x");
  EXPECT_EQ(m["method"], "GET");
  EXPECT_EQ(m["route"], "api");
  EXPECT_EQ(m["cacheable"], true);
  EXPECT_EQ(m["key"], "http://h/api/x");
  EXPECT_EQ(m["verdict"], "MISS");
  EXPECT_EQ(m["would"], "fetch");
  EXPECT_EQ(m["fwd"], "uri-miss");
  EXPECT_TRUE(m["entry"].is_null());
  EXPECT_FALSE(m.contains("status"));

  cache::CacheKey key;
  key.bytes = "http://h/api/x";
  key.url_size = key.bytes.size();
  key.rehash();
  http::Header fields[] = {{"Cache-Control", "max-age=60"}, {"ETag", "\"v1\""}};
  const cache::ExchangeTimes times{clock.wall_now(), clock.wall_now(), clock.now()};
  const cache::CachePolicy& policy = *(*policies.value())[0];
  store.value()->insert(key, {}, cache::CachedResponse::create(200, fields, "body", times,
                                                               policy));
  clock.advance(5s);
  auto hit = proxy::explain_request(ctx, request.value(), clock.now());
  ASSERT_TRUE(hit.ok());
  json h = json::parse(explanation_json(request.value(), hit.value()));
  EXPECT_EQ(h["verdict"], "HIT");
  EXPECT_EQ(h["would"], "serve");
  const json& entry = h["entry"];
  ASSERT_TRUE(entry.is_object()) << h.dump();
  EXPECT_EQ(entry["status"], 200);
  EXPECT_EQ(entry["bytes"], 4);
  EXPECT_EQ(entry["age_s"], 5);
  EXPECT_EQ(entry["ttl_left_s"], 55);
  EXPECT_EQ(entry["fresh"], true);
  EXPECT_EQ(entry["etag"], "\"v1\"");
  EXPECT_TRUE(entry["last_modified"].is_null());
  EXPECT_TRUE(entry["vary"].is_null());
  EXPECT_EQ(entry["lifetime_source"], cache::to_string(cache::LifetimeSource::kMaxAge));
  EXPECT_EQ(entry["stored_at"], "2023-11-14T22:13:20Z");  // ManualClock's wall start

  auto none = parse_explain_query("url=/elsewhere", "");
  ASSERT_TRUE(none.ok());
  auto rejected = proxy::explain_request(ctx, none.value(), clock.now());
  ASSERT_TRUE(rejected.ok());
  json r = json::parse(explanation_json(none.value(), rejected.value()));
  EXPECT_EQ(r["would"], "reject");
  EXPECT_EQ(r["status"], 404);
  EXPECT_TRUE(r["verdict"].is_null());
  EXPECT_TRUE(r["route"].is_null());
}

class ExplainRouting : public ::testing::Test {
 protected:
  std::unique_ptr<AdminHandler> make_handler(AdminHooks hooks) {
    auto loaded = config::load_config_string(
        "admin: {listen: 127.0.0.1:0, token: s3cret}\n" + std::string(kConfig), "test.yaml");
    EXPECT_TRUE(loaded.ok());
    workers_.route(0, "api");
    workers_.upstream(0, "app");
    return std::make_unique<AdminHandler>(
        workers_.source(), std::make_shared<const config::Config>(std::move(loaded.value())),
        clock_, AdminHandlerOptions{}, std::move(hooks));
  }
  core::ManualClock clock_;
  testing::FakeWorkers workers_{1};
};

TEST_F(ExplainRouting, WithoutACacheItSaysDisabled) {
  auto handler = make_handler({});
  AdminResponse r = handler->handle({"GET", "/cache/explain", "url=/api", {}, {}});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(json::parse(r.body), json({{"enabled", false}}));
}

TEST_F(ExplainRouting, GetAndPostReachTheHookWithoutATokenOtherMethodsAre405) {
  AdminHooks hooks;
  std::string seen;
  hooks.cache_explain = [&seen](const AdminRequest& request) {
    seen = std::string(request.method) + " " + std::string(request.query) + " " +
           std::string(request.body);
    return AdminResponse{200, "application/json", "{}\n", {}};
  };
  auto handler = make_handler(std::move(hooks));
  EXPECT_EQ(handler->handle({"GET", "/cache/explain", "url=/a", {}, {}}).status, 200);
  EXPECT_EQ(seen, "GET url=/a ");
  EXPECT_EQ(handler->handle({"POST", "/cache/explain", "url=/a", {}, "{}"}).status, 200)
      << "explaining changes nothing: no token needed";
  EXPECT_EQ(seen, "POST url=/a {}");
  EXPECT_EQ(handler->handle({"HEAD", "/cache/explain", "url=/a", {}, {}}).status, 200);
  AdminResponse put = handler->handle({"PUT", "/cache/explain", "url=/a", {}, {}});
  EXPECT_EQ(put.status, 405);
  ASSERT_EQ(put.headers.size(), 1u);
  EXPECT_EQ(put.headers[0].second, "GET, HEAD, POST");
}

}  // namespace
}  // namespace ramjet::admin
