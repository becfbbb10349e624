#include "config/addresses.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

namespace ramjet::config {
namespace {

using core::Error;

constexpr std::size_t kMaxHostBytes = 253;
constexpr std::size_t kMaxLabelBytes = 63;

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string to_lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), lower);
  return out;
}

// inet_pton wants a NUL-terminated string; `text` must not contain NUL itself.
bool pton(int family, std::string_view text, void* out) {
  if (text.size() > 64 || text.find('\0') != std::string_view::npos) {
    return false;
  }
  std::string copy(text);
  return inet_pton(family, copy.c_str(), out) == 1;
}

core::Result<std::uint16_t> parse_port(std::string_view text, bool allow_zero) {
  if (text.empty()) {
    return Error{"missing port", std::string(text)};
  }
  if (text.size() > 5 || !std::all_of(text.begin(), text.end(), is_digit)) {
    return Error{"port must be a number", std::string(text)};
  }
  unsigned value = 0;
  for (char c : text) {
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  if (value > 65535 || (value == 0 && !allow_zero)) {
    return Error{
        allow_zero ? "port must be between 0 and 65535" : "port must be between 1 and 65535",
        std::string(text)};
  }
  return static_cast<std::uint16_t>(value);
}

bool valid_label(std::string_view label) {
  if (label.empty() || label.size() > kMaxLabelBytes || label.front() == '-' ||
      label.back() == '-') {
    return false;
  }
  return std::all_of(label.begin(), label.end(),
                     [](char c) { return is_alpha(c) || is_digit(c) || c == '-' || c == '_'; });
}

bool valid_dns_name(std::string_view name) {
  if (name.size() > kMaxHostBytes) {
    return false;
  }
  std::size_t start = 0;
  while (true) {
    std::size_t dot = name.find('.', start);
    std::string_view label = name.substr(start, dot == std::string_view::npos ? dot : dot - start);
    if (!valid_label(label)) {
      return false;
    }
    if (dot == std::string_view::npos) {
      return true;
    }
    start = dot + 1;
  }
}

struct Split {
  std::string_view host;
  std::string_view port;  // empty when there was no ':'
  bool bracketed = false;
  bool has_port = false;
};

// Splits "host:port", "[v6]:port", "host" or "[v6]".
core::Result<Split> split_host_port(std::string_view text) {
  Split out;
  if (!text.empty() && text.front() == '[') {
    std::size_t close = text.find(']');
    if (close == std::string_view::npos) {
      return Error{"missing ']' after IPv6 address", std::string(text)};
    }
    out.host = text.substr(1, close - 1);
    out.bracketed = true;
    std::string_view rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') {
        return Error{"expected ':' and a port after ']'", std::string(text)};
      }
      out.has_port = true;
      out.port = rest.substr(1);
    }
    return out;
  }
  std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) {
    out.host = text;
    return out;
  }
  out.host = text.substr(0, colon);
  out.port = text.substr(colon + 1);
  out.has_port = true;
  if (out.host.find(':') != std::string_view::npos) {
    return Error{"IPv6 addresses need brackets, e.g. [::1]:8080", std::string(text)};
  }
  return out;
}

std::string_view trim_root_path(std::string_view rest) {
  return rest == "/" ? std::string_view() : rest;
}

}  // namespace

core::Result<std::string> parse_host(std::string_view text, bool bracketed_ipv6) {
  if (text.empty()) {
    return Error{"missing host", {}};
  }
  if (bracketed_ipv6) {
    in6_addr v6{};
    if (!pton(AF_INET6, text, &v6)) {
      return Error{"invalid IPv6 address", std::string(text)};
    }
    return to_lower(text);
  }
  if (text.find(':') != std::string_view::npos) {
    return Error{"IPv6 addresses need brackets, e.g. [::1]", std::string(text)};
  }
  if (std::all_of(text.begin(), text.end(), [](char c) { return is_digit(c) || c == '.'; })) {
    in_addr v4{};
    if (!pton(AF_INET, text, &v4)) {
      return Error{"invalid IPv4 address", std::string(text)};
    }
    return std::string(text);
  }
  if (!valid_dns_name(text)) {
    return Error{"invalid host name (letters, digits, '-', '_' and dots)", std::string(text)};
  }
  return to_lower(text);
}

core::Result<HostPort> parse_listen_address(std::string_view text) {
  auto split = split_host_port(text);
  if (!split) {
    return split.error();
  }
  if (!split->has_port) {
    return Error{"missing port (expected HOST:PORT or :PORT)", std::string(text)};
  }
  auto port = parse_port(split->port, true);
  if (!port) {
    return port.error();
  }
  if (split->host.empty() && !split->bracketed) {
    return HostPort{"0.0.0.0", *port};
  }
  auto host = parse_host(split->host, split->bracketed);
  if (!host) {
    return host.error();
  }
  return HostPort{std::move(*host), *port};
}

