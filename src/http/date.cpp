// HTTP-date formatting and parsing on C++20 calendar types (civil dates, proleptic
// Gregorian, UTC). See date.hpp for the contract.

#include "http/date.hpp"

#include <array>
#include <cstdint>

namespace ramjet::http {
namespace {

using std::chrono::system_clock;
using TimePoint = system_clock::time_point;

constexpr std::array<std::string_view, 7> kDayNames = {"Sun", "Mon", "Tue", "Wed",
                                                       "Thu", "Fri", "Sat"};
constexpr std::array<std::string_view, 7> kLongDayNames = {
    "Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"};
constexpr std::array<std::string_view, 12> kMonthNames = {
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

// Parsed fields before conversion; year2 marks an RFC 850 two-digit year.
struct Civil {
  int year = 0;
  unsigned month = 0;  // 1-12
  unsigned day = 0;
  int hour = 0;
  int minute = 0;
  int second = 0;
  bool year2 = false;
};

void put2(char* out, unsigned v) {
  out[0] = static_cast<char>('0' + v / 10);
  out[1] = static_cast<char>('0' + v % 10);
}

bool digits(std::string_view s, std::size_t pos, std::size_t n, int& value) {
  if (pos + n > s.size()) {
    return false;
  }
  value = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') {
      return false;
    }
    value = value * 10 + (s[i] - '0');
  }
  return true;
}

template <std::size_t N>
bool name_at(std::string_view s, std::size_t pos, const std::array<std::string_view, N>& names,
             std::size_t n, unsigned* index) {
  const std::string_view word = s.substr(pos, n);
  for (std::size_t i = 0; i < N; ++i) {
    if (names[i] == word) {
      if (index != nullptr) {
        *index = static_cast<unsigned>(i);
      }
      return true;
    }
  }
  return false;
}

bool literal_at(std::string_view s, std::size_t pos, std::string_view lit) {
  return s.substr(pos, lit.size()) == lit;
}

// "HH:MM:SS" at pos.
bool time_at(std::string_view s, std::size_t pos, Civil& c) {
  return digits(s, pos, 2, c.hour) && literal_at(s, pos + 2, ":") &&
         digits(s, pos + 3, 2, c.minute) && literal_at(s, pos + 5, ":") &&
         digits(s, pos + 6, 2, c.second);
}

// IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT".
bool parse_imf(std::string_view s, Civil& c) {
  int day = 0;
  if (s.size() != 29 || !name_at(s, 0, kDayNames, 3, nullptr) || !literal_at(s, 3, ", ") ||
      !digits(s, 5, 2, day) || s[7] != ' ' || !name_at(s, 8, kMonthNames, 3, &c.month) ||
      s[11] != ' ' || !digits(s, 12, 4, c.year) || s[16] != ' ' || !time_at(s, 17, c) ||
      !literal_at(s, 25, " GMT")) {
    return false;
  }
  c.day = static_cast<unsigned>(day);
  ++c.month;
  return true;
}

// rfc850-date: "Sunday, 06-Nov-94 08:49:37 GMT".
bool parse_rfc850(std::string_view s, Civil& c) {
  const std::size_t comma = s.find(',');
  if (comma == std::string_view::npos || comma < 6 ||
      !name_at(s, 0, kLongDayNames, comma, nullptr)) {
    return false;
  }
  const std::size_t p = comma + 2;
  int day = 0;
  if (s.size() != p + 22 || s[comma + 1] != ' ' || !digits(s, p, 2, day) || s[p + 2] != '-' ||
      !name_at(s, p + 3, kMonthNames, 3, &c.month) || s[p + 6] != '-' ||
      !digits(s, p + 7, 2, c.year) || s[p + 9] != ' ' || !time_at(s, p + 10, c) ||
      !literal_at(s, p + 18, " GMT")) {
    return false;
  }
  c.day = static_cast<unsigned>(day);
  ++c.month;
  c.year2 = true;
  return true;
}

// asctime-date: "Sun Nov  6 08:49:37 1994".
bool parse_asctime(std::string_view s, Civil& c) {
  int day = 0;
  if (s.size() != 24 || !name_at(s, 0, kDayNames, 3, nullptr) || s[3] != ' ' ||
      !name_at(s, 4, kMonthNames, 3, &c.month) || s[7] != ' ') {
    return false;
  }
  const bool day_ok = s[8] == ' ' ? digits(s, 9, 1, day) : digits(s, 8, 2, day);
  if (!day_ok || s[10] != ' ' || !time_at(s, 11, c) || s[19] != ' ' ||
      !digits(s, 20, 4, c.year)) {
    return false;
  }
  c.day = static_cast<unsigned>(day);
  ++c.month;
  return true;
}

std::optional<TimePoint> to_time_point(const Civil& c) {
  using namespace std::chrono;
  const year_month_day ymd{year{c.year}, month{c.month}, std::chrono::day{c.day}};
  if (!ymd.ok() || c.hour > 23 || c.minute > 59 || c.second > 60) {
    return std::nullopt;
  }
  const std::int64_t secs = static_cast<std::int64_t>(
      sys_days{ymd}.time_since_epoch().count() * 86400 + c.hour * 3600 + c.minute * 60 + c.second);
  const auto max_secs = duration_cast<seconds>(TimePoint::max().time_since_epoch()).count();
  const auto min_secs = duration_cast<seconds>(TimePoint::min().time_since_epoch()).count();
  if (secs >= max_secs) {
    return TimePoint::max();
  }
  if (secs <= min_secs) {
    return TimePoint::min();
  }
  return TimePoint{duration_cast<TimePoint::duration>(seconds{secs})};
}

std::optional<TimePoint> parse(std::string_view text, int current_year) {
  Civil c;
  const bool ok = text.size() > 3 && (text[3] == ','   ? parse_imf(text, c)
                                      : text[3] == ' ' ? parse_asctime(text, c)
                                                       : parse_rfc850(text, c));
  if (!ok) {
    return std::nullopt;
  }
  if (c.year2) {
    int year = current_year - current_year % 100 + c.year;
    if (year > current_year + 50) {
      year -= 100;
    } else if (year <= current_year - 50) {
      year += 100;
    }
    c.year = year;
  }
  return to_time_point(c);
}

}  // namespace

