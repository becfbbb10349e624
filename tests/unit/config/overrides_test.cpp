// RAMJET_* variables override the file; flags override both. The environment is injected,
// so these tests never touch the process's own.
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

TEST(Environment, OverridesEveryScalarKey) {
  const Environment env{
      {"RAMJET_LISTEN", "127.0.0.1:7000"},
      {"RAMJET_WORKERS", "auto"},
      {"RAMJET_ADMIN_LISTEN", "0.0.0.0:7001"},
      {"RAMJET_ADMIN_TOKEN", "from-env"},
      {"RAMJET_LIMITS_MAX_CONNECTIONS", "123"},
      {"RAMJET_LIMITS_MAX_HEADER_BYTES", "8KiB"},
      {"RAMJET_LIMITS_MAX_HEADERS", "50"},
      {"RAMJET_LIMITS_MAX_TARGET_BYTES", "2KiB"},
      {"RAMJET_LIMITS_MAX_BODY_BYTES", "1MiB"},
      {"RAMJET_TIMEOUTS_CLIENT_HEADER", "1s"},
      {"RAMJET_TIMEOUTS_CLIENT_IDLE", "2s"},
      {"RAMJET_TIMEOUTS_CLIENT_BODY", "3s"},
      {"RAMJET_TIMEOUTS_UPSTREAM_CONNECT", "4s"},
      {"RAMJET_TIMEOUTS_UPSTREAM_HEADER", "5s"},
      {"RAMJET_TIMEOUTS_UPSTREAM_BODY", "6s"},
      {"RAMJET_TIMEOUTS_REQUEST", "7s"},
      {"RAMJET_TIMEOUTS_DRAIN", "8s"},
      {"RAMJET_PROXY_VIA", "false"},
      {"RAMJET_PROXY_X_FORWARDED", "false"},
      {"RAMJET_PROXY_TRUSTED_PROXIES", "10.0.0.0/8, 127.0.0.1"},
      {"RAMJET_PROXY_ADD_REQUEST_ID", "false"},
      {"RAMJET_PROXY_TIMING_HEADERS", "false"},
      {"RAMJET_LOG_LEVEL", "warn"},
      {"RAMJET_LOG_ACCESS", "combined"},
      {"RAMJET_LOG_ACCESS_PATH", "/tmp/access.log"},
  };
  const Config c = load_ok(with_upstream("workers: 2\nlisten: :1\n"), env);
  EXPECT_EQ(c.listen, (HostPort{"127.0.0.1", 7000}));
  EXPECT_EQ(c.workers, 0u);
  EXPECT_EQ(c.admin.listen, (HostPort{"0.0.0.0", 7001}));
  EXPECT_EQ(c.admin.token, "from-env");
  EXPECT_EQ(c.limits.max_connections, 123u);
  EXPECT_EQ(c.limits.max_header_bytes, 8192u);
  EXPECT_EQ(c.limits.max_headers, 50u);
  EXPECT_EQ(c.limits.max_target_bytes, 2048u);
  EXPECT_EQ(c.limits.max_body_bytes, 1024u * 1024);
  EXPECT_EQ(c.timeouts.client_header, 1s);
  EXPECT_EQ(c.timeouts.client_idle, 2s);
  EXPECT_EQ(c.timeouts.client_body, 3s);
  EXPECT_EQ(c.timeouts.upstream_connect, 4s);
  EXPECT_EQ(c.timeouts.upstream_header, 5s);
  EXPECT_EQ(c.timeouts.upstream_body, 6s);
  EXPECT_EQ(c.timeouts.request, 7s);
  EXPECT_EQ(c.timeouts.drain, 8s);
  EXPECT_FALSE(c.proxy.via);
  EXPECT_FALSE(c.proxy.x_forwarded);
  ASSERT_EQ(c.proxy.trusted_proxies.size(), 2u);
  EXPECT_EQ(c.proxy.trusted_proxies[1].to_string(), "127.0.0.1/32");
  EXPECT_FALSE(c.proxy.add_request_id);
  EXPECT_FALSE(c.proxy.timing_headers);
  EXPECT_EQ(c.log.level, LogLevel::kWarn);
  EXPECT_EQ(c.log.access, AccessLog::kCombined);
  EXPECT_EQ(c.log.access_path, "/tmp/access.log");
}

TEST(Environment, EmptyListVariableClearsTheList) {
  const Config c = load_ok(with_upstream("proxy: {trusted_proxies: [10.0.0.0/8]}\n"),
                           {{"RAMJET_PROXY_TRUSTED_PROXIES", ""}});
  EXPECT_TRUE(c.proxy.trusted_proxies.empty());
}

TEST(Environment, OtherVariablesAreIgnored) {
  EXPECT_EQ(load_error(kOneUpstream, {{"HOME", "/root"}, {"RAMJETX", "1"}}), "OK");
}

