#include <array>
#include <set>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "http/parser.hpp"

namespace ramjet::http {
namespace {

TEST(Iequals, ComparesAsciiIgnoringCase) {
  EXPECT_TRUE(iequals("Content-Length", "content-length"));
  EXPECT_TRUE(iequals("", ""));
  EXPECT_TRUE(iequals("X-ABC", "x-abc"));
  EXPECT_FALSE(iequals("Host", "Hos"));
  EXPECT_FALSE(iequals("Host", "Hosu"));
  // '@' and '`' differ only in the bit that case folding flips for letters.
  EXPECT_FALSE(iequals("@", "`"));
  EXPECT_FALSE(iequals("[", "{"));
  EXPECT_FALSE(iequals("\xc3\x89", "\xc3\xa9"));  // no folding outside ASCII
}

TEST(IsHopByHop, RecognisesEveryHopByHopFieldInAnyCase) {
  for (std::string_view name :
       {"Connection", "Keep-Alive", "Proxy-Connection", "TE", "Transfer-Encoding", "Upgrade",
        "Proxy-Authenticate", "Proxy-Authorization", "Trailer", "connection", "KEEP-ALIVE",
        "te"}) {
    EXPECT_TRUE(is_hop_by_hop(name)) << name;
  }
  for (std::string_view name : {"Content-Length", "Host", "Trailers", "T", "Upgrade-Insecure",
                                "Authorization", "Cache-Control", ""}) {
    EXPECT_FALSE(is_hop_by_hop(name)) << name;
  }
}

TEST(ConnectionLists, FindsTokensAcrossFieldsAndListsIgnoringCase) {
  const std::array<Header, 4> headers = {{
      {"Host", "example.com"},
      {"Connection", "keep-alive, X-Custom-Hop"},
      {"X-Other", "close"},
      {"connection", " ,Upgrade ,"},
  }};
  EXPECT_TRUE(connection_lists(headers, "keep-alive"));
  EXPECT_TRUE(connection_lists(headers, "x-custom-hop"));
  EXPECT_TRUE(connection_lists(headers, "upgrade"));
  EXPECT_FALSE(connection_lists(headers, "close"));
  EXPECT_FALSE(connection_lists(headers, "X-Custom"));
  EXPECT_FALSE(connection_lists({}, "close"));
}

TEST(ReasonPhrase, GivesStandardPhrasesAndUnknownOtherwise) {
  EXPECT_STREQ(reason_phrase(200), "OK");
  EXPECT_STREQ(reason_phrase(404), "Not Found");
  EXPECT_STREQ(reason_phrase(431), "Request Header Fields Too Large");
  EXPECT_STREQ(reason_phrase(502), "Bad Gateway");
  EXPECT_STREQ(reason_phrase(599), "Unknown");
  EXPECT_STREQ(reason_phrase(0), "Unknown");
}

TEST(ParseErrorText, EveryErrorHasDistinctTextAndAStatus) {
  std::set<std::string> seen;
  for (int i = 0; i <= static_cast<int>(ParseError::kBareLf); ++i) {
    const auto error = static_cast<ParseError>(i);
    const std::string text = to_string(error);
    EXPECT_FALSE(text.empty());
    EXPECT_TRUE(seen.insert(text).second) << text;
    const int status = status_for(error);
    EXPECT_GE(status, 400);
    EXPECT_LT(status, 600);
  }
}

TEST(ParseErrorStatus, MapsErrorsToTheStatusesOfTheTable) {
  EXPECT_EQ(status_for(ParseError::kBadRequestLine), 400);
  EXPECT_EQ(status_for(ParseError::kTargetTooLong), 414);
  EXPECT_EQ(status_for(ParseError::kBadVersion), 400);
  EXPECT_EQ(status_for(ParseError::kUnsupportedVersion), 505);
  EXPECT_EQ(status_for(ParseError::kHeadersTooLarge), 431);
  EXPECT_EQ(status_for(ParseError::kTooManyHeaders), 431);
  EXPECT_EQ(status_for(ParseError::kConflictingContentLength), 400);
  EXPECT_EQ(status_for(ParseError::kContentLengthAndTransferEncoding), 400);
  EXPECT_EQ(status_for(ParseError::kBadTransferEncoding), 400);
  EXPECT_EQ(status_for(ParseError::kUnknownTransferCoding), 501);
  EXPECT_EQ(status_for(ParseError::kMissingHost), 400);
  EXPECT_EQ(status_for(ParseError::kBadStatusLine), 502);
  EXPECT_EQ(status_for(ParseError::kChunkTooLarge), 413);
  EXPECT_EQ(status_for(ParseError::kBareLf), 400);
  EXPECT_STREQ(to_string(ParseError::kConflictingContentLength), "conflicting Content-Length");
}

}  // namespace
}  // namespace ramjet::http
