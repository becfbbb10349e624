#include "bench/scenario.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

namespace ramjet::bench {
namespace {

TEST(BenchScenario, ParsesRequestsWithWeightsHeadersAndBodies) {
  auto s = parse_scenario(R"(
base_url: http://127.0.0.1:8080/ignored/path
headers: {Accept: application/json}
requests:
  - name: search
    method: POST
    url: /search?q=shoes
    headers: {Content-Type: application/json}
    body: '{"q": "shoes"}'
    weight: 3
  - url: health
)",
                          "mix.yaml", "");
  ASSERT_TRUE(s.ok()) << s.error().to_string();
  ASSERT_EQ(s->requests.size(), 2u);
  const RequestSpec& a = s->requests[0];
  EXPECT_EQ(a.name, "search");
  EXPECT_EQ(a.method, "POST");
  EXPECT_EQ(a.url, "http://127.0.0.1:8080/search?q=shoes");
  EXPECT_EQ(a.body, "{\"q\": \"shoes\"}");
  EXPECT_EQ(a.weight, 3u);
  ASSERT_EQ(a.headers.size(), 2u);
  EXPECT_EQ(a.headers[0].first, "Accept");
  EXPECT_EQ(a.headers[1].first, "Content-Type");
  const RequestSpec& b = s->requests[1];
  EXPECT_EQ(b.method, "GET");
  EXPECT_EQ(b.url, "http://127.0.0.1:8080/health");
  EXPECT_EQ(b.weight, 1u);
}

TEST(BenchScenario, TheCommandLineUrlIsTheBase) {
  auto s = parse_scenario("base_url: http://a:1\nrequests: [{url: /x}]\n", "f.yaml",
                          "http://127.0.0.1:9/");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->requests[0].url, "http://127.0.0.1:9/x");
}

TEST(BenchScenario, BodyFileIsReadRelativeToTheScenario) {
  std::string dir = ::testing::TempDir();
  {
    std::ofstream(dir + "/payload.json") << "{\"big\": true}";
  }
  auto s = parse_scenario("requests:\n  - url: http://h:1/\n    body_file: payload.json\n",
                          dir + "/s.yaml", "");
  ASSERT_TRUE(s.ok()) << s.error().to_string();
  EXPECT_EQ(s->requests[0].body, "{\"big\": true}");
  std::remove((dir + "/payload.json").c_str());
}

TEST(BenchScenario, ErrorsNameTheFileAndLine) {
  auto unknown = parse_scenario("requests:\n  - url: /x\n    wieght: 2\n", "s.yaml",
                                "http://h:1");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().to_string().find("s.yaml:3:5"), std::string::npos)
      << unknown.error().to_string();
  EXPECT_FALSE(parse_scenario("requests: []\n", "s.yaml", "http://h:1").ok());
  EXPECT_FALSE(parse_scenario("requests:\n  - method: GET\n", "s.yaml", "http://h:1").ok());
  EXPECT_FALSE(parse_scenario("requests:\n  - url: /x\n", "s.yaml", "").ok());  // no base
  EXPECT_FALSE(parse_scenario("requests:\n  - {url: /x, weight: 0}\n", "s.yaml", "http://h:1")
                   .ok());
  EXPECT_FALSE(parse_scenario("requests: [\n", "s.yaml", "http://h:1").ok());
  EXPECT_FALSE(parse_scenario("- just a list\n", "s.yaml", "http://h:1").ok());
  EXPECT_FALSE(parse_scenario("requests:\n  - {url: /x, body: a, body_file: b}\n", "s.yaml",
                              "http://h:1")
                   .ok());
}

TEST(BenchScenario, JoinUrl) {
  EXPECT_EQ(join_url("http://h:1/base", "/a?b"), "http://h:1/a?b");
  EXPECT_EQ(join_url("http://h:1", "a"), "http://h:1/a");
  EXPECT_EQ(join_url("http://h:1", "http://other/x"), "http://other/x");
  EXPECT_EQ(join_url("", "/a"), "/a");
}

}  // namespace
}  // namespace ramjet::bench