TEST(Environment, ErrorsNameTheVariable) {
  EXPECT_EQ(load_error(kOneUpstream, {{"RAMJET_LISTEN", "nope"}}),
            "environment variable RAMJET_LISTEN: 'listen': invalid address 'nope': missing port "
            "(expected HOST:PORT or :PORT)");
  EXPECT_EQ(load_error(kOneUpstream, {{"RAMJET_TIMEOUTS_UPSTREAM_CONNECT", "5"}}),
            "environment variable RAMJET_TIMEOUTS_UPSTREAM_CONNECT: 'timeouts.upstream_connect': "
            "invalid duration unit (use ns, us, ms, s, m, h, d), got '5' (did you mean '5s'?)");
  EXPECT_EQ(load_error(kOneUpstream, {{"RAMJET_PROFILE", "tiny"}}),
            "environment variable RAMJET_PROFILE: 'profile' must be one of small, medium, large, "
            "got 'tiny'");
  EXPECT_EQ(load_error(kOneUpstream, {{"RAMJET_PROXY_TRUSTED_PROXIES", "10.0.0.0/8,nope"}}),
            "environment variable RAMJET_PROXY_TRUSTED_PROXIES: 'proxy.trusted_proxies': invalid "
            "network 'nope': invalid IPv4 address");
  EXPECT_EQ(load_error(kOneUpstream, {{"RAMJET_ADMIN_TOKEN", "a\nb"}}),
            "environment variable RAMJET_ADMIN_TOKEN: control characters (such as newlines) are "
            "not allowed in values");
}

TEST(Environment, UnknownRamjetVariablesAreErrors) {
  EXPECT_EQ(load_error(kOneUpstream, {{"RAMJET_LISTNE", ":1"}}),
            "environment variable RAMJET_LISTNE: unknown variable (the RAMJET_ prefix is reserved "
            "for configuration) (did you mean 'RAMJET_LISTEN'?)");
  EXPECT_EQ(load_error(kOneUpstream, {{"RAMJET_TIMEOUT_REQUEST", "1s"}}),
            "environment variable RAMJET_TIMEOUT_REQUEST: unknown variable (the RAMJET_ prefix is "
            "reserved for configuration) (did you mean 'RAMJET_TIMEOUTS_REQUEST'?)");
}

TEST(Environment, TokenFromEnvironmentAllowsPublicAdmin) {
  const Environment env{{"RAMJET_ADMIN_TOKEN", "t0ken"}};
  EXPECT_EQ(load_error(with_upstream("admin: {listen: 0.0.0.0:9901}\n"), env), "OK");
  EXPECT_EQ(load_error(kOneUpstream, {{"RAMJET_ADMIN_LISTEN", "0.0.0.0:9901"}}),
            "environment variable RAMJET_ADMIN_LISTEN: admin.listen 0.0.0.0:9901 is not a "
            "loopback address, so admin.token must be set");
}

TEST(Environment, UpstreamVariableWorksWithoutAFile) {
  auto config = build_config(std::nullopt, {{"RAMJET_UPSTREAM", "http://a:1, b:2"}}, {});
  ASSERT_TRUE(config.ok()) << config.error().detail;
  ASSERT_EQ(config->upstreams.size(), 1u);
  EXPECT_EQ(config->upstreams[0].name, "default");
  EXPECT_EQ(config->upstreams[0].endpoints, (std::vector<HostPort>{{"a", 1}, {"b", 2}}));
  EXPECT_EQ(config->source, "command line");
}

TEST(Environment, CapturedFromAnEnvironArray) {
  const char* envp[] = {"PATH=/bin", "RAMJET_LISTEN=:1=2", "RAMJET_BROKEN", "RAMJET_X=", nullptr};
  const Environment env = environment_from(envp);
  EXPECT_EQ(env, (Environment{{"RAMJET_LISTEN", ":1=2"}, {"RAMJET_X", ""}}));
  EXPECT_TRUE(environment_from(nullptr).empty());
}

TEST(Environment, NamesFollowTheKeyPaths) {
  const std::vector<std::string> names = environment_variable_names();
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
  EXPECT_EQ(names.size(), 32u);
  for (const char* expected : {"RAMJET_LISTEN", "RAMJET_WORKERS", "RAMJET_ADMIN_LISTEN",
                               "RAMJET_ADMIN_TOKEN", "RAMJET_LOG_LEVEL", "RAMJET_PROFILE",
                               "RAMJET_TIMEOUTS_UPSTREAM_CONNECT", "RAMJET_UPSTREAM"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), expected), names.end()) << expected;
  }
}

TEST(Flags, UpstreamAloneIsAWorkingConfig) {
  CliOverrides cli;
  cli.upstreams = {"http://127.0.0.1:5000"};
  auto config = build_config(std::nullopt, {}, cli);
  ASSERT_TRUE(config.ok()) << config.error().detail;
  ASSERT_EQ(config->upstreams.size(), 1u);
  EXPECT_EQ(config->upstreams[0].name, "default");
  EXPECT_EQ(config->upstreams[0].endpoints, (std::vector<HostPort>{{"127.0.0.1", 5000}}));
  EXPECT_EQ(config->upstreams[0].pool.max_idle, default_pool(Profile::kMedium).max_idle);
  ASSERT_EQ(config->routes.size(), 1u);
  EXPECT_EQ(config->routes[0].match.path, "/");
  EXPECT_EQ(config->routes[0].upstream, "default");
  EXPECT_EQ(config->listen, (HostPort{"0.0.0.0", 8080}));
}

