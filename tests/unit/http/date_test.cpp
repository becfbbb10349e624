#include <chrono>
#include <random>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "http/date.hpp"

namespace ramjet::http {
namespace {

using namespace std::chrono;
using namespace std::chrono_literals;
using TimePoint = system_clock::time_point;

constexpr TimePoint kRfcExample{seconds{784111777}};  // Sun, 06 Nov 1994 08:49:37 GMT

std::string format(TimePoint t) {
  char out[kHttpDateSize];
  return std::string(format_http_date(t, out));
}

TEST(FormatHttpDate, WritesImfFixdate) {
  EXPECT_EQ(format(kRfcExample), "Sun, 06 Nov 1994 08:49:37 GMT");
  EXPECT_EQ(format(TimePoint{}), "Thu, 01 Jan 1970 00:00:00 GMT");
  EXPECT_EQ(format(TimePoint{sys_days{2024y / February / 29} + 23h + 59min + 59s}),
            "Thu, 29 Feb 2024 23:59:59 GMT");
  EXPECT_EQ(format(TimePoint{sys_days{2000y / December / 31} + 12h}),
            "Sun, 31 Dec 2000 12:00:00 GMT");
}

TEST(FormatHttpDate, RoundsDownToTheSecond) {
  EXPECT_EQ(format(kRfcExample + 999ms), "Sun, 06 Nov 1994 08:49:37 GMT");
  EXPECT_EQ(format(TimePoint{} - 1ns), "Wed, 31 Dec 1969 23:59:59 GMT");
}

TEST(FormatHttpDate, WritesExactly29BytesAndReturnsThem) {
  char out[kHttpDateSize + 1];
  out[kHttpDateSize] = '#';
  const std::string_view view = format_http_date(kRfcExample, out);
  EXPECT_EQ(view.data(), out);
  EXPECT_EQ(view.size(), 29u);
  EXPECT_EQ(out[kHttpDateSize], '#');
}

TEST(ParseHttpDate, AcceptsTheThreeFormsOfRfc9110) {
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), kRfcExample);
  EXPECT_EQ(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"), kRfcExample);
  EXPECT_EQ(parse_http_date("Sun Nov  6 08:49:37 1994"), kRfcExample);
  EXPECT_EQ(parse_http_date("Wed Nov 16 08:49:37 1994"), kRfcExample + days{10});
}

TEST(ParseHttpDate, RoundTripsFormattedDates) {
  std::mt19937_64 rng(42);
  std::uniform_int_distribution<std::int64_t> dist(-2'000'000'000, 8'000'000'000);
  for (int i = 0; i < 2000; ++i) {
    const TimePoint t{seconds{dist(rng)}};
    const std::string text = format(t);
    const auto parsed = parse_http_date(text);
    ASSERT_TRUE(parsed.has_value()) << text;
    EXPECT_EQ(*parsed, t) << text;
  }
}

TEST(ParseHttpDate, RejectsMalformedDates) {
  for (std::string_view text : {
           "", "Sun, 06 Nov 1994 08:49:37 UTC", "sun, 06 Nov 1994 08:49:37 GMT",
           "Sun, 06 nov 1994 08:49:37 GMT", "Sun, 6 Nov 1994 08:49:37 GMT",
           "Sun, 06 Nov 1994 08:49:37 GMT ", " Sun, 06 Nov 1994 08:49:37 GMT",
           "Sun, 06 Nov 1994 8:49:37 GMT", "Sun, 06 Nov 94 08:49:37 GMT",
           "Sun, 31 Nov 1994 08:49:37 GMT", "Sun, 29 Feb 1900 08:49:37 GMT",
           "Sun, 00 Nov 1994 08:49:37 GMT", "Sun, 06 Nov 1994 24:00:00 GMT",
           "Sun, 06 Nov 1994 23:60:00 GMT", "Sun, 06 Nov 1994 23:59:61 GMT",
           "Sun, 06 Nov 1994 08-49-37 GMT", "Xyz, 06 Nov 1994 08:49:37 GMT",
           "Sunday, 06-Nov-1994 08:49:37 GMT", "Sundae, 06-Nov-94 08:49:37 GMT",
           "Sun, 06-Nov-94 08:49:37 GMT", "Sunday, 06 Nov 94 08:49:37 GMT",
           "Sun Nov 6 08:49:37 1994", "Sun Nov  6 08:49:37 94", "Sun Nov 06 08:49:37 1994 GMT",
           "Sun Nov  6 08:49:37 1994\r", "0", "Sun,"}) {
    EXPECT_FALSE(parse_http_date(text).has_value()) << text;
  }
}

TEST(ParseHttpDate, AcceptsLeapSecondAsTheNextMinute) {
  EXPECT_EQ(parse_http_date("Sat, 31 Dec 2016 23:59:60 GMT"),
            TimePoint{sys_days{2017y / January / 1}});
}

TEST(ParseHttpDate, DoesNotCheckTheDayNameAgainstTheDate) {
  EXPECT_EQ(parse_http_date("Mon, 06 Nov 1994 08:49:37 GMT"), kRfcExample);
}

TEST(ParseHttpDate, ReadsTwoDigitYearsAs1970To2069WithoutAClock) {
  EXPECT_EQ(parse_http_date("Thursday, 01-Jan-70 00:00:00 GMT"), TimePoint{});
  EXPECT_EQ(parse_http_date("Friday, 01-Jan-99 00:00:00 GMT"),
            TimePoint{sys_days{1999y / January / 1}});
  EXPECT_EQ(parse_http_date("Wednesday, 01-Jan-69 00:00:00 GMT"),
            TimePoint{sys_days{2069y / January / 1}});
}

TEST(ParseHttpDate, ReadsTwoDigitYearsAtMostFiftyYearsAheadOfNow) {
  const TimePoint now{sys_days{2090y / June / 1}};
  EXPECT_EQ(parse_http_date("Monday, 01-Jan-40 00:00:00 GMT", now),
            TimePoint{sys_days{2140y / January / 1}});
  EXPECT_EQ(parse_http_date("Monday, 01-Jan-41 00:00:00 GMT", now),
            TimePoint{sys_days{2041y / January / 1}});
  const TimePoint earlier{sys_days{2024y / June / 1}};
  EXPECT_EQ(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT", earlier), kRfcExample);
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT", earlier), kRfcExample);
}

TEST(ParseHttpDate, ClampsDatesBeyondTheClockRange) {
  EXPECT_EQ(parse_http_date("Fri, 31 Dec 9999 23:59:59 GMT"), TimePoint::max());
  EXPECT_EQ(parse_http_date("Sat, 01 Jan 0000 00:00:00 GMT"), TimePoint::min());
}

}  // namespace
}  // namespace ramjet::http
