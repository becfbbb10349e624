#include "cache/freshness.hpp"

#include <gtest/gtest.h>

#include "test_util.hpp"

namespace ramjet::cache {
namespace {

using namespace std::chrono_literals;
using testing::Headers;
using testing::http_date;

class Freshness : public ::testing::Test {
 protected:
  ResponseFacts facts(const Headers& h, int status = 200) { return analyze_response(status, h); }

  FreshnessInfo info(const Headers& h, const CachePolicy& policy = {}) {
    return make_freshness(facts(h), policy, testing::now_times(clock_));
  }

  RequestDirectives req(std::string_view cc) {
    RequestDirectives d;
    parse_cache_control(cc, d);
    return d;
  }

  core::ManualClock clock_;
  CachePolicy policy_;
};

TEST_F(Freshness, SMaxAgeBeatsMaxAgeBeatsExpires) {
  const Headers h{{"Cache-Control", "max-age=60, s-maxage=120"},
                  {"Expires", http_date(clock_, 1000s)},
                  {"Date", http_date(clock_)}};
  const Lifetime l = freshness_lifetime(facts(h), policy_, clock_.wall_now());
  EXPECT_EQ(l.value, 120s);
  EXPECT_EQ(l.source, LifetimeSource::kSMaxAge);
  const Headers h2{{"Cache-Control", "max-age=60"}, {"Expires", http_date(clock_, 1000s)}};
  EXPECT_EQ(freshness_lifetime(facts(h2), policy_, clock_.wall_now()).value, 60s);
}

TEST_F(Freshness, SurrogateMaxAgeBeatsCacheControlAndExpires) {
  const Headers h{{"Cache-Control", "max-age=1, s-maxage=2, no-cache"},
                  {"Expires", http_date(clock_, 5s)},
                  {"Surrogate-Control", "max-age=3600+30"}};
  const Lifetime l = freshness_lifetime(facts(h), policy_, clock_.wall_now());
  EXPECT_EQ(l.value, 3600s);
  EXPECT_EQ(l.source, LifetimeSource::kSurrogateMaxAge);
  const FreshnessInfo i = info(h);
  EXPECT_FALSE(i.no_cache) << "Surrogate-Control governs: Cache-Control no-cache is for others";
  EXPECT_FALSE(i.must_revalidate) << "s-maxage no longer applies, nor its proxy-revalidate";
  EXPECT_EQ(i.stale_if_error, 30s) << "the freshness extension covers an unreachable origin";
  const Headers other{{"Cache-Control", "max-age=1"},
                      {"Surrogate-Control", "max-age=3600;edge1"}};
  EXPECT_EQ(freshness_lifetime(facts(other), policy_, clock_.wall_now()).value, 1s);
}

TEST_F(Freshness, ExpiresMinusDate) {
  const Headers h{{"Date", http_date(clock_, -100s)}, {"Expires", http_date(clock_, 200s)}};
  const Lifetime l = freshness_lifetime(facts(h), policy_, clock_.wall_now());
  EXPECT_EQ(l.value, 300s);
  EXPECT_EQ(l.source, LifetimeSource::kExpires);
}

TEST_F(Freshness, ExpiresWithoutDateUsesTheResponseTime) {
  const Headers h{{"Expires", http_date(clock_, 50s)}};
  EXPECT_EQ(freshness_lifetime(facts(h), policy_, clock_.wall_now()).value, 50s);
}

TEST_F(Freshness, InvalidOrPastExpiresMeansAlreadyStale) {
  const Headers invalid{{"Expires", "0"}};
  const Lifetime l = freshness_lifetime(facts(invalid), policy_, clock_.wall_now());
  EXPECT_EQ(l.value, 0s);
  EXPECT_EQ(l.source, LifetimeSource::kExpires);
  const Headers past{{"Date", http_date(clock_)}, {"Expires", http_date(clock_, -10s)}};
  EXPECT_EQ(freshness_lifetime(facts(past), policy_, clock_.wall_now()).value, 0s);
}

TEST_F(Freshness, RouteTtlOnlyWhenTheOriginSaidNothing) {
  policy_.ttl = 5min;
  const Headers none{{"Content-Type", "application/json"}};
  const Lifetime l = freshness_lifetime(facts(none), policy_, clock_.wall_now());
  EXPECT_EQ(l.value, 5min);
  EXPECT_EQ(l.source, LifetimeSource::kRouteTtl);
  const Headers explicit_zero{{"Cache-Control", "max-age=0"}};
  EXPECT_EQ(freshness_lifetime(facts(explicit_zero), policy_, clock_.wall_now()).value, 0s);
  EXPECT_EQ(freshness_lifetime(facts(none, 500), policy_, clock_.wall_now()).value, 0s);
  EXPECT_EQ(freshness_lifetime(facts(none, 404), policy_, clock_.wall_now()).value, 5min);
}

TEST_F(Freshness, HeuristicIsOffByDefaultAndAFractionWhenOn) {
  const Headers h{{"Date", http_date(clock_)}, {"Last-Modified", http_date(clock_, -1000s)}};
  EXPECT_EQ(freshness_lifetime(facts(h), policy_, clock_.wall_now()).value, 0s);
  policy_.heuristic = true;
  const Lifetime l = freshness_lifetime(facts(h), policy_, clock_.wall_now());
  EXPECT_EQ(l.value, 100s);
  EXPECT_EQ(l.source, LifetimeSource::kHeuristic);
  policy_.heuristic_max = 30s;
  EXPECT_EQ(freshness_lifetime(facts(h), policy_, clock_.wall_now()).value, 30s);
  EXPECT_EQ(freshness_lifetime(facts(h, 302), policy_, clock_.wall_now()).value, 0s);
}

// RFC 9111 §4.2.3 with numbers: the response left the origin 10 s before we got it (Date),
// a cache on the way reported Age: 5, and the exchange took 2 s.
TEST_F(Freshness, CorrectedInitialAgeFollowsRfc9111) {
  const core::WallTime request_time = clock_.wall_now();
  clock_.advance(2s);
  const Headers h{{"Date", http_date(clock_, -10s)}, {"Age", "5"}};
  const ExchangeTimes times{request_time, clock_.wall_now(), clock_.now()};
  // apparent_age = 10; corrected_age_value = 5 + 2 = 7; corrected_initial_age = 10.
  EXPECT_EQ(corrected_initial_age(facts(h), times), 10s);
  const Headers h2{{"Date", http_date(clock_, -1s)}, {"Age", "30"}};
  // apparent_age = 1; corrected_age_value = 30 + 2 = 32.
  EXPECT_EQ(corrected_initial_age(facts(h2), times), 32s);
  const Headers future{{"Date", http_date(clock_, 60s)}};  // origin clock ahead: no negative
  EXPECT_EQ(corrected_initial_age(facts(future), ExchangeTimes{clock_.wall_now(),
                                                               clock_.wall_now(), clock_.now()}),
            0s);
}

TEST_F(Freshness, CurrentAgeAddsResidentTimeOnTheMonotonicClock) {
  const Headers h{{"Cache-Control", "max-age=100"}, {"Age", "15"}};
  const FreshnessInfo i = info(h);
  EXPECT_EQ(current_age(i, clock_.now()), 15s);
  clock_.advance(20s);
  EXPECT_EQ(current_age(i, clock_.now()), 35s);
  EXPECT_EQ(age_seconds(i, clock_.now()), 35);
  EXPECT_EQ(i.fresh_until(), clock_.now() - 20s + 85s);
}

TEST_F(Freshness, AnAgeThatIsNotOneIntegerMakesTheResponseStale) {
  using Lines = std::vector<std::string>;
  const std::vector<Lines> unusable = {{"abc"},  {"-7200"},        {"7200.0"}, {"0, 0"},
                                       {"0", "0"}, {"7200;foo=111"}, {""}};
  for (const Lines& ages : unusable) {
    Headers h{{"Cache-Control", "max-age=3600"}};
    for (const std::string& age : ages) {
      h.add("Age", age);
    }
    const ResponseFacts f = facts(h);
    EXPECT_TRUE(f.age_unusable) << ages.front();
    const Lifetime l = freshness_lifetime(f, policy_, clock_.wall_now());
    EXPECT_EQ(l.value, 0s) << ages.front();
    EXPECT_EQ(l.source, LifetimeSource::kMaxAge);
  }
  const ResponseFacts fine = facts(Headers{{"Age", " 10 "}, {"Cache-Control", "max-age=3600"}});
  EXPECT_FALSE(fine.age_unusable);
  EXPECT_EQ(fine.age, Seconds{10});
  EXPECT_EQ(freshness_lifetime(fine, policy_, clock_.wall_now()).value, 3600s);
}

TEST_F(Freshness, FreshThenStale) {
  const FreshnessInfo i = info(Headers{{"Cache-Control", "max-age=60"}});
  FreshnessDecision d = decide(i, {}, policy_, clock_.now());
  EXPECT_EQ(d.verdict, Verdict::kFresh);
  EXPECT_EQ(d.ttl_left, 60s);
  clock_.advance(59s);
  EXPECT_EQ(decide(i, {}, policy_, clock_.now()).verdict, Verdict::kFresh);
  clock_.advance(1s);  // age == lifetime is stale (freshness_lifetime > current_age)
  d = decide(i, {}, policy_, clock_.now());
  EXPECT_EQ(d.verdict, Verdict::kRevalidate);
  EXPECT_STREQ(d.reason, "stale");
  EXPECT_FALSE(d.serve_now());
}

TEST_F(Freshness, RequestNoCacheAndResponseNoCacheForceRevalidation) {
  const FreshnessInfo i = info(Headers{{"Cache-Control", "max-age=60"}});
  EXPECT_EQ(decide(i, req("no-cache"), policy_, clock_.now()).verdict, Verdict::kRevalidate);
  const FreshnessInfo nc = info(Headers{{"Cache-Control", "max-age=60, no-cache"}});
  const FreshnessDecision d = decide(nc, {}, policy_, clock_.now());
  EXPECT_EQ(d.verdict, Verdict::kRevalidate);
  EXPECT_STREQ(d.reason, "no-cache");
}

TEST_F(Freshness, RequestMaxAgeAndMinFreshNarrowFreshness) {
  const FreshnessInfo i = info(Headers{{"Cache-Control", "max-age=100"}});
  clock_.advance(30s);
  EXPECT_EQ(decide(i, req("max-age=40"), policy_, clock_.now()).verdict, Verdict::kFresh);
  EXPECT_EQ(decide(i, req("max-age=20"), policy_, clock_.now()).verdict, Verdict::kRevalidate);
  EXPECT_EQ(decide(i, req("min-fresh=70"), policy_, clock_.now()).verdict, Verdict::kFresh);
  EXPECT_EQ(decide(i, req("min-fresh=71"), policy_, clock_.now()).verdict, Verdict::kRevalidate);
}

TEST_F(Freshness, MaxStaleAcceptsStaleWithinItsBound) {
  const FreshnessInfo i = info(Headers{{"Cache-Control", "max-age=10"}});
  clock_.advance(25s);  // 15 s stale
  EXPECT_EQ(decide(i, req("max-stale"), policy_, clock_.now()).verdict, Verdict::kStaleAllowed);
  EXPECT_EQ(decide(i, req("max-stale=20"), policy_, clock_.now()).verdict,
            Verdict::kStaleAllowed);
  EXPECT_EQ(decide(i, req("max-stale=10"), policy_, clock_.now()).verdict, Verdict::kRevalidate);
}

TEST_F(Freshness, MustRevalidateProxyRevalidateAndSMaxAgeForbidStaleUse) {
  for (const char* cc : {"max-age=10, must-revalidate", "max-age=10, proxy-revalidate",
                         "s-maxage=10, stale-while-revalidate=100"}) {
    const FreshnessInfo i = info(Headers{{"Cache-Control", cc}});
    clock_.advance(15s);
    const FreshnessDecision d = decide(i, req("max-stale"), policy_, clock_.now());
    EXPECT_EQ(d.verdict, Verdict::kRevalidate) << cc;
    EXPECT_STREQ(d.reason, "must-revalidate") << cc;
    EXPECT_FALSE(usable_on_error(i, {}, clock_.now())) << cc;
  }
}

TEST_F(Freshness, StaleWhileRevalidateWindowFromResponseOrRoute) {
  const FreshnessInfo i = info(Headers{{"Cache-Control", "max-age=10, stale-while-revalidate=30"}});
  clock_.advance(25s);
  FreshnessDecision d = decide(i, {}, policy_, clock_.now());
  EXPECT_EQ(d.verdict, Verdict::kStaleWhileRevalidate);
  EXPECT_TRUE(d.serve_now());
  EXPECT_TRUE(d.refresh_in_background());
  EXPECT_EQ(decide(i, req("max-age=5"), policy_, clock_.now()).verdict, Verdict::kRevalidate);
  clock_.advance(16s);  // 31 s stale
  EXPECT_EQ(decide(i, {}, policy_, clock_.now()).verdict, Verdict::kRevalidate);

  CachePolicy route;
  route.stale_while_revalidate = 1min;
  const FreshnessInfo r = info(Headers{{"Cache-Control", "max-age=10"}}, route);
  clock_.advance(50s);
  EXPECT_EQ(decide(r, {}, route, clock_.now()).verdict, Verdict::kStaleWhileRevalidate);
  const FreshnessInfo own = info(Headers{{"Cache-Control", "max-age=10, stale-while-revalidate=1"}},
                                 route);
  clock_.advance(20s);
  EXPECT_EQ(decide(own, {}, route, clock_.now()).verdict, Verdict::kRevalidate);
}

TEST_F(Freshness, StaleIfErrorWindow) {
  const FreshnessInfo i = info(Headers{{"Cache-Control", "max-age=10, stale-if-error=60"}});
  EXPECT_TRUE(usable_on_error(i, {}, clock_.now()));
  clock_.advance(50s);
  EXPECT_TRUE(usable_on_error(i, {}, clock_.now()));
  EXPECT_FALSE(usable_on_error(i, req("stale-if-error=5"), clock_.now()));
  clock_.advance(30s);  // 70 s stale
  EXPECT_FALSE(usable_on_error(i, {}, clock_.now()));
  EXPECT_TRUE(usable_on_error(i, req("stale-if-error=100"), clock_.now()));
  EXPECT_TRUE(usable_on_error(i, req("max-stale"), clock_.now()));

  CachePolicy route;
  route.stale_if_error = 10min;
  const FreshnessInfo r = info(Headers{{"Cache-Control", "max-age=1"}}, route);
  clock_.advance(5min);
  EXPECT_TRUE(usable_on_error(r, {}, clock_.now()));
  const FreshnessInfo nc = info(Headers{{"Cache-Control", "no-cache, stale-if-error=60"}});
  EXPECT_FALSE(usable_on_error(nc, {}, clock_.now()));
}

TEST_F(Freshness, RefreshAheadPastTheThreshold) {
  policy_.refresh_ahead = 0.8;
  const FreshnessInfo i = info(Headers{{"Cache-Control", "max-age=100"}});
  clock_.advance(79s);
  EXPECT_EQ(decide(i, {}, policy_, clock_.now()).verdict, Verdict::kFresh);
  clock_.advance(1s);
  const FreshnessDecision d = decide(i, {}, policy_, clock_.now());
  EXPECT_EQ(d.verdict, Verdict::kFreshRefreshAhead);
  EXPECT_TRUE(d.serve_now());
  EXPECT_TRUE(d.refresh_in_background());
}

TEST_F(Freshness, ExtremeValuesDoNotOverflow) {
  policy_.ttl = std::chrono::hours(24 * 365 * 200);  // beyond 2^31 s, within Duration
  const FreshnessInfo i = info(Headers{{"Content-Type", "x"}}, policy_);
  EXPECT_EQ(i.lifetime, Seconds{kMaxDeltaSeconds});
  EXPECT_GT(i.fresh_until(), clock_.now());
  const Headers far{{"Date", "Mon, 01 Jan 0001 00:00:00 GMT"},
                    {"Expires", "Fri, 31 Dec 9999 23:59:59 GMT"},
                    {"Age", "99999999999999"}};
  const FreshnessInfo j = info(far);
  EXPECT_EQ(j.lifetime, Seconds{kMaxDeltaSeconds});
  EXPECT_LE(age_seconds(j, clock_.now()), kMaxDeltaSeconds);
}

}  // namespace
}  // namespace ramjet::cache
