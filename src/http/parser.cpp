// Request and response head parsing (RFC 9112 §2-§6, RFC 9110 §5, §7). One forward pass over
// the bytes with no allocation and no resumable state: on kNeedMore the caller calls again
// with a longer buffer and the pass restarts. Parsing stops at the first byte that decides
// an outcome, so a prefix of a message either needs more or gives the same answer as the
// whole message (the fuzz targets check this).
//
// Framing fields are interpreted as they are read, so that ambiguity (request smuggling)
// is reported at the field that creates it.

#include "http/parser.hpp"

#include <algorithm>
#include <array>

#include "http/chars.hpp"

namespace ramjet::http {
namespace {

using chars::is_digit;
using chars::is_ows;
using chars::is_token;
using chars::iequals_lower;
using chars::uc;

// Byte classes inside a request-target.
enum TargetClass : std::uint8_t {
  kTargetBad,      // CTLs, DEL, non-ASCII, '#'
  kTargetPlain,    // any other VCHAR
  kTargetQuery,    // '?'
  kTargetPercent,  // '%', checked for two HEXDIG afterwards
  kTargetSpace,    // ' ' ends the target
  kTargetEol,      // CR or LF: the request line has no version
};

constexpr std::array<std::uint8_t, 256> kTargetTable = [] {
  std::array<std::uint8_t, 256> t{};
  for (std::size_t c = 0x21; c < 0x7F; ++c) {
    t[c] = kTargetPlain;
  }
  t['#'] = kTargetBad;
  t['?'] = kTargetQuery;
  t['%'] = kTargetPercent;
  t[' '] = kTargetSpace;
  t['\r'] = kTargetEol;
  t['\n'] = kTargetEol;
  return t;
}();

// unreserved / sub-delims of RFC 3986 §2: the bytes a reg-name may hold besides pct-encoded
// octets (and, with ':', what an IP-literal between brackets may hold).
constexpr std::array<bool, 256> kRegNameTable = [] {
  std::array<bool, 256> t{};
  for (std::size_t c = 0; c < 256; ++c) {
    const char ch = static_cast<char>(c);
    t[c] = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || is_digit(ch);
  }
  for (char c : std::string_view("-._~!$&'()*+,;=")) {
    t[uc(c)] = true;
  }
  return t;
}();

constexpr std::string_view kRootPath = "/";

Method method_from(std::string_view m) {
  switch (m.size()) {
    case 3:
      if (m == "GET") {
        return Method::kGet;
      }
      if (m == "PUT") {
        return Method::kPut;
      }
      break;
    case 4:
      if (m == "HEAD") {
        return Method::kHead;
      }
      if (m == "POST") {
        return Method::kPost;
      }
      break;
    case 5:
      if (m == "PATCH") {
        return Method::kPatch;
      }
      if (m == "TRACE") {
        return Method::kTrace;
      }
      if (m == "QUERY") {
        return Method::kQuery;
      }
      break;
    case 6:
      if (m == "DELETE") {
        return Method::kDelete;
      }
      break;
    case 7:
      if (m == "OPTIONS") {
        return Method::kOptions;
      }
      if (m == "CONNECT") {
        return Method::kConnect;
      }
      break;
    default:
      break;
  }
  return Method::kOther;
}

bool valid_pct_encoding(std::string_view s) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%') {
      if (i + 2 >= s.size() ||
          chars::hex_value(s[i + 1]) < 0 || chars::hex_value(s[i + 2]) < 0) {
        return false;
      }
      i += 2;
    }
  }
  return true;
}

