// Each problem in a file is reported as one line, FILE:LINE:COL: message, pointing at the
// key or value at fault (1-based, as editors count).
#include <gtest/gtest.h>

#include "config/load.hpp"
#include "test_util.hpp"

namespace ramjet::config {
namespace {

using testing::load_error;

// Line 1 of most texts below, so positions start on line 2.
constexpr std::string_view kUp = "upstreams: {app: {endpoints: [127.0.0.1:5000]}}\n";

std::string up(std::string_view rest) { return std::string(kUp) + std::string(rest); }

TEST(ConfigErrors, UnknownKeysSuggestTheClosestKnownOne) {
  EXPECT_EQ(load_error(up("listne: :8080\n")),
            "test.yaml:2:1: unknown key 'listne' in the top level (did you mean 'listen'?)");
  EXPECT_EQ(load_error(up("timeouts:\n  requets: 5s\n")),
            "test.yaml:3:3: unknown key 'requets' in 'timeouts' (did you mean 'request'?)");
  EXPECT_EQ(load_error(up("proxy: {trusted_proxys: []}\n")),
            "test.yaml:2:9: unknown key 'trusted_proxys' in 'proxy' (did you mean "
            "'trusted_proxies'?)");
  EXPECT_EQ(load_error(up("frobnicate: 1\n")),
            "test.yaml:2:1: unknown key 'frobnicate' in the top level");
  EXPECT_EQ(load_error("upstreams: {app: {endpoint: [h:1]}}\n"),
            "test.yaml:1:19: unknown key 'endpoint' in upstream 'app' (did you mean "
            "'endpoints'?)");
  EXPECT_EQ(load_error("upstreams: {app: {endpoints: [h:1], pool: {max_idel: 1}}}\n"),
            "test.yaml:1:44: unknown key 'max_idel' in 'pool' (did you mean 'max_idle'?)");
  EXPECT_EQ(load_error(up("routes:\n  - {upstream: app, matc: {}}\n")),
            "test.yaml:3:21: unknown key 'matc' in a route (did you mean 'match'?)");
  EXPECT_EQ(load_error(up("routes:\n  - {upstream: app, match: {prefix: /}}\n")),
            "test.yaml:3:29: unknown key 'prefix' in 'match'");
}

TEST(ConfigErrors, KeysOfLaterVersionsAreNamedAsSuch) {
  EXPECT_EQ(load_error(up("compression: {gzip: true}\n")),
            "test.yaml:2:1: 'compression' in the top level is not supported yet by this version "
            "of ramjet");
  EXPECT_EQ(load_error("upstreams:\n  app:\n    endpoints: [h:1]\n    health_check: {}\n"),
            "test.yaml:4:5: 'health_check' in upstream 'app' is not supported yet by this "
            "version of ramjet");
  EXPECT_EQ(load_error(up("routes:\n  - upstream: app\n    retry: {attempts: 3}\n")),
            "test.yaml:4:5: 'retry' in a route is not supported yet by this version of ramjet");
  EXPECT_EQ(load_error("upstreams: {app: {endpoints: [h:1], balance: least_request}}\n"),
            "test.yaml:1:46: 'balance': 'least_request' is not supported yet (only round_robin)");
  EXPECT_EQ(load_error("upstreams: {app: {endpoints: [h:1], balance: round_robbin}}\n"),
            "test.yaml:1:46: 'balance' must be round_robin, got 'round_robbin' (did you mean "
            "'round_robin'?)");
}

TEST(ConfigErrors, WrongTypes) {
  EXPECT_EQ(load_error(up("listen: [1, 2]\n")),
            "test.yaml:2:9: 'listen' must be a single value, got a list");
  EXPECT_EQ(load_error(up("timeouts: 5s\n")),
            "test.yaml:2:11: 'timeouts' must be a mapping of keys, got a single value");
  EXPECT_EQ(load_error(up("listen:\n")), "test.yaml:2:1: 'listen' needs a value");
  EXPECT_EQ(load_error(up("admin: {token: ~}\n")), "test.yaml:2:9: 'admin.token' needs a value");
  EXPECT_EQ(load_error(up("proxy: {trusted_proxies: 10.0.0.0/8}\n")),
            "test.yaml:2:26: 'proxy.trusted_proxies' must be a list, got a single value");
  EXPECT_EQ(load_error(up("proxy: {trusted_proxies: [[10.0.0.0/8]]}\n")),
            "test.yaml:2:27: each entry of 'proxy.trusted_proxies' must be a single value, got a "
            "list");
  EXPECT_EQ(load_error(up("routes: {upstream: app}\n")),
            "test.yaml:2:9: 'routes' must be a list, got a mapping");
  EXPECT_EQ(load_error(up("routes:\n  - /api\n")),
            "test.yaml:3:5: each route must be a mapping with 'match' and 'upstream', got a single "
            "value");
  EXPECT_EQ(load_error(up("routes:\n  -\n")),
            "test.yaml:2:1: each route must be a mapping with 'match' and 'upstream', got nothing");
  EXPECT_EQ(load_error("- a\n- b\n"),
            "test.yaml:1:1: the configuration must be a mapping of keys, got a list");
  EXPECT_EQ(load_error(up("? [a, b]\n: 1\n")),
            "test.yaml:2:3: keys in the top level must be plain names, got a list");
}

TEST(ConfigErrors, BadDurations) {
  EXPECT_EQ(load_error(up("timeouts:\n  request: 30\n")),
            "test.yaml:3:12: 'timeouts.request': invalid duration unit (use ns, us, ms, s, m, h, "
            "d), got '30' (did you mean '30s'?)");
  EXPECT_EQ(load_error(up("timeouts: {client_idle: 5 minutes}\n")),
            "test.yaml:2:25: 'timeouts.client_idle': invalid duration unit (use ns, us, ms, s, m, "
            "h, d), got '5 minutes'");
  EXPECT_EQ(load_error(up("timeouts: {request: 0}\n")),
            "test.yaml:2:21: 'timeouts.request' must be between 1ms and 1d, got '0'");
  EXPECT_EQ(load_error(up("timeouts: {drain: 2d}\n")),
            "test.yaml:2:19: 'timeouts.drain' must be between 0 and 1d, got '2d'");
  EXPECT_EQ(load_error(up("routes:\n  - {upstream: app, timeout: -1s}\n")),
            "test.yaml:3:30: 'timeout': invalid duration (expected e.g. 250ms, 5s, 1m30s), got "
            "'-1s'");
  EXPECT_EQ(load_error("upstreams: {a: {endpoints: [h:1], pool: {idle_ttl: 2h}}}\n"),
            "test.yaml:1:52: 'pool.idle_ttl' must be between 1ms and 1h, got '2h'");
}

TEST(ConfigErrors, BadSizesAndCounts) {
  EXPECT_EQ(load_error(up("limits: {max_body_bytes: 10XB}\n")),
            "test.yaml:2:26: 'limits.max_body_bytes': invalid size unit (use B, KiB, MiB, GiB, "
            "KB, MB, GB), got '10XB'");
  EXPECT_EQ(load_error(up("limits: {max_header_bytes: 2MiB}\n")),
            "test.yaml:2:28: 'limits.max_header_bytes' must be between 1KiB and 1MiB, got '2MiB'");
  EXPECT_EQ(load_error(up("limits: {max_headers: many}\n")),
            "test.yaml:2:23: 'limits.max_headers' must be an integer from 1 to 10000, got 'many'");
  EXPECT_EQ(load_error(up("limits: {max_connections: 0}\n")),
            "test.yaml:2:27: 'limits.max_connections' must be an integer from 1 to 10000000, got "
            "'0'");
  EXPECT_EQ(load_error(up("workers: -1\n")),
            "test.yaml:2:10: 'workers' must be an integer from 0 to 1024, got '-1'");
  EXPECT_EQ(load_error(up("workers: 99999999999999999999999\n")),
            "test.yaml:2:10: 'workers' must be an integer from 0 to 1024, got "
            "'99999999999999999999999'");
  EXPECT_EQ(load_error("upstreams: {a: {endpoints: [h:1], pool: {max_total: 0}}}\n"),
            "test.yaml:1:53: 'pool.max_total' must be an integer from 1 to 100000, got '0'");
}

TEST(ConfigErrors, BadEnumsAndBooleans) {
  EXPECT_EQ(load_error(up("proxy: {via: yes}\n")),
            "test.yaml:2:14: 'proxy.via' must be true or false, got 'yes'");
  EXPECT_EQ(load_error(up("log: {level: verbose}\n")),
            "test.yaml:2:14: 'log.level' must be one of trace, debug, info, warn, error, got "
            "'verbose'");
  EXPECT_EQ(load_error(up("log: {level: inf}\n")),
            "test.yaml:2:14: 'log.level' must be one of trace, debug, info, warn, error, got "
            "'inf' (did you mean 'info'?)");
  EXPECT_EQ(load_error(up("log: {access: jsn}\n")),
            "test.yaml:2:15: 'log.access' must be one of off, json, combined, got 'jsn' (did you "
            "mean 'json'?)");
  EXPECT_EQ(load_error(up("profile: huge\n")),
            "test.yaml:2:10: 'profile' must be one of small, medium, large, got 'huge'");
  EXPECT_EQ(load_error(up("log: {access_path: ''}\n")),
            "test.yaml:2:20: 'log.access_path' must not be empty");
}

TEST(ConfigErrors, BadAddresses) {
  EXPECT_EQ(load_error(up("listen: 8080\n")),
            "test.yaml:2:9: 'listen': invalid address '8080': missing port (expected HOST:PORT or "
            ":PORT)");
  EXPECT_EQ(load_error(up("listen: :8o80\n")),
            "test.yaml:2:9: 'listen': invalid address ':8o80': port must be a number");
  EXPECT_EQ(load_error(up("listen: :65536\n")),
            "test.yaml:2:9: 'listen': invalid address ':65536': port must be between 0 and 65535");
  EXPECT_EQ(load_error(up("listen: '::1:80'\n")),
            "test.yaml:2:9: 'listen': invalid address '::1:80': IPv6 addresses need brackets, "
            "e.g. [::1]:8080");
  EXPECT_EQ(load_error(up("listen: 300.1.1.1:80\n")),
            "test.yaml:2:9: 'listen': invalid address '300.1.1.1:80': invalid IPv4 address");
  EXPECT_EQ(load_error(up("admin: {listen: 'bad host:1'}\n")),
            "test.yaml:2:17: 'admin.listen': invalid address 'bad host:1': invalid host name "
            "(letters, digits, '-', '_' and dots)");
}

TEST(ConfigErrors, BadUpstreams) {
  EXPECT_EQ(load_error("upstreams: {app: {endpoints: ['https://x:1']}}\n"),
            "test.yaml:1:31: invalid upstream 'https://x:1': https upstreams are not supported "
            "yet (use http://)");
  EXPECT_EQ(load_error("upstreams: {app: {endpoints: ['http://x:1/api']}}\n"),
            "test.yaml:1:31: invalid upstream 'http://x:1/api': a path in an upstream URL is not "
            "supported");
  EXPECT_EQ(load_error("upstreams: {app: {endpoints: [backend]}}\n"),
            "test.yaml:1:31: invalid upstream 'backend': missing port (expected HOST:PORT or "
            "http://HOST[:PORT])");
  EXPECT_EQ(load_error("upstreams: {app: {endpoints: [h:1, 'H:1']}}\n"),
            "test.yaml:1:36: endpoint h:1 is listed twice");
  EXPECT_EQ(load_error("upstreams: {app: {endpoints: []}}\n"),
            "test.yaml:1:30: an upstream needs at least one endpoint");
  EXPECT_EQ(load_error("upstreams: {app: {pool: {max_idle: 1}}}\n"),
            "test.yaml:1:13: upstream 'app' needs 'endpoints' (a list such as [127.0.0.1:5000])");
  EXPECT_EQ(load_error("upstreams: {app: }\n"),
            "test.yaml:1:13: upstream 'app' needs 'endpoints' (a list such as [127.0.0.1:5000])");
  EXPECT_EQ(load_error("upstreams: {'my app': {endpoints: [h:1]}}\n"),
            "test.yaml:1:13: 'upstream name' must be 1 to 64 letters, digits, '_', '-' or '.', "
            "got 'my app'");
  EXPECT_EQ(load_error("upstreams:\n  app:\n    endpoints: [h:1]\n    pool: {max_idle: 9, "
                       "max_total: 8}\n"),
            "test.yaml:4:5: 'pool.max_idle' (9) must not exceed 'pool.max_total' (8)");
  EXPECT_EQ(load_error("upstreams: {app: {endpoints: [h:1], host_rewrite: 'a b'}}\n"),
            "test.yaml:1:51: 'host_rewrite': invalid host 'a b': invalid host name (letters, "
            "digits, '-', '_' and dots)");
}

TEST(ConfigErrors, BadRoutes) {
  EXPECT_EQ(load_error(up("routes:\n  - match: {path_prefix: /api}\n    upstream: ap\n")),
            "test.yaml:4:15: route 'route1': upstream 'ap' is not defined (did you mean 'app'?); "
            "defined: app");
  EXPECT_EQ(load_error(up("routes:\n  - match: {path_prefix: /api}\n")),
            "test.yaml:3:5: route 'route1' needs 'upstream'");
  EXPECT_EQ(load_error(up("routes:\n  - match: {path_prefix: /a, path: /b}\n    upstream: app\n")),
            "test.yaml:3:30: 'match' takes only one of path_prefix, path and path_regex");
  EXPECT_EQ(load_error(up("routes:\n  - match: {path_regex: '(ab'}\n    upstream: app\n")),
            "test.yaml:3:25: 'path_regex': invalid regular expression '(ab': Mismatched '(' and "
            "')' in regular expression");
  EXPECT_EQ(load_error(up("routes:\n  - match: {path_prefix: api}\n    upstream: app\n")),
            "test.yaml:3:26: 'path_prefix' must be a URL path starting with '/' (ASCII, "
            "%-escaped), got 'api'");
  EXPECT_EQ(load_error(up("routes:\n  - match: {path: '/a b'}\n    upstream: app\n")),
            "test.yaml:3:19: 'path' must be a URL path starting with '/' (ASCII, %-escaped), got "
            "'/a b'");
  EXPECT_EQ(load_error(up("routes:\n  - match: {methods: [get]}\n    upstream: app\n")),
            "test.yaml:3:23: unknown method 'get' (did you mean 'GET'?)");
  EXPECT_EQ(load_error(up("routes:\n  - match: {methods: [GET, GET]}\n    upstream: app\n")),
            "test.yaml:3:28: method 'GET' is listed twice");
  EXPECT_EQ(load_error(up("routes:\n  - match: {host: 'a..b'}\n    upstream: app\n")),
            "test.yaml:3:19: 'host': invalid host 'a..b': invalid host name (letters, digits, "
            "'-', '_' and dots)");
  EXPECT_EQ(load_error(up("routes:\n  - {name: x, upstream: app}\n  - {name: x, upstream: app}\n")),
            "test.yaml:4:5: route name 'x' is used twice");
}

TEST(ConfigErrors, DuplicateKeys) {
  EXPECT_EQ(load_error(up("listen: :1\nworkers: 2\nlisten: :2\n")),
            "test.yaml:4:1: duplicate key 'listen' in the top level (first at test.yaml:2:1)");
  EXPECT_EQ(load_error(up("timeouts:\n  drain: 1s\n  drain: 2s\n")),
            "test.yaml:4:3: duplicate key 'drain' in 'timeouts' (first at test.yaml:3:3)");
}

TEST(ConfigErrors, YamlSyntaxErrorsCarryYamlCppsPosition) {
  EXPECT_EQ(load_error("listen: [1,\n"),
            "test.yaml:2:1: YAML syntax error: end of sequence flow "
            "not found");
  EXPECT_EQ(load_error("\tlisten: :1\n"), "test.yaml:1:8: YAML syntax error: illegal map value");
  EXPECT_EQ(load_error("a: *nowhere\n"),
            "test.yaml:1:4: YAML syntax error: the referenced anchor is not defined");
  EXPECT_EQ(load_error(up("---\nlisten: :1\n")),
            "test.yaml:2:1: only one YAML document is allowed per file");
}

// yaml-cpp 0.7 stops advancing on a line that starts with ',' and would report an endless
// run of empty documents: YAML::LoadAll never returns and YAML::Load returns null, which
// would make a file silently empty.
TEST(ConfigErrors, StuckYamlParserIsASyntaxErrorNotAHangOrAnEmptyFile) {
  EXPECT_EQ(load_error(", b: c\n"), "test.yaml:1:1: YAML syntax error: unexpected ','");
  EXPECT_EQ(load_error(",\nupstreams: {app: {endpoints: [h:1]}}\n"),
            "test.yaml:1:1: YAML syntax error: unexpected ','");
  EXPECT_EQ(load_error(up("---\n, b: c\n")), "test.yaml:3:1: YAML syntax error: unexpected ','");
}

TEST(ConfigErrors, WholeConfigurationProblems) {
  EXPECT_EQ(load_error(""),
            "test.yaml: no upstreams: define 'upstreams' in the configuration "
            "file or pass --upstream URL");
  EXPECT_EQ(load_error("upstreams:\n"),
            "test.yaml: no upstreams: define 'upstreams' in the "
            "configuration file or pass --upstream URL");
  EXPECT_EQ(load_error("upstreams: {a: {endpoints: [h:1]}, b: {endpoints: [h:2]}}\n"),
            "test.yaml: several upstreams but no 'routes': add routes that say which requests go "
            "to which upstream");
}

TEST(ConfigErrors, AdminExposedWithoutTokenIsRefused) {
  EXPECT_EQ(load_error(up("admin:\n  listen: 0.0.0.0:9901\n")),
            "test.yaml:3:11: admin.listen 0.0.0.0:9901 is not a loopback address, so admin.token "
            "must be set");
  EXPECT_EQ(load_error(up("admin: {listen: '[::1]:9901'}\n")), "OK");
  EXPECT_EQ(load_error(up("admin: {listen: 'localhost:9901'}\n")), "OK");
  EXPECT_EQ(load_error(up("admin: {listen: 127.8.0.1:9901}\n")), "OK");
  EXPECT_EQ(load_error(up("admin: {listen: 10.1.2.3:9901, token: t}\n")), "OK");
}

TEST(ConfigErrors, AddressAndLimitConflicts) {
  EXPECT_EQ(load_error(up("listen: :9901\n")),
            "test.yaml: admin.listen 127.0.0.1:9901 overlaps listen 0.0.0.0:9901");
  EXPECT_EQ(load_error(up("listen: 127.0.0.1:7000\nadmin: {listen: '127.0.0.1:7000'}\n")),
            "test.yaml:3:17: admin.listen 127.0.0.1:7000 overlaps listen 127.0.0.1:7000");
  EXPECT_EQ(load_error(up("listen: 127.0.0.1:0\nadmin: {listen: '127.0.0.1:0'}\n")), "OK");
  EXPECT_EQ(load_error(up("limits: {max_target_bytes: 32KiB}\n")),
            "test.yaml:2:28: 'limits.max_target_bytes' (32KiB) must not exceed "
            "'limits.max_header_bytes' (16KiB)");
}

TEST(ConfigErrors, TrustedProxies) {
  EXPECT_EQ(load_error(up("proxy: {trusted_proxies: [10.0.0.1/8]}\n")),
            "test.yaml:2:27: 'proxy.trusted_proxies': invalid network '10.0.0.1/8': address has "
            "bits set beyond the prefix length (did you mean '10.0.0.0/8'?)");
  EXPECT_EQ(load_error(up("proxy: {trusted_proxies: [10.0.0.0/33]}\n")),
            "test.yaml:2:27: 'proxy.trusted_proxies': invalid network '10.0.0.0/33': prefix "
            "length must be 0 to 32");
  EXPECT_EQ(load_error(up("proxy: {trusted_proxies: [example.com]}\n")),
            "test.yaml:2:27: 'proxy.trusted_proxies': invalid network 'example.com': invalid IPv4 "
            "address");
  EXPECT_EQ(load_error(up("proxy: {trusted_proxies: [10.0.0.0/8, 10.0.0.0/8]}\n")),
            "test.yaml:2:39: 'proxy.trusted_proxies': '10.0.0.0/8' is listed twice");
}

TEST(ConfigErrors, ControlCharactersInValues) {
  EXPECT_EQ(load_error(up("admin: {token: \"a\\0b\"}\n")),
            "test.yaml:2:16: control characters (such as newlines) are not allowed in values");
  EXPECT_EQ(load_error(up("log:\n  access_path: |\n    /tmp/x\n")),
            "test.yaml:3:16: control characters (such as newlines) are not allowed in values");
}

TEST(ConfigErrors, ValuesMustBeUtf8) {
  EXPECT_EQ(load_error(up("log: {access_path: \"/tmp/caf\xc3\xa9.log\"}\n")), "OK");
  EXPECT_EQ(load_error(up("log: {access_path: \"/tmp/\xff.log\"}\n")),
            "test.yaml:2:20: values must be valid UTF-8");
  EXPECT_EQ(load_error(up("log: {access_path: \"/tmp/\xc0\xaf.log\"}\n")),
            "test.yaml:2:20: values must be valid UTF-8");
  EXPECT_EQ(load_error(up("log: {access_path: \"/tmp/\xed\xa0\x80.log\"}\n")),
            "test.yaml:2:20: values must be valid UTF-8");
}

TEST(ConfigErrors, OversizedTextIsRefusedBeforeParsing) {
  const std::string big = up("# " + std::string(1024 * 1024, 'x') + "\n");
  EXPECT_EQ(load_error(big), "test.yaml: the configuration is larger than 1MiB");
}

TEST(ConfigErrors, ErrorsAreValuesWithAFixedMessage) {
  auto result = load_config_string("listne: 1\n", "x.yaml");
  ASSERT_FALSE(result.ok());
  EXPECT_STREQ(result.error().message, "invalid configuration");
  EXPECT_EQ(result.error().to_string(),
            "invalid configuration: x.yaml:1:1: unknown key 'listne' in the top level (did you "
            "mean 'listen'?)");
}

}  // namespace
}  // namespace ramjet::config
