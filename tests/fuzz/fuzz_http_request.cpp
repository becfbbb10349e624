// Fuzzes parse_request. Beyond "no crash, no out-of-bounds read" it checks oracles:
//  - prefix consistency: every prefix of the input either needs more bytes or gives exactly
//    the whole input's result (fed whole or byte by byte, the answer is the same);
//  - invariants of the result (offsets within the buffer, views into it, body fields);
//  - tighter limits never turn an error into success or change a successful parse;
//  - re-serialising a parsed head canonically and parsing it again gives the same head;
//  - any header value that parses as an HTTP-date formats and parses back to the same time.
#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "http/date.hpp"
#include "http/parser.hpp"

namespace {

using namespace ramjet::http;

void require(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "oracle failed: %s\n", what);
    std::abort();
  }
}

struct Parse {
  ParseResult result;
  RequestHead head;
  std::array<Header, 128> storage{};
};

void run(std::string_view buffer, const ParseLimits& limits, Parse& p) {
  p.result = parse_request(buffer, limits, p.storage, p.head);
}

bool inside(std::string_view buffer, std::string_view v) {
  return v.empty() ||
         (v.data() >= buffer.data() && v.data() + v.size() <= buffer.data() + buffer.size());
}

void check_invariants(std::string_view buffer, const ParseLimits& limits, const Parse& p) {
  const ParseResult& r = p.result;
  require((r.status == ParseStatus::kError) == (r.error != ParseError::kNone), "error iff kError");
  if (r.status == ParseStatus::kError) {
    require(r.error_offset <= buffer.size(), "error_offset within buffer");
    const int status = status_for(r.error);
    require(status >= 400 && status < 600, "status_for gives an error status");
    return;
  }
  if (r.status == ParseStatus::kNeedMore) {
    require(r.consumed == 0, "need-more consumes nothing");
    require(buffer.size() < limits.max_head_bytes, "need-more only below the head limit");
    return;
  }
  const RequestHead& h = p.head;
  require(r.consumed >= 4 && r.consumed <= buffer.size(), "consumed within buffer");
  require(r.consumed <= limits.max_head_bytes, "consumed within the head limit");
  require(buffer.substr(r.consumed - 4, 4) == "\r\n\r\n", "head ends with CRLF CRLF");
  require(h.minor_version == 0 || h.minor_version == 1, "minor version 0 or 1");
  require(h.headers.size() <= limits.max_headers, "header count within limit");
  require(!h.method.empty() && !h.target.empty(), "method and target present");
  require(h.target.size() <= limits.max_target_bytes, "target within limit");
  for (std::string_view v : {h.method, h.target, h.query, h.authority, h.host}) {
    require(inside(buffer.substr(0, r.consumed), v), "views inside the head");
  }
  require(h.path == "/" || inside(buffer.substr(0, r.consumed), h.path), "path inside the head");
  for (const Header& header : h.headers) {
    require(!header.name.empty(), "header name non-empty");
    require(inside(buffer.substr(0, r.consumed), header.name), "header name inside");
    require(inside(buffer.substr(0, r.consumed), header.value), "header value inside");
  }
  require(h.body == BodyKind::kContentLength || h.content_length == 0,
          "content_length only with a length body");
  require(h.body != BodyKind::kUntilClose, "requests are never read until close");
  require(h.minor_version == 1 || !h.upgrade, "no upgrade in HTTP/1.0");
}

bool same(const Parse& a, const Parse& b) {
  const ParseResult& x = a.result;
  const ParseResult& y = b.result;
  if (x.status != y.status || x.error != y.error || x.consumed != y.consumed ||
      x.error_offset != y.error_offset) {
    return false;
  }
  if (x.status != ParseStatus::kComplete) {
    return true;
  }
  const RequestHead& h = a.head;
  const RequestHead& k = b.head;
  return h.method == k.method && h.method_id == k.method_id && h.target == k.target &&
         h.path == k.path && h.query == k.query && h.authority == k.authority &&
         h.host == k.host && h.minor_version == k.minor_version &&
         h.headers.size() == k.headers.size() && h.body == k.body &&
         h.content_length == k.content_length && h.keep_alive == k.keep_alive &&
         h.expect_continue == k.expect_continue && h.upgrade == k.upgrade &&
         h.has_te_trailers == k.has_te_trailers;
}

