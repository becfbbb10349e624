#pragma once
// Parsing of the human units used in configuration and on the command line:
// durations ("250ms", "5m", "1h30m", "0") and byte sizes ("16KiB", "256MiB", "1GB", "512").
// Pure functions, no allocation on success.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace ramjet::core {

using Duration = std::chrono::nanoseconds;

// Accepts one or more <number><unit> groups: ns, us, ms, s, m, h, d (e.g. "1m30s"), and a
// bare "0". Numbers may carry a fraction ("1.5s"). Negative values are errors.
Result<Duration> parse_duration(std::string_view text);

// Accepts <number>[unit] with unit B, KB/MB/GB/TB (powers of 1000) or KiB/MiB/GiB/TiB
// (powers of 1024); a bare number is bytes. Overflow is an error.
Result<std::uint64_t> parse_size(std::string_view text);

// Inverse of the above for logs and /config: "250ms", "5m", "16KiB" (shortest exact form).
std::string format_duration(Duration d);
std::string format_size(std::uint64_t bytes);

}  // namespace ramjet::core
