#include "metrics/json_summary.hpp"

#include <gtest/gtest.h>

#include <string>

namespace ramjet::metrics {
namespace {

std::string summary(const Histogram& h) {
  std::string out;
  append_json_summary(out, h);
  return out;
}

TEST(JsonSummary, EmptyHistogramGivesZeros) {
  EXPECT_EQ(summary(Histogram{}),
            "{\"count\":0,\"avg_ms\":0,\"stdev_ms\":0,\"min_ms\":0,\"max_ms\":0,\"p50_ms\":0,"
            "\"p90_ms\":0,\"p95_ms\":0,\"p99_ms\":0,\"p999_ms\":0}");
}

TEST(JsonSummary, TimesAreMillisecondsRoundedToTheMicrosecond) {
  Histogram h;
  h.record(std::uint64_t{2'000'000});  // 2 ms
  h.record(std::uint64_t{4'000'400});  // 4.0004 ms
  // stdev takes each sample at its bucket's midpoint (histogram.hpp): 0.997, not 1.
  EXPECT_EQ(summary(h),
            "{\"count\":2,\"avg_ms\":3,\"stdev_ms\":0.997,\"min_ms\":2,\"max_ms\":4,\"p50_ms\":2,"
            "\"p90_ms\":4,\"p95_ms\":4,\"p99_ms\":4,\"p999_ms\":4}");
}

TEST(JsonSummary, PercentilesFollowTheHistogram) {
  Histogram h;
  for (std::uint64_t i = 1; i <= 1000; ++i) {
    h.record(i * 1'000'000);  // 1..1000 ms
  }
  const std::string s = summary(h);
  EXPECT_NE(s.find("\"count\":1000,"), std::string::npos);
  EXPECT_NE(s.find("\"avg_ms\":500.5,"), std::string::npos);
  EXPECT_NE(s.find("\"min_ms\":1,"), std::string::npos);
  EXPECT_NE(s.find("\"max_ms\":1000,"), std::string::npos);
  EXPECT_NE(s.find("\"p999_ms\":"), std::string::npos);
  EXPECT_EQ(s.back(), '}');
}

}  // namespace
}  // namespace ramjet::metrics
