#pragma once
// HTTP/1.1 message-head parser and chunked-body decoder (RFC 9112), pure functions over
// bytes: no sockets, no allocation. Every string_view in a parsed head points into the
// caller's buffer, which must outlive the head and must not move while it is used.
//
// Strictness is a security property (request smuggling): anything ambiguous is an error,
// never "repaired". See the table of ParseError values for what is rejected and with
// which status code.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace ramjet::http {

struct Header {
  std::string_view name;   // as received (case preserved)
  std::string_view value;  // leading/trailing OWS trimmed
};

enum class ParseStatus : std::uint8_t { kComplete, kNeedMore, kError };

enum class ParseError : std::uint8_t {
  kNone,
  kBadRequestLine,        // 400
  kBadMethod,             // 400 (token rules)
  kBadTarget,             // 400 (control chars, spaces, bad form)
  kTargetTooLong,         // 414
  kBadVersion,            // 400 (only HTTP/1.0 and HTTP/1.1); 505 for HTTP/2+ text
  kUnsupportedVersion,    // 505
  kBadHeaderName,         // 400 (not a token, empty, whitespace before colon)
  kBadHeaderValue,        // 400 (CTLs other than HTAB, bare CR, NUL)
  kObsFold,               // 400 (line folding)
  kHeadersTooLarge,       // 431
  kTooManyHeaders,        // 431
  kBadContentLength,      // 400 (not 1*DIGIT, overflow)
  kConflictingContentLength,        // 400 (differing values, incl. "5, 6")
  kContentLengthAndTransferEncoding,  // 400
  kBadTransferEncoding,   // 501 for unknown codings; 400 if chunked not final / repeated
  kUnknownTransferCoding, // 501
  kMissingHost,           // 400 (HTTP/1.1 request without Host, or several Host)
  kBadStatusLine,         // (responses) 502 at the proxy
  kBadChunkSize,          // 400
  kChunkTooLarge,         // 413 (chunk size overflow)
  kBadChunkTerminator,    // 400 (missing CRLF after data)
  kBadTrailer,            // 400
  kBareLf,                // 400 (LF without CR as line ending)
};

// Short, static, human-readable text for an error ("conflicting Content-Length").
const char* to_string(ParseError error);
// The status a server answers a request with when parsing failed with `error`.
int status_for(ParseError error);

struct ParseLimits {
  std::size_t max_head_bytes = 16 * 1024;  // request/status line + headers + final CRLF
  std::size_t max_headers = 100;           // also bounded by the header storage span
  std::size_t max_target_bytes = 8 * 1024;
};

enum class BodyKind : std::uint8_t {
  kNone,           // no body (GET without framing, 204, 304, HEAD response, 1xx)
  kContentLength,  // exactly content_length bytes
  kChunked,        // chunked framing (Transfer-Encoding: chunked as final coding)
  kUntilClose,     // responses only: read until the upstream closes
};

enum class Method : std::uint8_t {
  kGet, kHead, kPost, kPut, kDelete, kPatch, kOptions, kTrace, kConnect, kQuery, kOther
};

struct RequestHead {
  std::string_view method;
  Method method_id = Method::kOther;
  std::string_view target;   // as sent: origin-form, absolute-form, authority-form or '*'
  std::string_view path;     // target's path (no query); for absolute-form, its path part
                             // (a static "/" when that part is empty: RFC 9110 §4.2.3)
  std::string_view query;    // without '?', empty if none
  std::string_view authority;  // from absolute-form target, else empty
  int minor_version = 1;     // 0 or 1
  std::span<Header> headers;  // the used prefix of the caller's storage
  // Derived while parsing, so callers need not rescan:
  std::string_view host;     // Host header value (or authority of absolute-form)
  BodyKind body = BodyKind::kNone;
  std::uint64_t content_length = 0;
  bool keep_alive = true;          // per version and Connection tokens
  bool expect_continue = false;    // Expect: 100-continue
  bool upgrade = false;            // Connection: upgrade with an Upgrade header
  bool has_te_trailers = false;    // TE: trailers
};

struct ResponseHead {
  int status = 0;
  std::string_view reason;
  int minor_version = 1;
  std::span<Header> headers;
  BodyKind body = BodyKind::kNone;
  std::uint64_t content_length = 0;
  bool keep_alive = true;
};

struct ParseResult {
  ParseStatus status = ParseStatus::kNeedMore;
  ParseError error = ParseError::kNone;
  std::size_t consumed = 0;      // bytes of the head, including the final CRLF (on kComplete)
  std::size_t error_offset = 0;  // byte offset in the buffer where the error was found
};

