#pragma once
// Character classes of RFC 9110 §5.6 / RFC 9112 and small byte helpers shared by the http
// codecs (parser.cpp, chunked.cpp). Internal to src/http: other modules use parser.hpp.
// Everything here is constexpr tables and inline functions; nothing allocates.

#include <array>
#include <bit>
#include <cstdint>
#include <cstring>
#include <string_view>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace ramjet::http::chars {

inline constexpr unsigned char uc(char c) { return static_cast<unsigned char>(c); }

// tchar: "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|" /
// "~" / DIGIT / ALPHA (RFC 9110 §5.6.2).
inline constexpr std::array<bool, 256> kTokenTable = [] {
  std::array<bool, 256> t{};
  for (int c = '0'; c <= '9'; ++c) {
    t[static_cast<std::size_t>(c)] = true;
  }
  for (int c = 'a'; c <= 'z'; ++c) {
    t[static_cast<std::size_t>(c)] = true;
    t[static_cast<std::size_t>(c - 'a' + 'A')] = true;
  }
  for (char c : std::string_view("!#$%&'*+-.^_`|~")) {
    t[uc(c)] = true;
  }
  return t;
}();

// field-vchar / SP / HTAB: VCHAR (0x21-0x7E), obs-text (0x80-0xFF), SP and HTAB. Excludes
// every other CTL (notably CR, LF, NUL) and DEL (RFC 9110 §5.5).
inline constexpr std::array<bool, 256> kFieldValueTable = [] {
  std::array<bool, 256> t{};
  for (std::size_t c = 0x20; c < 0x7F; ++c) {
    t[c] = true;
  }
  for (std::size_t c = 0x80; c < 0x100; ++c) {
    t[c] = true;
  }
  t['\t'] = true;
  return t;
}();

inline constexpr bool is_token(char c) { return kTokenTable[uc(c)]; }
inline constexpr bool is_field_value(char c) { return kFieldValueTable[uc(c)]; }
inline constexpr bool is_ows(char c) { return c == ' ' || c == '\t'; }
inline constexpr bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Value of a hex digit, or -1.
inline constexpr int hex_value(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

inline constexpr char to_lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + ('a' - 'A')) : c;
}

// True if `s` equals `lower` ignoring ASCII case; `lower` must already be lower-case.
inline bool iequals_lower(std::string_view s, std::string_view lower) {
  if (s.size() != lower.size()) {
    return false;
  }
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (to_lower(s[i]) != lower[i]) {
      return false;
    }
  }
  return true;
}

// --- Block scanners -----------------------------------------------------------------------
// Each returns the first byte at or after `p` that the scalar loop of its caller must look
// at, or `end`. They may stop early (never late): callers re-check the byte they stop at.
// With SSE2 (every x86-64) they test 16 bytes per step; elsewhere they fall back to SWAR or
// to the scalar tables above. Loads never go past `end`.

#if defined(__SSE2__)
inline __m128i load16(const char* p) {
  __m128i v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// Bit i set when byte i is in [lo, hi] (both in 0x00-0x7F).
inline __m128i in_range(__m128i v, char lo, char hi) {
  return _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8(static_cast<char>(lo - 1))),
                       _mm_cmplt_epi8(v, _mm_set1_epi8(static_cast<char>(hi + 1))));
}

inline unsigned mask16(__m128i v) { return static_cast<unsigned>(_mm_movemask_epi8(v)); }
#endif

