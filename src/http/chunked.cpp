// Incremental chunked-body decoder (RFC 9112 §7.1). Framing bytes go through a per-byte state
// machine whose whole state lives in the decoder, so any split of the input decodes the
// same; chunk data is handed out as views without being touched.
//
// On kError, Step::consumed counts the bytes before the offending one, so
// body_bytes()/consumed totals stay comparable across splits.

#include <array>

#include "http/chars.hpp"
#include "http/parser.hpp"

namespace ramjet::http {
namespace {

using chars::is_ows;
using chars::is_token;

// Trailer fields that must never follow a body: they frame or route the message, and a
// recipient that merged them into the header section would be open to smuggling
// (RFC 9110 §6.5.1). Lower-case; matched incrementally as the name arrives.
constexpr std::array<std::string_view, 4> kForbiddenTrailers = {
    "content-length", "transfer-encoding", "host", "connection"};
constexpr std::uint32_t kAllForbidden = (1U << kForbiddenTrailers.size()) - 1;
constexpr std::uint32_t kMaxNameIndex = 255;

// qdtext = HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text (RFC 9110 §5.6.4).
bool is_qdtext(char c) {
  return chars::is_field_value(c) && c != '"' && c != '\\';
}

}  // namespace

bool ChunkedDecoder::done() const { return state_ == State::kDone; }

bool ChunkedDecoder::fail(ParseError error) {
  state_ = State::kError;
  error_ = error;
  return false;
}

ChunkedDecoder::Step ChunkedDecoder::feed(std::string_view input) {
  Step step;
  if (state_ == State::kDone) {
    step.status = ParseStatus::kComplete;
    return step;
  }
  if (state_ == State::kError) {
    step.status = ParseStatus::kError;
    step.error = error_;
    return step;
  }
  const char* const begin = input.data();
  const char* const end = begin + input.size();
  const char* p = begin;
  while (p < end) {
    if (state_ == State::kData) {
      const auto avail = static_cast<std::size_t>(end - p);
      const std::size_t n = remaining_ < avail ? static_cast<std::size_t>(remaining_) : avail;
      step.data = std::string_view(p, n);
      p += n;
      remaining_ -= n;
      body_bytes_ += n;
      if (remaining_ == 0) {
        state_ = State::kDataCr;
      }
      break;  // at most one run of data per call
    }
    if (!framing_byte(*p)) {
      step.status = ParseStatus::kError;
      step.error = error_;
      break;
    }
    ++p;
    if (state_ == State::kDone) {
      step.status = ParseStatus::kComplete;
      break;
    }
  }
  step.consumed = static_cast<std::size_t>(p - begin);
  return step;
}

bool ChunkedDecoder::framing_byte(char c) {
  switch (state_) {
    case State::kSizeLf:
      if (c != '\n') {
        return fail(ParseError::kBadChunkSize);
      }
      line_bytes_ = 0;
      state_ = remaining_ == 0 ? State::kTrailerStart : State::kData;
      return true;
    case State::kDataCr:
      if (c != '\r') {
        return fail(ParseError::kBadChunkTerminator);
      }
      state_ = State::kDataLf;
      return true;
    case State::kDataLf:
      if (c != '\n') {
        return fail(ParseError::kBadChunkTerminator);
      }
      state_ = State::kSizeStart;
      return true;
    case State::kTrailerStart:
    case State::kTrailerName:
    case State::kTrailerValue:
    case State::kTrailerLf:
    case State::kFinalLf:
      return trailer_byte(c);
    case State::kData:
    case State::kDone:
    case State::kError:
      return fail(ParseError::kBadChunkSize);  // unreachable: feed() handles these
    default:
      return size_line_byte(c);
  }
}

// chunk-size [ chunk-ext ] CR, where
// chunk-ext = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] ).
bool ChunkedDecoder::size_line_byte(char c) {
  if (c == '\n') {
    return fail(ParseError::kBareLf);
  }
  if (c != '\r' && ++line_bytes_ > limits_.max_line_bytes) {
    return fail(ParseError::kBadChunkSize);
  }
  const bool ends_line = c == '\r';
  switch (state_) {
    case State::kSizeStart:
    case State::kSize: {
      const int digit = chars::hex_value(c);
      if (digit >= 0) {
        const auto d = static_cast<std::uint64_t>(digit);
        if (limits_.max_chunk_size < d || remaining_ > (limits_.max_chunk_size - d) / 16) {
          return fail(ParseError::kChunkTooLarge);
        }
        remaining_ = remaining_ * 16 + d;
        state_ = State::kSize;
        return true;
      }
      if (state_ == State::kSizeStart) {
        return fail(ParseError::kBadChunkSize);
      }
      break;  // the size ended: same continuations as after an extension value
    }
    case State::kExtSemicolon:
      if (is_ows(c)) {
        return true;
      }
      if (c == ';') {
        state_ = State::kExtNameStart;
        return true;
      }
      return fail(ParseError::kBadChunkSize);
    case State::kExtNameStart:
      if (is_ows(c)) {
        return true;
      }
      if (is_token(c)) {
        state_ = State::kExtName;
        return true;
      }
      return fail(ParseError::kBadChunkSize);
    case State::kExtName:
    case State::kExtAfterName:
      if (state_ == State::kExtName && is_token(c)) {
        return true;
      }
      if (is_ows(c)) {
        state_ = State::kExtAfterName;
        return true;
      }
      if (c == '=') {
        state_ = State::kExtValueStart;
        return true;
      }
      if (c == ';' || (ends_line && state_ == State::kExtName)) {
        break;
      }
      return fail(ParseError::kBadChunkSize);
    case State::kExtValueStart:
      if (is_ows(c)) {
        return true;
      }
      if (is_token(c) || c == '"') {
        state_ = c == '"' ? State::kExtQuoted : State::kExtValueToken;
        return true;
      }
      return fail(ParseError::kBadChunkSize);
    case State::kExtValueToken:
      if (is_token(c)) {
        return true;
      }
      break;
    case State::kExtQuoted:
      if (c == '"') {
        state_ = State::kExtAfterValue;
        return true;
      }
      if (c == '\\') {
        state_ = State::kExtQuotedPair;
        return true;
      }
      return is_qdtext(c) ? true : fail(ParseError::kBadChunkSize);
    case State::kExtQuotedPair:
      if (!chars::is_field_value(c)) {
        return fail(ParseError::kBadChunkSize);
      }
      state_ = State::kExtQuoted;
      return true;
    case State::kExtAfterValue:
      break;
    default:
      return fail(ParseError::kBadChunkSize);
  }
  // After a size, a name without value, a value: ';' starts an extension, BWS must lead to
  // one, CR ends the line.
  if (c == ';') {
    state_ = State::kExtNameStart;
    return true;
  }
  if (is_ows(c)) {
    state_ = State::kExtSemicolon;
    return true;
  }
  if (ends_line) {
    state_ = State::kSizeLf;
    return true;
  }
  return fail(ParseError::kBadChunkSize);
}

// trailer-section = *( field-line CRLF ) followed by the final CRLF (RFC 9112 §7.1.2).
bool ChunkedDecoder::trailer_byte(char c) {
  if (++line_bytes_ > limits_.max_trailer_bytes) {
    return fail(ParseError::kHeadersTooLarge);
  }
  if (c == '\n' && state_ != State::kTrailerLf && state_ != State::kFinalLf) {
    return fail(ParseError::kBareLf);
  }
  switch (state_) {
    case State::kTrailerStart:
      if (c == '\r') {
        state_ = State::kFinalLf;
        return true;
      }
      if (!is_token(c)) {
        return fail(ParseError::kBadTrailer);  // obs-fold, empty name or a non-token byte
      }
      aux_ = kAllForbidden;
      state_ = State::kTrailerName;
      [[fallthrough]];
    case State::kTrailerName: {
      std::uint32_t mask = aux_ & 0xFF;
      std::uint32_t index = aux_ >> 8;
      if (c == ':') {
        for (std::size_t i = 0; i < kForbiddenTrailers.size(); ++i) {
          if ((mask & (1U << i)) != 0 && kForbiddenTrailers[i].size() == index) {
            return fail(ParseError::kBadTrailer);
          }
        }
        state_ = State::kTrailerValue;
        return true;
      }
      if (!is_token(c)) {
        return fail(ParseError::kBadTrailer);
      }
      const char lower = chars::to_lower(c);
      for (std::size_t i = 0; i < kForbiddenTrailers.size(); ++i) {
        const std::string_view name = kForbiddenTrailers[i];
        if (index >= name.size() || name[index] != lower) {
          mask &= ~(1U << i);
        }
      }
      index = index < kMaxNameIndex ? index + 1 : kMaxNameIndex;
      aux_ = (index << 8) | mask;
      return true;
    }
    case State::kTrailerValue:
      if (c == '\r') {
        state_ = State::kTrailerLf;
        return true;
      }
      return chars::is_field_value(c) ? true : fail(ParseError::kBadTrailer);
    case State::kTrailerLf:
      if (c != '\n') {
        return fail(ParseError::kBadTrailer);
      }
      state_ = State::kTrailerStart;
      return true;
    case State::kFinalLf:
      if (c != '\n') {
        return fail(ParseError::kBadTrailer);
      }
      state_ = State::kDone;
      return true;
    default:
      return fail(ParseError::kBadTrailer);
  }
}

}  // namespace ramjet::http
