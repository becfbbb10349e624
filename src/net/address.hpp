#pragma once
// Address: an IPv4 or IPv6 socket address parsed from "host:port", ":port", "[v6]:port".
// Only numeric hosts and "localhost" are parsed here; names are resolved elsewhere.

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace ramjet::net {

// Large enough for IPv4 and IPv6 (28 bytes, not sockaddr_storage's 128): an Address is
// kept in every connection.
union SockAddr {
  sockaddr sa;
  sockaddr_in v4;
  sockaddr_in6 v6;
};

struct Address {
  SockAddr storage{};
  socklen_t length = 0;

  static core::Result<Address> parse(std::string_view text);
  // Resolves a host name with getaddrinfo (blocking; call off the data path).
  static core::Result<Address> resolve(std::string_view host, std::uint16_t port);
  // The locally bound address of `fd`.
  static Address local_of(int fd);

  int family() const { return storage.sa.sa_family; }
  std::uint16_t port() const;
  std::string host_string() const;
  std::string to_string() const;  // "127.0.0.1:8080", "[::1]:8080"
  bool is_loopback() const;
  const sockaddr* sa() const { return reinterpret_cast<const sockaddr*>(&storage); }
};

}  // namespace ramjet::net
