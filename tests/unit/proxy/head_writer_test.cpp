#include "proxy/head_writer.hpp"

#include <gtest/gtest.h>

#include <array>

namespace ramjet::proxy {
namespace {

std::string fixed(std::uint64_t value, int decimals) {
  std::array<char, 64> buf{};
  HeadWriter w(buf.data(), buf.size());
  w.add_fixed(value, decimals);
  return std::string(w.view());
}

TEST(HeadWriter, FixedPointDecimalsKeepTheirLeadingZeros) {
  EXPECT_EQ(fixed(1234, 6), "0.001234");
  EXPECT_EQ(fixed(1234, 3), "1.234");
  EXPECT_EQ(fixed(0, 3), "0.000");
  EXPECT_EQ(fixed(5, 0), "5.");
  EXPECT_EQ(fixed(18446744073709551615ULL, 3), "18446744073709551.615");
}

TEST(HeadWriter, OverflowIsStickyAndNothingPartialIsWritten) {
  std::array<char, 8> buf{};
  HeadWriter w(buf.data(), buf.size());
  w.add("Age: ").add_fixed(123456, 3);
  EXPECT_FALSE(w.ok());
  EXPECT_EQ(w.view(), "Age: ");
  w.add("x");
  EXPECT_FALSE(w.ok()) << "once over, always over";
}

}  // namespace
}  // namespace ramjet::proxy
