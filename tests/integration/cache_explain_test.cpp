// GET /cache/explain on the admin listener of a real ramjet in front of ramjet-origin: what
// it predicts is checked against what the proxy then does (X-Cache of a real request), and
// explaining itself must leave the store's counters alone. The origin's per-request query
// parameters (cc=, etag=1, vary=) choose each response's caching headers.

#include <gtest/gtest.h>

#include <cctype>
#include <chrono>
#include <optional>
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
using ramjet::testing::Origin;
using ramjet::testing::TempFile;

namespace {

// Percent-encodes everything but RFC 3986 unreserved characters.
std::string encode(std::string_view in) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : in) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) != 0 || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 0xF]);
    }
  }
  return out;
}

class CacheExplainEndpoint : public ::testing::Test {
 protected:
  void SetUp() override {
    auto started = ramjet::testing::start_origin();
    ASSERT_TRUE(started.ok()) << started.error().to_string();
    origin_.emplace(std::move(started.value()));
  }

  // ramjet with two routes: /nocache/ without a cache, everything else cached.
  void start_proxy(const std::string& cache = "") {
    config_.emplace("listen: 127.0.0.1:0\nworkers: 2\nadmin: {listen: 127.0.0.1:0}\n"
                    "upstreams:\n  app: {endpoints: [\"127.0.0.1:" +
                        std::to_string(origin_->port) +
                        "\"]}\n"
                        "routes:\n"
                        "  - {name: nocache, match: {path_prefix: /nocache/}, upstream: app, "
                        "cache: false}\n"
                        "  - {name: main, match: {path_prefix: /}, upstream: app}\n" +
                        cache,
                    ".yaml");
    auto child = ChildProcess::start(
        {std::string(RAMJET_BINARY_DIR) + "/ramjet", "serve", "-c", config_->path()});
    ASSERT_TRUE(child.ok()) << child.error().to_string();
    proxy_.emplace(std::move(child.value()));
    auto port = ramjet::testing::wait_for_listening_port(*proxy_, 10000ms);
    ASSERT_TRUE(port.has_value()) << proxy_->describe();
    port_ = *port;
    auto admin = proxy_->wait_for_line(R"(^admin listening on .*:([0-9]+)\s*$)", 10000ms);
    ASSERT_TRUE(admin.has_value()) << proxy_->describe();
    admin_port_ = static_cast<std::uint16_t>(std::stoul(admin->groups[1]));
  }

  HttpResponse get(const std::string& target, const ramjet::testing::Headers& headers = {}) {
    auto c = HttpClient::connect(port_);
    EXPECT_TRUE(c.ok());
    return c.ok() ? c.value().get(target, headers) : HttpResponse{};
  }

  // GET /cache/explain with `query` as given (already encoded).
  HttpResponse explain_raw(const std::string& query, std::string_view method = "GET",
                           const std::string& body = "") {
    auto c = HttpClient::connect(admin_port_);
    EXPECT_TRUE(c.ok());
    if (!c.ok()) {
      return {};
    }
    return c.value().request(
        c.value().make_request(method, "/cache/explain?" + query, {}, body));
  }

  // The explanation of GET `url` with `headers` ("Name: value" each); expects a 200.
  json explain(const std::string& url, const std::vector<std::string>& headers = {}) {
    std::string query = "url=" + encode(url);
    for (const std::string& h : headers) {
      query += "&header=" + encode(h);
    }
    HttpResponse r = explain_raw(query);
    EXPECT_EQ(r.status, 200) << r.body;
    json body = json::parse(r.body, nullptr, false);
    EXPECT_TRUE(body.is_object()) << r.body;
    return body;
  }

  json cache_stats() {
    auto c = HttpClient::connect(admin_port_);
    EXPECT_TRUE(c.ok());
    return c.ok() ? json::parse(c.value().get("/cache/stats").body) : json();
  }

  std::optional<Origin> origin_;
  std::optional<TempFile> config_;
  std::optional<ChildProcess> proxy_;
  std::uint16_t port_ = 0;
  std::uint16_t admin_port_ = 0;
};

