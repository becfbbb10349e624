#pragma once
// Canonical JSON for cache keys of JSON-bodied POST/QUERY requests: two bodies that mean the
// same JSON value (RFC 8259) get byte-identical canonical forms, so {"q":"x","k":1} and
// { "k": 1, "q": "x" } share a cache entry.
//
// Canonical form:
//   - no insignificant whitespace;
//   - object members sorted by the bytes of their canonical key (code-point order except
//     that '"', '\' and control characters sort by their escape); duplicate keys are an
//     error (their meaning differs between parsers, so such a body is not cached);
//   - strings: escapes decoded and re-encoded minimally: only '"', '\' and U+0000-U+001F are
//     escaped (\b \f \n \r \t, else \u00xx lower-case); everything else is raw UTF-8, so
//     "\u00e9", "\u00E9" and "é" are one string, and "\/" is "/";
//   - numbers by exact decimal value, never through a double: 1, 1.0, 1e0, 10e-1 and 0.1e1
//     are all "1"; -0 is "0"; 1.5e3 is "1500"; the form is the shortest digits d1..dn with the
//     decimal point placed as ECMAScript's Number::toString places it (plain notation while
//     the point lies within 21 digits left or 6 zeros right, else d1.d2..dne±x), so distinct
//     values (0.1 and 0.10000000000000001, 2^64 and 2^64+1) never collide.
//
// Strictness: anything RFC 8259 rejects is an error (trailing commas, comments, single quotes,
// leading zeros, NaN, lone surrogates, invalid UTF-8, bare control characters), as are
// nesting deeper than JsonLimits::max_depth and numbers whose canonical exponent lies beyond
// ±10^9.
//
// Pure function: no global state; allocates only `out` and a scratch buffer per object with
// two or more members. Recursion is bounded by max_depth.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace ramjet::cache {

enum class JsonError : std::uint8_t {
  kNone,
  kSyntax,        // not JSON (includes empty input and trailing bytes)
  kDepth,         // nested deeper than max_depth
  kDuplicateKey,  // an object names the same member twice
  kBadString,     // control character, bad escape, lone surrogate or invalid UTF-8
  kNumberRange,   // canonical exponent beyond ±10^9
};

// Short static text ("invalid JSON", "duplicate key"...), for Cache-Status details and logs.
const char* to_string(JsonError error);

struct JsonLimits {
  std::size_t max_depth = 64;
};

// Writes the canonical form of `in` to `out` (cleared first; its capacity is reused). On an
// error `out` holds unspecified bytes.
JsonError canonicalize_json(std::string_view in, std::string& out, const JsonLimits& limits = {});

}  // namespace ramjet::cache