// authority = host [ ":" port ] without userinfo (RFC 9110 §4.2.1 forbids it for http), in
// one pass. `require_port` for CONNECT's authority-form (RFC 9112 §3.2.3).
bool valid_authority(std::string_view a, bool require_port) {
  const std::size_t n = a.size();
  std::size_t i = 0;
  if (n != 0 && a[0] == '[') {  // IP-literal: checked for its alphabet only
    for (i = 1; i < n && a[i] != ']'; ++i) {
      if (!kRegNameTable[uc(a[i])] && a[i] != ':') {
        return false;
      }
    }
    if (i == n || i == 1) {
      return false;
    }
    ++i;
  } else {
    while (i < n && a[i] != ':') {
      if (a[i] == '%') {
        if (i + 2 >= n || chars::hex_value(a[i + 1]) < 0 || chars::hex_value(a[i + 2]) < 0) {
          return false;
        }
        i += 3;
      } else if (kRegNameTable[uc(a[i])]) {
        ++i;
      } else {
        return false;
      }
    }
    if (i == 0) {
      return false;
    }
  }
  if (i == n) {
    return !require_port;
  }
  if (a[i] != ':') {
    return false;
  }
  const std::string_view port = a.substr(i + 1);
  if (port.empty()) {
    return !require_port;
  }
  if (port.size() > 5) {
    return false;
  }
  std::uint32_t value = 0;
  for (char c : port) {
    if (!is_digit(c)) {
      return false;
    }
    value = value * 10 + static_cast<std::uint32_t>(c - '0');
  }
  return value <= 65535;
}

// 1*DIGIT into `out`; false on an empty value, a non-digit or overflow.
bool parse_decimal(std::string_view s, std::uint64_t& out) {
  if (s.empty()) {
    return false;
  }
  std::uint64_t v = 0;
  for (char c : s) {
    if (!is_digit(c)) {
      return false;
    }
    const auto d = static_cast<std::uint64_t>(c - '0');
    if (v > (UINT64_MAX - d) / 10) {
      return false;
    }
    v = v * 10 + d;
  }
  out = v;
  return true;
}

bool is_known_transfer_coding(std::string_view coding) {
  return iequals_lower(coding, "gzip") || iequals_lower(coding, "deflate") ||
         iequals_lower(coding, "compress") || iequals_lower(coding, "x-gzip") ||
         iequals_lower(coding, "x-compress");
}

bool all_token(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return is_token(c); });
}

// What the framing and connection-management fields said, gathered while reading them.
struct Fields {
  bool has_content_length = false;
  bool has_transfer_encoding = false;
  bool chunked = false;  // "chunked" seen; always the final coding when set (else an error)
  bool connection_close = false;
  bool connection_keep_alive = false;
  bool connection_upgrade = false;
  bool has_upgrade = false;
  bool expect_continue = false;
  bool te_trailers = false;
  int host_count = 0;
  const char* transfer_encoding_at = nullptr;  // the first Transfer-Encoding field line
  std::uint64_t content_length = 0;
  std::string_view host;
};

// The shared machinery of both parsers: the cursor over the (limit-truncated) buffer, the
// field-line loop and the result being built. Member functions return false to stop, with
// result_ already holding kNeedMore or kError.
class HeadParser {
 public:
  HeadParser(std::string_view buffer, const ParseLimits& limits, bool is_request)
      : begin_(buffer.data()),
        end_(buffer.data() + std::min(buffer.size(), limits.max_head_bytes)),
        full_size_(buffer.size()),
        limits_(limits),
        is_request_(is_request) {}

  ParseResult finish() {
    // Incomplete although max_head_bytes are present: the head cannot fit.
    if (result_.status == ParseStatus::kNeedMore && full_size_ >= limits_.max_head_bytes) {
      result_.status = ParseStatus::kError;
      result_.error = ParseError::kHeadersTooLarge;
      result_.error_offset = limits_.max_head_bytes;
    }
    return result_;
  }

  bool fail(ParseError error, const char* at) {
    result_.status = ParseStatus::kError;
    result_.error = error;
    result_.error_offset = static_cast<std::size_t>(at - begin_);
    return false;
  }
  bool need_more() {
    result_.status = ParseStatus::kNeedMore;
    return false;
  }
  void complete() {
    result_.status = ParseStatus::kComplete;
    result_.consumed = static_cast<std::size_t>(p_ - begin_);
  }