TEST(Flags, SeveralUpstreamsBecomeEndpointsOfOne) {
  CliOverrides cli;
  cli.upstreams = {"127.0.0.1:5000", "127.0.0.1:5001", "http://app:80/"};
  cli.profile = "small";
  auto config = build_config(std::nullopt, {}, cli);
  ASSERT_TRUE(config.ok()) << config.error().detail;
  ASSERT_EQ(config->upstreams.size(), 1u);
  EXPECT_EQ(config->upstreams[0].endpoints.size(), 3u);
  EXPECT_EQ(config->upstreams[0].pool.max_idle, default_pool(Profile::kSmall).max_idle);
}

TEST(Flags, EveryFlag) {
  CliOverrides cli;
  cli.listen = "127.0.0.1:8000";
  cli.admin = "127.0.0.1:8001";
  cli.workers = "6";
  cli.profile = "large";
  cli.upstreams = {"http://127.0.0.1:5000"};
  const Config c = load_ok(with_upstream("listen: :1\nworkers: 2\n"),
                           {{"RAMJET_LISTEN", ":2"}, {"RAMJET_WORKERS", "3"}}, cli);
  EXPECT_EQ(c.listen, (HostPort{"127.0.0.1", 8000}));
  EXPECT_EQ(c.admin.listen, (HostPort{"127.0.0.1", 8001}));
  EXPECT_EQ(c.workers, 6u);
  EXPECT_EQ(c.profile, Profile::kLarge);
  EXPECT_EQ(c.limits.max_connections, 100'000u);
}

TEST(Flags, UpstreamReplacesTheEndpointsOfTheFilesOnlyUpstream) {
  CliOverrides cli;
  cli.upstreams = {"127.0.0.1:6000"};
  const Config c = load_ok(R"(
upstreams:
  app:
    endpoints: [10.0.0.1:80]
    pool: {max_idle: 3}
routes:
  - {match: {path_prefix: /}, upstream: app}
)",
                           {}, cli);
  ASSERT_EQ(c.upstreams.size(), 1u);
  EXPECT_EQ(c.upstreams[0].name, "app");
  EXPECT_EQ(c.upstreams[0].endpoints, (std::vector<HostPort>{{"127.0.0.1", 6000}}));
  EXPECT_EQ(c.upstreams[0].pool.max_idle, 3u);
}

TEST(Flags, UpstreamIsAmbiguousWithSeveralUpstreamsInTheFile) {
  CliOverrides cli;
  cli.upstreams = {"127.0.0.1:6000"};
  EXPECT_EQ(load_error("upstreams: {a: {endpoints: [h:1]}, b: {endpoints: [h:2]}}\n"
                       "routes: [{upstream: a}]\n",
                       {}, cli),
            "option --upstream: the configuration defines several upstreams (a, b), so it is "
            "unclear which one these endpoints replace");
}

TEST(Flags, RoutesInTheFileMayNameTheUpstreamTheFlagCreates) {
  CliOverrides cli;
  cli.upstreams = {"127.0.0.1:6000"};
  const Config c =
      load_ok("routes:\n  - {match: {path_prefix: /api}, upstream: default}\n", {}, cli);
  EXPECT_EQ(c.routes.size(), 1u);
  EXPECT_EQ(c.routes[0].upstream_index, 0u);
}

TEST(Flags, ErrorsNameTheFlag) {
  CliOverrides cli;
  cli.upstreams = {"https://secure:443"};
  EXPECT_EQ(load_error("", {}, cli),
            "option --upstream: invalid upstream 'https://secure:443': https upstreams are not "
            "supported yet (use http://)");
  CliOverrides workers;
  workers.workers = "many";
  workers.upstreams = {"h:1"};
  EXPECT_EQ(load_error("", {}, workers),
            "option --workers: 'workers' must be an integer from 0 to 1024, got 'many'");
  CliOverrides admin;
  admin.admin = "0.0.0.0:9901";
  admin.upstreams = {"h:1"};
  EXPECT_EQ(load_error("", {}, admin),
            "option --admin: admin.listen 0.0.0.0:9901 is not a loopback address, so "
            "admin.token must be set");
  CliOverrides profile;
  profile.profile = "xl";
  EXPECT_EQ(load_error(kOneUpstream, {}, profile),
            "option --profile: 'profile' must be one of small, medium, large, got 'xl'");
}

TEST(Flags, NothingAtAllIsAnError) {
  auto config = build_config(std::nullopt, {}, {});
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error().detail,
            "command line: no upstreams: define 'upstreams' in the configuration file or pass "
            "--upstream URL");
}

}  // namespace
}  // namespace ramjet::config