// Skips bytes that are VCHAR, SP or obs-text; stops at any CTL (HTAB included) or DEL.
inline const char* skip_plain_value(const char* p, const char* end) {
#if defined(__SSE2__)
  while (end - p >= 16) {
    const __m128i v = load16(p);
    // CTL: 0x00-0x1F (signed compare keeps obs-text, which is negative, out); or DEL.
    const __m128i bad =
        _mm_or_si128(in_range(v, 0x00, 0x1F), _mm_cmpeq_epi8(v, _mm_set1_epi8(0x7F)));
    const unsigned m = mask16(bad);
    if (m != 0) {
      return p + std::countr_zero(m);
    }
    p += 16;
  }
#else
  constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
  constexpr std::uint64_t kHigh = 0x8080808080808080ULL;
  while (end - p >= 8) {
    std::uint64_t x = 0;
    std::memcpy(&x, p, sizeof x);
    // Exact existence test: a borrow can only start at a byte that is itself below 0x20.
    const std::uint64_t y = x ^ (kOnes * 0x7F);
    if (((((x - kOnes * 0x20) & ~x) | ((y - kOnes) & ~y)) & kHigh) != 0) {
      break;
    }
    p += 8;
  }
#endif
  while (p < end && is_field_value(*p) && *p != '\t') {
    ++p;
  }
  return p;
}

// Advances over field-value bytes (see kFieldValueTable) and returns the first other byte's
// position, or `end`.
inline const char* skip_field_value(const char* p, const char* end) {
  for (;;) {
    p = skip_plain_value(p, end);
    if (p == end || *p != '\t') {
      return p;
    }
    ++p;
  }
}

// Skips the usual field-name bytes [A-Za-z0-9-]; stops at any other byte.
inline const char* skip_common_name(const char* p, const char* end) {
#if defined(__SSE2__)
  while (end - p >= 16) {
    const __m128i v = load16(p);
    const __m128i lower = _mm_or_si128(v, _mm_set1_epi8(0x20));
    const __m128i ok = _mm_or_si128(_mm_or_si128(in_range(lower, 'a', 'z'), in_range(v, '0', '9')),
                                    _mm_cmpeq_epi8(v, _mm_set1_epi8('-')));
    const unsigned m = ~mask16(ok) & 0xFFFFU;
    if (m != 0) {
      return p + std::countr_zero(m);
    }
    p += 16;
  }
#endif
  static_cast<void>(end);
  return p;
}

// Advances over tchar bytes; returns the first other byte's position, or `end`.
inline const char* skip_token(const char* p, const char* end) {
  p = skip_common_name(p, end);
  while (p < end && is_token(*p)) {
    ++p;
  }
  return p;
}

// Skips request-target bytes that need no attention: VCHAR except '#', '%' and '?'.
inline const char* skip_plain_target(const char* p, const char* end) {
#if defined(__SSE2__)
  while (end - p >= 16) {
    const __m128i v = load16(p);
    // Signed: bytes <= 0x20 include obs-text (negative), all of which stop the scan.
    __m128i stop = _mm_cmplt_epi8(v, _mm_set1_epi8(0x21));
    stop = _mm_or_si128(stop, _mm_cmpeq_epi8(v, _mm_set1_epi8(0x7F)));
    stop = _mm_or_si128(stop, _mm_cmpeq_epi8(v, _mm_set1_epi8('#')));
    stop = _mm_or_si128(stop, _mm_cmpeq_epi8(v, _mm_set1_epi8('%')));
    stop = _mm_or_si128(stop, _mm_cmpeq_epi8(v, _mm_set1_epi8('?')));
    const unsigned m = mask16(stop);
    if (m != 0) {
      return p + std::countr_zero(m);
    }
    p += 16;
  }
#endif
  static_cast<void>(end);
  return p;
}

// Trims OWS (SP / HTAB) from both ends.
inline std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && is_ows(s.front())) {
    s.remove_prefix(1);
  }
  while (!s.empty() && is_ows(s.back())) {
    s.remove_suffix(1);
  }
  return s;
}

// Calls `fn(element)` for each comma-separated element of a list value (RFC 9110 §5.6.1),
// OWS-trimmed, skipping empty elements. Stops early and returns false if `fn` does.
template <typename Fn>
inline bool for_each_list_element(std::string_view value, Fn&& fn) {
  while (!value.empty()) {
    const std::size_t comma = value.find(',');
    const std::string_view element =
        trim_ows(comma == std::string_view::npos ? value : value.substr(0, comma));
    if (!element.empty() && !fn(element)) {
      return false;
    }
    if (comma == std::string_view::npos) {
      break;
    }
    value.remove_prefix(comma + 1);
  }
  return true;
}

}  // namespace ramjet::http::chars
