#pragma once
// ResponseReader: reads HTTP/1.1 responses off one connection's byte stream, with the http
// module's parser, into one fixed buffer that the reader owns (allocated once, with the
// connection). No sockets here: the caller reads into space() and reports what arrived, so
// every framing (Content-Length, chunked, until-close, 1xx interim responses, bytes of the
// next response arriving early) is unit-tested by feeding bytes.
//
// Bodies are counted, never kept: body bytes are dropped as soon as they are framed, so a
// buffer of B bytes reads bodies of any size; only the response head must fit in B.
//
// Contract: begin() before each response; then, until on_read()/on_eof() answer kComplete or
// kError, read into space() (never empty) and report it. After kComplete the figures below
// describe that response. Not thread-safe; allocates only in its constructor.

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "http/parser.hpp"

namespace ramjet::bench {

class ResponseReader {
 public:
  enum class Step : std::uint8_t { kNeedMore, kComplete, kError };
  enum class Failure : std::uint8_t {
    kNone,
    kParse,   // malformed head or chunked framing, or a head larger than the buffer
    kClosed,  // the peer closed before the response was complete
  };

  static constexpr std::size_t kMaxHeaders = 100;
  static constexpr std::size_t kMaxExpectedHeaders = 32;

  // `expect_headers`: names each response must carry (at most kMaxExpectedHeaders); a
  // response missing any of them has missing_header() set and missing_mask() says which.
  ResponseReader(std::size_t buffer_bytes, const std::vector<std::string>& expect_headers);
  ResponseReader(const ResponseReader&) = delete;
  ResponseReader& operator=(const ResponseReader&) = delete;

  // Starts reading the response to a `method` request. Bytes of it that already arrived
  // with the previous response are kept.
  void begin(http::Method method);
  // Whether bytes of the response already wait in the buffer (then call on_read(0)).
  bool has_buffered() const { return filled_ > 0; }
  // Forgets everything buffered (after the connection is closed).
  void reset();

  std::span<char> space();
  Step on_read(std::size_t n);
  Step on_eof();

  // The last complete response:
  int status() const { return status_; }
  bool keep_alive() const { return keep_alive_; }
  bool missing_header() const { return missing_mask_ != 0; }
  std::uint32_t missing_mask() const { return missing_mask_; }
  std::uint64_t body_bytes() const { return body_bytes_; }
  Failure failure() const { return failure_; }
  http::ParseError parse_error() const { return parse_error_; }

 private:
  enum class Phase : std::uint8_t { kHead, kLength, kChunked, kUntilClose, kDone, kFailed };

  Step parse_head();
  Step body_step();
  Step finish();
  Step fail(Failure failure, http::ParseError error);
  void check_headers(std::span<const http::Header> headers);
  void keep_tail(std::size_t from);

  std::unique_ptr<char[]> buffer_;
  std::size_t capacity_;
  std::size_t filled_ = 0;   // bytes of [0, filled_) are unconsumed input
  std::size_t pos_ = 0;      // body phases: next unconsumed byte
  std::vector<std::string> expect_headers_;
  std::array<http::Header, kMaxHeaders> header_storage_{};
  http::ParseLimits limits_{};
  http::ChunkedDecoder chunked_{};
  http::Method method_ = http::Method::kGet;
  Phase phase_ = Phase::kHead;
  int status_ = 0;
  bool keep_alive_ = true;
  std::uint32_t missing_mask_ = 0;
  std::uint64_t body_left_ = 0;
  std::uint64_t body_bytes_ = 0;
  Failure failure_ = Failure::kNone;
  http::ParseError parse_error_ = http::ParseError::kNone;
};

}  // namespace ramjet::bench
