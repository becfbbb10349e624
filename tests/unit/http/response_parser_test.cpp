#include <array>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "http/parser.hpp"

namespace ramjet::http {
namespace {

using namespace std::string_view_literals;

class ResponseParser : public ::testing::Test {
 protected:
  ParseResult parse(std::string_view text, Method method = Method::kGet,
                    const ParseLimits& limits = {}) {
    return parse_response(text, limits, method, storage_, head_);
  }

  void expect_error(std::string_view text, ParseError error) {
    const ParseResult r = parse(text);
    EXPECT_EQ(r.status, ParseStatus::kError) << text;
    EXPECT_EQ(r.error, error) << text << " -> " << to_string(r.error);
    EXPECT_LE(r.error_offset, text.size()) << text;
  }

  std::array<Header, 32> storage_{};
  ResponseHead head_;
};

TEST_F(ResponseParser, ParsesStatusLineHeadersAndLengthBody) {
  const std::string_view text =
      "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 12\r\n\r\nhello world!";
  const ParseResult r = parse(text);
  ASSERT_EQ(r.status, ParseStatus::kComplete);
  EXPECT_EQ(r.consumed, text.size() - 12);
  EXPECT_EQ(head_.status, 200);
  EXPECT_EQ(head_.reason, "OK");
  EXPECT_EQ(head_.minor_version, 1);
  ASSERT_EQ(head_.headers.size(), 2u);
  EXPECT_EQ(head_.headers[0].name, "Content-Type");
  EXPECT_EQ(head_.body, BodyKind::kContentLength);
  EXPECT_EQ(head_.content_length, 12u);
  EXPECT_TRUE(head_.keep_alive);
}

TEST_F(ResponseParser, KeepsReasonPhraseAsSentAndAllowsItEmpty) {
  ASSERT_EQ(parse("HTTP/1.1 404 Not  Found \r\nContent-Length: 0\r\n\r\n").status,
            ParseStatus::kComplete);
  EXPECT_EQ(head_.reason, "Not  Found ");
  ASSERT_EQ(parse("HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n").status, ParseStatus::kComplete);
  EXPECT_EQ(head_.reason, "");
  ASSERT_EQ(parse("HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n").status, ParseStatus::kComplete);
  EXPECT_EQ(head_.status, 200);
  EXPECT_EQ(head_.reason, "");
}

TEST_F(ResponseParser, ChunkedResponseHasChunkedBody) {
  ASSERT_EQ(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n").status,
            ParseStatus::kComplete);
  EXPECT_EQ(head_.body, BodyKind::kChunked);
  EXPECT_TRUE(head_.keep_alive);
}

TEST_F(ResponseParser, ResponseWithoutFramingIsReadUntilCloseAndNotKeptAlive) {
  ASSERT_EQ(parse("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n").status,
            ParseStatus::kComplete);
  EXPECT_EQ(head_.body, BodyKind::kUntilClose);
  EXPECT_FALSE(head_.keep_alive);
}

TEST_F(ResponseParser, TransferEncodingWithoutChunkedIsReadUntilClose) {
  ASSERT_EQ(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n").status,
            ParseStatus::kComplete);
  EXPECT_EQ(head_.body, BodyKind::kUntilClose);
  EXPECT_FALSE(head_.keep_alive);
}

TEST_F(ResponseParser, HeadResponseHasNoBodyWhateverItsFraming) {
  ASSERT_EQ(parse("HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n", Method::kHead).status,
            ParseStatus::kComplete);
  EXPECT_EQ(head_.body, BodyKind::kNone);
  EXPECT_EQ(head_.content_length, 0u);
  EXPECT_TRUE(head_.keep_alive);
  ASSERT_EQ(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", Method::kHead).status,
            ParseStatus::kComplete);
  EXPECT_EQ(head_.body, BodyKind::kNone);
  ASSERT_EQ(parse("HTTP/1.1 200 OK\r\n\r\n", Method::kHead).status, ParseStatus::kComplete);
  EXPECT_EQ(head_.body, BodyKind::kNone);
  EXPECT_TRUE(head_.keep_alive);
}

TEST_F(ResponseParser, NoContentAndNotModifiedHaveNoBody) {
  for (std::string_view text : {"HTTP/1.1 204 No Content\r\n\r\n"sv,
                                "HTTP/1.1 304 Not Modified\r\nContent-Length: 50\r\n\r\n"sv}) {
    ASSERT_EQ(parse(text).status, ParseStatus::kComplete) << text;
    EXPECT_EQ(head_.body, BodyKind::kNone) << text;
    EXPECT_TRUE(head_.keep_alive) << text;
  }
}

TEST_F(ResponseParser, InformationalResponsesHaveNoBody) {
  for (std::string_view text : {"HTTP/1.1 100 Continue\r\n\r\n"sv,
                                "HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n"sv,
                                "HTTP/1.1 101 Switching Protocols\r\nConnection: upgrade\r\n"
                                "Upgrade: websocket\r\n\r\n"sv}) {
    ASSERT_EQ(parse(text).status, ParseStatus::kComplete) << text;
    EXPECT_EQ(head_.body, BodyKind::kNone) << text;
  }
}

TEST_F(ResponseParser, SuccessfulConnectResponseHasNoBody) {
  ASSERT_EQ(parse("HTTP/1.1 200 Connection Established\r\n\r\n", Method::kConnect).status,
            ParseStatus::kComplete);
  EXPECT_EQ(head_.body, BodyKind::kNone);
  ASSERT_EQ(parse("HTTP/1.1 407 Proxy Auth\r\nContent-Length: 3\r\n\r\n", Method::kConnect)
                .status,
            ParseStatus::kComplete);
  EXPECT_EQ(head_.body, BodyKind::kContentLength);
  EXPECT_EQ(head_.content_length, 3u);
}

TEST_F(ResponseParser, KeepAliveFollowsVersionAndConnection) {
  ASSERT_EQ(parse("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").status,
            ParseStatus::kComplete);
  EXPECT_FALSE(head_.keep_alive);
  ASSERT_EQ(parse("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n").status, ParseStatus::kComplete);
  EXPECT_EQ(head_.minor_version, 0);
  EXPECT_FALSE(head_.keep_alive);
  ASSERT_EQ(parse("HTTP/1.0 200 OK\r\nContent-Length: 0\r\nConnection: Keep-Alive\r\n\r\n").status,
            ParseStatus::kComplete);
  EXPECT_TRUE(head_.keep_alive);
}

TEST_F(ResponseParser, ReturnsNeedMoreForEveryPrefixThenTheSameResultAsWhole) {
  const std::string_view text =
      "HTTP/1.1 301 Moved Permanently\r\nLocation: /new\r\nContent-Length: 0\r\n\r\n";
  for (std::size_t n = 0; n < text.size(); ++n) {
    const std::string prefix(text.substr(0, n));
    ASSERT_EQ(parse(prefix).status, ParseStatus::kNeedMore) << n;
  }
  const std::string copy(text);
  const ParseResult r = parse(copy);
  ASSERT_EQ(r.status, ParseStatus::kComplete);
  EXPECT_EQ(r.consumed, text.size());
  EXPECT_EQ(head_.status, 301);
}

TEST_F(ResponseParser, RejectsMalformedStatusLines) {
  for (std::string_view text :
       {"HTTP/1.1 20 OK\r\n\r\n"sv, "HTTP/1.1 2000 OK\r\n\r\n"sv, "HTTP/1.1 099 X\r\n\r\n"sv,
        "HTTP/1.1  200 OK\r\n\r\n"sv, "XTTP/1.1 200 OK\r\n\r\n"sv, "HTTP/1.1 abc OK\r\n\r\n"sv,
        "HTTP/1.1200 OK\r\n\r\n"sv, "HTTP/1.1 200 O\x01K\r\n\r\n"sv, "HTTP/1.1 200 OK\rX\r\n\r\n"sv,
        "http/1.1 200 OK\r\n\r\n"sv}) {
    expect_error(text, ParseError::kBadStatusLine);
  }
  EXPECT_EQ(status_for(ParseError::kBadStatusLine), 502);
}

TEST_F(ResponseParser, RejectsUnsupportedVersions) {
  expect_error("HTTP/2.0 200 OK\r\n\r\n", ParseError::kUnsupportedVersion);
  expect_error("HTTP/2 200 OK\r\n\r\n", ParseError::kUnsupportedVersion);
  expect_error("HTTP/1.2 200 OK\r\n\r\n", ParseError::kUnsupportedVersion);
}

TEST_F(ResponseParser, RejectsContentLengthWithTransferEncoding) {
  expect_error("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
               ParseError::kContentLengthAndTransferEncoding);
}

TEST_F(ResponseParser, RejectsConflictingContentLength) {
  expect_error("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
               ParseError::kConflictingContentLength);
  expect_error("HTTP/1.1 200 OK\r\nContent-Length: 5, 5\r\n\r\n",
               ParseError::kConflictingContentLength);
  expect_error("HTTP/1.1 200 OK\r\nContent-Length: 5x\r\n\r\n", ParseError::kBadContentLength);
}

TEST_F(ResponseParser, RejectsChunkedNotFinalOrRepeated) {
  expect_error("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n",
               ParseError::kBadTransferEncoding);
  expect_error("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\n",
               ParseError::kBadTransferEncoding);
  expect_error("HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
               ParseError::kBadTransferEncoding);
  expect_error("HTTP/1.1 200 OK\r\nTransfer-Encoding: bogus\r\n\r\n",
               ParseError::kUnknownTransferCoding);
}

TEST_F(ResponseParser, RejectsLineFoldingBareLfAndBadFields) {
  expect_error("HTTP/1.1 200 OK\r\nX: a\r\n b\r\n\r\n", ParseError::kObsFold);
  expect_error("HTTP/1.1 200 OK\nContent-Length: 0\r\n\r\n", ParseError::kBareLf);
  expect_error("HTTP/1.1 200 OK\r\nContent-Length: 0\n\r\n", ParseError::kBareLf);
  expect_error("HTTP/1.1 200 OK\r\nX : a\r\n\r\n", ParseError::kBadHeaderName);
  expect_error("HTTP/1.1 200 OK\r\nX: a\x7f\r\n\r\n", ParseError::kBadHeaderValue);
}

TEST_F(ResponseParser, RejectsOversizedHead) {
  ParseLimits limits;
  limits.max_head_bytes = 32;
  const ParseResult r =
      parse("HTTP/1.1 200 OK\r\nX-Long: 0123456789abcdef\r\n\r\n", Method::kGet, limits);
  EXPECT_EQ(r.error, ParseError::kHeadersTooLarge);
}

}  // namespace
}  // namespace ramjet::http