TEST_F(CacheExplainEndpoint, MissBeforeTheFirstRequestThenHitWithAgeTtlAndKey) {
  start_proxy();
  const std::string target = "/fresh?cc=public,max-age=60";
  json miss = explain(target);
  EXPECT_EQ(miss["route"], "main");
  EXPECT_EQ(miss["cacheable"], true);
  EXPECT_EQ(miss["verdict"], "MISS");
  EXPECT_EQ(miss["would"], "fetch");
  EXPECT_NE(miss["reason"].get<std::string>().find("no stored response"), std::string::npos)
      << miss.dump();
  EXPECT_TRUE(miss["entry"].is_null());
  const std::string key = "http://127.0.0.1:" + std::to_string(port_) + target;
  EXPECT_EQ(miss["key"], key) << "the default host is the one a local client sends";

  ASSERT_EQ(get(target).header("X-Cache"), "MISS");
  std::this_thread::sleep_for(1100ms);
  json hit = explain(target);
  EXPECT_EQ(hit["verdict"], "HIT") << hit.dump();
  EXPECT_EQ(hit["would"], "serve");
  EXPECT_EQ(hit["key"], key);
  ASSERT_TRUE(hit["entry"].is_object()) << hit.dump();
  EXPECT_GE(hit["entry"]["age_s"].get<int>(), 1);
  EXPECT_LE(hit["entry"]["ttl_left_s"].get<int>(), 59);
  EXPECT_GE(hit["entry"]["ttl_left_s"].get<int>(), 50);
  EXPECT_EQ(hit["entry"]["fresh"], true);
  EXPECT_EQ(hit["entry"]["status"], 200);
  EXPECT_EQ(get(target).header("X-Cache"), "HIT") << "the proxy does what explain said";
}

TEST_F(CacheExplainEndpoint, ExplainingLeavesTheStoreCountersAlone) {
  start_proxy();
  const std::string target = "/counted?cc=max-age=60";
  ASSERT_EQ(get(target).status, 200);
  const json before = cache_stats();
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(explain(target)["verdict"], "HIT");
    EXPECT_EQ(explain("/never-fetched")["verdict"], "MISS");
  }
  const json after = cache_stats();
  EXPECT_EQ(after["hits"], before["hits"]);
  EXPECT_EQ(after["misses"], before["misses"]);
  EXPECT_EQ(after["entries"], before["entries"]);
}

TEST_F(CacheExplainEndpoint, NoStoreResponseLeavesNothingStored) {
  start_proxy();
  const std::string target = "/private?cc=no-store";
  HttpResponse r = get(target);
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(r.header("Cache-Status").value_or("").find("no-store"), std::string::npos);
  json e = explain(target);
  EXPECT_EQ(e["verdict"], "MISS") << e.dump();
  EXPECT_EQ(e["would"], "fetch");
  EXPECT_TRUE(e["entry"].is_null());
  EXPECT_EQ(e["variants"], 0);
  EXPECT_NE(e["reason"].get<std::string>().find("no stored response"), std::string::npos);
}

TEST_F(CacheExplainEndpoint, RequestNoCacheWouldRevalidate) {
  start_proxy();
  const std::string target = "/nc?cc=max-age=60&etag=1";
  ASSERT_EQ(get(target).status, 200);
  json e = explain(target, {"Cache-Control: no-cache"});
  EXPECT_EQ(e["verdict"], "EXPIRED") << e.dump();
  EXPECT_EQ(e["would"], "revalidate");
  EXPECT_NE(e["reason"].get<std::string>().find("no-cache"), std::string::npos) << e.dump();
  EXPECT_EQ(explain(target)["verdict"], "HIT") << "without the header it is a hit";
}

TEST_F(CacheExplainEndpoint, ExpiredEntryWithValidatorsWouldRevalidate) {
  start_proxy();
  const std::string target = "/old?cc=max-age=1&etag=1";
  ASSERT_EQ(get(target).status, 200);
  std::this_thread::sleep_for(2100ms);
  json e = explain(target);
  EXPECT_EQ(e["verdict"], "EXPIRED") << e.dump();
  EXPECT_EQ(e["would"], "revalidate");
  const std::string reason = e["reason"];
  EXPECT_NE(reason.find("stale by"), std::string::npos) << reason;
  EXPECT_NE(reason.find("validators"), std::string::npos) << reason;
  ASSERT_TRUE(e["entry"].is_object());
  EXPECT_EQ(e["entry"]["fresh"], false);
  EXPECT_LT(e["entry"]["ttl_left_s"].get<int>(), 0);
  EXPECT_TRUE(e["entry"]["etag"].is_string());
  EXPECT_EQ(get(target).header("X-Cache"), "REVALIDATED") << "as explained";
}

