#pragma once
// BenchOptions: everything `ramjet bench` is asked to do, validated once before any socket
// is opened (STYLE #8). The CLI (cli.cpp) fills a BenchOptions from flags; tests build one
// directly. Units live in the types: durations are core::Duration, rates requests per second.
//
// Contract: validate() checks the values that do not need the network or the file system
// (counts, durations, the URL's form); request bodies given as @file are read by the CLI,
// scenario files by scenario.hpp, before validate() is called.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.hpp"
#include "core/units.hpp"

namespace ramjet::bench {

// One kind of request the generator sends. A plain run has one; a scenario has several,
// each chosen with probability weight / sum(weights).
struct RequestSpec {
  std::string name;    // for the report ("GET /"); scenario entries may name themselves
  std::string method = "GET";
  std::string url;     // absolute http:// URL
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::uint32_t weight = 1;
};

// A set of status codes that count as success: exact codes and whole classes ("2xx").
class StatusSet {
 public:
  // The default: every 2xx and 3xx.
  static StatusSet successful();
  // Parses "200,304", "2xx", "200-299,404"; an error names the bad item.
  static core::Result<StatusSet> parse(std::string_view text);

  bool contains(int status) const {
    return status >= 0 && status < kMaxStatus && bits_[static_cast<std::size_t>(status)];
  }
  std::string to_string() const;  // "200,304" or "2xx,3xx" form, for the report

 private:
  static constexpr int kMaxStatus = 1000;
  std::vector<bool> bits_ = std::vector<bool>(kMaxStatus, false);
};

struct BenchOptions {
  std::vector<RequestSpec> requests;  // at least one after validation
  std::uint32_t connections = 10;
  std::uint32_t threads = 1;
  std::optional<std::uint64_t> max_requests;  // -n: stop after this many (not counting warm-up)
  std::optional<core::Duration> duration;     // -d: measured time (default 10 s unless -n)
  core::Duration warmup{0};                   // sent but not measured, before the run
  core::Duration timeout = std::chrono::seconds(10);  // per request (and per connect)
  bool keep_alive = true;
  std::optional<double> rate;                 // open loop: requests per second in total
  core::Duration cold_threshold = std::chrono::seconds(1);
  StatusSet expect_status = StatusSet::successful();
  bool expect_status_given = false;           // only for the report's wording
  std::vector<std::string> expect_headers;    // names every response must carry
  std::size_t read_buffer_bytes = 16 * 1024;  // per connection; also the largest response head
  std::uint64_t seed = 1;                     // for the scenario's weighted choice
  std::string scenario_path;                  // for the report only

  // The duration the run will be limited by: -d, or 10 s when neither -d nor -n is given.
  std::optional<core::Duration> effective_duration() const;
};

// Checks ranges and the combinations of options; the error text is for a human (exit 2).
core::Result<bool> validate(const BenchOptions& options);

// "2000/s", "2000", "120/m", "10/ms" → requests per second (> 0).
core::Result<double> parse_rate(std::string_view text);

// "Name: value" → {Name, value} (value trimmed). An error when there is no colon or the name
// is not a token.
core::Result<std::pair<std::string, std::string>> parse_header_arg(std::string_view text);

}  // namespace ramjet::bench
