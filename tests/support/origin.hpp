#pragma once
// Helpers around ramjet-origin, the test origin (src/origin): start it on a free loopback
// port, read its counters, and rebuild the deterministic bytes of its bodies so a test can
// check that whatever sat in between (ramjet) forwarded them intact.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "child_process.hpp"
#include "core/result.hpp"
#include "http_client.hpp"

namespace ramjet::testing {

struct Origin {
  ChildProcess process;
  std::uint16_t port = 0;

  std::string authority() const { return "127.0.0.1:" + std::to_string(port); }
  // "http://127.0.0.1:PORT" + target
  std::string url(std::string_view target = "/") const;
};

// Path of the ramjet-origin binary of this build tree.
std::string origin_binary();

// Waits for a "listening on HOST:PORT" line on the child's stdout; nullopt on timeout or
// exit. ramjet and ramjet-origin both print one once they accept connections.
std::optional<std::uint16_t> wait_for_listening_port(ChildProcess& child, Millis timeout);

// Starts ramjet-origin with "--listen 127.0.0.1:0 --quiet" and then `args` (later flags
// win), and waits for its port. The error carries the child's output.
core::Result<Origin> start_origin(const std::vector<std::string>& args = {},
                                  Millis timeout = Millis(10000));

// GET /__origin/stats. Counters: requests (excluding /__origin/*), connections accepted and
// connections open. The port overload opens (and counts) a new connection.
struct OriginStats {
  std::uint64_t requests = 0;
  std::uint64_t connections = 0;
  std::uint64_t open_connections = 0;
};
core::Result<OriginStats> origin_stats(HttpClient& client);
core::Result<OriginStats> origin_stats(std::uint16_t port);
// POST /__origin/reset-stats: zeroes requests and connections (not open_connections).
bool reset_origin_stats(HttpClient& client);

// Bytes [offset, offset + size) of every ramjet-origin body.
std::string origin_body(std::size_t size, std::uint64_t offset = 0);
// Index of the first byte of `data` that differs from the origin's body at `offset`, or
// std::string_view::npos when all match.
std::size_t origin_body_mismatch(std::string_view data, std::uint64_t offset = 0);

}  // namespace ramjet::testing