core::Result<HostPort> parse_upstream_url(std::string_view text) {
  std::string_view rest = text;
  bool has_scheme = false;
  if (std::size_t sep = text.find("://"); sep != std::string_view::npos) {
    std::string scheme = to_lower(text.substr(0, sep));
    if (scheme == "https") {
      return Error{"https upstreams are not supported yet (use http://)", std::string(text)};
    }
    if (scheme != "http") {
      return Error{"unsupported scheme (only http:// is supported)", std::string(text)};
    }
    rest = text.substr(sep + 3);
    has_scheme = true;
  }
  std::size_t end = std::min(rest.find_first_of("/?#"), rest.size());
  std::string_view authority = rest.substr(0, end);
  std::string_view tail = trim_root_path(rest.substr(end));
  if (!tail.empty()) {
    return Error{tail.front() == '/' ? "a path in an upstream URL is not supported"
                                     : "a query or fragment in an upstream URL is not supported",
                 std::string(text)};
  }
  if (authority.find('@') != std::string_view::npos) {
    return Error{"credentials in an upstream URL are not supported", std::string(text)};
  }
  auto split = split_host_port(authority);
  if (!split) {
    return split.error();
  }
  if (!split->has_port && !has_scheme) {
    return Error{"missing port (expected HOST:PORT or http://HOST[:PORT])", std::string(text)};
  }
  auto host = parse_host(split->host, split->bracketed);
  if (!host) {
    return host.error();
  }
  std::uint16_t port = 80;
  if (split->has_port) {
    auto parsed = parse_port(split->port, false);
    if (!parsed) {
      return parsed.error();
    }
    port = *parsed;
  }
  return HostPort{std::move(*host), port};
}

core::Result<std::string> parse_host_header(std::string_view text) {
  auto split = split_host_port(text);
  if (!split) {
    return split.error();
  }
  auto host = parse_host(split->host, split->bracketed);
  if (!host) {
    return host.error();
  }
  if (!split->has_port) {
    return split->bracketed ? "[" + *host + "]" : *host;
  }
  auto port = parse_port(split->port, false);
  if (!port) {
    return port.error();
  }
  return HostPort{std::move(*host), *port}.to_string();
}

core::Result<Cidr> parse_cidr(std::string_view text) {
  std::size_t slash = text.find('/');
  std::string_view address = text.substr(0, slash);
  Cidr cidr;
  cidr.ipv6 = address.find(':') != std::string_view::npos;
  if (!pton(cidr.ipv6 ? AF_INET6 : AF_INET, address, cidr.network.data())) {
    return Error{cidr.ipv6 ? "invalid IPv6 address" : "invalid IPv4 address", std::string(text)};
  }
  const unsigned max_prefix = cidr.ipv6 ? 128 : 32;
  unsigned prefix = max_prefix;
  if (slash != std::string_view::npos) {
    std::string_view digits = text.substr(slash + 1);
    if (digits.empty() || digits.size() > 3 ||
        !std::all_of(digits.begin(), digits.end(), is_digit)) {
      return Error{"invalid prefix length after '/'", std::string(text)};
    }
    prefix = 0;
    for (char c : digits) {
      prefix = prefix * 10 + static_cast<unsigned>(c - '0');
    }
    if (prefix > max_prefix) {
      return Error{cidr.ipv6 ? "prefix length must be 0 to 128" : "prefix length must be 0 to 32",
                   std::string(text)};
    }
  }
  cidr.prefix_length = static_cast<std::uint8_t>(prefix);
  Cidr masked = cidr;
  for (std::size_t bit = prefix; bit < max_prefix; ++bit) {
    masked.network[bit / 8] &= static_cast<std::uint8_t>(~(0x80u >> (bit % 8)));
  }
  if (masked.network != cidr.network) {
    return Error{"address has bits set beyond the prefix length", masked.to_string()};
  }
  return cidr;
}

bool is_loopback(const HostPort& address) {
  if (address.host == "localhost") {
    return true;
  }
  in_addr v4{};
  if (pton(AF_INET, address.host, &v4)) {
    return (ntohl(v4.s_addr) >> 24) == 127;
  }
  in6_addr v6{};
  if (pton(AF_INET6, address.host, &v6)) {
    return IN6_IS_ADDR_LOOPBACK(&v6) || (IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127);
  }
  return false;
}

bool is_wildcard(const HostPort& address) {
  in_addr v4{};
  if (pton(AF_INET, address.host, &v4)) {
    return v4.s_addr == 0;
  }
  in6_addr v6{};
  return pton(AF_INET6, address.host, &v6) && IN6_IS_ADDR_UNSPECIFIED(&v6);
}

std::string HostPort::to_string() const {
  std::string out;
  if (host.find(':') != std::string::npos) {
    out.append("[").append(host).append("]");
  } else {
    out.append(host);
  }
  return out.append(":").append(std::to_string(port));
}

bool Cidr::contains(std::span<const std::uint8_t> address) const {
  if (address.size() != (ipv6 ? 16u : 4u)) {
    return false;
  }
  for (std::size_t bit = 0; bit < prefix_length; ++bit) {
    const auto mask = static_cast<std::uint8_t>(0x80u >> (bit % 8));
    if ((address[bit / 8] & mask) != (network[bit / 8] & mask)) {
      return false;
    }
  }
  return true;
}

std::string Cidr::to_string() const {
  char text[INET6_ADDRSTRLEN] = {};
  inet_ntop(ipv6 ? AF_INET6 : AF_INET, network.data(), text, sizeof text);
  return std::string(text) + "/" + std::to_string(prefix_length);
}

}  // namespace ramjet::config
