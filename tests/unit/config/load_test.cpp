// Every key of the file is read into the Config it names.
#include "config/load.hpp"

#include <gtest/gtest.h>

#include "test_util.hpp"

namespace ramjet::config {
namespace {

using namespace std::chrono_literals;
using testing::kOneUpstream;
using testing::load_ok;
using testing::with_upstream;

TEST(LoadConfig, MinimalFileGetsMediumDefaultsAndADefaultRoute) {
  const Config config = load_ok(kOneUpstream);
  EXPECT_EQ(config.profile, Profile::kMedium);
  EXPECT_EQ(config.listen, (HostPort{"0.0.0.0", 8080}));
  EXPECT_EQ(config.workers, 0u);
  EXPECT_EQ(config.admin.listen, (HostPort{"127.0.0.1", 9901}));
  EXPECT_TRUE(config.admin.token.empty());
  ASSERT_EQ(config.routes.size(), 1u);
  EXPECT_EQ(config.routes[0].name, "default");
  EXPECT_EQ(config.routes[0].match.kind, MatchKind::kPathPrefix);
  EXPECT_EQ(config.routes[0].match.path, "/");
  EXPECT_EQ(config.routes[0].upstream, "app");
  EXPECT_EQ(config.routes[0].upstream_index, 0u);
  EXPECT_EQ(config.source, "test.yaml");
}

TEST(LoadConfig, TopLevelScalars) {
  const Config config =
      load_ok(with_upstream("profile: large\nlisten: 127.0.0.1:9000\nworkers: 3\n"));
  EXPECT_EQ(config.profile, Profile::kLarge);
  EXPECT_EQ(config.listen, (HostPort{"127.0.0.1", 9000}));
  EXPECT_EQ(config.workers, 3u);
}

TEST(LoadConfig, ListenForms) {
  EXPECT_EQ(load_ok(with_upstream("listen: :8081\n")).listen, (HostPort{"0.0.0.0", 8081}));
  EXPECT_EQ(load_ok(with_upstream("listen: \"[::1]:8082\"\n")).listen, (HostPort{"::1", 8082}));
  EXPECT_EQ(load_ok(with_upstream("listen: LocalHost:0\n")).listen, (HostPort{"localhost", 0}));
}

TEST(LoadConfig, WorkersAutoIsZero) {
  EXPECT_EQ(load_ok(with_upstream("workers: auto\n")).workers, 0u);
  EXPECT_EQ(load_ok(with_upstream("workers: 0\n")).workers, 0u);
}

TEST(LoadConfig, Admin) {
  const Config config =
      load_ok(with_upstream("admin:\n  listen: 0.0.0.0:9902\n  token: s3cret-token\n"));
  EXPECT_EQ(config.admin.listen, (HostPort{"0.0.0.0", 9902}));
  EXPECT_EQ(config.admin.token, "s3cret-token");
}

TEST(LoadConfig, UpstreamWithEveryKey) {
  const Config config = load_ok(R"(
upstreams:
  api:
    endpoints: [127.0.0.1:5000, "http://App.internal:5001/", http://backend]
    pool: {max_idle: 8, idle_ttl: 2500ms, max_total: 32}
    host_rewrite: api.example.com
    balance: round_robin
)");
  ASSERT_EQ(config.upstreams.size(), 1u);
  const UpstreamOptions& api = config.upstreams[0];
  EXPECT_EQ(api.name, "api");
  ASSERT_EQ(api.endpoints.size(), 3u);
  EXPECT_EQ(api.endpoints[0], (HostPort{"127.0.0.1", 5000}));
  EXPECT_EQ(api.endpoints[1], (HostPort{"app.internal", 5001}));
  EXPECT_EQ(api.endpoints[2], (HostPort{"backend", 80}));
  EXPECT_EQ(api.pool.max_idle, 8u);
  EXPECT_EQ(api.pool.idle_ttl, 2500ms);
  EXPECT_EQ(api.pool.max_total, 32u);
  EXPECT_EQ(api.host_rewrite, "api.example.com");
  EXPECT_EQ(api.balance, Balance::kRoundRobin);
  EXPECT_EQ(config.find_upstream("api"), &api);
  EXPECT_EQ(config.find_upstream("nope"), nullptr);
}

TEST(LoadConfig, UpstreamPoolKeysDefaultIndividually) {
  const Config config =
      load_ok("upstreams: {a: {endpoints: [h:1], pool: {max_idle: 2}}}\nprofile: small\n");
  EXPECT_EQ(config.upstreams[0].pool.max_idle, 2u);
  EXPECT_EQ(config.upstreams[0].pool.idle_ttl, default_pool(Profile::kSmall).idle_ttl);
  EXPECT_EQ(config.upstreams[0].pool.max_total, default_pool(Profile::kSmall).max_total);
  EXPECT_FALSE(config.upstreams[0].host_rewrite.has_value());
}

TEST(LoadConfig, UpstreamsKeepFileOrder) {
  const Config config = load_ok(R"(
upstreams:
  zeta: {endpoints: [z:1]}
  alpha: {endpoints: [a:1]}
routes:
  - {match: {path_prefix: /a}, upstream: alpha}
  - {upstream: zeta}
)");
  ASSERT_EQ(config.upstreams.size(), 2u);
  EXPECT_EQ(config.upstreams[0].name, "zeta");
  EXPECT_EQ(config.upstreams[1].name, "alpha");
  EXPECT_EQ(config.routes[0].upstream_index, 1u);
  EXPECT_EQ(config.routes[1].upstream_index, 0u);
}

TEST(LoadConfig, RoutesWithEveryMatchKind) {
  const Config config = load_ok(R"(
upstreams: {app: {endpoints: [127.0.0.1:5000]}}
routes:
  - name: search
    match: {path_prefix: /search, methods: [POST, GET], host: Example.COM}
    upstream: app
    timeout: 2m
  - match: {path: /health}
    upstream: app
  - match: {path_regex: '^/items/\d+$', host: "api.example.com:8443"}
    upstream: app
  - upstream: app
)");
  ASSERT_EQ(config.routes.size(), 4u);
  const Route& search = config.routes[0];
  EXPECT_EQ(search.name, "search");
  EXPECT_EQ(search.match.kind, MatchKind::kPathPrefix);
  EXPECT_EQ(search.match.path, "/search");
  EXPECT_EQ(search.match.methods,
            (std::vector<http::Method>{http::Method::kPost, http::Method::kGet}));
  EXPECT_EQ(search.match.host, "example.com");
  EXPECT_EQ(search.timeout, std::optional<Duration>(2min));
  EXPECT_EQ(config.routes[1].name, "route2");
  EXPECT_EQ(config.routes[1].match.kind, MatchKind::kPath);
  EXPECT_FALSE(config.routes[1].timeout.has_value());
  const Route& items = config.routes[2];
  EXPECT_EQ(items.match.kind, MatchKind::kPathRegex);
  ASSERT_NE(items.match.regex, nullptr);
  EXPECT_TRUE(std::regex_match("/items/42", *items.match.regex));
  EXPECT_FALSE(std::regex_match("/items/x", *items.match.regex));
  EXPECT_EQ(items.match.host, "api.example.com:8443");
  EXPECT_EQ(config.routes[3].match.kind, MatchKind::kPathPrefix);
  EXPECT_EQ(config.routes[3].match.path, "/");
  EXPECT_TRUE(config.routes[3].match.methods.empty());
}

TEST(LoadConfig, EveryMethodName) {
  const Config config = load_ok(with_upstream(
      "routes:\n  - match: {methods: [GET, HEAD, POST, PUT, DELETE, PATCH, OPTIONS, TRACE, "
      "CONNECT, QUERY]}\n    upstream: app\n"));
  EXPECT_EQ(config.routes[0].match.methods.size(), 10u);
  EXPECT_EQ(config.routes[0].match.methods.back(), http::Method::kQuery);
}

TEST(LoadConfig, Limits) {
  const Config config = load_ok(with_upstream(R"(
limits:
  max_connections: 500
  max_header_bytes: 32KiB
  max_headers: 64
  max_target_bytes: 4096
  max_body_bytes: 1GB
)"));
  EXPECT_EQ(config.limits.max_connections, 500u);
  EXPECT_EQ(config.limits.max_header_bytes, 32u * 1024);
  EXPECT_EQ(config.limits.max_headers, 64u);
  EXPECT_EQ(config.limits.max_target_bytes, 4096u);
  EXPECT_EQ(config.limits.max_body_bytes, 1'000'000'000u);
  const http::ParseLimits parse = parse_limits(config.limits);
  EXPECT_EQ(parse.max_head_bytes, 32u * 1024);
  EXPECT_EQ(parse.max_headers, 64u);
  EXPECT_EQ(parse.max_target_bytes, 4096u);
}

TEST(LoadConfig, Timeouts) {
  const Config config = load_ok(with_upstream(R"(
timeouts:
  client_header: 5s
  client_idle: 2m
  client_body: 30s
  upstream_connect: 250ms
  upstream_header: 45s
  upstream_body: 1m30s
  request: 2m
  drain: 0
)"));
  const TimeoutOptions& t = config.timeouts;
  EXPECT_EQ(t.client_header, 5s);
  EXPECT_EQ(t.client_idle, 2min);
  EXPECT_EQ(t.client_body, 30s);
  EXPECT_EQ(t.upstream_connect, 250ms);
  EXPECT_EQ(t.upstream_header, 45s);
  EXPECT_EQ(t.upstream_body, 90s);
  EXPECT_EQ(t.request, 2min);
  EXPECT_EQ(t.drain, 0s);
}

TEST(LoadConfig, Proxy) {
  const Config config = load_ok(with_upstream(R"(
proxy:
  via: false
  x_forwarded: false
  trusted_proxies: [10.0.0.0/8, 192.168.1.7, "fd00::/8"]
  add_request_id: false
  timing_headers: false
)"));
  const ProxyOptions& p = config.proxy;
  EXPECT_FALSE(p.via);
  EXPECT_FALSE(p.x_forwarded);
  EXPECT_FALSE(p.add_request_id);
  EXPECT_FALSE(p.timing_headers);
  ASSERT_EQ(p.trusted_proxies.size(), 3u);
  EXPECT_EQ(p.trusted_proxies[0].to_string(), "10.0.0.0/8");
  EXPECT_EQ(p.trusted_proxies[1].to_string(), "192.168.1.7/32");
  EXPECT_EQ(p.trusted_proxies[2].to_string(), "fd00::/8");
  EXPECT_TRUE(p.trusted_proxies[2].ipv6);
}

TEST(LoadConfig, Log) {
  const Config config =
      load_ok(with_upstream("log: {level: debug, access: json, access_path: /var/log/a.log}\n"));
  EXPECT_EQ(config.log.level, LogLevel::kDebug);
  EXPECT_EQ(config.log.access, AccessLog::kJson);
  EXPECT_EQ(config.log.access_path, "/var/log/a.log");
  EXPECT_EQ(load_ok(with_upstream("log: {level: trace, access: combined}\n")).log.access,
            AccessLog::kCombined);
}

TEST(LoadConfig, EmptySectionsKeepDefaults) {
  const Config config =
      load_ok(with_upstream("admin:\nlimits:\ntimeouts:\nproxy:\nlog:\nroutes:\n"));
  const Config defaults = defaults_for(Profile::kMedium);
  EXPECT_EQ(config.limits.max_connections, defaults.limits.max_connections);
  EXPECT_EQ(config.timeouts.request, defaults.timeouts.request);
  EXPECT_EQ(config.routes.size(), 1u);
}

TEST(LoadConfig, CommentsAnchorsAndFlowStyleAreFine) {
  const Config config = load_ok(R"(
# a comment
upstreams:
  a: &base {endpoints: [127.0.0.1:5000]}
  b: *base
routes:
  - {match: {path_prefix: /b}, upstream: b}   # trailing comment
  - {upstream: a}
)");
  EXPECT_EQ(config.upstreams.size(), 2u);
  EXPECT_EQ(config.upstreams[1].endpoints, config.upstreams[0].endpoints);
}

TEST(LoadConfig, TrailingEmptyDocumentIsFine) {
  EXPECT_EQ(load_ok(with_upstream("---\n")).upstreams.size(), 1u);
}

TEST(LoadConfig, ReloadingGivesAnEqualIndependentSnapshot) {
  const std::string text = with_upstream("listen: :9000\n");
  const Config first = load_ok(text);
  const Config second = load_ok(text);
  EXPECT_EQ(to_yaml_redacted(first), to_yaml_redacted(second));
  EXPECT_NE(&first.upstreams[0], &second.upstreams[0]);
}

TEST(LoadConfigFile, ReadsAFile) {
  const std::string path = ::testing::TempDir() + "/ramjet_load_test.yaml";
  {
    std::FILE* f = std::fopen(path.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fputs("upstreams: {app: {endpoints: [127.0.0.1:5000]}}\nworkers: 2\n", f);
    std::fclose(f);
  }
  auto config = load_config_file(path);
  ASSERT_TRUE(config.ok()) << config.error().detail;
  EXPECT_EQ(config->workers, 2u);
  EXPECT_EQ(config->source, path);
  std::remove(path.c_str());
}

TEST(LoadConfigFile, MissingFileAndDirectoryAreErrors) {
  auto missing = load_config_file("/nonexistent/ramjet.yaml");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().detail,
            "/nonexistent/ramjet.yaml: cannot open: No such file or directory");
  EXPECT_EQ(std::string(missing.error().message), "invalid configuration");
  auto directory = load_config_file(::testing::TempDir());
  ASSERT_FALSE(directory.ok());
  EXPECT_NE(directory.error().detail.find("is a directory"), std::string::npos);
}

}  // namespace
}  // namespace ramjet::config
