#include "bench/options.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "bench/request.hpp"
#include "http/chars.hpp"

namespace ramjet::bench {
namespace {

using http::chars::trim_ows;

bool parse_int(std::string_view s, int& out) {
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && end == s.data() + s.size();
}

}  // namespace

StatusSet StatusSet::successful() {
  StatusSet set;
  for (int s = 200; s < 400; ++s) {
    set.bits_[static_cast<std::size_t>(s)] = true;
  }
  return set;
}

core::Result<StatusSet> StatusSet::parse(std::string_view text) {
  StatusSet set;
  bool any = false;
  while (!text.empty()) {
    std::size_t comma = text.find(',');
    std::string_view item = trim_ows(text.substr(0, comma));
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    int lo = 0;
    int hi = 0;
    if (item.size() == 3 && (item.substr(1) == "xx" || item.substr(1) == "XX") &&
        item[0] >= '1' && item[0] <= '5') {
      lo = (item[0] - '0') * 100;
      hi = lo + 99;
    } else if (std::size_t dash = item.find('-'); dash != std::string_view::npos) {
      if (!parse_int(item.substr(0, dash), lo) || !parse_int(item.substr(dash + 1), hi)) {
        return core::Error{"invalid status range", std::string(item)};
      }
    } else if (parse_int(item, lo)) {
      hi = lo;
    } else {
      return core::Error{"invalid status (use e.g. 200,304 or 2xx)", std::string(item)};
    }
    if (lo < 100 || hi > 999 || lo > hi) {
      return core::Error{"status out of range 100-999", std::string(item)};
    }
    for (int s = lo; s <= hi; ++s) {
      set.bits_[static_cast<std::size_t>(s)] = true;
    }
    any = true;
  }
  if (!any) {
    return core::Error{"empty status list", {}};
  }
  return set;
}

std::string StatusSet::to_string() const {
  std::string out;
  auto add = [&out](const std::string& item) {
    out += out.empty() ? "" : ",";
    out += item;
  };
  for (int cls = 100; cls < kMaxStatus; cls += 100) {
    bool whole = true;
    for (int s = cls; s < cls + 100; ++s) {
      whole = whole && contains(s);
    }
    if (whole) {
      add(std::to_string(cls / 100) + "xx");
      continue;
    }
    for (int s = cls; s < cls + 100; ++s) {
      if (!contains(s)) {
        continue;
      }
      int e = s;
      while (e + 1 < cls + 100 && contains(e + 1)) {
        ++e;
      }
      add(s == e ? std::to_string(s) : std::to_string(s) + "-" + std::to_string(e));
      s = e;
    }
  }
  return out;
}

std::optional<core::Duration> BenchOptions::effective_duration() const {
  if (duration) {
    return duration;
  }
  if (max_requests) {
    return std::nullopt;
  }
  return core::Duration(std::chrono::seconds(10));
}

core::Result<bool> validate(const BenchOptions& options) {
  if (options.requests.empty()) {
    return core::Error{"give a URL (or a scenario with requests)", {}};
  }
  if (options.connections < 1 || options.connections > 1'000'000) {
    return core::Error{"--connections must be between 1 and 1000000", {}};
  }
  if (options.threads < 1 || options.threads > 1024) {
    return core::Error{"--threads must be between 1 and 1024", {}};
  }
  if (options.max_requests && *options.max_requests == 0) {
    return core::Error{"--requests must be at least 1", {}};
  }
  if (options.duration && *options.duration <= core::Duration::zero()) {
    return core::Error{"--duration must be more than 0", {}};
  }
  if (options.warmup < core::Duration::zero()) {
    return core::Error{"--warmup must not be negative", {}};
  }
  if (options.timeout <= core::Duration::zero()) {
    return core::Error{"--timeout must be more than 0", {}};
  }
  if (options.rate && !(*options.rate > 0 && std::isfinite(*options.rate))) {
    return core::Error{"--rate must be more than 0", {}};
  }
  if (options.read_buffer_bytes < 1024) {
    return core::Error{"read buffer must hold at least 1 KiB", {}};
  }
  std::string authority;
  for (const RequestSpec& spec : options.requests) {
    auto url = parse_url(spec.url);
    if (!url.ok()) {
      return url.error();
    }
    if (spec.weight == 0) {
      return core::Error{"request weight must be at least 1", spec.name};
    }
    if (authority.empty()) {
      authority = url->authority;
    } else if (!http::iequals(authority, url->authority)) {
      return core::Error{"every request of a run must go to the same host and port",
                         authority + " vs " + url->authority};
    }
  }
  return true;
}

core::Result<double> parse_rate(std::string_view text) {
  std::string_view number = text;
  double per = 1.0;  // seconds per unit
  if (std::size_t slash = text.find('/'); slash != std::string_view::npos) {
    number = text.substr(0, slash);
    std::string_view unit = text.substr(slash + 1);
    if (unit == "s" || unit == "sec") {
      per = 1.0;
    } else if (unit == "ms") {
      per = 1e-3;
    } else if (unit == "m" || unit == "min") {
      per = 60.0;
    } else if (unit == "h") {
      per = 3600.0;
    } else {
      return core::Error{"invalid rate unit (use /s, /m, /h or /ms)", std::string(text)};
    }
  }
  double value = 0;
  auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), value);
  if (ec != std::errc() || end != number.data() + number.size() || !(value > 0) ||
      !std::isfinite(value)) {
    return core::Error{"invalid rate (expected e.g. 2000/s)", std::string(text)};
  }
  return value / per;
}

core::Result<std::pair<std::string, std::string>> parse_header_arg(std::string_view text) {
  std::size_t colon = text.find(':');
  if (colon == std::string_view::npos) {
    return core::Error{"header must be 'Name: value'", std::string(text)};
  }
  std::string_view name = trim_ows(text.substr(0, colon));
  std::string_view value = trim_ows(text.substr(colon + 1));
  if (name.empty() || name.find_first_of(" \t") != std::string_view::npos) {
    return core::Error{"invalid header name", std::string(text)};
  }
  return std::pair<std::string, std::string>(std::string(name), std::string(value));
}

}  // namespace ramjet::bench
