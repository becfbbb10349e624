#include "cache/storability.hpp"

#include <gtest/gtest.h>

#include "test_util.hpp"

namespace ramjet::cache {
namespace {

using namespace std::chrono_literals;
using testing::Headers;

struct Row {
  const char* what;
  http::Method method;
  std::vector<std::pair<std::string, std::string>> request;
  int status;
  std::vector<std::pair<std::string, std::string>> response;
  NotStored expected;
  void (*tweak)(CachePolicy&) = nullptr;
};

class StorabilityTable : public ::testing::TestWithParam<Row> {};

TEST_P(StorabilityTable, Decides) {
  const Row& row = GetParam();
  Headers request{};
  for (const auto& [n, v] : row.request) {
    request.add(n, v);
  }
  Headers response{};
  for (const auto& [n, v] : row.response) {
    response.add(n, v);
  }
  CachePolicy policy;
  policy.max_object_bytes = 1000;
  if (row.tweak != nullptr) {
    row.tweak(policy);
  }
  RequestView view;
  view.method = row.method;
  view.host = "example.com";
  view.path = "/x";
  view.headers = request.span();
  const ResponseFacts facts = analyze_response(row.status, response);
  const core::ManualClock clock;
  std::optional<std::uint64_t> length;
  for (const auto& [n, v] : row.response) {
    if (n == "Content-Length") {
      length = std::stoull(v);
    }
  }
  const StorageDecision d = decide_storage(view, parse_request_directives(request), facts, policy,
                                           clock.wall_now(), length);
  EXPECT_EQ(d.reason, row.expected) << row.what << ": got " << to_string(d.reason);
}

const Row kRows[] = {
    {"plain max-age", http::Method::kGet, {}, 200, {{"Cache-Control", "max-age=60"}},
     NotStored::kStored},
    {"HEAD responses are not stored", http::Method::kHead, {}, 200,
     {{"Cache-Control", "max-age=60"}}, NotStored::kMethod},
    {"POST not opted in", http::Method::kPost, {}, 200, {{"Cache-Control", "max-age=60"}},
     NotStored::kMethod},
    {"POST opted in", http::Method::kPost, {}, 200, {{"Cache-Control", "max-age=60"}},
     NotStored::kStored,
     [](CachePolicy& p) {
       p.cache_post = true;
       p.key.body = BodyKey::kJson;
     }},
    {"QUERY opted in with route ttl", http::Method::kQuery, {}, 200, {}, NotStored::kStored,
     [](CachePolicy& p) {
       p.cache_post = true;
       p.key.body = BodyKey::kRaw;
       p.ttl = 1min;
     }},
    {"PUT never", http::Method::kPut, {}, 200, {{"Cache-Control", "max-age=60"}},
     NotStored::kMethod},
    {"route disabled", http::Method::kGet, {}, 200, {{"Cache-Control", "max-age=60"}},
     NotStored::kDisabled, [](CachePolicy& p) { p.enabled = false; }},
    {"request no-store", http::Method::kGet, {{"Cache-Control", "no-store"}}, 200,
     {{"Cache-Control", "max-age=60"}}, NotStored::kRequestNoStore},
    {"response no-store", http::Method::kGet, {}, 200, {{"Cache-Control", "max-age=60, no-store"}},
     NotStored::kNoStore},
    {"no-store even with a route ttl", http::Method::kGet, {}, 200,
     {{"Cache-Control", "no-store"}}, NotStored::kNoStore, [](CachePolicy& p) { p.ttl = 5min; }},
    {"no-store overridden", http::Method::kGet, {}, 200, {{"Cache-Control", "no-store"}},
     NotStored::kStored,
     [](CachePolicy& p) {
       p.ttl = 5min;
       p.store_no_store = true;
     }},
    {"private", http::Method::kGet, {}, 200, {{"Cache-Control", "private, max-age=60"}},
     NotStored::kPrivate},
    {"private overridden", http::Method::kGet, {}, 200, {{"Cache-Control", "private, max-age=60"}},
     NotStored::kStored, [](CachePolicy& p) { p.store_private = true; }},
    {"qualified private is stored (fields stripped)", http::Method::kGet, {}, 200,
     {{"Cache-Control", "private=\"X-User\", max-age=60"}}, NotStored::kStored},
    {"Authorization", http::Method::kGet, {{"Authorization", "Bearer x"}}, 200,
     {{"Cache-Control", "max-age=60"}}, NotStored::kAuthorization},
    {"Authorization with public", http::Method::kGet, {{"Authorization", "Bearer x"}}, 200,
     {{"Cache-Control", "public, max-age=60"}}, NotStored::kStored},
    {"Authorization with s-maxage", http::Method::kGet, {{"Authorization", "Bearer x"}}, 200,
     {{"Cache-Control", "s-maxage=60"}}, NotStored::kStored},
    {"Authorization with must-revalidate", http::Method::kGet, {{"Authorization", "x"}}, 200,
     {{"Cache-Control", "max-age=60, must-revalidate"}}, NotStored::kStored},
    {"Set-Cookie refused by default", http::Method::kGet, {}, 200,
     {{"Cache-Control", "max-age=60"}, {"Set-Cookie", "a=b"}}, NotStored::kSetCookie},
    {"Set-Cookie stripped", http::Method::kGet, {}, 200,
     {{"Cache-Control", "max-age=60"}, {"Set-Cookie", "a=b"}}, NotStored::kStored,
     [](CachePolicy& p) { p.set_cookie = SetCookiePolicy::kStrip; }},
    {"Vary star", http::Method::kGet, {}, 200,
     {{"Cache-Control", "max-age=60"}, {"Vary", "Accept, *"}}, NotStored::kVaryStar},
    {"Vary named", http::Method::kGet, {}, 200,
     {{"Cache-Control", "max-age=60"}, {"Vary", "Accept-Encoding"}}, NotStored::kStored},
    {"too large", http::Method::kGet, {}, 200,
     {{"Cache-Control", "max-age=60"}, {"Content-Length", "1001"}}, NotStored::kTooLarge},
    {"at the limit", http::Method::kGet, {}, 200,
     {{"Cache-Control", "max-age=60"}, {"Content-Length", "1000"}}, NotStored::kStored},
    {"206", http::Method::kGet, {}, 206, {{"Cache-Control", "max-age=60"}}, NotStored::kPartial},
    {"304", http::Method::kGet, {}, 304, {{"Cache-Control", "max-age=60"}}, NotStored::kStatus},
    {"100", http::Method::kGet, {}, 100, {}, NotStored::kStatus},
    {"500 with max-age", http::Method::kGet, {}, 500, {{"Cache-Control", "max-age=60"}},
     NotStored::kStored},
    {"302 without freshness", http::Method::kGet, {}, 302, {}, NotStored::kNoFreshness},
    {"302 public with ETag", http::Method::kGet, {}, 302,
     {{"Cache-Control", "public"}, {"ETag", "\"a\""}}, NotStored::kStored},
    {"200 without anything", http::Method::kGet, {}, 200, {}, NotStored::kNotReusable},
    {"200 with only an ETag (revalidatable)", http::Method::kGet, {}, 200, {{"ETag", "\"v1\""}},
     NotStored::kStored},
    {"no-cache without validators", http::Method::kGet, {}, 200,
     {{"Cache-Control", "no-cache, max-age=60"}}, NotStored::kNotReusable},
    {"no-cache with ETag", http::Method::kGet, {}, 200,
     {{"Cache-Control", "no-cache"}, {"ETag", "\"a\""}}, NotStored::kStored},
    {"max-age=0 with stale-while-revalidate", http::Method::kGet, {}, 200,
     {{"Cache-Control", "max-age=0, stale-while-revalidate=30"}}, NotStored::kStored},
    {"route ttl for a listed status", http::Method::kGet, {}, 404, {}, NotStored::kStored,
     [](CachePolicy& p) { p.ttl = 5min; }},
    {"route ttl not for an unlisted status", http::Method::kGet, {}, 500, {},
     NotStored::kNoFreshness, [](CachePolicy& p) { p.ttl = 5min; }},
    {"must-understand with a known status ignores no-store", http::Method::kGet, {}, 200,
     {{"Cache-Control", "must-understand, no-store, max-age=60"}}, NotStored::kStored},
    {"must-understand with an unknown status", http::Method::kGet, {}, 299,
     {{"Cache-Control", "must-understand, no-store, max-age=60"}}, NotStored::kMustUnderstand},
    // Surrogate-Control (Edge Architecture): no-store to the surrogate beats a fresh
    // Cache-Control (http-cache-tests surrogate-no-store-cc-fresh), unless it targets another.
    {"Surrogate-Control no-store with fresh Cache-Control", http::Method::kGet, {}, 200,
     {{"Cache-Control", "max-age=10000"}, {"Surrogate-Control", "no-store"}},
     NotStored::kNoStore},
    {"Surrogate-Control no-store targeted at us", http::Method::kGet, {}, 200,
     {{"Cache-Control", "max-age=60"}, {"Surrogate-Control", "max-age=5, no-store;ramjet"}},
     NotStored::kNoStore},
    {"Surrogate-Control no-store for another surrogate", http::Method::kGet, {}, 200,
     {{"Cache-Control", "max-age=60"}, {"Surrogate-Control", "no-store;edge1"}},
     NotStored::kStored},
    // Surrogate-Control max-age addresses us directly: Cache-Control's no-store and private
    // are for the browsers behind us (http-cache-tests surrogate-fresh-cc-nostore).
    {"Surrogate-Control max-age over Cache-Control no-store", http::Method::kGet, {}, 200,
     {{"Cache-Control", "no-store"}, {"Surrogate-Control", "max-age=10000;ramjet"}},
     NotStored::kStored},
    {"Surrogate-Control max-age over Cache-Control private", http::Method::kGet, {}, 200,
     {{"Cache-Control", "private"}, {"Surrogate-Control", "max-age=60"}}, NotStored::kStored},
    {"Surrogate-Control max-age for another device leaves no-store alone", http::Method::kGet,
     {}, 200, {{"Cache-Control", "no-store"}, {"Surrogate-Control", "max-age=60;edge1"}},
     NotStored::kNoStore},
    {"Surrogate-Control no-store even when the route stores no-store", http::Method::kGet, {},
     200, {{"Cache-Control", "max-age=60"}, {"Surrogate-Control", "no-store"}},
     NotStored::kNoStore, [](CachePolicy& p) { p.store_no_store = true; }},
};

INSTANTIATE_TEST_SUITE_P(Rfc9111, StorabilityTable, ::testing::ValuesIn(kRows));

TEST(PlanRequest, LooksUpSafeMethodsAndInvalidatesUnsafeOnes) {
  CachePolicy policy;
  RequestView r;
  r.method = http::Method::kGet;
  EXPECT_EQ(plan_request(r, policy).action, RequestAction::kLookup);
  r.method = http::Method::kHead;
  EXPECT_EQ(plan_request(r, policy).action, RequestAction::kLookup);
  for (const http::Method m : {http::Method::kPost, http::Method::kPut, http::Method::kDelete,
                               http::Method::kPatch, http::Method::kOther}) {
    r.method = m;
    EXPECT_EQ(plan_request(r, policy).action, RequestAction::kInvalidate);
  }
  for (const http::Method m : {http::Method::kOptions, http::Method::kTrace,
                               http::Method::kConnect, http::Method::kQuery}) {
    r.method = m;
    EXPECT_EQ(plan_request(r, policy).action, RequestAction::kBypass);
  }
  policy.cache_post = true;
  policy.key.body = BodyKey::kJson;
  r.method = http::Method::kPost;
  EXPECT_EQ(plan_request(r, policy).action, RequestAction::kLookup);
  r.method = http::Method::kQuery;
  EXPECT_EQ(plan_request(r, policy).action, RequestAction::kLookup);
  policy.enabled = false;
  r.method = http::Method::kGet;
  EXPECT_EQ(plan_request(r, policy).action, RequestAction::kBypass);
}

TEST(Invalidation, TargetAndSameHostLocations) {
  RequestView r;
  r.method = http::Method::kPut;
  r.host = "API.example.com:80";
  r.path = "/users/7";
  const Headers response{{"Location", "http://api.example.com/users/7/v2"},
                         {"Content-Location", "/users/7?full=1"},
                         {"Location", "http://evil.example.net/users/7"},
                         {"Content-Location", "relative/path"}};
  const std::vector<std::string> urls = invalidation_urls(r, response, {});
  EXPECT_EQ(urls, (std::vector<std::string>{"http://api.example.com/users/7",
                                            "http://api.example.com/users/7/v2",
                                            "http://api.example.com/users/7?full=1"}));
  EXPECT_TRUE(invalidates(201));
  EXPECT_TRUE(invalidates(303));
  EXPECT_FALSE(invalidates(404));
  EXPECT_FALSE(invalidates(500));
}

TEST(ValidatePolicy, NormalisesAndRejects) {
  CachePolicy p;
  p.key.include_headers = {"X-Tenant"};
  p.ttl_statuses = {404, 200, 200};
  auto ok = validate_policy(p);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->key.include_headers[0], "x-tenant");
  EXPECT_EQ(ok->ttl_statuses, (std::vector<int>{200, 404}));
  p.refresh_ahead = 1.5;
  EXPECT_FALSE(validate_policy(p).ok());
  p.refresh_ahead = 0.8;
  p.cache_post = true;
  EXPECT_FALSE(validate_policy(p).ok());
  p.key.body = BodyKey::kJson;
  EXPECT_TRUE(validate_policy(p).ok());
  p.ttl_statuses = {304};
  EXPECT_FALSE(validate_policy(p).ok());
  p.ttl_statuses = {200};
  p.key.include_headers = {"bad header"};
  EXPECT_FALSE(validate_policy(p).ok());
}

}  // namespace
}  // namespace ramjet::cache
