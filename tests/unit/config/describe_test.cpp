// describe() for the startup line, to_yaml_redacted() for /config: complete, loadable, no secret.
#include <gtest/gtest.h>

#include "config/load.hpp"
#include "test_util.hpp"

namespace ramjet::config {
namespace {

using testing::load_ok;

constexpr std::string_view kFull = R"(
profile: small
listen: "[::1]:8000"
workers: 2
admin: {listen: 0.0.0.0:9000, token: hunter2}
upstreams:
  api:
    endpoints: [127.0.0.1:5000, "http://API.internal:81"]
    pool: {max_idle: 3, idle_ttl: 1500ms, max_total: 9}
    host_rewrite: api.example.com
  static: {endpoints: [127.0.0.1:6000]}
routes:
  - name: search
    match: {path_prefix: /search, methods: [POST], host: example.com}
    upstream: api
    timeout: 5s
  - match: {path_regex: '^/s/[a-z]+\.(css|js)$'}
    upstream: static
  - match: {path: "/a%20b"}
    upstream: api
limits: {max_connections: 10, max_header_bytes: 8KiB, max_headers: 20, max_target_bytes: 1KiB,
         max_body_bytes: 0}
timeouts: {client_header: 1s, client_idle: 2s, client_body: 3s, upstream_connect: 4s,
           upstream_header: 5s, upstream_body: 6s, request: 7s, drain: 0}
proxy: {via: false, x_forwarded: true, trusted_proxies: [10.0.0.0/8, "fd00::/8"],
        add_request_id: false, timing_headers: true}
log: {level: error, access: json, access_path: "/var/log/ramjet access.log"}
)";

TEST(Describe, OneLineWithTheEssentials) {
  const Config config = load_ok(kFull);
  const std::string line = describe(config);
  EXPECT_EQ(line.find('\n'), std::string::npos);
  EXPECT_EQ(line,
            "profile=small listen=[::1]:8000 workers=2 admin=0.0.0.0:9000 "
            "upstreams=api[127.0.0.1:5000 api.internal:81],static[127.0.0.1:6000] routes=3 "
            "max_connections=10 request_timeout=7s access_log=json cache=on max_memory=64MiB "
            "source=test.yaml");
  EXPECT_EQ(line.find("hunter2"), std::string::npos);
}

TEST(Describe, AutoWorkers) {
  CliOverrides cli;
  cli.upstreams = {"h:1"};
  auto config = build_config(std::nullopt, {}, cli);
  ASSERT_TRUE(config.ok());
  EXPECT_NE(describe(*config).find("workers=auto"), std::string::npos);
  EXPECT_NE(describe(*config).find("source=command line"), std::string::npos);
}

TEST(ToYaml, RedactsTheToken) {
  const std::string yaml = to_yaml_redacted(load_ok(kFull));
  EXPECT_EQ(yaml.find("hunter2"), std::string::npos);
  EXPECT_NE(yaml.find("token: \"<redacted>\""), std::string::npos);
  const std::string no_token = to_yaml_redacted(load_ok(testing::kOneUpstream));
  EXPECT_NE(no_token.find("token: \"\""), std::string::npos);
}

TEST(ToYaml, LoadsBackToTheSameConfig) {
  const Config original = load_ok(kFull);
  const std::string yaml = to_yaml_redacted(original);
  const Config reloaded = load_ok(yaml);
  EXPECT_EQ(to_yaml_redacted(reloaded), yaml);
  EXPECT_EQ(reloaded.upstreams[0].endpoints, original.upstreams[0].endpoints);
  EXPECT_EQ(reloaded.routes[1].match.path, original.routes[1].match.path);
  EXPECT_EQ(reloaded.timeouts.drain, original.timeouts.drain);
  EXPECT_EQ(reloaded.proxy.trusted_proxies, original.proxy.trusted_proxies);
  EXPECT_EQ(reloaded.log.access_path, original.log.access_path);
}

TEST(ToYaml, DefaultsLoadBackToo) {
  const Config original = load_ok(testing::kOneUpstream);
  const std::string yaml = to_yaml_redacted(original);
  EXPECT_EQ(to_yaml_redacted(load_ok(yaml)), yaml);
}

TEST(EnumNames, AreTheConfigurationSpelling) {
  EXPECT_STREQ(to_string(Balance::kRoundRobin), "round_robin");
  EXPECT_STREQ(to_string(MatchKind::kPathRegex), "path_regex");
  EXPECT_STREQ(to_string(LogLevel::kWarn), "warn");
  EXPECT_STREQ(to_string(AccessLog::kCombined), "combined");
}

}  // namespace
}  // namespace ramjet::config
