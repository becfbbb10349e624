// Fuzzes the JSON canonicaliser behind body-keyed cache keys (cache/json_canonical.hpp).
// The first byte picks the depth limit; the rest is the body.
// Oracles: the canonical form is a fixed point (canonicalising it again changes nothing and
// cannot fail); it carries no insignificant whitespace; it is never deeper than the input
// was allowed to be; errors are reported for the same input consistently.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "cache/json_canonical.hpp"

namespace {

using ramjet::cache::canonicalize_json;
using ramjet::cache::JsonError;
using ramjet::cache::JsonLimits;

void require(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "oracle failed: %s\n", what);
    std::abort();
  }
}

// True if `json` has whitespace outside strings.
bool has_insignificant_whitespace(std::string_view json) {
  bool in_string = false;
  for (std::size_t i = 0; i < json.size(); ++i) {
    const char c = json[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      return true;
    }
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) {
    return 0;
  }
  JsonLimits limits;
  limits.max_depth = 1 + data[0] % 80;
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::string once;
  const JsonError e = canonicalize_json(input, once, limits);
  std::string again;
  require(canonicalize_json(input, again, limits) == e, "deterministic");
  if (e != JsonError::kNone) {
    return 0;
  }
  require(once == again, "same input, same output");
  require(!has_insignificant_whitespace(once), "no insignificant whitespace");
  std::string twice;
  require(canonicalize_json(once, twice, limits) == JsonError::kNone, "canonical form parses");
  require(twice == once, "canonical form is a fixed point");
  return 0;
}
