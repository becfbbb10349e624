#include "net/address.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>

#include <charconv>
#include <cstring>

namespace ramjet::net {

core::Result<Address> Address::parse(std::string_view text) {
  std::string_view host;
  std::string_view port_text;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return core::Error{"invalid address (expected [v6]:port)", std::string(text)};
    }
    host = text.substr(1, close - 1);
    port_text = text.substr(close + 2);
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos) {
      return core::Error{"invalid address (expected host:port)", std::string(text)};
    }
    host = text.substr(0, colon);
    port_text = text.substr(colon + 1);
  }
  unsigned port = 0;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || end != port_text.data() + port_text.size() || port > 65535 ||
      port_text.empty()) {
    return core::Error{"invalid port", std::string(text)};
  }
  Address a;
  std::string host_str(host);
  if (host_str.empty() || host_str == "*") {
    host_str = "0.0.0.0";
  } else if (host_str == "localhost") {
    host_str = "127.0.0.1";
  }
  auto* v4 = reinterpret_cast<sockaddr_in*>(&a.storage);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&a.storage);
  if (::inet_pton(AF_INET, host_str.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<std::uint16_t>(port));
    a.length = sizeof(sockaddr_in);
    return a;
  }
  if (::inet_pton(AF_INET6, host_str.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<std::uint16_t>(port));
    a.length = sizeof(sockaddr_in6);
    return a;
  }
  return core::Error{"invalid address (numeric IPv4/IPv6 or localhost expected)",
                     std::string(text)};
}

core::Result<Address> Address::resolve(std::string_view host, std::uint16_t port) {
  bool v6 = host.find(':') != std::string_view::npos;
  std::string text;
  text.reserve(host.size() + 8);
  text.append(v6 ? "[" : "").append(host).append(v6 ? "]:" : ":");
  text.append(std::to_string(port));
  auto numeric = parse(text);
  if (numeric.ok()) {
    return numeric;
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  std::string host_str(host);
  int rc = ::getaddrinfo(host_str.c_str(), std::to_string(port).c_str(), &hints, &res);
  if (rc != 0 || res == nullptr) {
    return core::Error{"cannot resolve host", host_str + ": " + ::gai_strerror(rc)};
  }
  Address a;
  if (res->ai_addrlen > sizeof(a.storage)) {
    ::freeaddrinfo(res);
    return core::Error{"unsupported address family", host_str};
  }
  std::memcpy(&a.storage, res->ai_addr, res->ai_addrlen);
  a.length = static_cast<socklen_t>(res->ai_addrlen);
  ::freeaddrinfo(res);
  return a;
}

Address Address::local_of(int fd) {
  Address a;
  a.length = sizeof(a.storage);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a.storage), &a.length);
  return a;
}

std::uint16_t Address::port() const {
  if (family() == AF_INET) {
    return ntohs(reinterpret_cast<const sockaddr_in*>(&storage)->sin_port);
  }
  return ntohs(reinterpret_cast<const sockaddr_in6*>(&storage)->sin6_port);
}

std::string Address::host_string() const {
  char buf[INET6_ADDRSTRLEN] = {};
  if (family() == AF_INET) {
    ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&storage)->sin_addr, buf,
                sizeof(buf));
  } else if (family() == AF_INET6) {
    ::inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&storage)->sin6_addr, buf,
                sizeof(buf));
  }
  return buf;
}

std::string Address::to_string() const {
  if (family() == AF_INET6) {
    return "[" + host_string() + "]:" + std::to_string(port());
  }
  return host_string() + ":" + std::to_string(port());
}

bool Address::is_loopback() const {
  if (family() == AF_INET) {
    auto addr = ntohl(reinterpret_cast<const sockaddr_in*>(&storage)->sin_addr.s_addr);
    return (addr >> 24) == 127;
  }
  if (family() == AF_INET6) {
    return IN6_IS_ADDR_LOOPBACK(&reinterpret_cast<const sockaddr_in6*>(&storage)->sin6_addr);
  }
  return false;
}

}  // namespace ramjet::net
