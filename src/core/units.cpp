#include "core/units.hpp"

#include <array>
#include <cmath>
#include <limits>

namespace ramjet::core {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Reads a decimal number with an optional fraction starting at text[i]; advances i.
bool read_number(std::string_view text, std::size_t& i, long double& out) {
  std::size_t start = i;
  long double value = 0;
  while (i < text.size() && is_digit(text[i])) {
    value = value * 10 + (text[i] - '0');
    ++i;
  }
  bool had_int = i > start;
  if (i < text.size() && text[i] == '.') {
    ++i;
    long double scale = 0.1L;
    std::size_t frac_start = i;
    while (i < text.size() && is_digit(text[i])) {
      value += (text[i] - '0') * scale;
      scale /= 10;
      ++i;
    }
    if (i == frac_start) {
      return false;
    }
  } else if (!had_int) {
    return false;
  }
  out = value;
  return true;
}

struct Unit {
  std::string_view name;
  long double scale;
};

}  // namespace

Result<Duration> parse_duration(std::string_view text) {
  if (text == "0") {
    return Duration::zero();
  }
  static constexpr std::array<Unit, 7> kUnits{{{"ns", 1.0L},
                                               {"us", 1e3L},
                                               {"ms", 1e6L},
                                               {"s", 1e9L},
                                               {"m", 60e9L},
                                               {"h", 3600e9L},
                                               {"d", 86400e9L}}};
  if (text.empty()) {
    return Error{"empty duration", {}};
  }
  long double total = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    long double value = 0;
    if (!read_number(text, i, value)) {
      return Error{"invalid duration (expected e.g. 250ms, 5s, 1m30s)", std::string(text)};
    }
    std::size_t unit_start = i;
    while (i < text.size() && !is_digit(text[i]) && text[i] != '.') {
      ++i;
    }
    std::string_view unit = text.substr(unit_start, i - unit_start);
    const Unit* found = nullptr;
    for (const auto& u : kUnits) {
      if (u.name == unit) {
        found = &u;
      }
    }
    if (found == nullptr) {
      return Error{"invalid duration unit (use ns, us, ms, s, m, h, d)", std::string(text)};
    }
    total += value * found->scale;
  }
  if (total > static_cast<long double>(std::numeric_limits<std::int64_t>::max())) {
    return Error{"duration too large", std::string(text)};
  }
  return Duration(static_cast<std::int64_t>(std::llround(total)));
}

Result<std::uint64_t> parse_size(std::string_view text) {
  static constexpr std::array<Unit, 10> kUnits{{{"B", 1.0L},
                                                {"KB", 1e3L},
                                                {"MB", 1e6L},
                                                {"GB", 1e9L},
                                                {"TB", 1e12L},
                                                {"KiB", 1024.0L},
                                                {"MiB", 1048576.0L},
                                                {"GiB", 1073741824.0L},
                                                {"TiB", 1099511627776.0L},
                                                {"", 1.0L}}};
  std::size_t i = 0;
  long double value = 0;
  if (text.empty() || !read_number(text, i, value)) {
    return Error{"invalid size (expected e.g. 512, 16KiB, 256MiB)", std::string(text)};
  }
  std::string_view unit = text.substr(i);
  for (const auto& u : kUnits) {
    if (u.name == unit) {
      long double bytes = value * u.scale;
      if (bytes > static_cast<long double>(std::numeric_limits<std::uint64_t>::max() / 2)) {
        return Error{"size too large", std::string(text)};
      }
      return static_cast<std::uint64_t>(std::llround(bytes));
    }
  }
  return Error{"invalid size unit (use B, KiB, MiB, GiB, KB, MB, GB)", std::string(text)};
}

std::string format_duration(Duration d) {
  const auto ns = d.count();
  if (ns == 0) {
    return "0";
  }
  struct Step {
    std::int64_t ns;
    const char* name;
  };
  static constexpr std::array<Step, 7> kSteps{{{86400'000'000'000, "d"},
                                               {3600'000'000'000, "h"},
                                               {60'000'000'000, "m"},
                                               {1'000'000'000, "s"},
                                               {1'000'000, "ms"},
                                               {1'000, "us"},
                                               {1, "ns"}}};
  for (const auto& s : kSteps) {
    if (ns % s.ns == 0) {
      return std::to_string(ns / s.ns) + s.name;
    }
  }
  return std::to_string(ns) + "ns";
}

std::string format_size(std::uint64_t bytes) {
  static constexpr std::array<std::pair<std::uint64_t, const char*>, 4> kSteps{
      {{1ULL << 40, "TiB"}, {1ULL << 30, "GiB"}, {1ULL << 20, "MiB"}, {1ULL << 10, "KiB"}}};
  for (const auto& [scale, name] : kSteps) {
    if (bytes != 0 && bytes % scale == 0) {
      return std::to_string(bytes / scale) + name;
    }
  }
  return std::to_string(bytes) + "B";
}

}  // namespace ramjet::core
