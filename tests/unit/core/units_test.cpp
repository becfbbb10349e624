#include "core/units.hpp"

#include <gtest/gtest.h>

using namespace std::chrono_literals;
using ramjet::core::parse_duration;
using ramjet::core::parse_size;

TEST(ParseDuration, AcceptsEachUnit) {
  EXPECT_EQ(parse_duration("250ms").value(), 250ms);
  EXPECT_EQ(parse_duration("5s").value(), 5s);
  EXPECT_EQ(parse_duration("5m").value(), 5min);
  EXPECT_EQ(parse_duration("2h").value(), 2h);
  EXPECT_EQ(parse_duration("1d").value(), 24h);
  EXPECT_EQ(parse_duration("10us").value(), 10us);
  EXPECT_EQ(parse_duration("7ns").value(), 7ns);
  EXPECT_EQ(parse_duration("0").value(), 0ns);
}

TEST(ParseDuration, AcceptsCompoundAndFractions) {
  EXPECT_EQ(parse_duration("1m30s").value(), 90s);
  EXPECT_EQ(parse_duration("1.5s").value(), 1500ms);
}

TEST(ParseDuration, RejectsMissingOrUnknownUnitsAndSigns) {
  EXPECT_FALSE(parse_duration("").ok());
  EXPECT_FALSE(parse_duration("10").ok());
  EXPECT_FALSE(parse_duration("10 s").ok());
  EXPECT_FALSE(parse_duration("-1s").ok());
  EXPECT_FALSE(parse_duration("5mins").ok());
  EXPECT_FALSE(parse_duration("s").ok());
  EXPECT_FALSE(parse_duration("1.s").ok());
}

TEST(ParseSize, AcceptsBinaryAndDecimalUnits) {
  EXPECT_EQ(parse_size("512").value(), 512u);
  EXPECT_EQ(parse_size("16KiB").value(), 16u * 1024);
  EXPECT_EQ(parse_size("256MiB").value(), 256u * 1024 * 1024);
  EXPECT_EQ(parse_size("1GB").value(), 1'000'000'000u);
  EXPECT_EQ(parse_size("1.5KiB").value(), 1536u);
}

TEST(ParseSize, RejectsBadInput) {
  EXPECT_FALSE(parse_size("").ok());
  EXPECT_FALSE(parse_size("KiB").ok());
  EXPECT_FALSE(parse_size("10kb").ok());
  EXPECT_FALSE(parse_size("-1").ok());
  EXPECT_FALSE(parse_size("99999999999TiB").ok());
}

TEST(FormatUnits, RoundTrips) {
  EXPECT_EQ(ramjet::core::format_duration(90s), "90s");
  EXPECT_EQ(ramjet::core::format_duration(250ms), "250ms");
  EXPECT_EQ(ramjet::core::format_size(16 * 1024), "16KiB");
  EXPECT_EQ(ramjet::core::format_size(1000), "1000B");
}