  // Expects CRLF at the cursor; `other` is the error for anything else but a bare LF.
  bool expect_crlf(ParseError other) {
    if (p_ == end_) {
      return need_more();
    }
    if (*p_ == '\n') {
      return fail(ParseError::kBareLf, p_);
    }
    if (*p_ != '\r') {
      return fail(other, p_);
    }
    if (p_ + 1 == end_) {
      return need_more();
    }
    if (p_[1] != '\n') {
      return fail(other, p_ + 1);
    }
    p_ += 2;
    return true;
  }

  bool skip_leading_empty_lines() {
    while (p_ < end_ && (*p_ == '\r' || *p_ == '\n')) {
      if (!expect_crlf(ParseError::kBadRequestLine)) {
        return false;
      }
    }
    return true;
  }

  // "HTTP/" DIGIT "." DIGIT (RFC 9112 §2.3). Accepts "HTTP/<2-9>" without a minor so the
  // caller can answer 505 to HTTP/2-style text; whether 1.0/1.1 is decided by the caller.
  bool parse_version(ParseError bad, int& major, int& minor) {
    constexpr std::string_view kPrefix = "HTTP/";
    for (char expected : kPrefix) {
      if (p_ == end_) {
        return need_more();
      }
      if (*p_ != expected) {
        return fail(bad, p_);
      }
      ++p_;
    }
    if (p_ == end_) {
      return need_more();
    }
    if (!is_digit(*p_)) {
      return fail(bad, p_);
    }
    major = *p_++ - '0';
    if (p_ == end_) {
      return need_more();
    }
    if (*p_ != '.') {
      if (major >= 2) {
        minor = 0;
        return true;
      }
      return fail(bad, p_);
    }
    ++p_;
    if (p_ == end_) {
      return need_more();
    }
    if (!is_digit(*p_)) {
      return fail(bad, p_);
    }
    minor = *p_++ - '0';
    return true;
  }

  // field-line CRLF ... CRLF (RFC 9112 §5). Stores headers and interprets framing fields.
  bool parse_fields(std::span<Header> storage, std::size_t& count) {
    const std::size_t cap = std::min(limits_.max_headers, storage.size());
    count = 0;
    for (;;) {
      const char* line = p_;
      if (p_ == end_) {
        return need_more();
      }
      const char c = *p_;
      if (c == '\r' || c == '\n') {
        if (!expect_crlf(ParseError::kBadHeaderName)) {
          return false;
        }
        return true;
      }
      if (is_ows(c)) {
        return fail(ParseError::kObsFold, p_);
      }
      p_ = chars::skip_token(p_, end_);
      if (p_ == end_) {
        return need_more();
      }
      if (*p_ != ':' || p_ == line) {
        return fail(*p_ == '\n' && p_ > line ? ParseError::kBareLf : ParseError::kBadHeaderName,
                    p_);
      }
      const std::string_view name(line, static_cast<std::size_t>(p_ - line));
      ++p_;
      while (p_ < end_ && is_ows(*p_)) {
        ++p_;
      }
      const char* value_begin = p_;
      p_ = chars::skip_field_value(p_, end_);
      if (p_ == end_) {
        return need_more();
      }
      if (*p_ != '\r') {
        return fail(*p_ == '\n' ? ParseError::kBareLf : ParseError::kBadHeaderValue, p_);
      }
      if (p_ + 1 == end_) {
        return need_more();
      }
      if (p_[1] != '\n') {
        return fail(ParseError::kBadHeaderValue, p_);
      }
      const char* value_end = p_;
      while (value_end > value_begin && is_ows(value_end[-1])) {
        --value_end;
      }
      p_ += 2;
      if (count == cap) {
        return fail(ParseError::kTooManyHeaders, line);
      }
      const std::string_view value(value_begin, static_cast<std::size_t>(value_end - value_begin));
      storage[count++] = Header{name, value};
      if (!on_field(name, value, line, value_begin)) {
        return false;
      }
    }
  }

