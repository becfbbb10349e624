#include <array>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "http/parser.hpp"

namespace ramjet::http {
namespace {

using namespace std::string_view_literals;

class RequestParser : public ::testing::Test {
 protected:
  ParseResult parse(std::string_view text, const ParseLimits& limits = {}) {
    return parse_request(text, limits, storage_, head_);
  }

  // Expects `text` to fail with `error`, answered with `status`.
  void expect_error(std::string_view text, ParseError error, int status) {
    const ParseResult r = parse(text);
    EXPECT_EQ(r.status, ParseStatus::kError) << text;
    EXPECT_EQ(r.error, error) << text << " -> " << to_string(r.error);
    EXPECT_EQ(status_for(r.error), status) << text;
    EXPECT_LE(r.error_offset, text.size()) << text;
  }

  std::array<Header, 32> storage_{};
  RequestHead head_;
};

constexpr std::string_view kSimpleGet =
    "GET /index.html?a=1&b=2 HTTP/1.1\r\n"
    "Host: example.com\r\n"
    "User-Agent: test/1.0\r\n"
    "Accept: */*\r\n"
    "\r\n";

TEST_F(RequestParser, ParsesSimpleGet) {
  const ParseResult r = parse(kSimpleGet);
  ASSERT_EQ(r.status, ParseStatus::kComplete);
  EXPECT_EQ(r.error, ParseError::kNone);
  EXPECT_EQ(r.consumed, kSimpleGet.size());
  EXPECT_EQ(head_.method, "GET");
  EXPECT_EQ(head_.method_id, Method::kGet);
  EXPECT_EQ(head_.target, "/index.html?a=1&b=2");
  EXPECT_EQ(head_.path, "/index.html");
  EXPECT_EQ(head_.query, "a=1&b=2");
  EXPECT_EQ(head_.authority, "");
  EXPECT_EQ(head_.minor_version, 1);
  ASSERT_EQ(head_.headers.size(), 3u);
  EXPECT_EQ(head_.headers[0].name, "Host");
  EXPECT_EQ(head_.headers[0].value, "example.com");
  EXPECT_EQ(head_.headers[2].name, "Accept");
  EXPECT_EQ(head_.headers[2].value, "*/*");
  EXPECT_EQ(head_.host, "example.com");
  EXPECT_EQ(head_.body, BodyKind::kNone);
  EXPECT_EQ(head_.content_length, 0u);
  EXPECT_TRUE(head_.keep_alive);
  EXPECT_FALSE(head_.expect_continue);
  EXPECT_FALSE(head_.upgrade);
  EXPECT_FALSE(head_.has_te_trailers);
}

TEST_F(RequestParser, ViewsPointIntoTheCallersBuffer) {
  const std::string buffer(kSimpleGet);
  ASSERT_EQ(parse(buffer).status, ParseStatus::kComplete);
  const char* begin = buffer.data();
  const char* end = begin + buffer.size();
  for (std::string_view v : {head_.method, head_.target, head_.path, head_.query, head_.host}) {
    EXPECT_GE(v.data(), begin);
    EXPECT_LE(v.data() + v.size(), end);
  }
  EXPECT_EQ(head_.headers.data(), storage_.data());
}

TEST_F(RequestParser, ReusedHeadKeepsNothingFromThePreviousRequest) {
  ASSERT_EQ(parse("POST http://a.test/p?q HTTP/1.1\r\nHost: a.test\r\nConnection: upgrade\r\n"
                  "Upgrade: x\r\nExpect: 100-continue\r\nTE: trailers\r\n"
                  "Transfer-Encoding: chunked\r\n\r\n")
                .status,
            ParseStatus::kComplete);
  ASSERT_EQ(parse("GET /x HTTP/1.0\r\n\r\n").status, ParseStatus::kComplete);
  RequestHead fresh;
  std::array<Header, 4> storage{};
  ASSERT_EQ(parse_request("GET /x HTTP/1.0\r\n\r\n", {}, storage, fresh).status,
            ParseStatus::kComplete);
  EXPECT_EQ(head_.authority, fresh.authority);
  EXPECT_EQ(head_.query, fresh.query);
  EXPECT_EQ(head_.host, fresh.host);
  EXPECT_EQ(head_.headers.size(), 0u);
  EXPECT_EQ(head_.method_id, fresh.method_id);
  EXPECT_EQ(head_.body, fresh.body);
  EXPECT_EQ(head_.content_length, fresh.content_length);
  EXPECT_EQ(head_.keep_alive, fresh.keep_alive);
  EXPECT_EQ(head_.expect_continue, fresh.expect_continue);
  EXPECT_EQ(head_.upgrade, fresh.upgrade);
  EXPECT_EQ(head_.has_te_trailers, fresh.has_te_trailers);
}

TEST_F(RequestParser, RecognisesEachMethod) {
  const std::array<std::pair<std::string_view, Method>, 12> cases = {{
      {"GET", Method::kGet},         {"HEAD", Method::kHead},       {"POST", Method::kPost},
      {"PUT", Method::kPut},         {"DELETE", Method::kDelete},   {"PATCH", Method::kPatch},
      {"OPTIONS", Method::kOptions}, {"TRACE", Method::kTrace},     {"QUERY", Method::kQuery},
      {"PURGE", Method::kOther},     {"get", Method::kOther},       {"M-SEARCH", Method::kOther},
  }};
  for (const auto& [name, id] : cases) {
    const std::string text = std::string(name) + " / HTTP/1.1\r\nHost: h\r\n\r\n";
    ASSERT_EQ(parse(text).status, ParseStatus::kComplete) << name;
    EXPECT_EQ(head_.method, name);
    EXPECT_EQ(head_.method_id, id) << name;
  }
}

TEST_F(RequestParser, QueryIsEmptyWithoutQuestionMarkAndAfterTrailingOne) {
  ASSERT_EQ(parse("GET /a/b HTTP/1.1\r\nHost: h\r\n\r\n").status, ParseStatus::kComplete);
  EXPECT_EQ(head_.path, "/a/b");
  EXPECT_EQ(head_.query, "");
  ASSERT_EQ(parse("GET /a? HTTP/1.1\r\nHost: h\r\n\r\n").status, ParseStatus::kComplete);
  EXPECT_EQ(head_.path, "/a");
  EXPECT_EQ(head_.query, "");
  ASSERT_EQ(parse("GET /a?x=?y HTTP/1.1\r\nHost: h\r\n\r\n").status, ParseStatus::kComplete);
  EXPECT_EQ(head_.path, "/a");
  EXPECT_EQ(head_.query, "x=?y");
}

TEST_F(RequestParser, TrimsOwsAroundValuesAndKeepsNameCase) {
  ASSERT_EQ(parse("GET / HTTP/1.1\r\nhOsT:  \t h \t \r\nX-Empty:\r\nX-Inner: a \t b\r\n\r\n")
                .status,
            ParseStatus::kComplete);
  ASSERT_EQ(head_.headers.size(), 3u);
  EXPECT_EQ(head_.headers[0].name, "hOsT");
  EXPECT_EQ(head_.headers[0].value, "h");
  EXPECT_EQ(head_.host, "h");
  EXPECT_EQ(head_.headers[1].value, "");
  EXPECT_EQ(head_.headers[2].value, "a \t b");
}

TEST_F(RequestParser, AcceptsObsTextInValues) {
  ASSERT_EQ(parse("GET / HTTP/1.1\r\nHost: h\r\nX-Name: caf\xc3\xa9\r\n\r\n").status,
            ParseStatus::kComplete);
  EXPECT_EQ(head_.headers[1].value, "caf\xc3\xa9");
}

TEST_F(RequestParser, SkipsLeadingEmptyLinesAndCountsThem) {
  const std::string text = "\r\n\r\n" + std::string(kSimpleGet);
  const ParseResult r = parse(text);
  ASSERT_EQ(r.status, ParseStatus::kComplete);
  EXPECT_EQ(r.consumed, text.size());
  EXPECT_EQ(head_.method, "GET");
}

TEST_F(RequestParser, ReturnsNeedMoreForEveryPrefixThenTheSameResultAsWhole) {
  const std::array<std::string_view, 6> requests = {
      kSimpleGet,
      "\r\nPOST /submit HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\n",
      "GET http://example.com:81/p?q HTTP/1.1\r\nHost: example.com:81\r\n\r\n",
      "PUT /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
      "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
      "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n",
  };
  for (std::string_view text : requests) {
    RequestHead whole;
    std::array<Header, 32> whole_storage{};
    const ParseResult expected = parse_request(text, {}, whole_storage, whole);
    ASSERT_EQ(expected.status, ParseStatus::kComplete) << text;
    for (std::size_t n = 0; n < text.size(); ++n) {
      // A fresh copy of exactly n bytes, so reading past the prefix would be caught by ASan.
      const std::string prefix(text.substr(0, n));
      const ParseResult r = parse(prefix);
      ASSERT_EQ(r.status, ParseStatus::kNeedMore) << "prefix " << n << " of " << text;
      EXPECT_EQ(r.consumed, 0u);
    }
    const std::string copy(text);
    const ParseResult r = parse(copy);
    EXPECT_EQ(r.status, expected.status);
    EXPECT_EQ(r.consumed, expected.consumed);
    EXPECT_EQ(head_.target, whole.target);
    EXPECT_EQ(head_.headers.size(), whole.headers.size());
    EXPECT_EQ(head_.body, whole.body);
    EXPECT_EQ(head_.content_length, whole.content_length);
    EXPECT_EQ(head_.keep_alive, whole.keep_alive);
  }
}

TEST_F(RequestParser, InvalidRequestFedByteByByteFailsAtTheSameByte) {
  const std::string_view text =
      "GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n";
  const ParseResult whole = parse(text);
  ASSERT_EQ(whole.status, ParseStatus::kError);
  bool failed = false;
  for (std::size_t n = 0; n <= text.size(); ++n) {
    const ParseResult r = parse(std::string(text.substr(0, n)));
    if (r.status == ParseStatus::kError) {
      EXPECT_EQ(r.error, whole.error);
      EXPECT_EQ(r.error_offset, whole.error_offset);
      failed = true;
    } else {
      ASSERT_FALSE(failed) << "an error must not turn back into need-more at " << n;
      EXPECT_EQ(r.status, ParseStatus::kNeedMore);
    }
  }
}

TEST_F(RequestParser, PipelinedRequestsConsumedPointsAtTheNextOne) {
  const std::string first = "GET /one HTTP/1.1\r\nHost: h\r\n\r\n";
  const std::string second = "POST /two HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\n\r\nbody";
  const std::string third = "GET /three HTTP/1.1\r\nHost: h\r\n\r\n";
  const std::string buffer = first + second + third;
  std::string_view rest = buffer;

  ParseResult r = parse(rest);
  ASSERT_EQ(r.status, ParseStatus::kComplete);
  EXPECT_EQ(r.consumed, first.size());
  EXPECT_EQ(head_.path, "/one");
  rest.remove_prefix(r.consumed);

  r = parse(rest);
  ASSERT_EQ(r.status, ParseStatus::kComplete);
  EXPECT_EQ(head_.path, "/two");
  EXPECT_EQ(head_.body, BodyKind::kContentLength);
  ASSERT_EQ(head_.content_length, 4u);
  rest.remove_prefix(r.consumed);
  EXPECT_EQ(rest.substr(0, 4), "body");
  rest.remove_prefix(head_.content_length);

  r = parse(rest);
  ASSERT_EQ(r.status, ParseStatus::kComplete);
  EXPECT_EQ(head_.path, "/three");
  EXPECT_EQ(r.consumed, rest.size());
}

TEST_F(RequestParser, AbsoluteFormGivesAuthorityPathQueryAndHost) {
  ASSERT_EQ(parse("GET http://example.com:8080/a/b?x=1 HTTP/1.1\r\nHost: ignored.test\r\n\r\n")
                .status,
            ParseStatus::kComplete);
  EXPECT_EQ(head_.target, "http://example.com:8080/a/b?x=1");
  EXPECT_EQ(head_.authority, "example.com:8080");
  EXPECT_EQ(head_.path, "/a/b");
  EXPECT_EQ(head_.query, "x=1");
  EXPECT_EQ(head_.host, "example.com:8080");  // RFC 9112 §3.2.2: the target wins over Host
}

TEST_F(RequestParser, AbsoluteFormWithoutPathHasRootPath) {
  ASSERT_EQ(parse("GET HTTPS://Example.com HTTP/1.1\r\nHost: Example.com\r\n\r\n").status,
            ParseStatus::kComplete);
  EXPECT_EQ(head_.authority, "Example.com");
  EXPECT_EQ(head_.path, "/");
  EXPECT_EQ(head_.query, "");
  ASSERT_EQ(parse("GET http://[::1]:8080?q=2 HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n").status,
            ParseStatus::kComplete);
  EXPECT_EQ(head_.authority, "[::1]:8080");
  EXPECT_EQ(head_.path, "/");
  EXPECT_EQ(head_.query, "q=2");
}

TEST_F(RequestParser, RejectsBadAbsoluteForms) {
  expect_error("GET ftp://example.com/ HTTP/1.1\r\nHost: h\r\n\r\n", ParseError::kBadTarget, 400);
  expect_error("GET http:///path HTTP/1.1\r\nHost: h\r\n\r\n", ParseError::kBadTarget, 400);
  expect_error("GET http://user@example.com/ HTTP/1.1\r\nHost: h\r\n\r\n",
               ParseError::kBadTarget, 400);
  expect_error("GET http://example.com:99999/ HTTP/1.1\r\nHost: h\r\n\r\n",
               ParseError::kBadTarget, 400);
  expect_error("GET example.com/x HTTP/1.1\r\nHost: h\r\n\r\n", ParseError::kBadTarget, 400);
}

TEST_F(RequestParser, ConnectTakesAuthorityFormOnly) {
  ASSERT_EQ(parse("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n").status,
            ParseStatus::kComplete);
  EXPECT_EQ(head_.method_id, Method::kConnect);
  EXPECT_EQ(head_.target, "example.com:443");
  EXPECT_EQ(head_.path, "");
  expect_error("CONNECT example.com HTTP/1.1\r\nHost: h\r\n\r\n", ParseError::kBadTarget, 400);
  expect_error("CONNECT / HTTP/1.1\r\nHost: h\r\n\r\n", ParseError::kBadTarget, 400);
}

TEST_F(RequestParser, AsteriskFormOnlyForOptions) {
  ASSERT_EQ(parse("OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n").status, ParseStatus::kComplete);
  EXPECT_EQ(head_.target, "*");
  expect_error("GET * HTTP/1.1\r\nHost: h\r\n\r\n", ParseError::kBadTarget, 400);
}

TEST_F(RequestParser, KeepAliveFollowsVersionAndConnectionTokens) {
  struct Case {
    std::string_view text;
    bool keep_alive;
  };
  const std::array<Case, 8> cases = {{
      {"GET / HTTP/1.1\r\nHost: h\r\n\r\n", true},
      {"GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n", false},
      {"GET / HTTP/1.1\r\nHost: h\r\nConnection: Keep-Alive, CLOSE\r\n\r\n", false},
      {"GET / HTTP/1.1\r\nHost: h\r\nConnection: foo\r\nConnection: close\r\n\r\n", false},
      {"GET / HTTP/1.1\r\nHost: h\r\nConnection: closed\r\n\r\n", true},
      {"GET / HTTP/1.0\r\n\r\n", false},
      {"GET / HTTP/1.0\r\nConnection: ,keep-alive\r\n\r\n", true},
      {"GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n", false},
  }};
  for (const Case& c : cases) {
    ASSERT_EQ(parse(c.text).status, ParseStatus::kComplete) << c.text;
    EXPECT_EQ(head_.keep_alive, c.keep_alive) << c.text;
  }
}

TEST_F(RequestParser, DetectsExpectContinueOnlyInHttp11) {
  ASSERT_EQ(parse("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nExpect: 100-Continue\r\n\r\n")
                .status,
            ParseStatus::kComplete);
  EXPECT_TRUE(head_.expect_continue);
  ASSERT_EQ(parse("POST / HTTP/1.0\r\nContent-Length: 1\r\nExpect: 100-continue\r\n\r\n").status,
            ParseStatus::kComplete);
  EXPECT_FALSE(head_.expect_continue);
}

TEST_F(RequestParser, UpgradeNeedsConnectionUpgradeAndUpgradeField) {
  ASSERT_EQ(parse("GET /ws HTTP/1.1\r\nHost: h\r\nConnection: keep-alive, Upgrade\r\n"
                  "Upgrade: websocket\r\n\r\n")
                .status,
            ParseStatus::kComplete);
  EXPECT_TRUE(head_.upgrade);
  ASSERT_EQ(parse("GET /ws HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\n\r\n").status,
            ParseStatus::kComplete);
  EXPECT_FALSE(head_.upgrade);
  ASSERT_EQ(parse("GET /ws HTTP/1.1\r\nHost: h\r\nConnection: upgrade\r\n\r\n").status,
            ParseStatus::kComplete);
  EXPECT_FALSE(head_.upgrade);
}

TEST_F(RequestParser, DetectsTeTrailers) {
  ASSERT_EQ(parse("GET / HTTP/1.1\r\nHost: h\r\nTE: deflate;q=0.5, Trailers\r\n\r\n").status,
            ParseStatus::kComplete);
  EXPECT_TRUE(head_.has_te_trailers);
}

TEST_F(RequestParser, RequestWithoutFramingHasNoBody) {
  ASSERT_EQ(parse("POST / HTTP/1.1\r\nHost: h\r\n\r\n").status, ParseStatus::kComplete);
  EXPECT_EQ(head_.body, BodyKind::kNone);
  EXPECT_EQ(head_.content_length, 0u);
}

TEST_F(RequestParser, ContentLengthGivesLengthBody) {
  ASSERT_EQ(parse("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0042\r\n\r\n").status,
            ParseStatus::kComplete);
  EXPECT_EQ(head_.body, BodyKind::kContentLength);
  EXPECT_EQ(head_.content_length, 42u);
  ASSERT_EQ(parse("POST / HTTP/1.1\r\nHost: h\r\ncontent-length: 18446744073709551615\r\n\r\n")
                .status,
            ParseStatus::kComplete);
  EXPECT_EQ(head_.content_length, 18446744073709551615ULL);
}

TEST_F(RequestParser, ChunkedAsFinalCodingGivesChunkedBody) {
  for (std::string_view te : {"chunked"sv, "Chunked"sv, "gzip, CHUNKED"sv, ", chunked"sv}) {
    const std::string text =
        "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: " + std::string(te) + "\r\n\r\n";
    ASSERT_EQ(parse(text).status, ParseStatus::kComplete) << te;
    EXPECT_EQ(head_.body, BodyKind::kChunked) << te;
  }
  ASSERT_EQ(parse("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n"
                  "Transfer-Encoding: chunked\r\n\r\n")
                .status,
            ParseStatus::kComplete);
  EXPECT_EQ(head_.body, BodyKind::kChunked);
}

// --- Request smuggling vectors --------------------------------------------------------------

TEST_F(RequestParser, RejectsContentLengthWithTransferEncoding) {
  expect_error("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n"
               "Transfer-Encoding: chunked\r\n\r\n",
               ParseError::kContentLengthAndTransferEncoding, 400);
  expect_error("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
               "Content-Length: 5\r\n\r\n",
               ParseError::kContentLengthAndTransferEncoding, 400);
  const std::string_view text =
      "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n";
  EXPECT_EQ(parse(text).error_offset, text.find("Transfer-Encoding"));
}

TEST_F(RequestParser, RejectsDifferingContentLengthFields) {
  const std::string_view text =
      "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n";
  expect_error(text, ParseError::kConflictingContentLength, 400);
  EXPECT_EQ(parse(text).error_offset, text.rfind("Content-Length"));
}

TEST_F(RequestParser, RejectsRepeatedIdenticalContentLengthFields) {
  expect_error("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n",
               ParseError::kConflictingContentLength, 400);
}

TEST_F(RequestParser, RejectsContentLengthListWithDifferingValues) {
  expect_error("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5, 6\r\n\r\n",
               ParseError::kConflictingContentLength, 400);
}

TEST_F(RequestParser, RejectsContentLengthListWithEqualValues) {
  expect_error("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5, 5\r\n\r\n",
               ParseError::kConflictingContentLength, 400);
}

TEST_F(RequestParser, RejectsMalformedContentLength) {
  for (std::string_view cl : {""sv, "abc"sv, "-1"sv, "+5"sv, "5 5"sv, "0x10"sv, "1e3"sv, "5,"sv,
                              "5, x"sv, "5;"sv, "18446744073709551616"sv,
                              "99999999999999999999999"sv}) {
    const std::string text =
        "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: " + std::string(cl) + "\r\n\r\n";
    expect_error(text, ParseError::kBadContentLength, 400);
  }
}

TEST_F(RequestParser, RejectsChunkedThatIsNotTheFinalCoding) {
  expect_error("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, gzip\r\n\r\n",
               ParseError::kBadTransferEncoding, 400);
  expect_error("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
               "Transfer-Encoding: gzip\r\n\r\n",
               ParseError::kBadTransferEncoding, 400);
}

TEST_F(RequestParser, RejectsTransferEncodingWithoutChunked) {
  const std::string_view text = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n\r\n";
  expect_error(text, ParseError::kBadTransferEncoding, 400);
  EXPECT_EQ(parse(text).error_offset, text.find("Transfer-Encoding"));
}

TEST_F(RequestParser, RejectsChunkedAppliedTwice) {
  expect_error("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, chunked\r\n\r\n",
               ParseError::kBadTransferEncoding, 400);
  expect_error("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
               "Transfer-Encoding: chunked\r\n\r\n",
               ParseError::kBadTransferEncoding, 400);
}

TEST_F(RequestParser, RejectsUnknownTransferCodingWith501) {
  for (std::string_view te : {"foo, chunked"sv, "identity"sv, "xchunked"sv, "chunked-x"sv}) {
    const std::string text =
        "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: " + std::string(te) + "\r\n\r\n";
    expect_error(text, ParseError::kUnknownTransferCoding, 501);
  }
}

TEST_F(RequestParser, RejectsMalformedTransferEncoding) {
  for (std::string_view te : {""sv, ","sv, "chunked;x=1"sv, "chunked x"sv, "\"chunked\""sv}) {
    const std::string text =
        "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: " + std::string(te) + "\r\n\r\n";
    expect_error(text, ParseError::kBadTransferEncoding, 400);
  }
}

TEST_F(RequestParser, RejectsTransferEncodingInHttp10) {
  expect_error("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n",
               ParseError::kBadTransferEncoding, 400);
}

TEST_F(RequestParser, RejectsObsFold) {
  const std::string_view text = "GET / HTTP/1.1\r\nHost: h\r\nX-A: one\r\n two\r\n\r\n";
  expect_error(text, ParseError::kObsFold, 400);
  EXPECT_EQ(parse(text).error_offset, text.find(" two"));
  expect_error("GET / HTTP/1.1\r\nHost: h\r\nX-A: one\r\n\ttwo\r\n\r\n", ParseError::kObsFold,
               400);
}

TEST_F(RequestParser, RejectsWhitespaceBeforeTheFirstField) {
  expect_error("GET / HTTP/1.1\r\n Host: h\r\n\r\n", ParseError::kObsFold, 400);
}

TEST_F(RequestParser, RejectsBareLfLineEndings) {
  expect_error("GET / HTTP/1.1\nHost: h\r\n\r\n", ParseError::kBareLf, 400);
  expect_error("GET / HTTP/1.1\r\nHost: h\n\r\n", ParseError::kBareLf, 400);
  expect_error("GET / HTTP/1.1\r\nHost: h\r\n\n", ParseError::kBareLf, 400);
  expect_error("\nGET / HTTP/1.1\r\nHost: h\r\n\r\n", ParseError::kBareLf, 400);
  const std::string_view text = "GET / HTTP/1.1\r\nHost: h\r\nX: 1\n\r\n";
  EXPECT_EQ(parse(text).error_offset, text.find('\n', text.find("X:")));
}

TEST_F(RequestParser, RejectsBareCrInValue) {
  const std::string_view text = "GET / HTTP/1.1\r\nHost: h\r\nX: a\rb\r\n\r\n";
  expect_error(text, ParseError::kBadHeaderValue, 400);
  EXPECT_EQ(parse(text).error_offset, text.find("\rb"));
}

TEST_F(RequestParser, RejectsWhitespaceBetweenNameAndColon) {
  const std::string_view text = "GET / HTTP/1.1\r\nHost : h\r\n\r\n";
  expect_error(text, ParseError::kBadHeaderName, 400);
  EXPECT_EQ(parse(text).error_offset, text.find(" :"));
  expect_error("GET / HTTP/1.1\r\nHost: h\r\nContent-Length\t: 5\r\n\r\n",
               ParseError::kBadHeaderName, 400);
}

TEST_F(RequestParser, RejectsBadHeaderNames) {
  for (std::string_view line : {": empty"sv, "Ho(st: x"sv, "X@Y: 1"sv, "Caf\xc3\xa9: 1"sv,
                                "X\x7f: 1"sv, "NoColon"sv, "X\0Y: 1"sv}) {
    const std::string text = "GET / HTTP/1.1\r\nHost: h\r\n" + std::string(line) + "\r\n\r\n";
    expect_error(text, ParseError::kBadHeaderName, 400);
  }
}

TEST_F(RequestParser, RejectsControlCharactersInValues) {
  for (char c : {'\0', '\x01', '\x08', '\x0b', '\x0c', '\x1b', '\x1f', '\x7f'}) {
    std::string text = "GET / HTTP/1.1\r\nHost: h\r\nX-V: ab_cd\r\n\r\n";
    const std::size_t at = text.find('_');
    text[at] = c;
    expect_error(text, ParseError::kBadHeaderValue, 400);
    EXPECT_EQ(parse(text).error_offset, at) << static_cast<int>(c);
  }
  // Past the 8-byte fast path too.
  std::string text = "GET / HTTP/1.1\r\nHost: h\r\nX-V: 0123456789abcdefghij_xyz\r\n\r\n";
  text[text.find('_')] = '\x7f';
  expect_error(text, ParseError::kBadHeaderValue, 400);
}

TEST_F(RequestParser, AcceptsHtabInValues) {
  ASSERT_EQ(parse("GET / HTTP/1.1\r\nHost: h\r\nX: 0123456789\tabcdefgh\t\r\n\r\n").status,
            ParseStatus::kComplete);
  EXPECT_EQ(head_.headers[1].value, "0123456789\tabcdefgh");
}

TEST_F(RequestParser, RejectsBadMethods) {
  expect_error("G(ET / HTTP/1.1\r\nHost: h\r\n\r\n", ParseError::kBadMethod, 400);
  expect_error(std::string_view("GE\0T / HTTP/1.1\r\nHost: h\r\n\r\n", 28),
               ParseError::kBadMethod, 400);
  expect_error("\x7fGET / HTTP/1.1\r\nHost: h\r\n\r\n", ParseError::kBadMethod, 400);
  expect_error(" GET / HTTP/1.1\r\nHost: h\r\n\r\n", ParseError::kBadRequestLine, 400);
}

TEST_F(RequestParser, RejectsBadTargets) {
  for (std::string_view target : {"/a\x01"sv, "/a\x7f"sv, "/caf\xc3\xa9"sv, "/a#frag"sv,
                                  "/%zz"sv, "/%4"sv, "/%"sv, "/a\tb"sv}) {
    const std::string text = "GET " + std::string(target) + " HTTP/1.1\r\nHost: h\r\n\r\n";
    expect_error(text, ParseError::kBadTarget, 400);
  }
  ASSERT_EQ(parse("GET /a%20b%2F?x=%7e HTTP/1.1\r\nHost: h\r\n\r\n").status,
            ParseStatus::kComplete);
}

TEST_F(RequestParser, RejectsMalformedRequestLines) {
  expect_error("GET  / HTTP/1.1\r\nHost: h\r\n\r\n", ParseError::kBadRequestLine, 400);
  expect_error("GET /\r\n\r\n", ParseError::kBadRequestLine, 400);  // HTTP/0.9
  expect_error("GET / HTTP/1.1\rX\r\n\r\n", ParseError::kBadRequestLine, 400);
  expect_error("\rGET / HTTP/1.1\r\nHost: h\r\n\r\n", ParseError::kBadRequestLine, 400);
}

TEST_F(RequestParser, RejectsVersionsOtherThan10And11) {
  for (std::string_view v : {"HTTP/2.0"sv, "HTTP/2"sv, "HTTP/3"sv, "HTTP/1.2"sv, "HTTP/0.9"sv}) {
    const std::string text = "GET / " + std::string(v) + "\r\nHost: h\r\n\r\n";
    expect_error(text, ParseError::kUnsupportedVersion, 505);
    EXPECT_EQ(parse(text).error_offset, 6u);
  }
  expect_error("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", ParseError::kUnsupportedVersion, 505);
}

TEST_F(RequestParser, RejectsGarbageVersions) {
  for (std::string_view v : {"HTTP/1.x"sv, "http/1.1"sv, "HTTP/11"sv, "HTTP/1.1 "sv, "HTTPS/1.1"sv,
                             "HTTP/1.10"sv, "HTTP/1"sv, "HTTP/"sv, "HTTP/2.0x"sv, "1.1"sv}) {
    const std::string text = "GET / " + std::string(v) + "\r\nHost: h\r\n\r\n";
    expect_error(text, ParseError::kBadVersion, 400);
  }
}

TEST_F(RequestParser, RejectsHttp11WithoutHost) {
  const std::string_view text = "GET / HTTP/1.1\r\nAccept: */*\r\n\r\n";
  expect_error(text, ParseError::kMissingHost, 400);
  EXPECT_EQ(parse(text).error_offset, text.size() - 2);
  expect_error("GET http://example.com/ HTTP/1.1\r\n\r\n", ParseError::kMissingHost, 400);
}

TEST_F(RequestParser, AcceptsHttp10WithoutHost) {
  ASSERT_EQ(parse("GET / HTTP/1.0\r\n\r\n").status, ParseStatus::kComplete);
  EXPECT_EQ(head_.minor_version, 0);
  EXPECT_EQ(head_.host, "");
}

TEST_F(RequestParser, AcceptsEmptyHost) {
  ASSERT_EQ(parse("GET / HTTP/1.1\r\nHost:\r\n\r\n").status, ParseStatus::kComplete);
  EXPECT_EQ(head_.host, "");
}

TEST_F(RequestParser, RejectsMoreThanOneHost) {
  const std::string_view text = "GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n";
  expect_error(text, ParseError::kMissingHost, 400);
  EXPECT_EQ(parse(text).error_offset, text.rfind("Host"));
}

TEST_F(RequestParser, RejectsMalformedHost) {
  for (std::string_view host : {"a b"sv, "user@h"sv, "h/x"sv, "h:port"sv, "[::1"sv, "h:1:2"sv}) {
    const std::string text = "GET / HTTP/1.1\r\nHost: " + std::string(host) + "\r\n\r\n";
    expect_error(text, ParseError::kBadHeaderValue, 400);
  }
}

TEST_F(RequestParser, RejectsOversizedHeadWith431) {
  ParseLimits limits;
  limits.max_head_bytes = 64;
  const std::string fits = "GET / HTTP/1.1\r\nHost: h\r\nX: " + std::string(32, 'a') + "\r\n\r\n";
  ASSERT_EQ(fits.size(), 64u);
  EXPECT_EQ(parse(fits, limits).status, ParseStatus::kComplete);

  const std::string over = "GET / HTTP/1.1\r\nHost: h\r\nX: " + std::string(33, 'a') + "\r\n\r\n";
  const ParseResult r = parse(over, limits);
  EXPECT_EQ(r.status, ParseStatus::kError);
  EXPECT_EQ(r.error, ParseError::kHeadersTooLarge);
  EXPECT_EQ(status_for(r.error), 431);
  EXPECT_EQ(r.error_offset, 64u);
  // Incomplete but already at the limit: no point waiting for more.
  EXPECT_EQ(parse(over.substr(0, 64), limits).error, ParseError::kHeadersTooLarge);
  EXPECT_EQ(parse(over.substr(0, 63), limits).status, ParseStatus::kNeedMore);
}

TEST_F(RequestParser, RejectsTooManyHeadersWith431) {
  ParseLimits limits;
  limits.max_headers = 3;
  std::string text = "GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\n\r\n";
  EXPECT_EQ(parse(text, limits).status, ParseStatus::kComplete);
  text = "GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n";
  const ParseResult r = parse(text, limits);
  EXPECT_EQ(r.error, ParseError::kTooManyHeaders);
  EXPECT_EQ(status_for(r.error), 431);
  EXPECT_EQ(r.error_offset, text.find("C: 3"));
}

TEST_F(RequestParser, HeaderStorageAlsoBoundsTheCount) {
  std::array<Header, 2> small{};
  RequestHead head;
  const ParseResult r =
      parse_request("GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\n\r\n", {}, small, head);
  EXPECT_EQ(r.error, ParseError::kTooManyHeaders);
}

TEST_F(RequestParser, RejectsLongTargetWith414) {
  ParseLimits limits;
  limits.max_target_bytes = 16;
  const std::string ok = "GET /" + std::string(15, 'a') + " HTTP/1.1\r\nHost: h\r\n\r\n";
  EXPECT_EQ(parse(ok, limits).status, ParseStatus::kComplete);
  const std::string text = "GET /" + std::string(16, 'a') + " HTTP/1.1\r\nHost: h\r\n\r\n";
  const ParseResult r = parse(text, limits);
  EXPECT_EQ(r.error, ParseError::kTargetTooLong);
  EXPECT_EQ(status_for(r.error), 414);
  EXPECT_EQ(r.error_offset, 4u + 16u);
  // Reported as soon as the limit is passed, before the line is complete.
  EXPECT_EQ(parse(text.substr(0, 21), limits).error, ParseError::kTargetTooLong);
  EXPECT_EQ(parse(text.substr(0, 20), limits).status, ParseStatus::kNeedMore);
}

TEST_F(RequestParser, ReportsGarbageBeforeTheLineIsComplete) {
  EXPECT_EQ(parse(std::string_view("\0", 1)).status, ParseStatus::kError);
  EXPECT_EQ(parse("GET / HTTX").error, ParseError::kBadVersion);
  EXPECT_EQ(parse("GET / HTTP/1.1\r\nHost: h\r\nBad Name").error, ParseError::kBadHeaderName);
  EXPECT_EQ(parse("").status, ParseStatus::kNeedMore);
  EXPECT_EQ(parse("GET").status, ParseStatus::kNeedMore);
}

}  // namespace
}  // namespace ramjet::http
