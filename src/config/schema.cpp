#include "config/schema.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <limits>

#include "config/addresses.hpp"

namespace ramjet::config::detail {
namespace {

using namespace std::chrono_literals;

constexpr Duration kMinTimeout = 1ms;
constexpr Duration kMaxTimeout = 24h;
constexpr std::uint32_t kMaxWorkers = 1024;
constexpr std::size_t kMaxStringBytes = 4096;
constexpr std::uint64_t kMaxMiB = 1024 * 1024;
constexpr std::size_t kMaxPatternBytes = 256;

template <typename T>
struct Named {
  std::string_view name;
  T value;
};

constexpr std::array<Named<Profile>, 3> kProfiles{
    {{"small", Profile::kSmall}, {"medium", Profile::kMedium}, {"large", Profile::kLarge}}};
constexpr std::array<Named<LogLevel>, 5> kLogLevels{{{"trace", LogLevel::kTrace},
                                                     {"debug", LogLevel::kDebug},
                                                     {"info", LogLevel::kInfo},
                                                     {"warn", LogLevel::kWarn},
                                                     {"error", LogLevel::kError}}};
constexpr std::array<Named<AccessLog>, 3> kAccessLogs{
    {{"off", AccessLog::kOff}, {"json", AccessLog::kJson}, {"combined", AccessLog::kCombined}}};

constexpr std::array<Named<CacheMode>, 2> kCacheModes{
    {{"on", CacheMode::kOn}, {"shadow", CacheMode::kShadow}}};
constexpr std::array<Named<SetCookieMode>, 3> kSetCookieModes{{{"refuse", SetCookieMode::kRefuse},
                                                                {"strip", SetCookieMode::kStrip},
                                                                {"store", SetCookieMode::kStore}}};

constexpr std::array<MethodName, 10> kMethods{{{"GET", http::Method::kGet},
                                               {"HEAD", http::Method::kHead},
                                               {"POST", http::Method::kPost},
                                               {"PUT", http::Method::kPut},
                                               {"DELETE", http::Method::kDelete},
                                               {"PATCH", http::Method::kPatch},
                                               {"OPTIONS", http::Method::kOptions},
                                               {"TRACE", http::Method::kTrace},
                                               {"CONNECT", http::Method::kConnect},
                                               {"QUERY", http::Method::kQuery}}};

template <typename T, std::size_t N>
T parse_enum(const Value& value, std::string_view key, const std::array<Named<T>, N>& names) {
  std::vector<std::string_view> candidates;
  std::string list;
  for (const auto& entry : names) {
    if (entry.name == value.text) {
      return entry.value;
    }
    candidates.push_back(entry.name);
    list.append(list.empty() ? "" : ", ").append(entry.name);
  }
  fail(value.where, "'" + std::string(key) + "' must be one of " + list + ", got '" +
                        std::string(value.text) + "'" + did_you_mean(value.text, candidates));
}

std::string quoted(std::string_view text) { return "'" + std::string(text) + "'"; }

HostPort listen_address(const Value& value, std::string_view key) {
  auto parsed = parse_listen_address(value.text);
  if (!parsed) {
    fail(value.where, "'" + std::string(key) + "': invalid address " + quoted(value.text) + ": " +
                          parsed.error().message);
  }
  return std::move(*parsed);
}

std::string text_value(const Value& value, std::string_view key, bool allow_empty) {
  if (value.text.empty() && !allow_empty) {
    fail(value.where, "'" + std::string(key) + "' must not be empty");
  }
  if (value.text.size() > kMaxStringBytes) {
    fail(value.where, "'" + std::string(key) + "' is longer than 4096 bytes");
  }
  return std::string(value.text);
}

std::uint32_t parse_workers(const Value& value) {
  if (value.text == "auto") {
    return 0;
  }
  return static_cast<std::uint32_t>(parse_count(value, "workers", 0, kMaxWorkers));
}

Duration timeout(const Value& value, std::string_view key) {
  return parse_time(value, key, kMinTimeout, kMaxTimeout);
}

std::size_t size_setting(const Value& v, std::string_view key, std::uint64_t min,
                         std::uint64_t max) {
  return static_cast<std::size_t>(parse_bytes(v, key, min, max));
}

void set_trusted_proxies(Draft& d, std::span<const Value> values) {
  std::vector<Cidr> out;
  for (const auto& value : values) {
    auto cidr = parse_cidr(value.text);
    if (!cidr) {
      std::string message = "'proxy.trusted_proxies': invalid network " + quoted(value.text) +
                            ": " + cidr.error().message;
      if (cidr.error().detail != value.text) {
        message += " (did you mean " + quoted(cidr.error().detail) + "?)";
      }
      fail(value.where, message);
    }
    if (std::find(out.begin(), out.end(), *cidr) != out.end()) {
      fail(value.where, "'proxy.trusted_proxies': " + quoted(value.text) + " is listed twice");
    }
    out.push_back(*cidr);
  }
  d.config.proxy.trusted_proxies = std::move(out);
}

// clang-format off
const std::array<Setting, 31> kSettings{{
  {"profile", [](Draft& d, const Value& v) { d.config.profile = parse_profile(v); }},
  {"listen", [](Draft& d, const Value& v) { d.config.listen = listen_address(v, "listen"); }},
  {"workers", [](Draft& d, const Value& v) { d.config.workers = parse_workers(v); }},
  {"admin.listen", [](Draft& d, const Value& v) {
     d.config.admin.listen = listen_address(v, "admin.listen"); }},
  {"admin.token", [](Draft& d, const Value& v) {
     d.config.admin.token = text_value(v, "admin.token", true); }},
  {"limits.max_connections", [](Draft& d, const Value& v) {
     d.config.limits.max_connections =
         static_cast<std::uint32_t>(parse_count(v, "limits.max_connections", 1, 10'000'000)); }},
  {"limits.max_header_bytes", [](Draft& d, const Value& v) {
     d.config.limits.max_header_bytes =
         size_setting(v, "limits.max_header_bytes", 1024, 1024 * 1024); }},
  {"limits.max_headers", [](Draft& d, const Value& v) {
     d.config.limits.max_headers =
         static_cast<std::size_t>(parse_count(v, "limits.max_headers", 1, 10'000)); }},
  {"limits.max_target_bytes", [](Draft& d, const Value& v) {
     d.config.limits.max_target_bytes =
         size_setting(v, "limits.max_target_bytes", 64, 1024 * 1024); }},
  {"limits.max_body_bytes", [](Draft& d, const Value& v) {
     d.config.limits.max_body_bytes =
         parse_bytes(v, "limits.max_body_bytes", 0, 1ULL << 40); }},
  {"timeouts.client_header", [](Draft& d, const Value& v) {
     d.config.timeouts.client_header = timeout(v, "timeouts.client_header"); }},
  {"timeouts.client_idle", [](Draft& d, const Value& v) {
     d.config.timeouts.client_idle = timeout(v, "timeouts.client_idle"); }},
  {"timeouts.client_body", [](Draft& d, const Value& v) {
     d.config.timeouts.client_body = timeout(v, "timeouts.client_body"); }},
  {"timeouts.upstream_connect", [](Draft& d, const Value& v) {
     d.config.timeouts.upstream_connect = timeout(v, "timeouts.upstream_connect"); }},
  {"timeouts.upstream_header", [](Draft& d, const Value& v) {
     d.config.timeouts.upstream_header = timeout(v, "timeouts.upstream_header"); }},
  {"timeouts.upstream_body", [](Draft& d, const Value& v) {
     d.config.timeouts.upstream_body = timeout(v, "timeouts.upstream_body"); }},
  {"timeouts.request", [](Draft& d, const Value& v) {
     d.config.timeouts.request = timeout(v, "timeouts.request"); }},
  {"timeouts.drain", [](Draft& d, const Value& v) {
     d.config.timeouts.drain = parse_time(v, "timeouts.drain", Duration::zero(), kMaxTimeout); }},
  {"proxy.via", [](Draft& d, const Value& v) {
     d.config.proxy.via = parse_bool(v, "proxy.via"); }},
  {"proxy.x_forwarded", [](Draft& d, const Value& v) {
     d.config.proxy.x_forwarded = parse_bool(v, "proxy.x_forwarded"); }},
  {"proxy.trusted_proxies", nullptr, set_trusted_proxies},
  {"proxy.add_request_id", [](Draft& d, const Value& v) {
     d.config.proxy.add_request_id = parse_bool(v, "proxy.add_request_id"); }},
  {"proxy.timing_headers", [](Draft& d, const Value& v) {
     d.config.proxy.timing_headers = parse_bool(v, "proxy.timing_headers"); }},
  {"log.level", [](Draft& d, const Value& v) {
     d.config.log.level = parse_enum(v, "log.level", kLogLevels); }},
  {"log.access", [](Draft& d, const Value& v) {
     d.config.log.access = parse_enum(v, "log.access", kAccessLogs); }},
  {"log.access_path", [](Draft& d, const Value& v) {
     d.config.log.access_path = text_value(v, "log.access_path", false); }},
  {"cache.enabled", [](Draft& d, const Value& v) {
     d.config.cache.enabled = parse_bool(v, "cache.enabled"); }},
  {"cache.mode", [](Draft& d, const Value& v) {
     d.config.cache.mode = parse_cache_mode(v, "cache.mode"); }},
  {"cache.max_memory", [](Draft& d, const Value& v) {
     d.config.cache.max_memory = parse_bytes(v, "cache.max_memory", kMaxMiB, 1ULL << 40); }},
  {"cache.max_object", [](Draft& d, const Value& v) {
     d.config.cache.max_object = parse_bytes(v, "cache.max_object", 1024, 1ULL << 38); }},
  {"cache.collapse_timeout", [](Draft& d, const Value& v) {
     d.config.cache.collapse_timeout = timeout(v, "cache.collapse_timeout"); }},
}};
// clang-format on

std::string to_lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  }
  return out;
}

// Well-formed UTF-8 (Unicode 15, table 3-7): no overlong forms, surrogates or values past
// U+10FFFF.
bool valid_utf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<unsigned char>(text[i]);
    std::size_t extra = 0;
    unsigned char low = 0x80;
    unsigned char high = 0xbf;
    if (lead < 0x80) {
      ++i;
      continue;
    } else if (lead >= 0xc2 && lead <= 0xdf) {
      extra = 1;
    } else if (lead >= 0xe0 && lead <= 0xef) {
      extra = 2;
      low = lead == 0xe0 ? 0xa0 : 0x80;
      high = lead == 0xed ? 0x9f : 0xbf;
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      extra = 3;
      low = lead == 0xf0 ? 0x90 : 0x80;
      high = lead == 0xf4 ? 0x8f : 0xbf;
    } else {
      return false;
    }
    if (text.size() - i <= extra) {
      return false;
    }
    for (std::size_t k = 1; k <= extra; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if (next < (k == 1 ? low : 0x80) || next > (k == 1 ? high : 0xbf)) {
        return false;
      }
    }
    i += extra + 1;
  }
  return true;
}

bool all_digits(std::string_view text) {
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Optimal string alignment distance (edits, with adjacent transpositions costing one).
std::size_t edit_distance(std::string_view a, std::string_view b) {
  const std::size_t columns = b.size() + 1;
  std::vector<std::size_t> d((a.size() + 1) * columns);
  for (std::size_t i = 0; i <= a.size(); ++i) {
    for (std::size_t j = 0; j <= b.size(); ++j) {
      std::size_t& cell = d[i * columns + j];
      if (i == 0 || j == 0) {
        cell = i + j;
        continue;
      }
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      cell = std::min({d[(i - 1) * columns + j] + 1, d[i * columns + j - 1] + 1,
                       d[(i - 1) * columns + j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        cell = std::min(cell, d[(i - 2) * columns + j - 2] + 1);
      }
    }
  }
  return d.back();
}

template <typename String>
std::string closest(std::string_view word, std::span<const String> candidates) {
  constexpr std::size_t kMaxWordBytes = 64;
  if (word.empty() || word.size() > kMaxWordBytes) {
    return {};
  }
  std::size_t best = std::max<std::size_t>(1, std::min<std::size_t>(3, word.size() / 3));
  std::string_view found;
  const std::string lower_word = to_lower(word);
  for (const auto& candidate : candidates) {
    if (candidate == word) {
      continue;
    }
    // Case differences cost nothing: "get" suggests "GET", "Listen" suggests "listen".
    std::size_t distance = edit_distance(lower_word, to_lower(candidate));
    if (distance <= best) {
      best = distance;
      found = candidate;
    }
  }
  return found.empty() ? std::string() : " (did you mean '" + std::string(found) + "'?)";
}

}  // namespace

void fail(std::string_view where, std::string_view message) {
  throw LoadError(std::string(where) + ": " + std::string(message));
}

std::string Draft::where_of(std::string_view path) const {
  auto it = where.find(path);
  return it == where.end() ? origin : it->second;
}

std::span<const Setting> settings() { return kSettings; }

std::span<const MethodName> method_names() { return kMethods; }

const Setting* find_setting(std::string_view path) {
  for (const auto& setting : kSettings) {
    if (setting.path == path) {
      return &setting;
    }
  }
  return nullptr;
}

void apply_setting(Draft& draft, const Setting& setting, const Value& value) {
  check_printable(value);
  setting.apply(draft, value);
  draft.where.insert_or_assign(std::string(setting.path), value.where);
}

void apply_list_setting(Draft& draft, const Setting& setting, std::span<const Value> values,
                        const std::string& where) {
  for (const auto& value : values) {
    check_printable(value);
  }
  setting.apply_list(draft, values);
  draft.where.insert_or_assign(std::string(setting.path), where);
}

std::string env_name(std::string_view path) {
  std::string name = "RAMJET_";
  for (char c : path) {
    name.push_back(c == '.' ? '_' : (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c);
  }
  return name;
}

void check_printable(const Value& value) {
  for (char c : value.text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) {
      fail(value.where, "control characters (such as newlines) are not allowed in values");
    }
  }
  if (!valid_utf8(value.text)) {
    fail(value.where, "values must be valid UTF-8");
  }
}

Profile parse_profile(const Value& value) { return parse_enum(value, "profile", kProfiles); }

std::uint64_t parse_count(const Value& value, std::string_view key, std::uint64_t min,
                          std::uint64_t max) {
  std::uint64_t result = 0;
  bool ok = all_digits(value.text) && value.text.size() <= 19;
  if (ok) {
    for (char c : value.text) {
      result = result * 10 + static_cast<std::uint64_t>(c - '0');
    }
  }
  if (!ok || result < min || result > max) {
    fail(value.where, "'" + std::string(key) + "' must be an integer from " + std::to_string(min) +
                          " to " + std::to_string(max) + ", got " + quoted(value.text));
  }
  return result;
}

std::uint64_t parse_bytes(const Value& value, std::string_view key, std::uint64_t min,
                          std::uint64_t max) {
  auto size = core::parse_size(value.text);
  if (!size) {
    fail(value.where,
         "'" + std::string(key) + "': " + size.error().message + ", got " + quoted(value.text));
  }
  if (*size < min || *size > max) {
    fail(value.where, "'" + std::string(key) + "' must be between " + core::format_size(min) +
                          " and " + core::format_size(max) + ", got " + quoted(value.text));
  }
  return *size;
}

Duration parse_time(const Value& value, std::string_view key, Duration min, Duration max) {
  auto duration = core::parse_duration(value.text);
  if (!duration) {
    std::string hint = all_digits(value.text)
                           ? " (did you mean '" + std::string(value.text) + "s'?)"
                           : std::string();
    fail(value.where, "'" + std::string(key) + "': " + duration.error().message + ", got " +
                          quoted(value.text) + hint);
  }
  if (*duration < min || *duration > max) {
    fail(value.where, "'" + std::string(key) + "' must be between " + core::format_duration(min) +
                          " and " + core::format_duration(max) + ", got " + quoted(value.text));
  }
  return *duration;
}

bool parse_bool(const Value& value, std::string_view key) {
  if (value.text == "true") {
    return true;
  }
  if (value.text == "false") {
    return false;
  }
  fail(value.where, "'" + std::string(key) + "' must be true or false, got " + quoted(value.text));
}

CacheMode parse_cache_mode(const Value& value, std::string_view key) {
  if (value.text == "off") {
    fail(value.where, "'" + std::string(key) +
                          "' must be one of on, shadow, got 'off' (to turn the cache off, "
                          "write 'enabled: false')");
  }
  return parse_enum(value, key, kCacheModes);
}

SetCookieMode parse_set_cookie(const Value& value, std::string_view key) {
  return parse_enum(value, key, kSetCookieModes);
}

// "12.5" with the point moved two places left: "0.125". Exact, unlike dividing by 100.
std::string percent_to_decimal(std::string_view text) {
  const std::size_t dot = std::min(text.find('.'), text.size());
  const std::string digits =
      std::string(text.substr(0, dot)) + std::string(text.substr(std::min(dot + 1, text.size())));
  if (dot < 2) {
    return "0." + std::string(2 - dot, '0') + digits;
  }
  return "0" + digits.substr(0, dot - 2) + "." + digits.substr(dot - 2);
}

double parse_fraction(const Value& value, std::string_view key) {
  std::string_view text = value.text;
  const bool percent = text.ends_with('%');
  if (percent) {
    text.remove_suffix(1);
  }
  const bool well_formed =
      !text.empty() && text.size() <= kMaxStringBytes && text.front() != '.' &&
      text.back() != '.' && std::count(text.begin(), text.end(), '.') <= 1 &&
      std::all_of(text.begin(), text.end(),
                  [](char c) { return c == '.' || (c >= '0' && c <= '9'); });
  double result = 0.0;
  if (well_formed) {
    const std::string decimal = percent ? percent_to_decimal(text) : std::string(text);
    std::from_chars(decimal.data(), decimal.data() + decimal.size(), result,
                    std::chars_format::fixed);
  }
  if (!well_formed || result >= 1.0) {
    fail(value.where, "'" + std::string(key) +
                          "' must be 0 (off) or a fraction below 1 such as 0.8 or 80%, got " +
                          quoted(value.text));
  }
  return result;
}

std::string format_fraction(double fraction) {
  std::array<char, 1200> buffer{};
  auto result = std::to_chars(buffer.data(), buffer.data() + buffer.size(), fraction,
                              std::chars_format::fixed);
  return std::string(buffer.data(), result.ptr);
}

std::string parse_header_name(const Value& value, std::string_view key) {
  static constexpr std::string_view kTokenOthers = "!#$%&'*+-.^_`|~";
  const bool ok = !value.text.empty() && value.text.size() <= kMaxPatternBytes &&
                  std::all_of(value.text.begin(), value.text.end(), [](char c) {
                    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                           (c >= '0' && c <= '9') || kTokenOthers.find(c) != std::string_view::npos;
                  });
  if (!ok) {
    fail(value.where, "'" + std::string(key) + "': " + quoted(value.text) +
                          " is not a header name (1 to 256 letters, digits or !#$%&'*+-.^_`|~)");
  }
  return to_lower(value.text);
}

std::string parse_query_pattern(const Value& value, std::string_view key) {
  static constexpr std::string_view kRefused = "&=# ";
  const bool ok = !value.text.empty() && value.text.size() <= kMaxPatternBytes &&
                  value.text.find_first_of(kRefused) == std::string_view::npos;
  if (!ok) {
    fail(value.where, "'" + std::string(key) + "': " + quoted(value.text) +
                          " is not a parameter name pattern (1 to 256 bytes without '&', '=', "
                          "'#' or spaces; '*' and '?' are wildcards)");
  }
  return std::string(value.text);
}

std::vector<HostPort> parse_endpoints(std::span<const Value> urls, const std::string& where) {
  if (urls.empty()) {
    fail(where, "an upstream needs at least one endpoint");
  }
  std::vector<HostPort> endpoints;
  for (const auto& url : urls) {
    check_printable(url);
    auto endpoint = parse_upstream_url(url.text);
    if (!endpoint) {
      fail(url.where, "invalid upstream " + quoted(url.text) + ": " + endpoint.error().message);
    }
    if (std::find(endpoints.begin(), endpoints.end(), *endpoint) != endpoints.end()) {
      fail(url.where, "endpoint " + endpoint->to_string() + " is listed twice");
    }
    endpoints.push_back(std::move(*endpoint));
  }
  return endpoints;
}

std::string did_you_mean(std::string_view word, std::span<const std::string_view> candidates) {
  return closest(word, candidates);
}

std::string did_you_mean(std::string_view word, std::span<const std::string> candidates) {
  return closest(word, candidates);
}

}  // namespace ramjet::config::detail
