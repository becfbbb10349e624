#pragma once
// The requests the generator sends, serialised once before the run: the hot path writes
// these bytes as they are and allocates nothing (one write per request).
//
// Url parsing accepts plain http:// URLs with a numeric or resolvable host, an optional port
// (default 80) and any path and query; https and user-info are refused (the generator does
// not speak TLS). Every request of a run goes to one authority: the run's connections are
// shared by all of them.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "bench/options.hpp"
#include "core/result.hpp"
#include "http/parser.hpp"

namespace ramjet::bench {

struct Url {
  std::string host;       // without brackets for IPv6
  std::uint16_t port = 80;
  std::string authority;  // as the Host header carries it: "host[:port]"
  std::string target;     // origin-form: "/path?query" ("/" when the URL had no path)
};

// Parses an absolute http:// URL.
core::Result<Url> parse_url(std::string_view text);

// The method's id for response framing (HEAD responses carry no body).
http::Method method_id(std::string_view method);

// One serialised request and what the reader needs to know about it.
struct PreparedRequest {
  std::string name;
  std::string bytes;  // request line, headers, blank line, body
  http::Method method = http::Method::kGet;
  std::uint32_t weight = 1;
};

// Serialises `spec` for `url`: "METHOD target HTTP/1.1", Host (unless the spec sets one),
// User-Agent (unless set), the spec's headers, Content-Length when there is a body (or the
// method usually has one), Connection: close when !keep_alive, then the body. An error when
// the spec sets Content-Length, Transfer-Encoding or Connection itself, or a header name or
// value is malformed.
core::Result<PreparedRequest> prepare_request(const RequestSpec& spec, const Url& url,
                                              bool keep_alive, std::string_view user_agent);

// Picks requests by weight with a per-connection xorshift generator: no allocation, no
// shared state. With one request it always answers 0.
class RequestPicker {
 public:
  // `weights` must not be empty; each weight must be > 0.
  explicit RequestPicker(const std::vector<std::uint32_t>& weights);
  std::size_t pick(std::uint64_t& rng_state) const;
  std::size_t size() const { return cumulative_.size(); }

 private:
  std::vector<std::uint64_t> cumulative_;
};

}  // namespace ramjet::bench