void check_prefixes(std::string_view buffer, const ParseLimits& limits, const Parse& whole) {
  const std::size_t n = buffer.size();
  auto check = [&](std::size_t k) {
    if (k > n) {
      return;
    }
    // Exactly k bytes on the heap, so reading past the prefix is an ASan report.
    std::unique_ptr<char[]> copy(new char[k == 0 ? 1 : k]);
    std::copy(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(k), copy.get());
    static Parse* const p = new Parse();  // reused: a fresh 4 KiB head per prefix is slow
    run(std::string_view(copy.get(), k), limits, *p);
    if (p->result.status == ParseStatus::kNeedMore) {
      require(whole.result.status != ParseStatus::kComplete || k < whole.result.consumed,
              "a prefix holding the whole head must not need more");
      return;
    }
    require(same(*p, whole), "a decided prefix gives the whole input's result");
  };
  if (n <= 160) {
    for (std::size_t k = 0; k <= n; ++k) {
      check(k);
    }
    return;
  }
  for (std::size_t i = 0; i <= 48; ++i) {
    check(n * i / 48);
  }
  const std::size_t marks[] = {whole.result.consumed, whole.result.error_offset};
  for (std::size_t m : marks) {
    for (std::size_t k = m > 2 ? m - 2 : 0; k <= m + 2; ++k) {
      check(k);
    }
  }
}

// method SP target SP version CRLF, "name: value" CRLF each, CRLF.
std::string canonical(const RequestHead& h) {
  std::string out;
  out.append(h.method).append(" ").append(h.target);
  out.append(h.minor_version == 1 ? " HTTP/1.1\r\n" : " HTTP/1.0\r\n");
  for (const Header& header : h.headers) {
    out.append(header.name).append(": ").append(header.value).append("\r\n");
  }
  out.append("\r\n");
  return out;
}

void check_dates(const RequestHead& h) {
  using Clock = std::chrono::system_clock;
  for (const Header& header : h.headers) {
    const auto t = parse_http_date(header.value);
    if (!t || *t == Clock::time_point::max() || *t == Clock::time_point::min()) {
      continue;
    }
    char out[kHttpDateSize];
    const auto back = parse_http_date(format_http_date(*t, out));
    require(back && *back == *t, "HTTP-date round trip");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view buffer(reinterpret_cast<const char*>(data), size);
  const ParseLimits limits;
  auto whole = std::make_unique<Parse>();
  run(buffer, limits, *whole);
  check_invariants(buffer, limits, *whole);
  check_prefixes(buffer, limits, *whole);

  ParseLimits tight;
  tight.max_head_bytes = 256;
  tight.max_headers = 4;
  tight.max_target_bytes = 24;
  auto small = std::make_unique<Parse>();
  run(buffer, tight, *small);
  check_invariants(buffer, tight, *small);
  if (small->result.status == ParseStatus::kComplete) {
    require(same(*small, *whole), "tighter limits change nothing that still fits");
  }

  if (whole->result.status == ParseStatus::kComplete) {
    check_dates(whole->head);
    const std::string again = canonical(whole->head);
    auto re = std::make_unique<Parse>();
    ParseLimits roomy;
    roomy.max_head_bytes = again.size() + 1;
    run(again, roomy, *re);
    require(re->result.status == ParseStatus::kComplete, "canonical form parses");
    const RequestHead& a = whole->head;
    const RequestHead& b = re->head;
    require(a.method == b.method && a.target == b.target && a.path == b.path &&
                a.query == b.query && a.host == b.host && a.body == b.body &&
                a.content_length == b.content_length && a.keep_alive == b.keep_alive &&
                a.upgrade == b.upgrade && a.headers.size() == b.headers.size(),
            "canonical form parses to the same head");
    for (std::size_t i = 0; i < a.headers.size(); ++i) {
      require(a.headers[i].name == b.headers[i].name && a.headers[i].value == b.headers[i].value,
              "canonical form keeps every field");
    }
  }
  return 0;
}
