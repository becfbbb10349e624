#pragma once
// Command-line options of ramjet-origin, the configurable HTTP/1.1 test origin used by the
// integration tests, the demo and the pass-through benchmarks. Parsed and validated once at
// start-up (CLI11); workers then read them without locks, never write them.
//
// Every flag sets a default that a request may override from its query string (see
// request_params.hpp for the per-request knobs and their precedence).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/units.hpp"

namespace ramjet::origin {

struct OriginOptions {
  std::string listen = "127.0.0.1:8000";  // port 0 picks a free port, printed at start
  std::size_t workers = 1;                // one event-loop thread each, SO_REUSEPORT
  core::Duration latency{0};              // delay before the response head (timer)
  std::uint64_t body_size = 1024;         // bytes of the deterministic body
  int status = 200;
  std::string cache_control;              // empty: no Cache-Control header
  bool etag = false;                      // strong ETag; If-None-Match answered with 304
  bool last_modified = false;             // fixed Last-Modified; If-Modified-Since -> 304
  double failure_rate = 0;                // fraction of requests answered 500
  std::uint64_t seed = 1;                 // makes the failure choice reproducible
  bool chunked = false;                   // send bodies with chunked framing
  core::Duration slow_body{0};            // pause between 1 KiB body pieces
  std::optional<std::uint64_t> reset_after;  // body bytes sent before a TCP reset
  std::string extra_headers;              // "--header" values, rendered "Name: value\r\n"...
  core::Duration idle_timeout = std::chrono::seconds(60);  // idle keep-alive and I/O timeout
  bool quiet = false;                     // no start-up or shutdown notes on stderr
};

// Parses argv into `out`. Returns an exit code when the program must stop now: 0 after
// --help, 2 (with a message on stderr) for a usage error; nullopt to go on.
std::optional<int> parse_command_line(int argc, char** argv, OriginOptions& out);

// Field syntax checks for headers that flags and query parameters add to responses: a name is
// a non-empty token (RFC 9110 §5.6.2); a value holds no control character but HTAB, so no
// decoded "%0D%0A" can split a response.
bool is_field_name(std::string_view name);
bool is_field_value(std::string_view value);

// Splits "Name: value" (or "Name:value") at the first colon and trims spaces around the
// value. False if there is no colon or either part fails the checks above.
bool split_header_line(std::string_view line, std::string_view& name, std::string_view& value);

}  // namespace ramjet::origin
