#include "cache/conditional.hpp"

#include <gtest/gtest.h>

#include "test_util.hpp"

namespace ramjet::cache {
namespace {

using namespace std::chrono_literals;
using testing::Headers;
using testing::http_date;
using testing::make_entry;

class Conditional : public ::testing::Test {
 protected:
  core::ManualClock clock_;
};

TEST(EtagComparison, WeakAndStrong) {
  EXPECT_TRUE(weak_etag_match("\"1\"", "\"1\""));
  EXPECT_TRUE(weak_etag_match("W/\"1\"", "\"1\""));
  EXPECT_TRUE(weak_etag_match("W/\"1\"", "W/\"1\""));
  EXPECT_FALSE(weak_etag_match("\"1\"", "\"2\""));
  EXPECT_TRUE(strong_etag_match("\"1\"", "\"1\""));
  EXPECT_FALSE(strong_etag_match("W/\"1\"", "\"1\""));
  EXPECT_FALSE(strong_etag_match("W/\"1\"", "W/\"1\""));
  EXPECT_FALSE(weak_etag_match("", ""));
  EXPECT_FALSE(weak_etag_match("1", "1"));  // unquoted: malformed
}

TEST_F(Conditional, RevalidationUsesTheStoredValidators) {
  const Headers h{{"ETag", "\"v1\""}, {"Last-Modified", http_date(clock_, -60s)}};
  const auto entry = make_entry(clock_, h);
  const RevalidationHeaders r = revalidation_headers(*entry);
  EXPECT_EQ(r.if_none_match, "\"v1\"");
  EXPECT_EQ(r.if_modified_since, http_date(clock_, -60s));
  std::string out;
  append_revalidation_headers(*entry, out);
  EXPECT_EQ(out, "If-None-Match: \"v1\"\r\nIf-Modified-Since: " + http_date(clock_, -60s) +
                     "\r\n");
  const auto bare = make_entry(clock_, Headers{{"Cache-Control", "max-age=5"}});
  EXPECT_TRUE(revalidation_headers(*bare).empty());
}

TEST_F(Conditional, NotModifiedSelection) {
  const auto entry = make_entry(clock_, Headers{{"ETag", "W/\"v1\""}, {"Last-Modified", "x"}});
  EXPECT_TRUE(not_modified_selects(*entry, analyze_response(304, Headers{{"ETag", "\"v1\""}})));
  EXPECT_FALSE(not_modified_selects(*entry, analyze_response(304, Headers{{"ETag", "\"v2\""}})));
  EXPECT_TRUE(not_modified_selects(*entry, analyze_response(304, Headers{})));
  const auto lm = make_entry(clock_, Headers{{"Last-Modified", http_date(clock_, -5s)}});
  EXPECT_TRUE(not_modified_selects(
      *lm, analyze_response(304, Headers{{"Last-Modified", http_date(clock_, -5s)}})));
  EXPECT_FALSE(not_modified_selects(
      *lm, analyze_response(304, Headers{{"Last-Modified", http_date(clock_, -4s)}})));
}

// RFC 9111 §4.3.4: the 304's fields replace the stored ones; freshness restarts.
TEST_F(Conditional, FreshenUpdatesHeadersAndSharesTheBody) {
  const Headers stored_head{{"Content-Type", "application/json"},
                            {"Content-Encoding", "gzip"},
                            {"Cache-Control", "max-age=10"},
                            {"ETag", "\"v1\""},
                            {"X-Old", "1"},
                            {"Date", http_date(clock_)}};
  const auto stored = make_entry(clock_, stored_head, "{\"a\":1}");
  clock_.advance(30s);
  EXPECT_LE(stored->freshness().fresh_until(), clock_.now());
  const Headers not_modified{{"Cache-Control", "max-age=100"},
                             {"ETag", "\"v1\""},
                             {"Date", http_date(clock_)},
                             {"Content-Encoding", "br"},
                             {"Content-Length", "0"},
                             {"X-New", "2"}};
  const auto fresh = freshen(*stored, not_modified, testing::now_times(clock_), CachePolicy{});
  ASSERT_NE(fresh, nullptr);
  EXPECT_EQ(fresh->body_buffer(), stored->body_buffer());  // same bytes, not a copy
  EXPECT_EQ(fresh->header("cache-control"), "max-age=100");
  EXPECT_EQ(fresh->header("content-encoding"), "gzip");  // the stored body's coding stays
  EXPECT_EQ(fresh->header("content-length"), "");
  EXPECT_EQ(fresh->header("x-old"), "1");
  EXPECT_EQ(fresh->header("x-new"), "2");
  EXPECT_EQ(fresh->header("date"), http_date(clock_));
  EXPECT_EQ(fresh->status(), 200);
  EXPECT_EQ(fresh->etag(), "\"v1\"");
  EXPECT_EQ(fresh->freshness().lifetime, 100s);
  EXPECT_EQ(current_age(fresh->freshness(), clock_.now()), 0s);
  EXPECT_EQ(decide(fresh->freshness(), {}, CachePolicy{}, clock_.now()).verdict, Verdict::kFresh);
}

// A digest describes the stored bytes, so a 304 (which carries no content) must not replace
// it: the entry would then vouch for a body it does not hold (RFC 9111 §3.2 lets a cache keep
// such fields to assure the integrity of the stored response). http-cache-tests:
// 304-etag-update-response-Content-MD5.
TEST_F(Conditional, FreshenKeepsTheStoredBodysDigests) {
  const Headers stored_head{{"Cache-Control", "max-age=2"},
                            {"ETag", "\"v1\""},
                            {"Content-MD5", "rL0Y20zC+Fzt72VPzMSk2A=="},
                            {"Content-Digest", "sha-256=:AAAA:"},
                            {"Repr-Digest", "sha-256=:BBBB:"},
                            {"Digest", "sha-256=CCCC"},
                            {"Date", http_date(clock_)}};
  const auto stored = make_entry(clock_, stored_head, "body");
  clock_.advance(30s);
  const Headers not_modified{{"Cache-Control", "max-age=2"},
                             {"ETag", "\"v1\""},
                             {"Content-MD5", "N7UdGUp1E+RbVvZSTy1R8g=="},
                             {"Content-Digest", "sha-256=:XXXX:"},
                             {"Repr-Digest", "sha-256=:YYYY:"},
                             {"Digest", "sha-256=ZZZZ"},
                             {"Date", http_date(clock_)}};
  const auto fresh = freshen(*stored, not_modified, testing::now_times(clock_), CachePolicy{});
  EXPECT_EQ(fresh->header("content-md5"), "rL0Y20zC+Fzt72VPzMSk2A==");
  EXPECT_EQ(fresh->header("content-digest"), "sha-256=:AAAA:");
  EXPECT_EQ(fresh->header("repr-digest"), "sha-256=:BBBB:");
  EXPECT_EQ(fresh->header("digest"), "sha-256=CCCC");
}

TEST_F(Conditional, FreshenWithoutDateRestartsTheAgeAtReceipt) {
  const auto stored = make_entry(clock_, Headers{{"Cache-Control", "max-age=60"},
                                                 {"ETag", "\"v1\""},
                                                 {"Date", http_date(clock_)}});
  clock_.advance(600s);
  const auto fresh = freshen(*stored, Headers{{"ETag", "\"v1\""}}, testing::now_times(clock_),
                             CachePolicy{});
  EXPECT_EQ(fresh->header("date"), http_date(clock_));
  EXPECT_EQ(current_age(fresh->freshness(), clock_.now()), 0s);
  EXPECT_EQ(decide(fresh->freshness(), {}, CachePolicy{}, clock_.now()).verdict, Verdict::kFresh);
}

TEST_F(Conditional, FreshenKeepsWhatTheOriginToldItsSurrogates) {
  const auto stored = make_entry(clock_, Headers{{"Cache-Control", "no-store"},
                                                 {"Surrogate-Control", "max-age=60"},
                                                 {"Surrogate-Key", "a b"},
                                                 {"ETag", "\"v1\""}});
  EXPECT_EQ(stored->header("surrogate-control"), "") << "never served";
  clock_.advance(120s);
  const auto fresh = freshen(*stored, Headers{{"ETag", "\"v1\""}, {"Cache-Control", "no-store"}},
                             testing::now_times(clock_), CachePolicy{});
  EXPECT_EQ(fresh->freshness().lifetime, 60s) << "the 304 said nothing new to surrogates";
  EXPECT_TRUE(fresh->has_tag("b"));
  const auto renewed = freshen(*stored, Headers{{"Surrogate-Control", "max-age=5"}},
                               testing::now_times(clock_), CachePolicy{});
  EXPECT_EQ(renewed->freshness().lifetime, 5s) << "the 304's own Surrogate-Control wins";
  EXPECT_TRUE(renewed->has_tag("b")) << "fields the 304 does not name stay as they were";
}

TEST_F(Conditional, IfNoneMatchAnswers304) {
  const auto entry = make_entry(clock_, Headers{{"ETag", "\"v1\""}});
  const auto eval = [&](const Headers& h, http::Method m = http::Method::kGet) {
    return evaluate_preconditions(m, h, *entry);
  };
  EXPECT_EQ(eval(Headers{{"If-None-Match", "\"v1\""}}), Precondition::kNotModified);
  EXPECT_EQ(eval(Headers{{"If-None-Match", "W/\"v1\""}}), Precondition::kNotModified);
  EXPECT_EQ(eval(Headers{{"If-None-Match", "\"x\", \"v1\""}}), Precondition::kNotModified);
  EXPECT_EQ(eval(Headers{{"If-None-Match", "\"a,b\", \"v1\""}}), Precondition::kNotModified);
  EXPECT_EQ(eval(Headers{{"If-None-Match", "*"}}), Precondition::kNotModified);
  EXPECT_EQ(eval(Headers{{"If-None-Match", "\"v2\""}}), Precondition::kNone);
  EXPECT_EQ(eval(Headers{{"If-None-Match", "garbage"}}), Precondition::kNone);
  EXPECT_EQ(eval(Headers{{"If-None-Match", "\"v1\""}}, http::Method::kHead),
            Precondition::kNotModified);
  EXPECT_EQ(eval(Headers{}), Precondition::kNone);
}

TEST_F(Conditional, IfModifiedSinceComparesLastModified) {
  const auto entry = make_entry(clock_, Headers{{"Last-Modified", http_date(clock_, -100s)},
                                                {"ETag", "\"v1\""}});
  const auto eval = [&](const Headers& h) {
    return evaluate_preconditions(http::Method::kGet, h, *entry);
  };
  EXPECT_EQ(eval(Headers{{"If-Modified-Since", http_date(clock_, -100s)}}),
            Precondition::kNotModified);
  EXPECT_EQ(eval(Headers{{"If-Modified-Since", http_date(clock_, -50s)}}),
            Precondition::kNotModified);
  EXPECT_EQ(eval(Headers{{"If-Modified-Since", http_date(clock_, -101s)}}), Precondition::kNone);
  EXPECT_EQ(eval(Headers{{"If-Modified-Since", "yesterday"}}), Precondition::kNone);
  // If-None-Match takes precedence (RFC 9110 §13.2.2).
  EXPECT_EQ(eval(Headers{{"If-None-Match", "\"v2\""},
                         {"If-Modified-Since", http_date(clock_, -50s)}}),
            Precondition::kNone);
  // Without Last-Modified, Date stands in.
  const auto dated = make_entry(clock_, Headers{{"Date", http_date(clock_, -10s)}});
  EXPECT_EQ(evaluate_preconditions(http::Method::kGet,
                                   Headers{{"If-Modified-Since", http_date(clock_, -5s)}}, *dated),
            Precondition::kNotModified);
}

TEST_F(Conditional, IfMatchAndIfUnmodifiedSinceFail412) {
  const auto entry = make_entry(clock_, Headers{{"ETag", "\"v1\""},
                                                {"Last-Modified", http_date(clock_, -100s)}});
  const auto eval = [&](const Headers& h) {
    return evaluate_preconditions(http::Method::kGet, h, *entry);
  };
  EXPECT_EQ(eval(Headers{{"If-Match", "\"v2\""}}), Precondition::kPreconditionFailed);
  EXPECT_EQ(eval(Headers{{"If-Match", "W/\"v1\""}}), Precondition::kPreconditionFailed);
  EXPECT_EQ(eval(Headers{{"If-Match", "\"v1\""}}), Precondition::kNone);
  EXPECT_EQ(eval(Headers{{"If-Match", "*"}}), Precondition::kNone);
  EXPECT_EQ(eval(Headers{{"If-Unmodified-Since", http_date(clock_, -200s)}}),
            Precondition::kPreconditionFailed);
  EXPECT_EQ(eval(Headers{{"If-Unmodified-Since", http_date(clock_)}}), Precondition::kNone);
}

// Found by fuzzing: a field with CR/LF (which the parser never yields) must not become extra
// header lines in the stored block.
TEST_F(Conditional, FieldsWithLineBreaksAreNotStored) {
  const auto entry = make_entry(clock_, Headers{{"X-A", "ok"},
                                                {"X-B", "bad\r\nInjected: yes"},
                                                {"Bad\nName", "v"},
                                                {"X-C", "ok"}});
  EXPECT_EQ(entry->header_block(), "X-A: ok\r\nX-C: ok\r\n");
}

TEST_F(Conditional, NotModifiedCarriesTheRequiredFields) {
  const auto entry = make_entry(clock_, Headers{{"Content-Type", "text/plain"},
                                                {"Cache-Control", "max-age=60"},
                                                {"ETag", "\"v1\""},
                                                {"Vary", "Accept-Encoding"},
                                                {"Date", "d"},
                                                {"X-Other", "o"}});
  std::string out;
  append_not_modified_headers(*entry, out);
  EXPECT_EQ(out,
            "Cache-Control: max-age=60\r\nETag: \"v1\"\r\nVary: Accept-Encoding\r\nDate: d\r\n");
}

}  // namespace
}  // namespace ramjet::cache