TEST_F(CacheExplainEndpoint, VaryKeepsVariantsApart) {
  start_proxy();
  const std::string target = "/v?cc=max-age=60&vary=Accept-Encoding";
  ASSERT_EQ(get(target, {{"Accept-Encoding", "gzip"}}).header("X-Cache"), "MISS");
  json gzip = explain(target, {"Accept-Encoding: gzip"});
  EXPECT_EQ(gzip["verdict"], "HIT") << gzip.dump();
  EXPECT_EQ(gzip["entry"]["vary"], "accept-encoding");
  json none = explain(target);
  EXPECT_EQ(none["verdict"], "MISS") << none.dump();
  EXPECT_EQ(none["fwd"], "vary-miss");
  EXPECT_EQ(none["variants"], 1);
  EXPECT_NE(none["reason"].get<std::string>().find("accept-encoding"), std::string::npos);
  EXPECT_EQ(explain(target, {"Accept-Encoding: br"})["verdict"], "MISS");
}

TEST_F(CacheExplainEndpoint, RouteWithTheCacheOffBypasses) {
  start_proxy();
  const std::string target = "/nocache/x?cc=max-age=60";
  ASSERT_EQ(get(target).status, 200);
  json e = explain(target);
  EXPECT_EQ(e["route"], "nocache");
  EXPECT_EQ(e["cacheable"], false);
  EXPECT_EQ(e["would"], "bypass");
  EXPECT_NE(e["reason"].get<std::string>().find("off for route nocache"), std::string::npos)
      << e.dump();
}

TEST_F(CacheExplainEndpoint, ShadowModeSaysItForwardsAnyway) {
  start_proxy("cache: {mode: shadow}\n");
  const std::string target = "/sh?cc=max-age=60";
  ASSERT_EQ(get(target).status, 200);
  json e = explain(target);
  EXPECT_EQ(e["shadow"], true) << e.dump();
  EXPECT_EQ(e["would"], "fetch");
  EXPECT_EQ(e["would_if_live"], "serve");
  EXPECT_NE(e["reason"].get<std::string>().find("shadow mode"), std::string::npos);
}

TEST_F(CacheExplainEndpoint, CacheOffForTheProcessSaysDisabled) {
  start_proxy("cache: {enabled: false}\n");
  HttpResponse r = explain_raw("url=%2Fx");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(json::parse(r.body), json({{"enabled", false}}));
}

TEST_F(CacheExplainEndpoint, BadInputIsA400WithADetail) {
  start_proxy();
  const std::vector<std::string> bad = {
      "",                                       // no url
      "method=GET",                             // still no url
      "url=%2Fa&url=%2Fb",                      // twice
      "url=%2Fa&method=get",                    // lower case
      "url=%2Fa&method=G%28T",                  // not a token
      "url=%2Fa&header=NoColon",                // not Name: value
      "url=%2Fa&header=X-A%3A%201%0D%0AX-B%3A%202",  // CRLF smuggling
      "url=%2Fa&header=Content-Length%3A%203",  // framing is explain's
      "url=relative",                           // neither path nor absolute
      "url=%2Fa%20b",                           // space in the target
      "url=%2Fa&bogus=1",                       // unknown parameter
  };
  for (const std::string& q : bad) {
    HttpResponse r = explain_raw(q);
    EXPECT_EQ(r.status, 400) << q << " -> " << r.body;
    json body = json::parse(r.body, nullptr, false);
    ASSERT_TRUE(body.is_object()) << q << " -> " << r.body;
    EXPECT_EQ(body["error"], "Bad Request") << q;
    EXPECT_FALSE(body["detail"].get<std::string>().empty()) << q;
  }
  EXPECT_EQ(explain_raw("url=%2Fa", "PUT").status, 405);
  EXPECT_EQ(get("/after-bad-input?cc=max-age=60").status, 200) << "the proxy still serves";
}

TEST_F(CacheExplainEndpoint, AbsoluteUrlsAndPostBodiesAreExplainedToo) {
  start_proxy();
  json e = explain("http://example.com/abs?cc=max-age=60");
  EXPECT_EQ(e["host"], "example.com");
  EXPECT_EQ(e["key"], "http://example.com/abs?cc=max-age=60");
  HttpResponse post = explain_raw("url=%2Fq&method=POST", "POST", "{\"a\":1}");
  ASSERT_EQ(post.status, 200) << post.body;
  json p = json::parse(post.body);
  EXPECT_EQ(p["would"], "bypass") << "POST on a route not keyed on the body";
  EXPECT_NE(p["reason"].get<std::string>().find("purges"), std::string::npos) << p.dump();
}

}  // namespace
