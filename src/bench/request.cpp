#include "bench/request.hpp"

#include <algorithm>
#include <charconv>

namespace ramjet::bench {
namespace {

bool is_tchar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
    return true;
  }
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool is_token(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), is_tchar);
}

bool is_field_value(std::string_view s) {
  return std::none_of(s.begin(), s.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return (u < 0x20 && c != '\t') || u == 0x7f;
  });
}

bool has_header(const RequestSpec& spec, std::string_view name) {
  return std::any_of(spec.headers.begin(), spec.headers.end(),
                     [&](const auto& h) { return http::iequals(h.first, name); });
}

}  // namespace

core::Result<Url> parse_url(std::string_view text) {
  constexpr std::string_view kScheme = "http://";
  if (text.size() < kScheme.size() || !http::iequals(text.substr(0, kScheme.size()), kScheme)) {
    if (text.substr(0, 8) == "https://") {
      return core::Error{"https is not supported (ramjet bench speaks plain HTTP/1.1)",
                         std::string(text)};
    }
    return core::Error{"URL must start with http://", std::string(text)};
  }
  std::string_view rest = text.substr(kScheme.size());
  std::size_t slash = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, slash);
  std::string_view target = slash == std::string_view::npos ? "/" : rest.substr(slash);
  if (std::size_t hash = target.find('#'); hash != std::string_view::npos) {
    target = target.substr(0, hash);
  }
  if (authority.empty() || authority.find('@') != std::string_view::npos) {
    return core::Error{"URL needs a host (and no user-info)", std::string(text)};
  }
  Url url;
  std::string_view host = authority;
  std::string_view port;
  if (authority.front() == '[') {
    std::size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      return core::Error{"unterminated IPv6 address in URL", std::string(text)};
    }
    host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') {
        return core::Error{"invalid URL authority", std::string(text)};
      }
      port = after.substr(1);
    }
  } else if (std::size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host.empty()) {
    return core::Error{"URL needs a host", std::string(text)};
  }
  if (!port.empty()) {
    unsigned value = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || end != port.data() + port.size() || value == 0 || value > 65535) {
      return core::Error{"invalid port in URL", std::string(text)};
    }
    url.port = static_cast<std::uint16_t>(value);
  }
  url.host = std::string(host);
  url.authority = std::string(authority);
  if (target.empty() || target.front() != '/') {
    url.target = "/" + std::string(target);
  } else {
    url.target = std::string(target);
  }
  if (!is_field_value(url.target) || url.target.find(' ') != std::string::npos) {
    return core::Error{"URL path holds spaces or control characters", std::string(text)};
  }
  return url;
}

http::Method method_id(std::string_view method) {
  struct Entry {
    std::string_view name;
    http::Method id;
  };
  static constexpr Entry kMethods[] = {
      {"GET", http::Method::kGet},         {"HEAD", http::Method::kHead},
      {"POST", http::Method::kPost},       {"PUT", http::Method::kPut},
      {"DELETE", http::Method::kDelete},   {"PATCH", http::Method::kPatch},
      {"OPTIONS", http::Method::kOptions}, {"TRACE", http::Method::kTrace},
      {"CONNECT", http::Method::kConnect}, {"QUERY", http::Method::kQuery},
  };
  for (const Entry& e : kMethods) {
    if (e.name == method) {
      return e.id;
    }
  }
  return http::Method::kOther;
}

core::Result<PreparedRequest> prepare_request(const RequestSpec& spec, const Url& url,
                                              bool keep_alive, std::string_view user_agent) {
  if (!is_token(spec.method)) {
    return core::Error{"invalid method", spec.method};
  }
  if (spec.method == "CONNECT") {
    return core::Error{"CONNECT cannot be benchmarked", spec.method};
  }
  for (const auto& [name, value] : spec.headers) {
    if (!is_token(name) || !is_field_value(value)) {
      return core::Error{"malformed header", name + ": " + value};
    }
    for (std::string_view forbidden : {"Content-Length", "Transfer-Encoding", "Connection"}) {
      if (http::iequals(name, forbidden)) {
        return core::Error{"this header is set by ramjet bench (use --no-keepalive for "
                           "Connection: close; Content-Length follows the body)",
                           name};
      }
    }
  }
  PreparedRequest out;
  out.name = spec.name.empty() ? spec.method + " " + url.target : spec.name;
  out.method = method_id(spec.method);
  out.weight = spec.weight;
  std::string& b = out.bytes;
  b.reserve(256 + spec.body.size());
  b.append(spec.method).append(" ").append(url.target).append(" HTTP/1.1\r\n");
  if (!has_header(spec, "Host")) {
    b.append("Host: ").append(url.authority).append("\r\n");
  }
  if (!has_header(spec, "User-Agent") && !user_agent.empty()) {
    b.append("User-Agent: ").append(user_agent).append("\r\n");
  }
  for (const auto& [name, value] : spec.headers) {
    b.append(name).append(": ").append(value).append("\r\n");
  }
  bool body_method = spec.method == "POST" || spec.method == "PUT" || spec.method == "PATCH";
  if (!spec.body.empty() || body_method) {
    b.append("Content-Length: ").append(std::to_string(spec.body.size())).append("\r\n");
  }
  if (!keep_alive) {
    b.append("Connection: close\r\n");
  }
  b.append("\r\n").append(spec.body);
  return out;
}

RequestPicker::RequestPicker(const std::vector<std::uint32_t>& weights) {
  std::uint64_t total = 0;
  for (std::uint32_t w : weights) {
    total += w;
    cumulative_.push_back(total);
  }
}

std::size_t RequestPicker::pick(std::uint64_t& rng_state) const {
  if (cumulative_.size() <= 1) {
    return 0;
  }
  // xorshift64: state must be non-zero (the generator seeds it so).
  std::uint64_t x = rng_state;
  x ^= x << 13;
  x ^= x >> 7;
  x ^= x << 17;
  rng_state = x;
  std::uint64_t r = x % cumulative_.back();
  auto it = std::upper_bound(cumulative_.begin(), cumulative_.end(), r);
  return static_cast<std::size_t>(it - cumulative_.begin());
}

}  // namespace ramjet::bench
