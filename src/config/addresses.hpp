#pragma once
// Syntax of the addresses found in configuration: listen addresses, upstream URLs, host
// names and CIDR networks. Syntax only; names are resolved elsewhere (net/), off the loop.
// Errors carry a static message and, as detail, the offending text or, for a near miss, the
// value probably meant (parse_cidr("10.0.0.1/8") suggests "10.0.0.0/8").

#include <string_view>

#include "config/config.hpp"
#include "core/result.hpp"

namespace ramjet::config {

// A DNS name (letters, digits, '-', '_'; labels of 1-63; 253 at most), a dotted IPv4
// literal, or (only when `bracketed_ipv6` says the caller saw brackets) an IPv6 literal.
core::Result<std::string> parse_host(std::string_view text, bool bracketed_ipv6);

// "0.0.0.0:8080", "127.0.0.1:8080", "[::1]:8080", "localhost:8080", ":8080" (= 0.0.0.0).
// Port 0 asks the kernel for an ephemeral port (tests).
core::Result<HostPort> parse_listen_address(std::string_view text);

// "127.0.0.1:5000", "app:5000", "http://app:5000", "http://app:5000/", "http://app" (80).
// https, paths, queries and credentials are errors.
core::Result<HostPort> parse_upstream_url(std::string_view text);

// "HOST" or "HOST:PORT", as a Host header value or a route's host condition.
core::Result<std::string> parse_host_header(std::string_view text);

// "10.0.0.0/8", "fd00::/8"; a bare address is a /32 or /128. Host bits must be zero.
core::Result<Cidr> parse_cidr(std::string_view text);

// 127.0.0.0/8, ::1 and "localhost".
bool is_loopback(const HostPort& address);
// 0.0.0.0 and ::.
bool is_wildcard(const HostPort& address);

}  // namespace ramjet::config
