// Fuzzes parse_response. The first input byte picks the request method (it decides framing:
// HEAD, CONNECT); the rest is the response. Oracles as for requests: every prefix either
// needs more or gives the whole input's result, results respect their invariants, and a
// canonically re-serialised head parses the same.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

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
  ResponseHead head;
  std::array<Header, 128> storage{};
};

void run(std::string_view buffer, const ParseLimits& limits, Method method, Parse& p) {
  p.result = parse_response(buffer, limits, method, p.storage, p.head);
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
  const ResponseHead& h = a.head;
  const ResponseHead& k = b.head;
  return h.status == k.status && h.reason == k.reason && h.minor_version == k.minor_version &&
         h.headers.size() == k.headers.size() && h.body == k.body &&
         h.content_length == k.content_length && h.keep_alive == k.keep_alive;
}

void check_invariants(std::string_view buffer, const ParseLimits& limits, Method method,
                      const Parse& p) {
  const ParseResult& r = p.result;
  require((r.status == ParseStatus::kError) == (r.error != ParseError::kNone), "error iff kError");
  if (r.status == ParseStatus::kError) {
    require(r.error_offset <= buffer.size(), "error_offset within buffer");
    return;
  }
  if (r.status == ParseStatus::kNeedMore) {
    require(r.consumed == 0 && buffer.size() < limits.max_head_bytes, "need-more below limit");
    return;
  }
  const ResponseHead& h = p.head;
  require(r.consumed <= buffer.size() && r.consumed <= limits.max_head_bytes, "consumed bounded");
  require(h.status >= 100 && h.status <= 999, "3-digit status");
  require(h.minor_version == 0 || h.minor_version == 1, "minor version 0 or 1");
  require(h.body == BodyKind::kContentLength || h.content_length == 0,
          "content_length only with a length body");
  require(h.body != BodyKind::kUntilClose || !h.keep_alive, "until-close is not kept alive");
  const bool bodiless = h.status < 200 || h.status == 204 || h.status == 304 ||
                        method == Method::kHead ||
                        (method == Method::kConnect && h.status / 100 == 2);
  require(!bodiless || h.body == BodyKind::kNone, "bodiless responses have no body");
  require(bodiless || h.body != BodyKind::kNone, "other responses have some framing");
}

void check_prefixes(std::string_view buffer, const ParseLimits& limits, Method method,
                    const Parse& whole) {
  const std::size_t n = buffer.size();
  auto check = [&](std::size_t k) {
    if (k > n) {
      return;
    }
    std::unique_ptr<char[]> copy(new char[k == 0 ? 1 : k]);
    std::copy(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(k), copy.get());
    static Parse* const p = new Parse();  // reused: a fresh 4 KiB head per prefix is slow
    run(std::string_view(copy.get(), k), limits, method, *p);
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
  for (std::size_t m : {whole.result.consumed, whole.result.error_offset}) {
    for (std::size_t k = m > 2 ? m - 2 : 0; k <= m + 2; ++k) {
      check(k);
    }
  }
}

std::string canonical(const ResponseHead& h) {
  std::string out = h.minor_version == 1 ? "HTTP/1.1 " : "HTTP/1.0 ";
  out.append(std::to_string(h.status)).append(" ").append(h.reason).append("\r\n");
  for (const Header& header : h.headers) {
    out.append(header.name).append(": ").append(header.value).append("\r\n");
  }
  out.append("\r\n");
  return out;
}

constexpr std::array<Method, 11> kMethods = {
    Method::kGet,   Method::kHead,    Method::kPost,  Method::kPut,
    Method::kDelete, Method::kPatch,  Method::kOptions, Method::kTrace,
    Method::kConnect, Method::kQuery, Method::kOther};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) {
    return 0;
  }
  const Method method = kMethods[data[0] % kMethods.size()];
  const std::string_view buffer(reinterpret_cast<const char*>(data) + 1, size - 1);
  const ParseLimits limits;
  auto whole = std::make_unique<Parse>();
  run(buffer, limits, method, *whole);
  check_invariants(buffer, limits, method, *whole);
  check_prefixes(buffer, limits, method, *whole);

  ParseLimits tight;
  tight.max_head_bytes = 200;
  tight.max_headers = 3;
  auto small = std::make_unique<Parse>();
  run(buffer, tight, method, *small);
  check_invariants(buffer, tight, method, *small);
  if (small->result.status == ParseStatus::kComplete) {
    require(same(*small, *whole), "tighter limits change nothing that still fits");
  }

  if (whole->result.status == ParseStatus::kComplete) {
    const std::string again = canonical(whole->head);
    auto re = std::make_unique<Parse>();
    ParseLimits roomy;
    roomy.max_head_bytes = again.size() + 1;
    run(again, roomy, method, *re);
    require(re->result.status == ParseStatus::kComplete, "canonical form parses");
    require(re->head.status == whole->head.status && re->head.body == whole->head.body &&
                re->head.content_length == whole->head.content_length &&
                re->head.keep_alive == whole->head.keep_alive &&
                re->head.headers.size() == whole->head.headers.size(),
            "canonical form parses to the same head");
  }
  return 0;
}
