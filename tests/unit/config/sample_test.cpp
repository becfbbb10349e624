// The sample ramjet.yaml and docs/CONFIG.md in the repository stay true to the code.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "config/load.hpp"
#include "config/schema.hpp"

namespace ramjet::config {
namespace {

std::string read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

const std::string kSample = std::string(RAMJET_SOURCE_DIR) + "/ramjet.yaml";
const std::string kDoc = std::string(RAMJET_SOURCE_DIR) + "/docs/CONFIG.md";

TEST(Sample, LoadsCleanly) {
  auto config = load_config_file(kSample);
  ASSERT_TRUE(config.ok()) << config.error().detail;
  EXPECT_FALSE(config->upstreams.empty());
  EXPECT_FALSE(config->routes.empty());
}

// Apart from its example upstreams and routes, the sample spells out the medium defaults.
TEST(Sample, ShowsTheMediumDefaults) {
  auto config = load_config_file(kSample);
  ASSERT_TRUE(config.ok()) << config.error().detail;
  Config expected = defaults_for(Profile::kMedium);
  expected.upstreams = config->upstreams;
  expected.routes = config->routes;
  expected.source = config->source;
  EXPECT_EQ(to_yaml_redacted(*config), to_yaml_redacted(expected));
}

// The sample's POST /search route shows a body-keyed cache block.
TEST(Sample, SearchRouteCachesByJsonBody) {
  auto config = load_config_file(kSample);
  ASSERT_TRUE(config.ok()) << config.error().detail;
  auto it = std::find_if(config->routes.begin(), config->routes.end(),
                         [](const Route& route) { return route.name == "search"; });
  ASSERT_NE(it, config->routes.end());
  EXPECT_EQ(it->match.methods, (std::vector<http::Method>{http::Method::kPost}));
  EXPECT_EQ(it->cache.body_key, BodyKeyKind::kJson);
  EXPECT_TRUE(it->cache.ttl);
  EXPECT_TRUE(it->cache.stale_while_revalidate);
  EXPECT_TRUE(it->cache.stale_if_error);
}

TEST(Sample, MentionsEveryKeyAndTheDocumentsEveryVariable) {
  const std::string sample = read(kSample);
  const std::string doc = read(kDoc);
  ASSERT_FALSE(sample.empty());
  ASSERT_FALSE(doc.empty());
  for (const std::string& variable : environment_variable_names()) {
    EXPECT_NE(doc.find("`" + variable + "`"), std::string::npos) << variable;
  }
  for (const char* key : {"profile:",
                          "listen:",
                          "workers:",
                          "token:",
                          "endpoints:",
                          "pool:",
                          "max_idle:",
                          "idle_ttl:",
                          "max_total:",
                          "host_rewrite:",
                          "balance:",
                          "match:",
                          "path_prefix:",
                          "path:",
                          "path_regex:",
                          "methods:",
                          "host:",
                          "upstream:",
                          "timeout:",
                          "name:",
                          "max_connections:",
                          "max_header_bytes:",
                          "max_headers:",
                          "max_target_bytes:",
                          "max_body_bytes:",
                          "client_header:",
                          "client_idle:",
                          "client_body:",
                          "upstream_connect:",
                          "upstream_header:",
                          "upstream_body:",
                          "request:",
                          "drain:",
                          "via:",
                          "x_forwarded:",
                          "trusted_proxies:",
                          "add_request_id:",
                          "timing_headers:",
                          "level:",
                          "access:",
                          "access_path:",
                          "cache:",
                          "enabled:",
                          "mode:",
                          "max_memory:",
                          "max_object:",
                          "collapse_timeout:",
                          "ttl:",
                          "ttl_statuses:",
                          "stale_while_revalidate:",
                          "stale_if_error:",
                          "refresh_ahead:",
                          "sort_query:",
                          "drop_query:",
                          "key:",
                          "include_headers:",
                          "set_cookie:",
                          "store_no_store:",
                          "store_private:",
                          "heuristic:"}) {
    EXPECT_NE(sample.find(key), std::string::npos) << key;
    const std::string bare = std::string(key).substr(0, std::string(key).size() - 1);
    EXPECT_NE(doc.find(bare), std::string::npos) << bare;
  }
  for (const auto& setting : detail::settings()) {
    EXPECT_NE(doc.find("`" + std::string(setting.path) + "`"), std::string::npos) << setting.path;
  }
}

}  // namespace
}  // namespace ramjet::config