  const char* begin_;
  const char* p_ = begin_;
  const char* end_;
  std::size_t full_size_;
  const ParseLimits& limits_;
  bool is_request_;
  int minor_ = 1;
  Fields fields_;
  ParseResult result_;

 private:
  bool on_field(std::string_view name, std::string_view value, const char* line,
                const char* value_begin) {
    switch (name.size()) {
      case 2:
        if (is_request_ && iequals_lower(name, "te")) {
          chars::for_each_list_element(value, [this](std::string_view e) {
            const std::string_view coding = chars::trim_ows(e.substr(0, e.find(';')));
            fields_.te_trailers = fields_.te_trailers || iequals_lower(coding, "trailers");
            return true;
          });
        }
        return true;
      case 4:
        return is_request_ && iequals_lower(name, "host") ? on_host(value, line, value_begin)
                                                           : true;
      case 6:
        if (is_request_ && iequals_lower(name, "expect")) {
          chars::for_each_list_element(value, [this](std::string_view e) {
            fields_.expect_continue = fields_.expect_continue || iequals_lower(e, "100-continue");
            return true;
          });
        }
        return true;
      case 7:
        if (iequals_lower(name, "upgrade")) {
          fields_.has_upgrade = fields_.has_upgrade || !value.empty();
        }
        return true;
      case 10:
        if (iequals_lower(name, "connection")) {
          on_connection(value);
        }
        return true;
      case 14:
        return iequals_lower(name, "content-length") ? on_content_length(value, line, value_begin)
                                                     : true;
      case 17:
        return iequals_lower(name, "transfer-encoding")
                   ? on_transfer_encoding(value, line, value_begin)
                   : true;
      default:
        return true;
    }
  }

  bool on_host(std::string_view value, const char* line, const char* value_begin) {
    if (++fields_.host_count > 1) {
      return fail(ParseError::kMissingHost, line);
    }
    if (!value.empty() && !valid_authority(value, false)) {
      return fail(ParseError::kBadHeaderValue, value_begin);
    }
    fields_.host = value;
    return true;
  }

  void on_connection(std::string_view value) {
    chars::for_each_list_element(value, [this](std::string_view token) {
      if (iequals_lower(token, "close")) {
        fields_.connection_close = true;
      } else if (iequals_lower(token, "keep-alive")) {
        fields_.connection_keep_alive = true;
      } else if (iequals_lower(token, "upgrade")) {
        fields_.connection_upgrade = true;
      }
      return true;
    });
  }

  // Content-Length = 1*DIGIT (RFC 9112 §6.3 item 5). A list, even of equal values, and a
  // second field are rejected rather than merged: the safer reading of "5, 5".
  bool on_content_length(std::string_view value, const char* line, const char* value_begin) {
    std::uint64_t length = 0;
    if (value.find(',') != std::string_view::npos) {
      std::size_t elements = 0;
      const bool digits = chars::for_each_list_element(value, [&](std::string_view e) {
        ++elements;
        std::uint64_t ignored = 0;
        return parse_decimal(e, ignored);
      });
      return fail(digits && elements > 1 ? ParseError::kConflictingContentLength
                                         : ParseError::kBadContentLength,
                  value_begin);
    }
    if (!parse_decimal(value, length)) {
      return fail(ParseError::kBadContentLength, value_begin);
    }
    if (fields_.has_content_length) {
      return fail(ParseError::kConflictingContentLength, line);
    }
    if (fields_.has_transfer_encoding) {
      return fail(ParseError::kContentLengthAndTransferEncoding, line);
    }
    fields_.has_content_length = true;
    fields_.content_length = length;
    return true;
  }

