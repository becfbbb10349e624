#include "cache/json_canonical.hpp"

#include <gtest/gtest.h>

#include <string>

namespace ramjet::cache {
namespace {

std::string canon(std::string_view in) {
  std::string out;
  const JsonError e = canonicalize_json(in, out);
  EXPECT_EQ(e, JsonError::kNone) << in << ": " << to_string(e);
  return out;
}

JsonError error_of(std::string_view in) {
  std::string out;
  return canonicalize_json(in, out);
}

TEST(JsonCanonical, SortsKeysAndDropsWhitespace) {
  EXPECT_EQ(canon("{\"q\":\"x\",\"k\":1}"), "{\"k\":1,\"q\":\"x\"}");
  EXPECT_EQ(canon(" { \"k\" : 1 ,\n\t\"q\" : \"x\" } "), "{\"k\":1,\"q\":\"x\"}");
  EXPECT_EQ(canon("{\"b\":{\"z\":[3,2,1],\"a\":null},\"a\":[{\"y\":true,\"x\":false}]}"),
            "{\"a\":[{\"x\":false,\"y\":true}],\"b\":{\"a\":null,\"z\":[3,2,1]}}");
  EXPECT_EQ(canon("[]"), "[]");
  EXPECT_EQ(canon("{}"), "{}");
  EXPECT_EQ(canon(" [ ] "), "[]");
  EXPECT_EQ(canon("\"s\""), "\"s\"");
  EXPECT_EQ(canon("{\"aa\":1,\"a\":2,\"b\":3,\"\":4}"), "{\"\":4,\"a\":2,\"aa\":1,\"b\":3}");
}

TEST(JsonCanonical, NumbersByExactDecimalValue) {
  for (const char* one : {"1", "1.0", "1e0", "1E+0", "10e-1", "0.1e1", "100e-2", "1.000"}) {
    EXPECT_EQ(canon(one), "1") << one;
  }
  EXPECT_EQ(canon("-0"), "0");
  EXPECT_EQ(canon("-0.0e5"), "0");
  EXPECT_EQ(canon("0"), "0");
  EXPECT_EQ(canon("1.5e3"), "1500");
  EXPECT_EQ(canon("-12.50"), "-12.5");
  EXPECT_EQ(canon("0.000001"), "0.000001");
  EXPECT_EQ(canon("1e-7"), "1e-7");
  EXPECT_EQ(canon("0.00000012"), "1.2e-7");
  EXPECT_EQ(canon("123456789012345678901"), "123456789012345678901");
  EXPECT_EQ(canon("1e21"), "1e+21");
  EXPECT_EQ(canon("12345e30"), "1.2345e+34");
  EXPECT_EQ(canon("1e1000000000"), "1e+1000000000");
}

TEST(JsonCanonical, DistinctValuesStayDistinct) {
  EXPECT_NE(canon("0.1"), canon("0.10000000000000001"));
  EXPECT_NE(canon("18446744073709551616"), canon("18446744073709551617"));
  EXPECT_NE(canon("1"), canon("\"1\""));
  EXPECT_NE(canon("[1,2]"), canon("[2,1]"));
  EXPECT_NE(canon("{\"a\":1}"), canon("{\"A\":1}"));
}

TEST(JsonCanonical, StringsHaveOneSpelling) {
  EXPECT_EQ(canon("\"\\u00e9\""), "\"\xC3\xA9\"");
  EXPECT_EQ(canon("\"\\u00E9\""), canon("\"\xC3\xA9\""));
  EXPECT_EQ(canon("\"\\/\""), "\"/\"");
  EXPECT_EQ(canon("\"\\u0041\\u000a\\n\\u001F\""), "\"A\\n\\n\\u001f\"");
  EXPECT_EQ(canon("\"\\\"\\\\\\b\\f\\r\\t\""), "\"\\\"\\\\\\b\\f\\r\\t\"");
  EXPECT_EQ(canon("\"\\ud83d\\ude00\""), "\"\xF0\x9F\x98\x80\"");
  EXPECT_EQ(canon("\"\\u0000\""), "\"\\u0000\"");
  EXPECT_EQ(canon("\"\x7F\""), "\"\x7F\"");
  EXPECT_EQ(canon("{\"\\u0062\":1,\"a\":2}"), "{\"a\":2,\"b\":1}");
}

TEST(JsonCanonical, RejectsWhatRfc8259Rejects) {
  for (const char* bad : {"", " ", "{", "}", "[1,]", "{\"a\":1,}", "{a:1}", "{'a':1}", "01",
                          "-", "1.", ".5", "1e", "+1", "NaN", "Infinity", "tru", "nulll",
                          "[1 2]", "{\"a\" 1}", "\"abc", "1 2", "// c\n1", "[1]x"}) {
    EXPECT_EQ(error_of(bad), JsonError::kSyntax) << bad;
  }
  for (const char* bad : {"\"\\x\"", "\"\\u12\"", "\"\\ud800\"", "\"\\udc00\"",
                          "\"\\ud800\\u0041\"", "\"\t\"", "\"\n\"", "\"\xC0\x80\"",
                          "\"\xED\xA0\x80\"", "\"\xF4\x90\x80\x80\"", "\"\x80\"",
                          "\"\xE2\x82\""}) {
    EXPECT_EQ(error_of(bad), JsonError::kBadString) << bad;
  }
  EXPECT_EQ(error_of("{\"a\":1,\"a\":2}"), JsonError::kDuplicateKey);
  EXPECT_EQ(error_of("{\"a\":1,\"\\u0061\":1}"), JsonError::kDuplicateKey);
  EXPECT_EQ(error_of("1e1000000001"), JsonError::kNumberRange);
  EXPECT_EQ(error_of("1e99999999999999999999999"), JsonError::kNumberRange);
  // Found by fuzzing: the canonical form must itself be accepted.
  EXPECT_EQ(error_of("12e1000000000"), JsonError::kNumberRange);
  EXPECT_EQ(canon("12e999999999"), "1.2e+1000000000");
  EXPECT_EQ(canon(canon("12e999999999")), "1.2e+1000000000");
  EXPECT_EQ(canon("0.00012e-999999996"), "1.2e-1000000000");
}

TEST(JsonCanonical, BoundsNesting) {
  std::string deep(64, '[');
  deep.append(64, ']');
  EXPECT_EQ(error_of(deep), JsonError::kNone);
  std::string deeper(65, '[');
  deeper.append(65, ']');
  EXPECT_EQ(error_of(deeper), JsonError::kDepth);
  std::string hostile(100000, '[');
  EXPECT_EQ(error_of(hostile), JsonError::kDepth);
  std::string out;
  EXPECT_EQ(canonicalize_json("[[1]]", out, JsonLimits{1}), JsonError::kDepth);
}

TEST(JsonCanonical, CanonicalFormIsAFixedPoint) {
  for (const char* in : {"{\"z\":[1.50,{\"b\":\"\\u00e9\",\"a\":-0}],\"y\":1e-9}",
                         "[\"\\ud83d\\ude00\", 1E400, 0.0001000, {\"\":{}}]"}) {
    const std::string once = canon(in);
    EXPECT_EQ(canon(once), once) << in;
  }
}

}  // namespace
}  // namespace ramjet::cache
