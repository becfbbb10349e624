// W3C traceparent validation, propagation and generation (proxy/trace_context.hpp).

#include <gtest/gtest.h>

#include <cstdio>

#include <regex>
#include <string>

#include "proxy/trace_context.hpp"

namespace ramjet::proxy {
namespace {

constexpr std::string_view kValid = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

std::string chosen(std::string_view incoming) {
  char out[kTraceparentBytes];
  std::uint64_t words[] = {0x0123456789abcdefULL, 0xfedcba9876543210ULL, 0x1122334455667788ULL};
  int next = 0;
  choose_traceparent(incoming, out, [&] { return words[next++]; });
  return std::string(out, kTraceparentBytes);
}

TEST(Traceparent, AcceptsTheVersion00Layout) {
  EXPECT_TRUE(valid_traceparent(kValid));
  EXPECT_TRUE(valid_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00"));
}

TEST(Traceparent, RefusesMalformedValues) {
  EXPECT_FALSE(valid_traceparent(""));
  EXPECT_FALSE(valid_traceparent("00-zz-bad-01"));
  EXPECT_FALSE(valid_traceparent("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01"))
      << "upper-case hex";
  EXPECT_FALSE(valid_traceparent("00-00000000000000000000000000000000-00f067aa0ba902b7-01"))
      << "all-zero trace id";
  EXPECT_FALSE(valid_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01"))
      << "all-zero parent id";
  EXPECT_FALSE(valid_traceparent("ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"))
      << "version ff is invalid";
  EXPECT_FALSE(valid_traceparent(std::string(kValid) + "-extra")) << "version 00 is exact";
  EXPECT_FALSE(valid_traceparent("00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));
}

TEST(Traceparent, LaterVersionsAreReadByTheirVersion00Prefix) {
  EXPECT_TRUE(valid_traceparent("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));
  EXPECT_TRUE(
      valid_traceparent("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-future"));
  EXPECT_FALSE(
      valid_traceparent("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01future"));
  EXPECT_EQ(chosen("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-future"),
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
}

TEST(Traceparent, AValidIncomingValueIsPropagatedUnchanged) {
  EXPECT_EQ(chosen(kValid), kValid);
}

TEST(Traceparent, AMissingOrInvalidValueIsReplacedByANewSampledOne) {
  const std::string generated = chosen("");
  EXPECT_EQ(generated, "00-0123456789abcdeffedcba9876543210-1122334455667788-01");
  EXPECT_TRUE(valid_traceparent(generated));
  EXPECT_EQ(chosen("garbage"), generated);
  EXPECT_EQ(trace_id_of(generated), "0123456789abcdeffedcba9876543210");
}

TEST(Traceparent, HexDigitsAreLowerCaseMostSignificantFirst) {
  for (std::uint64_t v : {0x0ULL, 0x0123456789abcdefULL, 0xfedcba9876543210ULL, ~0ULL,
                          0x00000000ffffffffULL, 0xa0b0c0d0e0f00909ULL}) {
    char out[17] = {};
    trace_detail::put_hex16(out, v);
    char expected[17];
    std::snprintf(expected, sizeof(expected), "%016llx", static_cast<unsigned long long>(v));
    EXPECT_STREQ(out, expected);
  }
}

TEST(Traceparent, GeneratedIdsAreNeverAllZero) {
  char out[kTraceparentBytes];
  generate_traceparent(out, 0, 0, 0);
  EXPECT_TRUE(valid_traceparent(std::string_view(out, kTraceparentBytes)));
}

}  // namespace
}  // namespace ramjet::proxy
