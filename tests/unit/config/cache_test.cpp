// The response cache's options: the top-level `cache:` block, a route's `cache:` block, their
// errors (FILE:LINE:COL at the key or value at fault), RAMJET_CACHE_* and --no-cache.
#include <gtest/gtest.h>

#include "config/load.hpp"
#include "test_util.hpp"

namespace ramjet::config {
namespace {

using namespace std::chrono_literals;
using testing::kOneUpstream;
using testing::load_error;
using testing::load_ok;
using testing::with_upstream;

constexpr std::uint64_t kMiB = 1024 * 1024;

// Line 1 of the texts below; a route's cache block is on line 4, its value from column 12.
constexpr std::string_view kUp = "upstreams: {app: {endpoints: [127.0.0.1:5000]}}\n";

std::string up(std::string_view rest) { return std::string(kUp) + std::string(rest); }

std::string route_cache(std::string_view block) {
  return up("routes:\n  - upstream: app\n    cache: " + std::string(block) + "\n");
}

RouteCacheOptions load_route_cache(std::string_view block) {
  const Config config = load_ok(route_cache(block));
  return config.routes.empty() ? RouteCacheOptions{} : config.routes[0].cache;
}

TEST(CacheConfig, DefaultsWhenAbsent) {
  const Config config = load_ok(kOneUpstream);
  EXPECT_TRUE(config.cache.enabled);
  EXPECT_EQ(config.cache.mode, CacheMode::kOn);
  EXPECT_EQ(config.cache.max_memory, 256 * kMiB);
  EXPECT_EQ(config.cache.max_object, 8 * kMiB);
  EXPECT_EQ(config.cache.collapse_timeout, 10s);
  ASSERT_EQ(config.routes.size(), 1u);
  const RouteCacheOptions& route = config.routes[0].cache;
  EXPECT_TRUE(route.enabled);
  EXPECT_FALSE(route.mode);
  EXPECT_FALSE(route.ttl);
  EXPECT_EQ(route.ttl_statuses, (std::vector<int>{200, 203, 204, 300, 301, 404}));
  EXPECT_FALSE(route.stale_while_revalidate);
  EXPECT_FALSE(route.stale_if_error);
  EXPECT_EQ(route.refresh_ahead, 0.0);
  EXPECT_FALSE(route.sort_query);
  EXPECT_TRUE(route.drop_query.empty());
  EXPECT_TRUE(route.include_headers.empty());
  EXPECT_EQ(route.body_key, BodyKeyKind::kNone);
  EXPECT_EQ(route.max_body_bytes, 64u * 1024);
  EXPECT_EQ(route.set_cookie, SetCookieMode::kRefuse);
  EXPECT_FALSE(route.store_no_store);
  EXPECT_FALSE(route.store_private);
  EXPECT_FALSE(route.heuristic);
  EXPECT_FALSE(route.max_object);
}

TEST(CacheConfig, EveryGlobalKey) {
  const Config config = load_ok(up("cache:\n  enabled: false\n  mode: shadow\n  max_memory: 1GiB\n"
                                   "  max_object: 16MiB\n  collapse_timeout: 250ms\n"));
  EXPECT_FALSE(config.cache.enabled);
  EXPECT_EQ(config.cache.mode, CacheMode::kShadow);
  EXPECT_EQ(config.cache.max_memory, 1024 * kMiB);
  EXPECT_EQ(config.cache.max_object, 16 * kMiB);
  EXPECT_EQ(config.cache.collapse_timeout, 250ms);
}

TEST(CacheConfig, EmptyBlockKeepsTheDefaults) {
  EXPECT_EQ(load_ok(up("cache:\n")).cache.max_memory, 256 * kMiB);
}

TEST(CacheConfig, SmallMaxMemoryLowersAnUnwrittenMaxObject) {
  const Config config = load_ok(up("cache: {max_memory: 16MiB}\n"));
  EXPECT_EQ(config.cache.max_memory, 16 * kMiB);
  EXPECT_EQ(config.cache.max_object, 4 * kMiB);
}

TEST(CacheConfig, EnumSpellings) {
  EXPECT_STREQ(to_string(CacheMode::kOn), "on");
  EXPECT_STREQ(to_string(CacheMode::kShadow), "shadow");
  EXPECT_STREQ(to_string(SetCookieMode::kRefuse), "refuse");
  EXPECT_STREQ(to_string(SetCookieMode::kStrip), "strip");
  EXPECT_STREQ(to_string(SetCookieMode::kStore), "store");
  EXPECT_STREQ(to_string(BodyKeyKind::kNone), "none");
  EXPECT_STREQ(to_string(BodyKeyKind::kRaw), "body");
  EXPECT_STREQ(to_string(BodyKeyKind::kJson), "json_body");
}

TEST(RouteCache, FalseAndTrueAndEnabled) {
  EXPECT_FALSE(load_route_cache("false").enabled);
  EXPECT_TRUE(load_route_cache("true").enabled);
  EXPECT_FALSE(load_route_cache("{enabled: false}").enabled);
  EXPECT_TRUE(load_route_cache("{enabled: true}").enabled);
  EXPECT_TRUE(load_route_cache("").enabled);  // `cache:` with nothing keeps the defaults
}

TEST(RouteCache, EveryKey) {
  const Config config = load_ok(up(R"(routes:
  - name: search
    match: {path: /search, methods: [POST]}
    upstream: app
    cache:
      enabled: true
      mode: shadow
      ttl: 30s
      ttl_statuses: [200, 404]
      stale_while_revalidate: 10s
      stale_if_error: 5m
      refresh_ahead: 0.8
      sort_query: true
      drop_query: ["utm_*", fbclid, "v?"]
      include_headers: [Accept-Language]
      key: [method, host, path, query, json_body, "header:X-Tenant"]
      max_body_bytes: 1MiB
      set_cookie: strip
      store_no_store: true
      store_private: true
      heuristic: true
      max_object: 2MiB
)"));
  ASSERT_EQ(config.routes.size(), 1u);
  const RouteCacheOptions& c = config.routes[0].cache;
  EXPECT_TRUE(c.enabled);
  EXPECT_EQ(c.mode, std::optional<CacheMode>(CacheMode::kShadow));
  EXPECT_EQ(c.ttl, std::optional<Duration>(30s));
  EXPECT_EQ(c.ttl_statuses, (std::vector<int>{200, 404}));
  EXPECT_EQ(c.stale_while_revalidate, std::optional<Duration>(10s));
  EXPECT_EQ(c.stale_if_error, std::optional<Duration>(5min));
  EXPECT_DOUBLE_EQ(c.refresh_ahead, 0.8);
  EXPECT_TRUE(c.sort_query);
  EXPECT_EQ(c.drop_query, (std::vector<std::string>{"utm_*", "fbclid", "v?"}));
  EXPECT_EQ(c.include_headers, (std::vector<std::string>{"accept-language", "x-tenant"}));
  EXPECT_EQ(c.body_key, BodyKeyKind::kJson);
  EXPECT_EQ(c.max_body_bytes, 1 * kMiB);
  EXPECT_EQ(c.set_cookie, SetCookieMode::kStrip);
  EXPECT_TRUE(c.store_no_store);
  EXPECT_TRUE(c.store_private);
  EXPECT_TRUE(c.heuristic);
  EXPECT_EQ(c.max_object, std::optional<std::uint64_t>(2 * kMiB));
}

TEST(RouteCache, KeyComponents) {
  EXPECT_EQ(load_route_cache("{key: [method, path, body]}").body_key, BodyKeyKind::kRaw);
  EXPECT_EQ(load_route_cache("{key: [json_body]}").body_key, BodyKeyKind::kJson);
  const RouteCacheOptions plain = load_route_cache("{key: [method, host, path, query]}");
  EXPECT_EQ(plain.body_key, BodyKeyKind::kNone);
  EXPECT_TRUE(plain.include_headers.empty());
  // Headers from `key` and from include_headers add up, in order, lower-cased.
  const RouteCacheOptions headers = load_route_cache(
      "{key: [\"header:Accept-Language\", path], include_headers: [X-Tenant, Authorization]}");
  EXPECT_EQ(headers.include_headers,
            (std::vector<std::string>{"accept-language", "x-tenant", "authorization"}));
}

TEST(RouteCache, RefreshAheadAsFractionOrPercent) {
  EXPECT_DOUBLE_EQ(load_route_cache("{refresh_ahead: 0.8}").refresh_ahead, 0.8);
  EXPECT_DOUBLE_EQ(load_route_cache("{refresh_ahead: \"80%\"}").refresh_ahead, 0.8);
  EXPECT_DOUBLE_EQ(load_route_cache("{refresh_ahead: 12.5%}").refresh_ahead, 0.125);
  EXPECT_EQ(load_route_cache("{refresh_ahead: 0}").refresh_ahead, 0.0);
  EXPECT_EQ(load_route_cache("{refresh_ahead: 0%}").refresh_ahead, 0.0);
}

TEST(RouteCache, EmptyTtlStatusesDisablesTtl) {
  EXPECT_TRUE(load_route_cache("{ttl_statuses: []}").ttl_statuses.empty());
}

TEST(RouteCache, EachRouteHasItsOwn) {
  const Config config = load_ok(
      up("routes:\n  - {upstream: app, match: {path: /a}, cache: false}\n"
         "  - {upstream: app, cache: {ttl: 1s}}\n"));
  ASSERT_EQ(config.routes.size(), 2u);
  EXPECT_FALSE(config.routes[0].cache.enabled);
  EXPECT_FALSE(config.routes[0].cache.ttl);
  EXPECT_TRUE(config.routes[1].cache.enabled);
  EXPECT_EQ(config.routes[1].cache.ttl, std::optional<Duration>(1s));
}

TEST(RouteCache, MaxObjectMayEqualTheGlobalOne) {
  EXPECT_EQ(load_route_cache("{max_object: 8MiB}").max_object,
            std::optional<std::uint64_t>(8 * kMiB));
}

TEST(CacheErrors, GlobalBlock) {
  EXPECT_EQ(load_error(up("cache: {mex_memory: 1GiB}\n")),
            "test.yaml:2:9: unknown key 'mex_memory' in 'cache' (did you mean 'max_memory'?)");
  EXPECT_EQ(load_error(up("cache: false\n")),
            "test.yaml:2:8: 'cache' must be a mapping of keys, got a single value");
  EXPECT_EQ(load_error(up("cache: {enabled: no}\n")),
            "test.yaml:2:18: 'cache.enabled' must be true or false, got 'no'");
  EXPECT_EQ(load_error(up("cache: {mode: off}\n")),
            "test.yaml:2:15: 'cache.mode' must be one of on, shadow, got 'off' (to turn the "
            "cache off, write 'enabled: false')");
  EXPECT_EQ(load_error(up("cache: {mode: shadw}\n")),
            "test.yaml:2:15: 'cache.mode' must be one of on, shadow, got 'shadw' (did you mean "
            "'shadow'?)");
  EXPECT_EQ(load_error(up("cache: {max_memory: 512KiB}\n")),
            "test.yaml:2:21: 'cache.max_memory' must be between 1MiB and 1TiB, got '512KiB'");
  EXPECT_EQ(load_error(up("cache: {max_object: 100}\n")),
            "test.yaml:2:21: 'cache.max_object' must be between 1KiB and 256GiB, got '100'");
  EXPECT_EQ(load_error(up("cache: {max_memory: lots}\n")).substr(0, 36),
            "test.yaml:2:21: 'cache.max_memory': ");
  EXPECT_EQ(load_error(up("cache: {collapse_timeout: 0}\n")),
            "test.yaml:2:27: 'cache.collapse_timeout' must be between 1ms and 1d, got '0'");
  const std::string bare = load_error(up("cache: {collapse_timeout: 10}\n"));
  EXPECT_EQ(bare.substr(0, 42), "test.yaml:2:27: 'cache.collapse_timeout': ");
  EXPECT_TRUE(bare.ends_with(", got '10' (did you mean '10s'?)")) << bare;
}

TEST(CacheErrors, MaxObjectAboveAQuarterOfMaxMemory) {
  EXPECT_EQ(load_error(up("cache: {max_memory: 16MiB, max_object: 8MiB}\n")),
            "test.yaml:2:40: 'cache.max_object' (8MiB) must not exceed a quarter of "
            "'cache.max_memory' (16MiB)");
  EXPECT_EQ(load_error(up("cache:\n  max_object: 4MiB\n  max_memory: 16MiB\n")), "OK");
}

TEST(CacheErrors, RouteBlockTypes) {
  EXPECT_EQ(load_error(route_cache("yes")),
            "test.yaml:4:12: 'cache' in a route must be true, false or a mapping of cache keys, "
            "got 'yes'");
  EXPECT_EQ(load_error(route_cache("[ttl]")),
            "test.yaml:4:12: 'cache' in a route must be true, false or a mapping of cache keys, "
            "got a list");
  EXPECT_EQ(load_error(route_cache("{tll: 5s}")),
            "test.yaml:4:13: unknown key 'tll' in a route's 'cache' (did you mean 'ttl'?)");
  EXPECT_EQ(load_error(route_cache("{ttl: 1s, ttl: 2s}")),
            "test.yaml:4:22: duplicate key 'ttl' in 'cache' (first at test.yaml:4:13)");
  EXPECT_EQ(load_error(route_cache("{ttl: [1s]}")),
            "test.yaml:4:18: 'cache.ttl' must be a single value, got a list");
  EXPECT_EQ(load_error(route_cache("{drop_query: utm_*}")),
            "test.yaml:4:25: 'cache.drop_query' must be a list, got a single value");
  EXPECT_EQ(load_error(route_cache("{sort_query: maybe}")),
            "test.yaml:4:25: 'cache.sort_query' must be true or false, got 'maybe'");
  EXPECT_EQ(load_error(route_cache("{mode: off}")),
            "test.yaml:4:19: 'cache.mode' must be one of on, shadow, got 'off' (to turn the "
            "cache off, write 'enabled: false')");
  EXPECT_EQ(load_error(route_cache("{set_cookie: keep}")),
            "test.yaml:4:25: 'cache.set_cookie' must be one of refuse, strip, store, got 'keep'");
}

TEST(CacheErrors, RouteDurationsAndSizes) {
  const std::string bare = load_error(route_cache("{ttl: 5}"));
  EXPECT_EQ(bare.substr(0, 29), "test.yaml:4:18: 'cache.ttl': ");
  EXPECT_TRUE(bare.ends_with(", got '5' (did you mean '5s'?)")) << bare;
  EXPECT_EQ(load_error(route_cache("{ttl: 0}")),
            "test.yaml:4:18: 'cache.ttl' must be between 1ms and 365d, got '0'");
  EXPECT_EQ(load_error(route_cache("{stale_if_error: 400d}")),
            "test.yaml:4:29: 'cache.stale_if_error' must be between 0 and 365d, got '400d'");
  EXPECT_EQ(load_error(route_cache("{stale_while_revalidate: 0}")), "OK");
  EXPECT_EQ(load_error(route_cache("{max_body_bytes: 2GiB}")),
            "test.yaml:4:29: 'cache.max_body_bytes' must be between 0B and 1GiB, got '2GiB'");
  EXPECT_EQ(load_error(route_cache("{max_object: 16MiB}")),
            "test.yaml:4:25: route 'route1': 'cache.max_object' (16MiB) must not exceed the "
            "global 'cache.max_object' (8MiB)");
}

TEST(CacheErrors, RefreshAheadOutOfRange) {
  for (const char* bad : {"1", "1.0", "1.5", "100%", "-0.5", "8e-1", ".5", "5.", "0.5.1", "x",
                          "\"\"", "50%%"}) {
    const std::string text = std::string("{refresh_ahead: ") + bad + "}";
    const std::string got = std::string(bad) == "\"\"" ? "''" : "'" + std::string(bad) + "'";
    EXPECT_EQ(load_error(route_cache(text)),
              "test.yaml:4:28: 'cache.refresh_ahead' must be 0 (off) or a fraction below 1 such "
              "as 0.8 or 80%, got " +
                  got)
        << bad;
  }
}

TEST(CacheErrors, TtlStatuses) {
  EXPECT_EQ(load_error(route_cache("{ttl_statuses: [200, 199]}")),
            "test.yaml:4:33: 'cache.ttl_statuses' must be an integer from 200 to 599, got '199'");
  EXPECT_EQ(load_error(route_cache("{ttl_statuses: [200, 600]}")),
            "test.yaml:4:33: 'cache.ttl_statuses' must be an integer from 200 to 599, got '600'");
  EXPECT_EQ(load_error(route_cache("{ttl_statuses: [200, 200]}")),
            "test.yaml:4:33: status '200' is listed twice in 'cache.ttl_statuses'");
}

TEST(CacheErrors, KeyComponents) {
  EXPECT_EQ(load_error(route_cache("{key: [body, json_body]}")),
            "test.yaml:4:25: 'cache.key' takes at most one of body and json_body");
  EXPECT_EQ(load_error(route_cache("{key: [json_body, json_body]}")),
            "test.yaml:4:30: 'json_body' is listed twice in 'cache.key'");
  EXPECT_EQ(load_error(route_cache("{key: [method, jsonbody]}")),
            "test.yaml:4:27: unknown key component 'jsonbody' in 'cache.key' (did you mean "
            "'json_body'?); use method, host, path, query, body, json_body or header:NAME");
  EXPECT_EQ(load_error(route_cache("{key: [\"header:Bad Name\"]}")),
            "test.yaml:4:19: 'cache.key': 'Bad Name' is not a header name (1 to 256 letters, "
            "digits or !#$%&'*+-.^_`|~)");
  EXPECT_EQ(load_error(route_cache("{key: [\"header:\"]}")),
            "test.yaml:4:19: 'cache.key': '' is not a header name (1 to 256 letters, digits or "
            "!#$%&'*+-.^_`|~)");
  EXPECT_EQ(load_error(route_cache("{key: [{header: Accept}]}")),
            "test.yaml:4:19: each entry of 'cache.key' must be a single value, got a mapping");
}

TEST(CacheErrors, HeadersAndQueryPatterns) {
  EXPECT_EQ(load_error(route_cache("{include_headers: [Accept, accept]}")),
            "test.yaml:4:39: header 'accept' is already part of the cache key");
  EXPECT_EQ(load_error(route_cache("{include_headers: [X-A], key: [\"header:x-a\"]}")),
            "test.yaml:4:43: header 'x-a' is already part of the cache key");
  EXPECT_EQ(load_error(route_cache("{include_headers: [\"a:b\"]}")),
            "test.yaml:4:31: 'cache.include_headers': 'a:b' is not a header name (1 to 256 "
            "letters, digits or !#$%&'*+-.^_`|~)");
  EXPECT_EQ(load_error(route_cache("{drop_query: [\"a=b\"]}")),
            "test.yaml:4:26: 'cache.drop_query': 'a=b' is not a parameter name pattern (1 to 256 "
            "bytes without '&', '=', '#' or spaces; '*' and '?' are wildcards)");
  EXPECT_EQ(load_error(route_cache("{drop_query: [utm_*, utm_*]}")),
            "test.yaml:4:33: 'utm_*' is listed twice in 'cache.drop_query'");
}

TEST(CacheErrors, OtherRouteKeysOfTheDesignAreStillRefused) {
  EXPECT_EQ(load_error(up("routes:\n  - upstream: app\n    rate_limit: {rps: 10}\n")),
            "test.yaml:4:5: 'rate_limit' in a route is not supported yet by this version of "
            "ramjet");
}

TEST(CacheEnvironment, OverridesEveryGlobalKey) {
  const Environment env{
      {"RAMJET_CACHE_ENABLED", "false"},
      {"RAMJET_CACHE_MODE", "shadow"},
      {"RAMJET_CACHE_MAX_MEMORY", "2GiB"},
      {"RAMJET_CACHE_MAX_OBJECT", "32MiB"},
      {"RAMJET_CACHE_COLLAPSE_TIMEOUT", "2s"},
  };
  const Config c = load_ok(with_upstream("cache: {enabled: true, mode: on, max_memory: 64MiB}\n"),
                           env);
  EXPECT_FALSE(c.cache.enabled);
  EXPECT_EQ(c.cache.mode, CacheMode::kShadow);
  EXPECT_EQ(c.cache.max_memory, 2048 * kMiB);
  EXPECT_EQ(c.cache.max_object, 32 * kMiB);
  EXPECT_EQ(c.cache.collapse_timeout, 2s);
}

TEST(CacheEnvironment, ErrorsNameTheVariable) {
  EXPECT_EQ(load_error(kOneUpstream, {{"RAMJET_CACHE_MODE", "bogus"}}),
            "environment variable RAMJET_CACHE_MODE: 'cache.mode' must be one of on, shadow, got "
            "'bogus'");
  EXPECT_EQ(load_error(kOneUpstream, {{"RAMJET_CACHE_MAX_OBJECT", "128MiB"}}),
            "environment variable RAMJET_CACHE_MAX_OBJECT: 'cache.max_object' (128MiB) must not "
            "exceed a quarter of 'cache.max_memory' (256MiB)");
  EXPECT_EQ(load_error(kOneUpstream, {{"RAMJET_CACHE_ENABLE", "false"}}),
            "environment variable RAMJET_CACHE_ENABLE: unknown variable (the RAMJET_ prefix is "
            "reserved for configuration) (did you mean 'RAMJET_CACHE_ENABLED'?)");
}

TEST(CacheEnvironment, MaxMemoryFromTheEnvironmentLowersAnUnwrittenMaxObject) {
  const Config c = load_ok(kOneUpstream, {{"RAMJET_CACHE_MAX_MEMORY", "8MiB"}});
  EXPECT_EQ(c.cache.max_object, 2 * kMiB);
}

TEST(CacheEnvironment, RouteMaxObjectIsCheckedAgainstTheFinalGlobalOne) {
  EXPECT_EQ(load_error(route_cache("{max_object: 4MiB}"), {{"RAMJET_CACHE_MAX_OBJECT", "1MiB"}}),
            "test.yaml:4:25: route 'route1': 'cache.max_object' (4MiB) must not exceed the "
            "global 'cache.max_object' (1MiB)");
}

TEST(CacheFlags, NoCacheWinsOverFileAndEnvironment) {
  CliOverrides cli;
  cli.cache_enabled = false;
  const Config off = load_ok(with_upstream("cache: {enabled: true}\n"),
                             {{"RAMJET_CACHE_ENABLED", "true"}}, cli);
  EXPECT_FALSE(off.cache.enabled);
  cli.cache_enabled = true;
  const Config on = load_ok(with_upstream("cache: {enabled: false}\n"), {}, cli);
  EXPECT_TRUE(on.cache.enabled);
  EXPECT_TRUE(load_ok(kOneUpstream).cache.enabled);  // no flag: left alone
}

TEST(CacheProfiles, MemoryScalesAndTheRestDoesNot) {
  EXPECT_EQ(defaults_for(Profile::kSmall).cache.max_memory, 64 * kMiB);
  EXPECT_EQ(defaults_for(Profile::kMedium).cache.max_memory, 256 * kMiB);
  EXPECT_EQ(defaults_for(Profile::kLarge).cache.max_memory, 1024 * kMiB);
  for (Profile p : {Profile::kSmall, Profile::kMedium, Profile::kLarge}) {
    const CacheOptions cache = defaults_for(p).cache;
    EXPECT_TRUE(cache.enabled);
    EXPECT_EQ(cache.mode, CacheMode::kOn);
    EXPECT_EQ(cache.max_object, 8 * kMiB);
    EXPECT_EQ(cache.collapse_timeout, 10s);
  }
  EXPECT_EQ(load_ok(kOneUpstream, {{"RAMJET_PROFILE", "small"}}).cache.max_memory, 64 * kMiB);
  EXPECT_EQ(load_ok(with_upstream("profile: large\n")).cache.max_memory, 1024 * kMiB);
}

TEST(CacheDescribe, ModeAndMemoryInTheStartupLine) {
  const std::string on = describe(load_ok(kOneUpstream));
  EXPECT_NE(on.find(" cache=on max_memory=256MiB "), std::string::npos) << on;
  const std::string shadow = describe(load_ok(up("cache: {mode: shadow, max_memory: 1GiB}\n")));
  EXPECT_NE(shadow.find(" cache=shadow max_memory=1GiB "), std::string::npos) << shadow;
  const std::string off = describe(load_ok(up("cache: {enabled: false, mode: shadow}\n")));
  EXPECT_NE(off.find(" cache=off max_memory=256MiB "), std::string::npos) << off;
}

TEST(CacheRoundTrip, EveryKeyLoadsBackTheSame) {
  const Config config = load_ok(up(R"(cache: {enabled: false, mode: shadow, max_memory: 100MiB,
        max_object: 3MiB, collapse_timeout: 1500ms}
routes:
  - upstream: app
    cache: {mode: on, ttl: 90s, ttl_statuses: [404, 200], stale_while_revalidate: 0,
            stale_if_error: 1d, refresh_ahead: "33.3%", sort_query: true,
            drop_query: ["utm_*", "a?c"], include_headers: [Accept],
            key: [body, "header:X-Tenant"], max_body_bytes: 0, set_cookie: store,
            store_no_store: true, store_private: true, heuristic: true, max_object: 1MiB}
  - upstream: app
    cache: false
  - upstream: app
)"));
  const std::string yaml = to_yaml_redacted(config);
  const Config again = load_ok(yaml);
  EXPECT_EQ(to_yaml_redacted(again), yaml);
  ASSERT_EQ(again.routes.size(), 3u);
  const RouteCacheOptions& c = again.routes[0].cache;
  EXPECT_EQ(c.refresh_ahead, config.routes[0].cache.refresh_ahead);
  EXPECT_EQ(c.include_headers, (std::vector<std::string>{"accept", "x-tenant"}));
  EXPECT_EQ(c.body_key, BodyKeyKind::kRaw);
  EXPECT_EQ(c.ttl_statuses, (std::vector<int>{404, 200}));
  EXPECT_EQ(c.stale_while_revalidate, std::optional<Duration>(Duration::zero()));
  EXPECT_EQ(c.max_object, std::optional<std::uint64_t>(kMiB));
  EXPECT_FALSE(again.routes[1].cache.enabled);
  EXPECT_FALSE(again.cache.enabled);
  EXPECT_EQ(again.cache.mode, CacheMode::kShadow);
  EXPECT_EQ(again.cache.max_object, 3 * kMiB);
  EXPECT_NE(yaml.find("refresh_ahead: 0.333"), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("key: [body]"), std::string::npos) << yaml;
}

}  // namespace
}  // namespace ramjet::config
