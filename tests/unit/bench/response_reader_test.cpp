#include "bench/response_reader.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <string>

namespace ramjet::bench {
namespace {

using Step = ResponseReader::Step;

// Feeds `bytes` to `reader` in pieces of at most `piece` bytes; returns the last step.
Step feed(ResponseReader& reader, std::string_view bytes, std::size_t piece) {
  Step step = Step::kNeedMore;
  while (!bytes.empty() && step == Step::kNeedMore) {
    std::span<char> space = reader.space();
    std::size_t n = std::min({piece, bytes.size(), space.size()});
    std::memcpy(space.data(), bytes.data(), n);
    bytes.remove_prefix(n);
    step = reader.on_read(n);
  }
  return step;
}

const std::vector<std::string> kNoHeaders;

TEST(BenchResponseReader, ContentLengthBodyAtEverySplit) {
  const std::string response =
      "HTTP/1.1 200 OK\r\nContent-Length: 11\r\nX-Request-Id: a\r\n\r\nhello world";
  for (std::size_t piece = 1; piece <= response.size(); ++piece) {
    ResponseReader reader(1024, {"X-Request-Id"});
    reader.begin(http::Method::kGet);
    ASSERT_EQ(feed(reader, response, piece), Step::kComplete) << piece;
    EXPECT_EQ(reader.status(), 200);
    EXPECT_EQ(reader.body_bytes(), 11u);
    EXPECT_TRUE(reader.keep_alive());
    EXPECT_FALSE(reader.missing_header());
    EXPECT_FALSE(reader.has_buffered());
  }
}

TEST(BenchResponseReader, ChunkedBodyAtEverySplit) {
  const std::string response =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nTrailer-Field: x\r\n\r\n";
  for (std::size_t piece = 1; piece <= response.size(); ++piece) {
    ResponseReader reader(1024, kNoHeaders);
    reader.begin(http::Method::kGet);
    ASSERT_EQ(feed(reader, response, piece), Step::kComplete) << piece;
    EXPECT_EQ(reader.body_bytes(), 11u) << piece;
  }
}

TEST(BenchResponseReader, BodiesLargerThanTheBufferAreCountedNotKept) {
  std::string body(100'000, 'x');
  std::string response =
      "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  ResponseReader reader(1024, kNoHeaders);
  reader.begin(http::Method::kGet);
  EXPECT_EQ(feed(reader, response, 700), Step::kComplete);
  EXPECT_EQ(reader.body_bytes(), body.size());
}

TEST(BenchResponseReader, UntilCloseBodyEndsAtEof) {
  ResponseReader reader(256, kNoHeaders);
  reader.begin(http::Method::kGet);
  EXPECT_EQ(feed(reader, "HTTP/1.1 200 OK\r\n\r\nsome body bytes", 4), Step::kNeedMore);
  EXPECT_EQ(reader.on_eof(), Step::kComplete);
  EXPECT_EQ(reader.body_bytes(), 15u);
  EXPECT_FALSE(reader.keep_alive());
}

TEST(BenchResponseReader, HeadResponseHasNoBodyDespiteContentLength) {
  ResponseReader reader(256, kNoHeaders);
  reader.begin(http::Method::kHead);
  EXPECT_EQ(feed(reader, "HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n", 1000),
            Step::kComplete);
  EXPECT_EQ(reader.body_bytes(), 0u);
}

TEST(BenchResponseReader, InterimResponsesAreSkipped) {
  ResponseReader reader(256, kNoHeaders);
  reader.begin(http::Method::kPost);
  EXPECT_EQ(feed(reader,
                 "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"
                 "HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok",
                 1000),
            Step::kComplete);
  EXPECT_EQ(reader.status(), 201);
}

TEST(BenchResponseReader, BytesOfTheNextResponseAreKept) {
  ResponseReader reader(256, kNoHeaders);
  reader.begin(http::Method::kGet);
  EXPECT_EQ(feed(reader,
                 "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\naHTTP/1.1 404 Not Found\r\n"
                 "Content-Length: 0\r\n\r\n",
                 1000),
            Step::kComplete);
  EXPECT_EQ(reader.status(), 200);
  ASSERT_TRUE(reader.has_buffered());
  reader.begin(http::Method::kGet);
  EXPECT_EQ(reader.on_read(0), Step::kComplete);
  EXPECT_EQ(reader.status(), 404);
  EXPECT_FALSE(reader.has_buffered());
}

TEST(BenchResponseReader, ConnectionCloseAndHttp10EndKeepAlive) {
  ResponseReader reader(256, kNoHeaders);
  reader.begin(http::Method::kGet);
  feed(reader, "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", 1000);
  EXPECT_FALSE(reader.keep_alive());
  reader.begin(http::Method::kGet);
  feed(reader, "HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", 1000);
  EXPECT_FALSE(reader.keep_alive());
}

TEST(BenchResponseReader, ReportsMissingExpectedHeaders) {
  ResponseReader reader(256, {"X-Request-Id", "Server-Timing"});
  reader.begin(http::Method::kGet);
  feed(reader, "HTTP/1.1 200 OK\r\nserver-timing: a\r\nContent-Length: 0\r\n\r\n", 1000);
  EXPECT_TRUE(reader.missing_header());
  EXPECT_EQ(reader.missing_mask(), 1u);
}

TEST(BenchResponseReader, MalformedHeadIsAParseError) {
  ResponseReader reader(256, kNoHeaders);
  reader.begin(http::Method::kGet);
  EXPECT_EQ(feed(reader, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 99),
            Step::kError);
  EXPECT_EQ(reader.failure(), ResponseReader::Failure::kParse);
  ResponseReader garbage(256, kNoHeaders);
  garbage.begin(http::Method::kGet);
  EXPECT_EQ(feed(garbage, "SSH-2.0-OpenSSH\r\n\r\n", 99), Step::kError);
}

TEST(BenchResponseReader, BadChunkFramingIsAParseError) {
  ResponseReader reader(256, kNoHeaders);
  reader.begin(http::Method::kGet);
  EXPECT_EQ(feed(reader, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 99),
            Step::kError);
  EXPECT_EQ(reader.failure(), ResponseReader::Failure::kParse);
}

TEST(BenchResponseReader, HeadLargerThanTheBufferIsAParseError) {
  ResponseReader reader(1024, kNoHeaders);
  reader.begin(http::Method::kGet);
  std::string head = "HTTP/1.1 200 OK\r\nX-Big: " + std::string(2000, 'a') + "\r\n\r\n";
  EXPECT_EQ(feed(reader, head, 300), Step::kError);
  EXPECT_EQ(reader.failure(), ResponseReader::Failure::kParse);
}

TEST(BenchResponseReader, EofBeforeTheEndIsClosed) {
  ResponseReader reader(256, kNoHeaders);
  reader.begin(http::Method::kGet);
  EXPECT_EQ(feed(reader, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", 99), Step::kNeedMore);
  EXPECT_EQ(reader.on_eof(), Step::kError);
  EXPECT_EQ(reader.failure(), ResponseReader::Failure::kClosed);
  ResponseReader idle(256, kNoHeaders);
  idle.begin(http::Method::kGet);
  EXPECT_EQ(idle.on_eof(), Step::kError);
  EXPECT_EQ(idle.failure(), ResponseReader::Failure::kClosed);
}

}  // namespace
}  // namespace ramjet::bench
