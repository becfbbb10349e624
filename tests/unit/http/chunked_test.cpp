#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "http/parser.hpp"

namespace ramjet::http {
namespace {

using namespace std::string_view_literals;

// What feeding a whole input (in the given pieces) produced.
struct Decoded {
  ParseStatus status = ParseStatus::kNeedMore;
  ParseError error = ParseError::kNone;
  std::size_t consumed = 0;
  std::string data;
  std::string forwarded;  // the consumed bytes, concatenated: what a proxy would forward
};

// Feeds `input` cut at `cuts` (sorted offsets), each piece until the decoder wants more.
Decoded decode_pieces(std::string_view input, const std::vector<std::size_t>& cuts,
                      ChunkedDecoder::Limits limits = {}) {
  ChunkedDecoder decoder(limits);
  Decoded out;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= cuts.size() && out.status == ParseStatus::kNeedMore; ++i) {
    const std::size_t stop = i < cuts.size() ? cuts[i] : input.size();
    // A separate copy per piece, so a read outside it is an ASan error.
    const std::string piece(input.substr(start, stop - start));
    std::string_view rest = piece;
    for (;;) {
      const ChunkedDecoder::Step step = decoder.feed(rest);
      out.data.append(step.data);
      out.forwarded.append(rest.substr(0, step.consumed));
      out.consumed += step.consumed;
      rest.remove_prefix(step.consumed);
      out.status = step.status;
      out.error = step.error;
      if (step.status != ParseStatus::kNeedMore || step.consumed == 0) {
        break;
      }
    }
    EXPECT_TRUE(out.status != ParseStatus::kNeedMore || rest.empty())
        << "a decoder wanting more must have consumed its whole input";
    start = stop;
  }
  EXPECT_EQ(out.forwarded, input.substr(0, out.consumed));
  return out;
}

Decoded decode(std::string_view input, ChunkedDecoder::Limits limits = {}) {
  return decode_pieces(input, {}, limits);
}

void expect_error(std::string_view input, ParseError error, std::size_t consumed) {
  const Decoded d = decode(input);
  EXPECT_EQ(d.status, ParseStatus::kError) << input;
  EXPECT_EQ(d.error, error) << input << " -> " << to_string(d.error);
  EXPECT_EQ(d.consumed, consumed) << input;
}

TEST(ChunkedDecoder, DecodesChunksAndStopsAfterTheLastCrlf) {
  const std::string_view body = "5\r\nhello\r\n7\r\n, world\r\n0\r\n\r\n";
  const std::string input = std::string(body) + "GET /next HTTP/1.1\r\n";
  const Decoded d = decode(input);
  EXPECT_EQ(d.status, ParseStatus::kComplete);
  EXPECT_EQ(d.data, "hello, world");
  EXPECT_EQ(d.consumed, body.size());
}

TEST(ChunkedDecoder, ReturnsOneRunOfDataPerCallAsAViewIntoTheInput) {
  const std::string input = "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n";
  ChunkedDecoder decoder;
  ChunkedDecoder::Step step = decoder.feed(input);
  EXPECT_EQ(step.status, ParseStatus::kNeedMore);
  EXPECT_EQ(step.data, "abc");
  EXPECT_EQ(step.data.data(), input.data() + 3);
  EXPECT_EQ(step.consumed, 6u);
  step = decoder.feed(std::string_view(input).substr(6));
  EXPECT_EQ(step.data, "de");
  EXPECT_EQ(step.consumed, 7u);
  step = decoder.feed(std::string_view(input).substr(13));
  EXPECT_EQ(step.status, ParseStatus::kComplete);
  EXPECT_EQ(step.data, "");
  EXPECT_EQ(step.consumed, 7u);
  EXPECT_TRUE(decoder.done());
  EXPECT_EQ(decoder.body_bytes(), 5u);
}

TEST(ChunkedDecoder, AfterCompletionConsumesNothingMore) {
  ChunkedDecoder decoder;
  ASSERT_EQ(decoder.feed("0\r\n\r\n").status, ParseStatus::kComplete);
  const ChunkedDecoder::Step step = decoder.feed("5\r\nhello");
  EXPECT_EQ(step.status, ParseStatus::kComplete);
  EXPECT_EQ(step.consumed, 0u);
}

TEST(ChunkedDecoder, ErrorIsSticky) {
  ChunkedDecoder decoder;
  const ChunkedDecoder::Step first = decoder.feed("zz\r\n");
  EXPECT_EQ(first.status, ParseStatus::kError);
  EXPECT_EQ(first.error, ParseError::kBadChunkSize);
  EXPECT_EQ(first.consumed, 0u);
  const ChunkedDecoder::Step again = decoder.feed("0\r\n\r\n");
  EXPECT_EQ(again.status, ParseStatus::kError);
  EXPECT_EQ(again.error, ParseError::kBadChunkSize);
  EXPECT_EQ(again.consumed, 0u);
  EXPECT_FALSE(decoder.done());
}

TEST(ChunkedDecoder, RandomSplitsGiveTheSameDataAndConsumedTotal) {
  const std::string input =
      "1a;name=value;q=\"quoted \\\" string\"\r\nabcdefghijklmnopqrstuvwxyz\r\n"
      "A\r\n0123456789\r\n"
      "000F ; ext\r\nFIFTEEN-BYTES!!\r\n"
      "0;last\r\nX-Checksum: 1234\r\nX-Other:\tv a l\r\n\r\n"
      "trailing bytes that belong to the next message";
  const Decoded whole = decode(input);
  ASSERT_EQ(whole.status, ParseStatus::kComplete);
  EXPECT_EQ(whole.data, "abcdefghijklmnopqrstuvwxyz0123456789FIFTEEN-BYTES!!");
  EXPECT_EQ(whole.consumed, input.find("trailing"));

  std::mt19937 rng(12345);
  for (int round = 0; round < 500; ++round) {
    std::uniform_int_distribution<std::size_t> count_dist(1, 12);
    std::uniform_int_distribution<std::size_t> pos_dist(0, input.size());
    std::vector<std::size_t> cuts(count_dist(rng));
    for (std::size_t& cut : cuts) {
      cut = pos_dist(rng);
    }
    std::sort(cuts.begin(), cuts.end());
    const Decoded split = decode_pieces(input, cuts);
    ASSERT_EQ(split.status, whole.status) << "round " << round;
    ASSERT_EQ(split.data, whole.data) << "round " << round;
    ASSERT_EQ(split.consumed, whole.consumed) << "round " << round;
  }
}

TEST(ChunkedDecoder, ByteAtATimeGivesTheSameResult) {
  const std::string input = "4;a=b\r\nWiki\r\n5\r\npedia\r\n0\r\nT: v\r\n\r\n";
  std::vector<std::size_t> cuts;
  for (std::size_t i = 1; i < input.size(); ++i) {
    cuts.push_back(i);
  }
  const Decoded d = decode_pieces(input, cuts);
  EXPECT_EQ(d.status, ParseStatus::kComplete);
  EXPECT_EQ(d.data, "Wikipedia");
  EXPECT_EQ(d.consumed, input.size());
}

TEST(ChunkedDecoder, AcceptsHexInEitherCaseAndLeadingZeros) {
  const std::string data(0xAB, 'x');
  for (std::string_view size : {"ab"sv, "AB"sv, "00000aB"sv}) {
    const std::string input = std::string(size) + "\r\n" + data + "\r\n0\r\n\r\n";
    const Decoded d = decode(input);
    EXPECT_EQ(d.status, ParseStatus::kComplete) << size;
    EXPECT_EQ(d.data.size(), 0xABu) << size;
  }
}

TEST(ChunkedDecoder, AcceptsChunkExtensions) {
  for (std::string_view ext : {";a"sv, ";a=b"sv, ";a=b;c;d=e"sv, " ;a"sv, "; a = b"sv,
                               "\t;a\t=\tb"sv,
                               ";a=\"\""sv, ";a=\"x y\\\"z\""sv, ";a=\"caf\xc3\xa9\""sv,
                               ";a=\"q\" ;b"sv, ";a ;b"sv}) {
    const std::string input = "3" + std::string(ext) + "\r\nabc\r\n0" + std::string(ext) +
                              "\r\n\r\n";
    const Decoded d = decode(input);
    EXPECT_EQ(d.status, ParseStatus::kComplete) << ext << " -> " << to_string(d.error);
    EXPECT_EQ(d.data, "abc") << ext;
  }
}

TEST(ChunkedDecoder, RejectsMalformedChunkExtensions) {
  for (std::string_view ext : {";"sv, ";=b"sv, ";a="sv, ";a=\"unterminated"sv, ";a=b c"sv,
                               ";a=\"x\x01y\""sv, ";a=\"x\"y"sv, ";a\x7f"sv, "x"sv, " "sv,
                               ";a "sv, ";a=b "sv, ";a=\"\\\x01\""sv}) {
    const std::string input = "3" + std::string(ext) + "\r\nabc\r\n0\r\n\r\n";
    const Decoded d = decode(input);
    EXPECT_EQ(d.status, ParseStatus::kError) << ext;
    EXPECT_EQ(d.error, ParseError::kBadChunkSize) << ext << " -> " << to_string(d.error);
  }
}

TEST(ChunkedDecoder, RejectsBadChunkSizes) {
  expect_error("\r\nabc\r\n", ParseError::kBadChunkSize, 0);
  expect_error("g\r\n", ParseError::kBadChunkSize, 0);
  expect_error(" 5\r\nhello\r\n", ParseError::kBadChunkSize, 0);
  expect_error("-5\r\nhello\r\n", ParseError::kBadChunkSize, 0);
  expect_error("0x5\r\nhello\r\n", ParseError::kBadChunkSize, 1);
  expect_error("5\rhello\r\n", ParseError::kBadChunkSize, 2);
}

TEST(ChunkedDecoder, RejectsBareLfInFraming) {
  expect_error("5\nhello\r\n0\r\n\r\n", ParseError::kBareLf, 1);
  expect_error("5;a=b\nhello\r\n", ParseError::kBareLf, 5);
  expect_error("0\r\nX: y\n\r\n", ParseError::kBareLf, 7);
  expect_error("0\r\n\n", ParseError::kBareLf, 3);
}

TEST(ChunkedDecoder, RejectsMissingCrlfAfterData) {
  expect_error("5\r\nhelloX\r\n0\r\n\r\n", ParseError::kBadChunkTerminator, 8);
  expect_error("5\r\nhello\n0\r\n\r\n", ParseError::kBadChunkTerminator, 8);
  expect_error("5\r\nhello\rX0\r\n\r\n", ParseError::kBadChunkTerminator, 9);
  expect_error("5\r\nhello world\r\n", ParseError::kBadChunkTerminator, 8);
}

TEST(ChunkedDecoder, RejectsChunksAboveTheDefaultLimitAsSoonAsTheDigitArrives) {
  // The default limit is 2^40 = 0x10000000000: an 11th hex digit after a 1 goes over.
  EXPECT_EQ(decode("10000000000\r\n").status, ParseStatus::kNeedMore);
  expect_error("100000000000\r\n", ParseError::kChunkTooLarge, 11);
  expect_error("ffffffffffffffffff\r\n", ParseError::kChunkTooLarge, 10);
  EXPECT_EQ(status_for(ParseError::kChunkTooLarge), 413);
}

TEST(ChunkedDecoder, RejectsChunkSizeOverflowWithoutALimit) {
  ChunkedDecoder::Limits limits;
  limits.max_chunk_size = UINT64_MAX;
  EXPECT_EQ(decode("ffffffffffffffff\r\n", limits).status, ParseStatus::kNeedMore);
  const Decoded over = decode("fffffffffffffffff\r\n", limits);
  EXPECT_EQ(over.error, ParseError::kChunkTooLarge);
  EXPECT_EQ(over.consumed, 16u);
  const Decoded wrap = decode("10000000000000000\r\n", limits);
  EXPECT_EQ(wrap.error, ParseError::kChunkTooLarge);
  EXPECT_EQ(wrap.consumed, 16u);
}

TEST(ChunkedDecoder, RejectsChunkAboveTheLimit) {
  ChunkedDecoder::Limits limits;
  limits.max_chunk_size = 0x100;
  EXPECT_EQ(decode("100\r\n", limits).status, ParseStatus::kNeedMore);
  const Decoded d = decode("101\r\n", limits);
  EXPECT_EQ(d.error, ParseError::kChunkTooLarge);
  EXPECT_EQ(d.consumed, 2u);
}

TEST(ChunkedDecoder, RejectsOverlongSizeLine) {
  ChunkedDecoder::Limits limits;
  limits.max_line_bytes = 16;
  EXPECT_EQ(decode("5;aaaaaaaaaaaaaa\r\nhello\r\n0\r\n\r\n", limits).status,
            ParseStatus::kComplete);
  const Decoded d = decode("5;aaaaaaaaaaaaaaa\r\nhello\r\n0\r\n\r\n", limits);
  EXPECT_EQ(d.error, ParseError::kBadChunkSize);
  EXPECT_EQ(d.consumed, 16u);
  // Leading zeros count too: a size line cannot grow without bound.
  EXPECT_EQ(decode(std::string(17, '0') + "\r\n", limits).error, ParseError::kBadChunkSize);
}

TEST(ChunkedDecoder, AcceptsTrailerFields) {
  const Decoded d = decode("3\r\nabc\r\n0\r\nX-Checksum: abc\r\nX-Empty:\r\nX-Tab:\tv\r\n\r\n");
  EXPECT_EQ(d.status, ParseStatus::kComplete);
  EXPECT_EQ(d.data, "abc");
}

TEST(ChunkedDecoder, RejectsMalformedTrailerFields) {
  for (std::string_view trailer : {" X: folded"sv, "X : v"sv, ": v"sv, "X"sv, "X: a\x01"sv,
                                   "X: a\rb"sv, "X\x80: v"sv}) {
    const std::string input = "0\r\n" + std::string(trailer) + "\r\n\r\n";
    const Decoded d = decode(input);
    EXPECT_EQ(d.status, ParseStatus::kError) << trailer;
    EXPECT_EQ(d.error, ParseError::kBadTrailer) << trailer << " -> " << to_string(d.error);
  }
  expect_error("0\r\n\rX", ParseError::kBadTrailer, 4);
}

TEST(ChunkedDecoder, RejectsFramingFieldsInTrailers) {
  for (std::string_view name : {"Content-Length"sv, "transfer-encoding"sv, "HOST"sv,
                                "Connection"sv}) {
    const std::string input = "0\r\n" + std::string(name) + ": 5\r\n\r\n";
    const Decoded d = decode(input);
    EXPECT_EQ(d.error, ParseError::kBadTrailer) << name;
  }
  // Names that merely share a prefix are fine.
  for (std::string_view name : {"Content-Lengths"sv, "Hos"sv, "X-Host"sv, "Content-Type"sv}) {
    const std::string input = "0\r\n" + std::string(name) + ": 5\r\n\r\n";
    EXPECT_EQ(decode(input).status, ParseStatus::kComplete) << name;
  }
}

TEST(ChunkedDecoder, RejectsOversizedTrailerSection) {
  ChunkedDecoder::Limits limits;
  limits.max_trailer_bytes = 16;
  // 14 bytes of field line and the final CRLF: exactly 16.
  EXPECT_EQ(decode("0\r\nX: 012345678\r\n\r\n", limits).status, ParseStatus::kComplete);
  EXPECT_EQ(decode("0\r\nX: 0123456789\r\n\r\n", limits).error, ParseError::kHeadersTooLarge);
}

TEST(ChunkedDecoder, CountsBodyBytesAcrossCalls) {
  ChunkedDecoder decoder;
  const std::string input = "8\r\n01234567\r\n";
  const ChunkedDecoder::Step a = decoder.feed(std::string_view(input).substr(0, 7));
  EXPECT_EQ(a.data, "0123");
  EXPECT_EQ(decoder.body_bytes(), 4u);
  const ChunkedDecoder::Step b = decoder.feed(std::string_view(input).substr(7));
  EXPECT_EQ(b.data, "4567");
  EXPECT_EQ(decoder.body_bytes(), 8u);
  EXPECT_FALSE(decoder.done());
}

}  // namespace
}  // namespace ramjet::http
