#include "cache/cache_control.hpp"

#include <gtest/gtest.h>

#include "test_util.hpp"

namespace ramjet::cache {
namespace {

using testing::Headers;

ResponseDirectives response(std::string_view value) {
  ResponseDirectives cc;
  parse_cache_control(value, cc);
  return cc;
}

RequestDirectives request(std::string_view value) {
  RequestDirectives cc;
  parse_cache_control(value, cc);
  return cc;
}

TEST(ResponseDirectives, ReadsEveryDirective) {
  const ResponseDirectives cc = response(
      "max-age=60, s-maxage=120, no-store, no-cache, private, public, must-revalidate, "
      "proxy-revalidate, stale-while-revalidate=30, stale-if-error=600, immutable, "
      "must-understand, no-transform");
  EXPECT_EQ(cc.max_age, Seconds{60});
  EXPECT_EQ(cc.s_maxage, Seconds{120});
  EXPECT_EQ(cc.stale_while_revalidate, Seconds{30});
  EXPECT_EQ(cc.stale_if_error, Seconds{600});
  EXPECT_TRUE(cc.no_store);
  EXPECT_TRUE(cc.no_cache);
  EXPECT_TRUE(cc.is_private);
  EXPECT_TRUE(cc.is_public);
  EXPECT_TRUE(cc.must_revalidate);
  EXPECT_TRUE(cc.proxy_revalidate);
  EXPECT_TRUE(cc.immutable);
  EXPECT_TRUE(cc.must_understand);
  EXPECT_TRUE(cc.no_transform);
  EXPECT_TRUE(cc.present);
}

TEST(ResponseDirectives, IgnoresCaseAndWhitespace) {
  const ResponseDirectives cc = response("  MAX-AGE = 60 ,\tPublic ,No-Store  ");
  EXPECT_EQ(cc.max_age, Seconds{60});
  EXPECT_TRUE(cc.is_public);
  EXPECT_TRUE(cc.no_store);
}

TEST(ResponseDirectives, AcceptsQuotedDeltaSeconds) {
  EXPECT_EQ(response("max-age=\"60\"").max_age, Seconds{60});
  EXPECT_EQ(response("s-maxage=\"5\"").s_maxage, Seconds{5});
}

TEST(ResponseDirectives, FirstOccurrenceOfAnArgumentWins) {
  EXPECT_EQ(response("max-age=60, max-age=10").max_age, Seconds{60});
  ResponseDirectives cc;
  parse_cache_control("max-age=5", cc);
  parse_cache_control("max-age=500", cc);  // a second field line
  EXPECT_EQ(cc.max_age, Seconds{5});
}

TEST(ResponseDirectives, MalformedMaxAgeMakesTheResponseStale) {
  EXPECT_EQ(response("max-age=abc").max_age, Seconds{0});
  EXPECT_EQ(response("max-age=-1").max_age, Seconds{0});
  EXPECT_EQ(response("max-age=").max_age, Seconds{0});
  EXPECT_EQ(response("max-age").max_age, Seconds{0});
  EXPECT_EQ(response("max-age=5s").max_age, Seconds{0});
  EXPECT_EQ(response("s-maxage=1.5").s_maxage, Seconds{0});
}

TEST(ResponseDirectives, ClampsHugeValuesTo2Pow31) {
  EXPECT_EQ(response("max-age=99999999999999999999999").max_age, Seconds{kMaxDeltaSeconds});
  EXPECT_EQ(response("max-age=2147483647").max_age, Seconds{2147483647});
}

TEST(ResponseDirectives, QualifiedNoCacheAndPrivateKeepTheirFieldLists) {
  const ResponseDirectives cc = response("no-cache=\"Set-Cookie, X-Secret\", private=\"X-User\"");
  EXPECT_FALSE(cc.no_cache);
  EXPECT_FALSE(cc.is_private);
  EXPECT_EQ(cc.no_cache_fields, "Set-Cookie, X-Secret");
  EXPECT_EQ(cc.private_fields, "X-User");
  std::vector<std::string> names;
  for_each_field_name(cc.no_cache_fields, [&](std::string_view n) { names.emplace_back(n); });
  EXPECT_EQ(names, (std::vector<std::string>{"Set-Cookie", "X-Secret"}));
}

TEST(ResponseDirectives, UnreadableQualifiedListsCountAsUnqualified) {
  EXPECT_TRUE(response("no-cache=\"abc").no_cache);           // unterminated
  EXPECT_TRUE(response("private=\"a\\\"b\"").is_private);      // escapes
  EXPECT_TRUE(response("no-cache=\"\"").no_cache);             // empty list
  EXPECT_TRUE(response("private=\"a\", private=\"b\"").is_private);  // two lists
  EXPECT_TRUE(response("no-cache, no-cache=\"x\"").no_cache);
}

TEST(ResponseDirectives, IgnoresUnknownDirectivesAndGarbage) {
  const ResponseDirectives cc =
      response("foo=bar, ,, =5, @@@, x=\"a,max-age=1\", max-age=7 junk, public, \x01");
  EXPECT_FALSE(cc.max_age.has_value() && *cc.max_age == Seconds{1});  // inside quotes
  EXPECT_EQ(cc.max_age, Seconds{0});  // "max-age=7 junk" is damaged: stale
  EXPECT_TRUE(cc.is_public);
  EXPECT_FALSE(cc.no_store);
}

TEST(ResponseDirectives, SurvivesPathologicalInputs) {
  for (const std::string_view value :
       {"", ",", "=", "\"", "\\", "max-age=\"", "max-age=\"\\", "a=\"\\\"", ",,,,=,=,=",
        "no-cache=\"", "private=,", "\"unterminated, max-age=5"}) {
    const ResponseDirectives cc = response(value);
    EXPECT_TRUE(cc.present) << value;
  }
}

TEST(ResponseDirectives, CollectsAllFieldLines) {
  const Headers h{{"Cache-Control", "public"}, {"X", "y"}, {"cache-control", "max-age=9"}};
  const ResponseDirectives cc = parse_response_directives(h);
  EXPECT_TRUE(cc.is_public);
  EXPECT_EQ(cc.max_age, Seconds{9});
}

TEST(RequestDirectives, ReadsEveryDirective) {
  const RequestDirectives cc =
      request("no-cache, no-store, max-age=5, min-fresh=3, max-stale=10, only-if-cached, "
              "stale-if-error=20");
  EXPECT_TRUE(cc.no_cache);
  EXPECT_TRUE(cc.no_store);
  EXPECT_TRUE(cc.only_if_cached);
  EXPECT_EQ(cc.max_age, Seconds{5});
  EXPECT_EQ(cc.min_fresh, Seconds{3});
  EXPECT_TRUE(cc.max_stale);
  EXPECT_EQ(cc.max_stale_limit, Seconds{10});
  EXPECT_EQ(cc.stale_if_error, Seconds{20});
}

TEST(RequestDirectives, MaxStaleWithoutValueAcceptsAnyStaleness) {
  const RequestDirectives cc = request("max-stale");
  EXPECT_TRUE(cc.max_stale);
  EXPECT_FALSE(cc.max_stale_limit.has_value());
}

TEST(RequestDirectives, MalformedMaxStaleAcceptsNothing) {
  const RequestDirectives cc = request("max-stale=abc");
  EXPECT_FALSE(cc.max_stale);
}

TEST(RequestDirectives, MalformedMaxAgeForcesRevalidation) {
  EXPECT_EQ(request("max-age=x").max_age, Seconds{0});
  EXPECT_FALSE(request("min-fresh=x").min_fresh.has_value());
}

TEST(RequestDirectives, PragmaNoCacheCountsOnlyWithoutCacheControl) {
  const Headers pragma_only{{"Pragma", "no-cache"}};
  EXPECT_TRUE(parse_request_directives(pragma_only).no_cache);
  const Headers both{{"Pragma", "no-cache"}, {"Cache-Control", "max-age=60"}};
  const RequestDirectives cc = parse_request_directives(both);
  EXPECT_FALSE(cc.no_cache);
  EXPECT_EQ(cc.max_age, Seconds{60});
  const Headers other{{"Pragma", "foo"}};
  EXPECT_FALSE(parse_request_directives(other).no_cache);
}

SurrogateDirectives surrogate(std::initializer_list<std::string_view> lines) {
  SurrogateDirectives d;
  for (std::string_view line : lines) {
    parse_surrogate_control(line, d);
  }
  return d;
}

TEST(SurrogateDirectives, ReadsMaxAgeAndItsFreshnessExtension) {
  SurrogateDirectives d = surrogate({"foobar, MaX-aGe=3600+600"});
  EXPECT_TRUE(d.present);
  EXPECT_EQ(d.max_age, Seconds{3600});
  EXPECT_EQ(d.stale_extension, Seconds{600});
  EXPECT_FALSE(d.no_store);
  EXPECT_EQ(surrogate({"max-age=60"}).stale_extension, std::nullopt);
}

TEST(SurrogateDirectives, MalformedMaxAgeReadsAsStaleAndTheFirstWins) {
  EXPECT_EQ(surrogate({"max-age=soon"}).max_age, Seconds{0});
  EXPECT_EQ(surrogate({"max-age"}).max_age, Seconds{0});
  EXPECT_EQ(surrogate({"max-age=10", "max-age=99"}).max_age, Seconds{10});
  EXPECT_EQ(surrogate({"max-age=99999999999"}).max_age, Seconds{kMaxDeltaSeconds});
}

TEST(SurrogateDirectives, DirectivesTargetedAtUsSetTheOthersAside) {
  SurrogateDirectives d = surrogate({"max-age=5, no-store", "max-age=60;ramjet"});
  EXPECT_TRUE(d.targeted);
  EXPECT_EQ(d.max_age, Seconds{60});
  EXPECT_FALSE(d.no_store) << "an untargeted no-store yields to what is addressed to us";
  EXPECT_EQ(surrogate({"max-age=60;ramjet, no-store"}).no_store, false);
  EXPECT_EQ(surrogate({"no-store;RAMJET"}).no_store, true);
}

TEST(SurrogateDirectives, DirectivesForAnotherDeviceAreIgnored) {
  SurrogateDirectives d = surrogate({"no-store;edge1, max-age=3600;not-for-you"});
  EXPECT_TRUE(d.present);
  EXPECT_FALSE(d.no_store);
  EXPECT_EQ(d.max_age, std::nullopt);
  EXPECT_EQ(surrogate({"max-age=30;edge1, max-age=60"}).max_age, Seconds{60});
}

TEST(SurrogateDirectives, SurrogateFieldsAreRecognisedInAnyCase) {
  for (std::string_view name : {"Surrogate-Control", "surrogate-key", "CACHE-TAG"}) {
    EXPECT_TRUE(is_surrogate_field(name)) << name;
  }
  for (std::string_view name : {"Cache-Control", "Surrogate-Capability", "cache-tags", ""}) {
    EXPECT_FALSE(is_surrogate_field(name)) << name;
  }
}

TEST(DeltaSeconds, ParsesDigitsOnly) {
  EXPECT_EQ(parse_delta_seconds("0"), Seconds{0});
  EXPECT_EQ(parse_delta_seconds("0042"), Seconds{42});
  EXPECT_FALSE(parse_delta_seconds("").has_value());
  EXPECT_FALSE(parse_delta_seconds(" 1").has_value());
  EXPECT_FALSE(parse_delta_seconds("+1").has_value());
  EXPECT_EQ(parse_delta_seconds("2147483648"), Seconds{kMaxDeltaSeconds});
  EXPECT_EQ(parse_delta_seconds("2147483649"), Seconds{kMaxDeltaSeconds});
}

}  // namespace
}  // namespace ramjet::cache
