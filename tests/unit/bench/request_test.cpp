#include "bench/request.hpp"

#include <gtest/gtest.h>

#include <map>

#include "bench/options.hpp"

namespace ramjet::bench {
namespace {

RequestSpec spec_for(const std::string& url) {
  RequestSpec spec;
  spec.url = url;
  return spec;
}

TEST(BenchParseUrl, SplitsHostPortAndTarget) {
  Url u = parse_url("http://127.0.0.1:8080/a/b?c=d#frag").value();
  EXPECT_EQ(u.host, "127.0.0.1");
  EXPECT_EQ(u.port, 8080);
  EXPECT_EQ(u.authority, "127.0.0.1:8080");
  EXPECT_EQ(u.target, "/a/b?c=d");
  Url plain = parse_url("http://localhost").value();
  EXPECT_EQ(plain.port, 80);
  EXPECT_EQ(plain.target, "/");
  EXPECT_EQ(parse_url("http://h?x=1").value().target, "/?x=1");
  Url v6 = parse_url("http://[::1]:9000/").value();
  EXPECT_EQ(v6.host, "::1");
  EXPECT_EQ(v6.authority, "[::1]:9000");
}

TEST(BenchParseUrl, RejectsWhatItCannotSpeak) {
  EXPECT_FALSE(parse_url("https://example.com/").ok());
  EXPECT_FALSE(parse_url("ftp://example.com/").ok());
  EXPECT_FALSE(parse_url("127.0.0.1:8080").ok());
  EXPECT_FALSE(parse_url("http://:80/").ok());
  EXPECT_FALSE(parse_url("http://h:0/").ok());
  EXPECT_FALSE(parse_url("http://h:70000/").ok());
  EXPECT_FALSE(parse_url("http://user@h/").ok());
  EXPECT_FALSE(parse_url("http://h/a b").ok());
}

TEST(BenchPrepareRequest, SerialisesOnceWithHostLengthAndConnection) {
  RequestSpec spec;
  spec.method = "POST";
  spec.headers = {{"Content-Type", "application/json"}};
  spec.body = "{\"q\":1}";
  Url url = parse_url("http://127.0.0.1:8080/search").value();
  PreparedRequest p = prepare_request(spec, url, false, "ramjet-bench/1").value();
  EXPECT_EQ(p.bytes,
            "POST /search HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: ramjet-bench/1\r\n"
            "Content-Type: application/json\r\nContent-Length: 7\r\nConnection: close\r\n\r\n"
            "{\"q\":1}");
  EXPECT_EQ(p.method, http::Method::kPost);
  EXPECT_EQ(p.name, "POST /search");
}

TEST(BenchPrepareRequest, KeepsAUserHostAndRefusesFramingHeaders) {
  RequestSpec spec;
  spec.headers = {{"Host", "example.com"}};
  Url url = parse_url("http://127.0.0.1:1/").value();
  PreparedRequest p = prepare_request(spec, url, true, "").value();
  EXPECT_EQ(p.bytes, "GET / HTTP/1.1\r\nHost: example.com\r\n\r\n");
  spec.headers = {{"content-length", "5"}};
  EXPECT_FALSE(prepare_request(spec, url, true, "").ok());
  spec.headers = {{"Bad Name", "x"}};
  EXPECT_FALSE(prepare_request(spec, url, true, "").ok());
  spec.headers = {{"X", "a\r\nInjected: 1"}};
  EXPECT_FALSE(prepare_request(spec, url, true, "").ok());
  spec.headers = {};
  spec.method = "G ET";
  EXPECT_FALSE(prepare_request(spec, url, true, "").ok());
}

TEST(BenchRequestPicker, FollowsTheWeights) {
  RequestPicker picker({3, 1});
  std::uint64_t rng = 42;
  std::map<std::size_t, int> seen;
  for (int i = 0; i < 40'000; ++i) {
    ++seen[picker.pick(rng)];
  }
  EXPECT_NEAR(seen[0] / 40'000.0, 0.75, 0.02);
  EXPECT_NEAR(seen[1] / 40'000.0, 0.25, 0.02);
  RequestPicker one({5});
  EXPECT_EQ(one.pick(rng), 0u);
}

TEST(BenchOptions, ParseRateAndHeaders) {
  EXPECT_DOUBLE_EQ(parse_rate("2000/s").value(), 2000.0);
  EXPECT_DOUBLE_EQ(parse_rate("2000").value(), 2000.0);
  EXPECT_DOUBLE_EQ(parse_rate("120/m").value(), 2.0);
  EXPECT_DOUBLE_EQ(parse_rate("1/ms").value(), 1000.0);
  EXPECT_FALSE(parse_rate("0/s").ok());
  EXPECT_FALSE(parse_rate("fast").ok());
  EXPECT_FALSE(parse_rate("10/week").ok());
  auto h = parse_header_arg("X-Api-Key:  secret ").value();
  EXPECT_EQ(h.first, "X-Api-Key");
  EXPECT_EQ(h.second, "secret");
  EXPECT_FALSE(parse_header_arg("no colon").ok());
}

TEST(BenchOptions, StatusSetParsesCodesClassesAndRanges) {
  StatusSet s = StatusSet::parse("200,304").value();
  EXPECT_TRUE(s.contains(200));
  EXPECT_TRUE(s.contains(304));
  EXPECT_FALSE(s.contains(201));
  EXPECT_EQ(s.to_string(), "200,304");
  StatusSet c = StatusSet::parse("2xx, 404-405").value();
  EXPECT_TRUE(c.contains(299));
  EXPECT_TRUE(c.contains(405));
  EXPECT_EQ(c.to_string(), "2xx,404-405");
  EXPECT_EQ(StatusSet::successful().to_string(), "2xx,3xx");
  EXPECT_FALSE(StatusSet::parse("abc").ok());
  EXPECT_FALSE(StatusSet::parse("99").ok());
  EXPECT_FALSE(StatusSet::parse("").ok());
}

TEST(BenchOptions, ValidateChecksRangesAndOneAuthority) {
  BenchOptions o;
  EXPECT_FALSE(validate(o).ok());  // no request
  o.requests.push_back(spec_for("http://127.0.0.1:1/"));
  EXPECT_TRUE(validate(o).ok());
  o.connections = 0;
  EXPECT_FALSE(validate(o).ok());
  o.connections = 10;
  o.requests.push_back(spec_for("http://127.0.0.1:2/"));
  EXPECT_FALSE(validate(o).ok());
  o.requests.pop_back();
  o.rate = 0.0;
  EXPECT_FALSE(validate(o).ok());
  o.rate.reset();
  o.max_requests = 5;
  EXPECT_FALSE(o.effective_duration().has_value());
  o.max_requests.reset();
  EXPECT_EQ(o.effective_duration(), core::Duration(std::chrono::seconds(10)));
}

}  // namespace
}  // namespace ramjet::bench