  // Transfer-Encoding (RFC 9112 §6.1): every coding known, chunked at most once and last.
  // HTTP/1.0 messages with it have faulty framing (§6.1, last paragraph).
  bool on_transfer_encoding(std::string_view value, const char* line, const char* value_begin) {
    if (fields_.has_content_length) {
      return fail(ParseError::kContentLengthAndTransferEncoding, line);
    }
    if (minor_ == 0) {
      return fail(ParseError::kBadTransferEncoding, line);
    }
    fields_.has_transfer_encoding = true;
    fields_.transfer_encoding_at =
        fields_.transfer_encoding_at == nullptr ? line : fields_.transfer_encoding_at;
    ParseError error = ParseError::kNone;
    bool any = false;
    chars::for_each_list_element(value, [&](std::string_view coding) {
      any = true;
      if (fields_.chunked) {
        // Something follows chunked: repeated, or chunked is not the final coding.
        error = ParseError::kBadTransferEncoding;
      } else if (iequals_lower(coding, "chunked")) {
        fields_.chunked = true;
      } else if (!all_token(coding)) {
        error = ParseError::kBadTransferEncoding;  // parameters or stray bytes
      } else if (!is_known_transfer_coding(coding)) {
        error = ParseError::kUnknownTransferCoding;
      }
      return error == ParseError::kNone;
    });
    if (error == ParseError::kNone && !any) {
      error = ParseError::kBadTransferEncoding;
    }
    return error == ParseError::kNone ? true : fail(error, value_begin);
  }
};

// Origin-form, absolute-form, authority-form or asterisk-form (RFC 9112 §3.2), split into
// the derived views of `out`. `query_mark` is the first '?' of the target, or null.
bool classify_target(HeadParser& hp, const char* t, const char* query_mark, RequestHead& out) {
  const std::string_view target = out.target;
  if (out.method_id == Method::kConnect) {
    return valid_authority(target, true) ? true : hp.fail(ParseError::kBadTarget, t);
  }
  if (target.front() == '/') {
    out.path = query_mark == nullptr
                   ? target
                   : target.substr(0, static_cast<std::size_t>(query_mark - t));
  } else if (target == "*") {
    if (out.method_id != Method::kOptions) {
      return hp.fail(ParseError::kBadTarget, t);
    }
    out.path = target;
  } else {
    std::size_t scheme = 0;
    if (target.size() > 7 && iequals_lower(target.substr(0, 7), "http://")) {
      scheme = 7;
    } else if (target.size() > 8 && iequals_lower(target.substr(0, 8), "https://")) {
      scheme = 8;
    } else {
      return hp.fail(ParseError::kBadTarget, t);
    }
    const std::string_view rest = target.substr(scheme);
    const auto authority_end = static_cast<std::size_t>(
        std::find_if(rest.begin(), rest.end(), [](char c) { return c == '/' || c == '?'; }) -
        rest.begin());
    out.authority = rest.substr(0, authority_end);
    if (!valid_authority(out.authority, false)) {
      return hp.fail(ParseError::kBadTarget, t + scheme);
    }
    const std::string_view path_and_query = rest.substr(authority_end);
    if (path_and_query.empty() || path_and_query.front() == '?') {
      out.path = kRootPath;  // static storage: an empty path means "/" (RFC 9110 §4.2.1)
    } else {
      out.path = path_and_query.substr(0, path_and_query.find('?'));
    }
  }
  if (query_mark != nullptr) {
    out.query = target.substr(static_cast<std::size_t>(query_mark - t) + 1);
  }
  return true;
}

