#include "cache/key.hpp"

#include <gtest/gtest.h>

#include "test_util.hpp"

namespace ramjet::cache {
namespace {

using testing::Headers;

RequestView get(std::string_view host, std::string_view path, std::string_view query = {},
                std::span<const http::Header> headers = {}) {
  RequestView r;
  r.method = http::Method::kGet;
  r.host = host;
  r.path = path;
  r.query = query;
  r.headers = headers;
  return r;
}

std::string key_of(const RequestView& r, const KeyOptions& options = {}) {
  CacheKey key;
  EXPECT_EQ(build_key(r, options, key), KeyError::kNone);
  return key.bytes;
}

TEST(PrimaryKey, NormalisesSchemeHostAndPath) {
  EXPECT_EQ(key_of(get("Example.COM", "/a/b", "x=1")), "http://example.com/a/b?x=1");
  EXPECT_EQ(key_of(get("example.com:80", "/")), "http://example.com/");
  EXPECT_EQ(key_of(get("example.com:8080", "/")), "http://example.com:8080/");
  RequestView tls = get("example.com:443", "/");
  tls.scheme = "https";
  EXPECT_EQ(key_of(tls), "https://example.com/");
  EXPECT_EQ(key_of(get("h", "")), "http://h/");
  EXPECT_EQ(key_of(get("h", "/%7euser/%2f%2F%41")), "http://h/~user/%2F%2FA");
  EXPECT_EQ(key_of(get("h", "/100%")), "http://h/100%");
}

TEST(PrimaryKey, IsMethodIndependentForGetAndHead) {
  RequestView head = get("h", "/x");
  head.method = http::Method::kHead;
  EXPECT_EQ(key_of(head), key_of(get("h", "/x")));
}

TEST(PrimaryKey, QueryKeptVerbatimByDefault) {
  EXPECT_EQ(key_of(get("h", "/", "b=2&a=1&&utm_source=x")), "http://h/?b=2&a=1&&utm_source=x");
  EXPECT_NE(key_of(get("h", "/", "a=1&b=2")), key_of(get("h", "/", "b=2&a=1")));
}

TEST(PrimaryKey, SortsAndDropsQueryParameters) {
  KeyOptions o;
  o.sort_query = true;
  o.drop_query = {"utm_*", "fbclid", "x?"};
  EXPECT_EQ(key_of(get("h", "/", "b=2&utm_source=a&a=1&fbclid=z&utm_medium=b&xy=1&xyz=2"), o),
            "http://h/?a=1&b=2&xyz=2");
  EXPECT_EQ(key_of(get("h", "/", "b=2&a=1"), o), key_of(get("h", "/", "a=1&b=2"), o));
  // Repeated names keep their relative order (a=2&a=1 is a different list than a=1&a=2).
  EXPECT_EQ(key_of(get("h", "/", "z=0&a=2&a=1"), o), "http://h/?a=2&a=1&z=0");
  EXPECT_EQ(key_of(get("h", "/p", "utm_source=x"), o), "http://h/p");
  EXPECT_EQ(key_of(get("h", "/p", "&&b&a="), o), "http://h/p?a=&b");
}

TEST(PrimaryKey, IncludesNamedRequestHeaders) {
  KeyOptions o;
  o.include_headers = {"x-tenant", "accept-language"};
  const Headers a{{"X-Tenant", "  acme  "}, {"Accept-Language", "EN-us"}};
  const Headers b{{"x-tenant", "acme"}, {"accept-language", "en-US"}};
  const Headers other{{"X-Tenant", "globex"}};
  const Headers none{};
  const std::string ka = key_of(get("h", "/", {}, a), o);
  EXPECT_EQ(ka, key_of(get("h", "/", {}, b), o));
  EXPECT_NE(ka, key_of(get("h", "/", {}, other), o));
  EXPECT_EQ(printable_key(ka), "http://h/ | Hx-tenant:acme | Haccept-language:en-us");
  EXPECT_EQ(printable_key(key_of(get("h", "/", {}, none), o)),
            "http://h/ | Hx-tenant | Haccept-language");
  CacheKey key;
  ASSERT_EQ(build_key(get("h", "/", {}, a), o, key), KeyError::kNone);
  EXPECT_EQ(key.url(), "http://h/");
  EXPECT_NE(key.hash, key.url_hash);
  EXPECT_EQ(key.url_hash, hash_bytes("http://h/"));
}

RequestView post(std::string_view body, http::Method method = http::Method::kPost) {
  RequestView r = get("h", "/search");
  r.method = method;
  r.body = body;
  return r;
}

TEST(BodyKey, RawBodyHash) {
  KeyOptions o;
  o.body = BodyKey::kRaw;
  const std::string k1 = key_of(post("{\"q\":1}"), o);
  EXPECT_NE(k1, key_of(post("{\"q\":2}"), o));
  EXPECT_NE(k1, key_of(post("{ \"q\":1}"), o));
  EXPECT_EQ(k1, key_of(post("{\"q\":1}"), o));
  EXPECT_NE(k1, key_of(post("{\"q\":1}", http::Method::kQuery), o));
  EXPECT_NE(k1, key_of(get("h", "/search"), o));  // a GET never meets a POST's entry
  EXPECT_EQ(k1.find("http://h/search\x1fMPOST\x1f" "B"), 0U);
  EXPECT_EQ(k1.size(), std::string("http://h/search\x1fMPOST\x1f" "B").size() + 32);
}

TEST(BodyKey, JsonBodiesThatMeanTheSameShareAKey) {
  KeyOptions o;
  o.body = BodyKey::kJson;
  const std::string k = key_of(post("{\"q\":\"x\",\"k\":1}"), o);
  EXPECT_EQ(k, key_of(post("{ \"k\": 1, \"q\": \"x\" }"), o));
  EXPECT_EQ(k, key_of(post("{\"k\":1.0,\"q\":\"\\u0078\"}"), o));
  EXPECT_NE(k, key_of(post("{\"k\":2,\"q\":\"x\"}"), o));
  CacheKey key;
  ASSERT_EQ(build_key(post("{ \"k\": 1e0, \"q\": \"x\" }"), o, key), KeyError::kNone);
  EXPECT_EQ(key.canonical_body, "{\"k\":1,\"q\":\"x\"}");
}

TEST(BodyKey, InvalidOrOversizedBodiesAreNotCacheable) {
  KeyOptions o;
  o.body = BodyKey::kJson;
  o.max_body_bytes = 16;
  CacheKey key;
  EXPECT_EQ(build_key(post("{\"q\":"), o, key), KeyError::kBadJson);
  EXPECT_EQ(key.json_error, JsonError::kSyntax);
  EXPECT_EQ(build_key(post("{\"q\":\"0123456789abc\"}"), o, key), KeyError::kBodyTooLarge);
  o.body = BodyKey::kNone;
  EXPECT_EQ(build_key(post("{}"), o, key), KeyError::kBodyNotKeyed);
  EXPECT_STREQ(to_string(KeyError::kBadJson), "invalid-json");
}

TEST(UrlKey, FromTargets) {
  std::string out;
  ASSERT_TRUE(url_key_from_target("HTTP://Example.com:80/a?b#frag", "https", "x", {}, out));
  EXPECT_EQ(out, "http://example.com/a?b");
  out.clear();
  ASSERT_TRUE(url_key_from_target("/p?q=1", "https", "Host.example", {}, out));
  EXPECT_EQ(out, "https://host.example/p?q=1");
  out.clear();
  ASSERT_TRUE(url_key_from_target("http://h", "http", "x", {}, out));
  EXPECT_EQ(out, "http://h/");
  EXPECT_FALSE(url_key_from_target("ftp://h/x", "http", "h", {}, out));
  EXPECT_FALSE(url_key_from_target("relative", "http", "h", {}, out));
  EXPECT_FALSE(url_key_from_target("//h/x", "http", "h", {}, out));
  EXPECT_FALSE(url_key_from_target("", "http", "h", {}, out));
}

TEST(VaryKey, NormalisesResponseVaryNames) {
  std::string names;
  EXPECT_TRUE(normalize_vary(Headers{{"Vary", "Accept-Encoding, accept-language"},
                                     {"vary", "ACCEPT-ENCODING,, X-Foo"}},
                             names));
  EXPECT_EQ(names, "accept-encoding,accept-language,x-foo");
  EXPECT_FALSE(normalize_vary(Headers{{"Vary", "Accept, *"}}, names));
  EXPECT_TRUE(normalize_vary(Headers{{"X", "y"}}, names));
  EXPECT_EQ(names, "");
}

std::string variant(std::string_view names, const Headers& request) {
  std::string out;
  build_variant_key(names, request, out);
  return out;
}

TEST(VaryKey, AcceptEncodingTokensAreSortedAndCaseFolded) {
  const std::string k = variant("accept-encoding", Headers{{"Accept-Encoding", "gzip, br"}});
  EXPECT_EQ(k, "accept-encoding=br,gzip");
  EXPECT_EQ(k, variant("accept-encoding", Headers{{"accept-encoding", " BR ,GZIP "}}));
  EXPECT_EQ(k, variant("accept-encoding",
                       Headers{{"Accept-Encoding", "gzip"}, {"Accept-Encoding", "br"}}));
  EXPECT_NE(k, variant("accept-encoding", Headers{{"Accept-Encoding", "gzip"}}));
  EXPECT_EQ(variant("accept-encoding", Headers{{"Accept-Encoding", "gzip ; q=0.5, br"}}),
            "accept-encoding=br,gzip;q=0.5");
}

TEST(VaryKey, OtherFieldsKeepOrderAndOnlyAcceptFamilyIsCaseFolded) {
  EXPECT_EQ(variant("accept-language", Headers{{"Accept-Language", "EN,  fr;q=0.5"}}),
            "accept-language=en,fr;q=0.5");
  EXPECT_NE(variant("accept-language", Headers{{"Accept-Language", "en, fr"}}),
            variant("accept-language", Headers{{"Accept-Language", "fr, en"}}));
  EXPECT_NE(variant("cookie", Headers{{"Cookie", "s=ABC"}}),
            variant("cookie", Headers{{"Cookie", "s=abc"}}));
  EXPECT_EQ(variant("x-a", Headers{{"X-A", "a   b\t c"}}), "x-a=a b c");
}

TEST(VaryKey, AbsentDiffersFromEmptyAndNamesCombine) {
  const std::string absent = variant("accept,x-b", Headers{});
  const std::string empty = variant("accept,x-b", Headers{{"Accept", ""}});
  EXPECT_EQ(absent, "accept\x1fx-b");
  EXPECT_EQ(empty, "accept=\x1fx-b");
  EXPECT_NE(absent, empty);
  EXPECT_EQ(variant("accept,x-b", Headers{{"X-B", "1"}, {"Accept", "text/html"}}),
            "accept=text/html\x1fx-b=1");
  EXPECT_EQ(variant("", Headers{{"Accept", "x"}}), "");
}

TEST(PrintableKey, EscapesControlBytes) {
  EXPECT_EQ(printable_key(std::string_view("a\x1f" "b\x01" "c", 5)), "a | b\\x01c");
}

}  // namespace
}  // namespace ramjet::cache