std::string_view format_http_date(TimePoint t, char out[29]) {
  using namespace std::chrono;
  constexpr sys_days kFirst{year{0} / January / 1};
  constexpr sys_days kLast{year{9999} / December / 31};
  auto secs = floor<seconds>(t);
  if (secs < kFirst) {
    secs = kFirst;
  } else if (secs >= kLast + days{1}) {
    secs = kLast + days{1} - seconds{1};
  }
  const sys_days day_point = floor<days>(secs);
  const year_month_day ymd{day_point};
  const weekday wd{day_point};
  const hh_mm_ss hms{secs - day_point};
  const std::string_view day_name = kDayNames[wd.c_encoding()];
  const std::string_view month_name = kMonthNames[static_cast<unsigned>(ymd.month()) - 1];
  const auto y = static_cast<unsigned>(static_cast<int>(ymd.year()));
  day_name.copy(out, 3);
  out[3] = ',';
  out[4] = ' ';
  put2(out + 5, static_cast<unsigned>(ymd.day()));
  out[7] = ' ';
  month_name.copy(out + 8, 3);
  out[11] = ' ';
  put2(out + 12, y / 100);
  put2(out + 14, y % 100);
  out[16] = ' ';
  put2(out + 17, static_cast<unsigned>(hms.hours().count()));
  out[19] = ':';
  put2(out + 20, static_cast<unsigned>(hms.minutes().count()));
  out[22] = ':';
  put2(out + 23, static_cast<unsigned>(hms.seconds().count()));
  std::string_view(" GMT").copy(out + 25, 4);
  return std::string_view(out, kHttpDateSize);
}

std::optional<TimePoint> parse_http_date(std::string_view text) { return parse(text, 2019); }

std::optional<TimePoint> parse_http_date(std::string_view text, TimePoint now) {
  using namespace std::chrono;
  const year_month_day ymd{floor<days>(now)};
  return parse(text, static_cast<int>(ymd.year()));
}

}  // namespace ramjet::http