// method SP request-target SP HTTP-version CRLF (RFC 9112 §3).
bool parse_request_line(HeadParser& hp, RequestHead& out) {
  const char* m = hp.p_;
  hp.p_ = chars::skip_token(hp.p_, hp.end_);
  if (hp.p_ == hp.end_) {
    return hp.need_more();
  }
  if (*hp.p_ != ' ' || hp.p_ == m) {
    return hp.fail(*hp.p_ == ' ' || *hp.p_ == '\r' || *hp.p_ == '\n' ? ParseError::kBadRequestLine
                                                                      : ParseError::kBadMethod,
                   hp.p_);
  }
  out.method = std::string_view(m, static_cast<std::size_t>(hp.p_ - m));
  out.method_id = method_from(out.method);
  ++hp.p_;

  // The target: one table lookup per byte, bounded by max_target_bytes.
  const char* t = hp.p_;
  const auto avail = static_cast<std::size_t>(hp.end_ - t);
  const std::size_t max = hp.limits_.max_target_bytes;
  const char* limit = t + (max >= avail ? avail : max + 1);
  const char* query_mark = nullptr;
  bool percent = false;
  for (;;) {
    hp.p_ = chars::skip_plain_target(hp.p_, limit);
    while (hp.p_ < limit && kTargetTable[uc(*hp.p_)] == kTargetPlain) {
      ++hp.p_;
    }
    if (hp.p_ == limit) {
      break;
    }
    const std::uint8_t cls = kTargetTable[uc(*hp.p_)];
    if (cls == kTargetSpace) {
      break;
    }
    if (cls == kTargetQuery) {
      query_mark = query_mark == nullptr ? hp.p_ : query_mark;
    } else if (cls == kTargetPercent) {
      percent = true;
    } else {
      return hp.fail(cls == kTargetEol ? ParseError::kBadRequestLine : ParseError::kBadTarget,
                     hp.p_);
    }
    ++hp.p_;
  }
  if (hp.p_ == limit) {
    if (static_cast<std::size_t>(hp.p_ - t) > max) {
      return hp.fail(ParseError::kTargetTooLong, t + max);
    }
    return hp.need_more();
  }
  if (hp.p_ == t) {
    return hp.fail(ParseError::kBadRequestLine, hp.p_);
  }
  out.target = std::string_view(t, static_cast<std::size_t>(hp.p_ - t));
  if (percent && !valid_pct_encoding(out.target)) {
    return hp.fail(ParseError::kBadTarget, t + out.target.find('%'));
  }
  ++hp.p_;

  const char* version = hp.p_;
  int major = 0;
  if (!hp.parse_version(ParseError::kBadVersion, major, hp.minor_)) {
    return false;
  }
  if (hp.p_ == hp.end_) {
    return hp.need_more();
  }
  if (*hp.p_ != '\r' && *hp.p_ != '\n') {
    return hp.fail(ParseError::kBadVersion, hp.p_);
  }
  if (major != 1 || hp.minor_ > 1) {
    return hp.fail(ParseError::kUnsupportedVersion, version);
  }
  if (!hp.expect_crlf(ParseError::kBadRequestLine)) {
    return false;
  }
  out.minor_version = hp.minor_;
  return classify_target(hp, t, query_mark, out);
}

// HTTP-version SP 3DIGIT SP [ reason-phrase ] CRLF (RFC 9112 §4). The SP before an empty
// reason is optional here: widely omitted and unambiguous.
bool parse_status_line(HeadParser& hp, ResponseHead& out) {
  int major = 0;
  const char* version = hp.p_;
  if (!hp.parse_version(ParseError::kBadStatusLine, major, hp.minor_)) {
    return false;
  }
  const char* s = hp.p_;
  for (std::size_t i = 0; i < 5; ++i) {  // SP 3DIGIT and the byte after, checked in order
    if (s + i == hp.end_) {
      return hp.need_more();
    }
    const bool ok = i == 0 ? s[0] == ' ' : (i == 4 || (is_digit(s[i]) && (i > 1 || s[i] != '0')));
    if (!ok) {
      return hp.fail(ParseError::kBadStatusLine, s + i);
    }
  }
  if (major != 1 || hp.minor_ > 1) {
    return hp.fail(ParseError::kUnsupportedVersion, version);
  }
  out.status = (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
  out.minor_version = hp.minor_;
  hp.p_ = s + 4;
  if (*hp.p_ == ' ') {
    ++hp.p_;
  } else if (*hp.p_ != '\r') {
    return hp.fail(*hp.p_ == '\n' ? ParseError::kBareLf : ParseError::kBadStatusLine, hp.p_);
  }
  const char* reason = hp.p_;
  hp.p_ = chars::skip_field_value(hp.p_, hp.end_);
  out.reason = std::string_view(reason, static_cast<std::size_t>(hp.p_ - reason));
  if (hp.p_ < hp.end_ && *hp.p_ != '\r' && *hp.p_ != '\n') {
    return hp.fail(ParseError::kBadStatusLine, hp.p_);
  }
  return hp.expect_crlf(ParseError::kBadStatusLine);
}

}  // namespace