// Parses a request head at the start of `buffer`. `header_storage` bounds the number of
// headers together with limits.max_headers. kNeedMore when the head is incomplete and
// within limits; the caller reads more and calls again with the grown buffer (the parse
// restarts; heads are small). Leading empty lines (RFC 9112 §2.2) are skipped and counted
// in `consumed`.
ParseResult parse_request(std::string_view buffer, const ParseLimits& limits,
                          std::span<Header> header_storage, RequestHead& out);

// Parses a response head. `request_method` decides body framing (HEAD and CONNECT 2xx have
// none); 1xx, 204 and 304 have none either.
ParseResult parse_response(std::string_view buffer, const ParseLimits& limits,
                           Method request_method, std::span<Header> header_storage,
                           ResponseHead& out);

// Incremental decoder of a chunked body, fed any split of the input. It validates the
// framing (sizes, CRLFs, extensions, trailer fields) so that a proxy may forward the
// consumed bytes verbatim, and it exposes the data so a cache can keep it.
class ChunkedDecoder {
 public:
  struct Limits {
    std::uint64_t max_chunk_size = (1ULL << 40);
    std::size_t max_trailer_bytes = 16 * 1024;
    std::size_t max_line_bytes = 4096;  // chunk-size line including extensions
  };

  struct Step {
    ParseStatus status = ParseStatus::kNeedMore;  // kComplete once the last CRLF is read
    ParseError error = ParseError::kNone;
    std::size_t consumed = 0;  // input bytes consumed by this call (framing and data)
    std::string_view data;     // body data found in this call (a view into the input)
  };

  ChunkedDecoder() = default;
  explicit ChunkedDecoder(Limits limits) : limits_(limits) {}

  // Consumes framing bytes and at most one run of data from the front of `input`.
  // Call again with the remaining input until it returns kNeedMore with nothing consumed
  // (feed more bytes) or kComplete / kError. A partially received size line is kept in the
  // decoder's state, so callers never need to re-present consumed bytes.
  Step feed(std::string_view input);

  bool done() const;
  std::uint64_t body_bytes() const { return body_bytes_; }

 private:
  // Where the next byte goes (RFC 9112 §7.1 grammar, one state per position).
  enum class State : std::uint8_t {
    kSizeStart,       // first HEXDIG of chunk-size
    kSize,            // further HEXDIG, or what ends the size
    kExtSemicolon,    // BWS before ';'
    kExtNameStart,    // BWS, then the first tchar of chunk-ext-name
    kExtName,         // tchar of chunk-ext-name
    kExtAfterName,    // BWS before '=' or ';'
    kExtValueStart,   // BWS, then token or '"'
    kExtValueToken,   // tchar of a token chunk-ext-val
    kExtQuoted,       // inside a quoted-string
    kExtQuotedPair,   // after '\' in a quoted-string
    kExtAfterValue,   // after a closing '"'
    kSizeLf,          // LF ending the size line
    kData,            // chunk-data (remaining_ bytes)
    kDataCr,          // CR after chunk-data
    kDataLf,          // LF after chunk-data
    kTrailerStart,    // start of a trailer field line, or the CR of the final CRLF
    kTrailerName,     // tchar of a trailer field name
    kTrailerValue,    // field-value bytes up to CR
    kTrailerLf,       // LF ending a trailer field line
    kFinalLf,         // LF ending the chunked body
    kDone,
    kError,
  };

  // Each consumes one framing byte; false (with state_ kError) if it is invalid.
  bool framing_byte(char c);
  bool size_line_byte(char c);
  bool trailer_byte(char c);
  bool fail(ParseError error);

  Limits limits_{};
  State state_ = State::kSizeStart;
  ParseError error_ = ParseError::kNone;  // sticky once state_ is kError
  std::uint64_t remaining_ = 0;  // data bytes left in the current chunk (the size being read)
  std::size_t line_bytes_ = 0;   // bytes of the current size line or trailer section seen
  std::uint64_t body_bytes_ = 0;
  std::uint32_t aux_ = 0;        // trailer names: candidate forbidden names and index
};

// Case-insensitive ASCII comparison for header names and tokens.
bool iequals(std::string_view a, std::string_view b);

// True for the hop-by-hop fields a proxy must not forward (RFC 9110 §7.6.1): Connection,
// Keep-Alive, Proxy-Connection, TE, Transfer-Encoding, Upgrade, Proxy-Authenticate,
// Proxy-Authorization, Trailer.
bool is_hop_by_hop(std::string_view name);

// True if `name` is listed as a token in any of the Connection header values in `headers`.
bool connection_lists(std::span<const Header> headers, std::string_view name);

// Standard reason phrase for a status code ("OK", "Not Found"); "Unknown" otherwise.
const char* reason_phrase(int status);

}  // namespace ramjet::http
