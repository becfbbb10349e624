#include "bench/response_reader.hpp"

#include <algorithm>
#include <cstring>

namespace ramjet::bench {

ResponseReader::ResponseReader(std::size_t buffer_bytes,
                               const std::vector<std::string>& expect_headers)
    : buffer_(new char[buffer_bytes]),
      capacity_(buffer_bytes),
      expect_headers_(expect_headers.begin(),
                      expect_headers.begin() +
                          static_cast<std::ptrdiff_t>(
                              std::min(expect_headers.size(), kMaxExpectedHeaders))) {
  limits_.max_head_bytes = buffer_bytes;
  limits_.max_headers = kMaxHeaders;
  limits_.max_target_bytes = buffer_bytes;
}

void ResponseReader::begin(http::Method method) {
  method_ = method;
  phase_ = Phase::kHead;
  status_ = 0;
  keep_alive_ = true;
  missing_mask_ = 0;
  body_left_ = 0;
  body_bytes_ = 0;
  pos_ = 0;
  failure_ = Failure::kNone;
  parse_error_ = http::ParseError::kNone;
  chunked_ = http::ChunkedDecoder{};
}

void ResponseReader::reset() {
  filled_ = 0;
  pos_ = 0;
  phase_ = Phase::kHead;
}

std::span<char> ResponseReader::space() {
  return {buffer_.get() + filled_, capacity_ - filled_};
}

ResponseReader::Step ResponseReader::on_read(std::size_t n) {
  filled_ += std::min(n, capacity_ - filled_);
  switch (phase_) {
    case Phase::kHead:
      return parse_head();
    case Phase::kLength:
    case Phase::kChunked:
    case Phase::kUntilClose:
      return body_step();
    case Phase::kDone:
      return Step::kComplete;
    case Phase::kFailed:
      return Step::kError;
  }
  return Step::kError;
}

ResponseReader::Step ResponseReader::on_eof() {
  if (phase_ == Phase::kUntilClose) {
    filled_ = 0;
    pos_ = 0;
    phase_ = Phase::kDone;
    return Step::kComplete;
  }
  if (phase_ == Phase::kDone) {
    return Step::kComplete;
  }
  return fail(Failure::kClosed, http::ParseError::kNone);
}

ResponseReader::Step ResponseReader::parse_head() {
  // Each pass consumes one interim (1xx) head, so the loop ends within filled_ bytes.
  while (filled_ > 0) {
    http::ResponseHead head;
    http::ParseResult r = http::parse_response(std::string_view(buffer_.get(), filled_),
                                               limits_, method_, header_storage_, head);
    if (r.status == http::ParseStatus::kNeedMore) {
      if (filled_ >= capacity_) {
        return fail(Failure::kParse, http::ParseError::kHeadersTooLarge);
      }
      return Step::kNeedMore;
    }
    if (r.status == http::ParseStatus::kError) {
      return fail(Failure::kParse, r.error);
    }
    if (head.status >= 100 && head.status < 200 && head.status != 101) {
      keep_tail(r.consumed);
      continue;
    }
    status_ = head.status;
    keep_alive_ = head.keep_alive && head.status != 101;
    check_headers(head.headers);
    pos_ = r.consumed;
    switch (head.body) {
      case http::BodyKind::kNone:
        return finish();
      case http::BodyKind::kContentLength:
        body_left_ = head.content_length;
        phase_ = Phase::kLength;
        return body_step();
      case http::BodyKind::kChunked:
        phase_ = Phase::kChunked;
        return body_step();
      case http::BodyKind::kUntilClose:
        keep_alive_ = false;
        phase_ = Phase::kUntilClose;
        return body_step();
    }
    return fail(Failure::kParse, http::ParseError::kBadStatusLine);
  }
  return Step::kNeedMore;
}

ResponseReader::Step ResponseReader::body_step() {
  if (phase_ == Phase::kLength) {
    std::uint64_t take = std::min<std::uint64_t>(filled_ - pos_, body_left_);
    body_left_ -= take;
    body_bytes_ += take;
    pos_ += static_cast<std::size_t>(take);
    if (body_left_ == 0) {
      return finish();
    }
    filled_ = 0;
    pos_ = 0;
    return Step::kNeedMore;
  }
  if (phase_ == Phase::kUntilClose) {
    body_bytes_ += filled_ - pos_;
    filled_ = 0;
    pos_ = 0;
    return Step::kNeedMore;
  }
  // Chunked: every pass consumes input or stops, so this ends within filled_ bytes.
  while (pos_ < filled_) {
    http::ChunkedDecoder::Step step =
        chunked_.feed(std::string_view(buffer_.get() + pos_, filled_ - pos_));
    pos_ += step.consumed;
    body_bytes_ += step.data.size();
    if (step.status == http::ParseStatus::kError) {
      return fail(Failure::kParse, step.error);
    }
    if (step.status == http::ParseStatus::kComplete) {
      return finish();
    }
    if (step.consumed == 0) {
      break;
    }
  }
  keep_tail(pos_);
  if (filled_ >= capacity_) {
    return fail(Failure::kParse, http::ParseError::kBadChunkSize);
  }
  return Step::kNeedMore;
}

ResponseReader::Step ResponseReader::finish() {
  keep_tail(pos_);
  phase_ = Phase::kDone;
  return Step::kComplete;
}

ResponseReader::Step ResponseReader::fail(Failure failure, http::ParseError error) {
  failure_ = failure;
  parse_error_ = error;
  phase_ = Phase::kFailed;
  return Step::kError;
}

void ResponseReader::check_headers(std::span<const http::Header> headers) {
  for (std::size_t i = 0; i < expect_headers_.size(); ++i) {
    bool found = std::any_of(headers.begin(), headers.end(), [&](const http::Header& h) {
      return http::iequals(h.name, expect_headers_[i]);
    });
    if (!found) {
      missing_mask_ |= std::uint32_t{1} << i;
    }
  }
}

void ResponseReader::keep_tail(std::size_t from) {
  if (from >= filled_) {
    filled_ = 0;
  } else if (from > 0) {
    std::memmove(buffer_.get(), buffer_.get() + from, filled_ - from);
    filled_ -= from;
  }
  pos_ = 0;
}

}  // namespace ramjet::bench