ParseResult parse_request(std::string_view buffer, const ParseLimits& limits,
                          std::span<Header> header_storage, RequestHead& out) {
  // Field by field: assigning a whole RequestHead{} compiles to a slow `rep stos`.
  out.method = out.target = out.path = out.query = out.authority = out.host = {};
  out.method_id = Method::kOther;
  out.minor_version = 1;
  out.headers = {};
  out.body = BodyKind::kNone;
  out.content_length = 0;
  out.keep_alive = true;
  out.expect_continue = out.upgrade = out.has_te_trailers = false;
  HeadParser hp(buffer, limits, true);
  std::size_t count = 0;
  if (!hp.skip_leading_empty_lines() || !parse_request_line(hp, out) ||
      !hp.parse_fields(header_storage, count)) {
    return hp.finish();
  }
  out.headers = header_storage.first(count);
  const Fields& f = hp.fields_;
  if (out.minor_version == 1 && f.host_count == 0) {
    hp.fail(ParseError::kMissingHost, hp.p_ - 2);
    return hp.finish();
  }
  out.host = out.authority.empty() ? f.host : out.authority;
  if (f.has_transfer_encoding) {
    if (!f.chunked) {
      hp.fail(ParseError::kBadTransferEncoding, f.transfer_encoding_at);
      return hp.finish();
    }
    out.body = BodyKind::kChunked;
  } else if (f.has_content_length) {
    out.body = BodyKind::kContentLength;
    out.content_length = f.content_length;
  }
  const bool http11 = out.minor_version == 1;
  out.keep_alive = !f.connection_close && (http11 || f.connection_keep_alive);
  out.expect_continue = http11 && f.expect_continue;
  out.upgrade = http11 && f.connection_upgrade && f.has_upgrade;
  out.has_te_trailers = f.te_trailers;
  hp.complete();
  return hp.finish();
}

ParseResult parse_response(std::string_view buffer, const ParseLimits& limits,
                           Method request_method, std::span<Header> header_storage,
                           ResponseHead& out) {
  out = ResponseHead{};
  HeadParser hp(buffer, limits, false);
  std::size_t count = 0;
  if (!parse_status_line(hp, out) || !hp.parse_fields(header_storage, count)) {
    return hp.finish();
  }
  out.headers = header_storage.first(count);
  const Fields& f = hp.fields_;
  // RFC 9112 §6.3 items 1-2: these responses end with their head whatever the fields say.
  const bool no_body = out.status < 200 || out.status == 204 || out.status == 304 ||
                       request_method == Method::kHead ||
                       (request_method == Method::kConnect && out.status / 100 == 2);
  if (no_body) {
    out.body = BodyKind::kNone;
  } else if (f.has_transfer_encoding) {
    out.body = f.chunked ? BodyKind::kChunked : BodyKind::kUntilClose;
  } else if (f.has_content_length) {
    out.body = BodyKind::kContentLength;
    out.content_length = f.content_length;
  } else {
    out.body = BodyKind::kUntilClose;
  }
  out.keep_alive = !f.connection_close && (out.minor_version == 1 || f.connection_keep_alive) &&
                   out.body != BodyKind::kUntilClose;
  hp.complete();
  return hp.finish();
}

}  // namespace ramjet::http
