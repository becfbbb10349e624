// Fuzzes ChunkedDecoder. The first input byte picks limits and a split seed; the rest is the
// body. Oracles: fed whole, byte by byte and in pseudo-random pieces, the decoder reaches the
// same status, error, consumed total and data; it never asks for more while holding unread
// input; data views lie inside the input; consumed bytes are a prefix a proxy can forward.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "http/parser.hpp"

namespace {

using ramjet::http::ChunkedDecoder;
using ramjet::http::ParseError;
using ramjet::http::ParseStatus;

void require(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "oracle failed: %s\n", what);
    std::abort();
  }
}

struct Outcome {
  ParseStatus status = ParseStatus::kNeedMore;
  ParseError error = ParseError::kNone;
  std::size_t consumed = 0;
  std::string data;
  std::uint64_t body_bytes = 0;
};

// Feeds `input` in pieces ending at each of `cuts` and at the end.
Outcome decode(std::string_view input, const std::vector<std::size_t>& cuts,
               const ChunkedDecoder::Limits& limits) {
  ChunkedDecoder decoder(limits);
  Outcome out;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= cuts.size() && out.status == ParseStatus::kNeedMore; ++i) {
    const std::size_t stop = i < cuts.size() ? cuts[i] : input.size();
    const std::size_t len = stop - start;
    std::unique_ptr<char[]> piece(new char[len == 0 ? 1 : len]);
    input.substr(start, len).copy(piece.get(), len);
    std::string_view rest(piece.get(), len);
    for (;;) {
      const ChunkedDecoder::Step step = decoder.feed(rest);
      require(step.consumed <= rest.size(), "consumed within input");
      const char* consumed_end = rest.data() + step.consumed;
      require(step.data.empty() || (step.data.data() >= rest.data() &&
                                    step.data.data() + step.data.size() <= consumed_end),
              "data inside the consumed input");
      require((step.status == ParseStatus::kError) == (step.error != ParseError::kNone),
              "error iff kError");
      out.data.append(step.data);
      out.consumed += step.consumed;
      rest.remove_prefix(step.consumed);
      out.status = step.status;
      out.error = step.error;
      if (step.status != ParseStatus::kNeedMore || step.consumed == 0) {
        break;
      }
    }
    require(out.status != ParseStatus::kNeedMore || rest.empty(),
            "a decoder wanting more has consumed all it was given");
    start = stop;
  }
  require(decoder.done() == (out.status == ParseStatus::kComplete), "done() iff complete");
  require(decoder.body_bytes() == out.data.size(), "body_bytes counts the data");
  // Sticky end states.
  const ChunkedDecoder::Step after = decoder.feed("0\r\n\r\n");
  if (out.status != ParseStatus::kNeedMore) {
    require(after.consumed == 0 && after.status == out.status && after.error == out.error,
            "complete and error are final");
  }
  out.body_bytes = decoder.body_bytes();
  return out;
}

bool same(const Outcome& a, const Outcome& b) {
  return a.status == b.status && a.error == b.error && a.consumed == b.consumed &&
         a.data == b.data && a.body_bytes == b.body_bytes;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) {
    return 0;
  }
  const std::uint8_t control = data[0];
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  ChunkedDecoder::Limits limits;
  if ((control & 1) != 0) {
    limits.max_chunk_size = 0x40;
    limits.max_line_bytes = 12;
    limits.max_trailer_bytes = 24;
  } else if ((control & 2) != 0) {
    limits.max_chunk_size = UINT64_MAX;
  }
  const Outcome whole = decode(input, {}, limits);
  require(whole.consumed <= input.size(), "consumed within input");

  if (input.size() <= 512) {
    std::vector<std::size_t> every;
    for (std::size_t i = 1; i < input.size(); ++i) {
      every.push_back(i);
    }
    require(same(decode(input, every, limits), whole), "byte by byte equals whole");
  }

  std::uint64_t state = 0x9E3779B97F4A7C15ULL ^ control;
  std::vector<std::size_t> cuts;
  std::size_t at = 0;
  while (at < input.size()) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    at += 1 + static_cast<std::size_t>(state % 17);
    if (at < input.size()) {
      cuts.push_back(at);
    }
  }
  require(same(decode(input, cuts, limits), whole), "random pieces equal whole");
  return 0;
}
