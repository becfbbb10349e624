#pragma once
// Glob matching for query-parameter drop lists ("utm_*") and purge patterns
// ("http://api.example.com/users/*"). '*' matches any run of bytes (including '/'), '?'
// exactly one byte; every other byte matches itself, case-sensitively. No character
// classes, no escapes. Pure, no allocation, O(pattern x text) worst case (single-star
// backtracking), so a hostile pattern cannot blow up.

#include <string_view>

namespace ramjet::cache {

inline bool glob_match(std::string_view pattern, std::string_view text) {
  std::size_t p = 0;
  std::size_t t = 0;
  std::size_t star = std::string_view::npos;  // position after the last '*' seen
  std::size_t star_text = 0;                  // text position that '*' currently ends at
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = ++p;
      star_text = t;
    } else if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
      ++p;
      ++t;
    } else if (star != std::string_view::npos) {
      p = star;
      t = ++star_text;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') {
    ++p;
  }
  return p == pattern.size();
}

// True if `pattern` contains a wildcard ('*' or '?').
inline bool is_glob(std::string_view pattern) {
  return pattern.find_first_of("*?") != std::string_view::npos;
}

}  // namespace ramjet::cache
