#pragma once
// HTTP-date (RFC 9110 §5.6.7): formatting as IMF-fixdate for Date, Last-Modified and Expires,
// and parsing of the three forms a recipient must accept (IMF-fixdate, obsolete RFC 850 and
// asctime). Pure functions over bytes and time points: no clock, no locale, no allocation.

#include <chrono>
#include <cstddef>
#include <optional>
#include <string_view>

namespace ramjet::http {

// Length of an IMF-fixdate such as "Sun, 06 Nov 1994 08:49:37 GMT".
inline constexpr std::size_t kHttpDateSize = 29;

// Writes `t`, rounded down to the second, as an IMF-fixdate into out[0..29) (no terminating
// NUL) and returns a view of those 29 bytes. Years outside 0000-9999 are clamped.
std::string_view format_http_date(std::chrono::system_clock::time_point t, char out[29]);

// Parses an IMF-fixdate, RFC 850 or asctime date (case-sensitive names, "GMT" required where
// the form has it, exact spacing). nullopt if malformed or not a real calendar date. A
// second value of 60 (leap second) is accepted. Dates beyond what time_point represents are
// clamped to its min()/max(). RFC 850's two-digit year is read as 1970-2069.
std::optional<std::chrono::system_clock::time_point> parse_http_date(std::string_view text);

// As above, but reads an RFC 850 two-digit year as RFC 9110 asks: the year with those last
// digits that is at most 50 years after `now`'s year.
std::optional<std::chrono::system_clock::time_point> parse_http_date(
    std::string_view text, std::chrono::system_clock::time_point now);

}  // namespace ramjet::http
