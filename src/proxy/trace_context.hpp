#pragma once
// W3C Trace Context (https://www.w3.org/TR/trace-context/, §3.2) for the `traceparent`
// header: "00-<32 hex trace-id>-<16 hex parent-id>-<2 hex flags>", 55 bytes.
//
// ramjet propagates a valid incoming traceparent to the upstream unchanged (it records no
// spans of its own, so it must not become a parent nobody reports) and generates one when
// the header is absent or invalid, with the sampled flag set so an app whose tracer samples
// by its parent keeps tracing as it did before ramjet stood in front of it. The trace id is
// then logged with the exchange. Pure functions over bytes; no allocation.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace ramjet::proxy {

inline constexpr std::size_t kTraceparentBytes = 55;

namespace trace_detail {

inline bool is_lower_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

inline bool all_lower_hex_not_zero(std::string_view s) {
  bool nonzero = false;
  for (char c : s) {
    if (!is_lower_hex(c)) {
      return false;
    }
    nonzero = nonzero || c != '0';
  }
  return nonzero;
}

// Eight lower-case hex digits of the 32-bit x, most significant first, into out[0, 8): one
// nibble spread into each byte, then all eight turned into ASCII at once (no table, no loop).
inline void put_hex8(char* out, std::uint64_t x) {
  x = (x | (x << 16)) & 0x0000FFFF0000FFFFULL;
  x = (x | (x << 8)) & 0x00FF00FF00FF00FFULL;
  x = (x | (x << 4)) & 0x0F0F0F0F0F0F0F0FULL;  // byte i holds nibble i (least first)
  const std::uint64_t letters = ((x + 0x0606060606060606ULL) >> 4) & 0x0101010101010101ULL;
  x += 0x3030303030303030ULL + letters * ('a' - '0' - 10);
  x = __builtin_bswap64(x);  // most significant nibble at the lowest address
  std::memcpy(out, &x, 8);
}

// The 16 hex digits of v into out[0, 16) (this runs on every request: request ids and
// traceparent ids).
inline void put_hex16(char* out, std::uint64_t v) {
  put_hex8(out, v >> 32);
  put_hex8(out + 8, v & 0xFFFFFFFFULL);
}

}  // namespace trace_detail

// True for a traceparent this implementation may forward: version 00 with exactly 55
// bytes, or a later version (not ff) whose first 55 bytes have the version-00 shape and
// that continues with '-' (§4.3: parse the known prefix of future versions). Trace and
// parent ids must be lower-case hex and not all zero.
inline bool valid_traceparent(std::string_view v) {
  using trace_detail::is_lower_hex;
  if (v.size() < kTraceparentBytes || !is_lower_hex(v[0]) || !is_lower_hex(v[1])) {
    return false;
  }
  const bool v00 = v[0] == '0' && v[1] == '0';
  if ((v[0] == 'f' && v[1] == 'f') || (v00 && v.size() != kTraceparentBytes) ||
      (!v00 && v.size() > kTraceparentBytes && v[kTraceparentBytes] != '-')) {
    return false;
  }
  if (v[2] != '-' || v[35] != '-' || v[52] != '-' || !is_lower_hex(v[53]) ||
      !is_lower_hex(v[54])) {
    return false;
  }
  return trace_detail::all_lower_hex_not_zero(v.substr(3, 32)) &&
         trace_detail::all_lower_hex_not_zero(v.substr(36, 16));
}

// Writes a new version-00, sampled traceparent into out[0, 55) from three random words
// (trace id = hi:lo, parent id = span). Zero words are replaced so no id is all zero.
inline void generate_traceparent(char* out, std::uint64_t hi, std::uint64_t lo,
                                 std::uint64_t span) {
  if ((hi | lo) == 0) {
    lo = 1;
  }
  if (span == 0) {
    span = 1;
  }
  out[0] = '0';
  out[1] = '0';
  out[2] = '-';
  trace_detail::put_hex16(out + 3, hi);
  trace_detail::put_hex16(out + 19, lo);
  out[35] = '-';
  trace_detail::put_hex16(out + 36, span);
  out[52] = '-';
  out[53] = '0';
  out[54] = '1';
}

// Fills out[0, 55) with the traceparent to send upstream: `incoming` when valid (a later
// version is sent as version 00 with the same ids and flags, the only layout ramjet knows),
// else a new one from three calls of next_word() (a std::uint64_t source of randomness).
template <typename NextWord>
void choose_traceparent(std::string_view incoming, char* out, NextWord&& next_word) {
  if (valid_traceparent(incoming)) {
    for (std::size_t i = 0; i < kTraceparentBytes; ++i) {
      out[i] = incoming[i];
    }
    out[0] = '0';
    out[1] = '0';
    return;
  }
  const std::uint64_t hi = next_word();
  const std::uint64_t lo = next_word();
  generate_traceparent(out, hi, lo, next_word());
}

// The trace id (32 hex bytes) of a valid traceparent.
inline std::string_view trace_id_of(std::string_view traceparent) {
  return traceparent.substr(3, 32);
}

}  // namespace ramjet::proxy
