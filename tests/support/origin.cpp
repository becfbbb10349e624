#include "origin.hpp"

#include <cstdlib>

#include "origin/body_pattern.hpp"

namespace ramjet::testing {
namespace {

// Reads `"name":<digits>` from a flat JSON object; false if absent.
bool json_number(const std::string& json, std::string_view name, std::uint64_t& out) {
  std::string key = "\"" + std::string(name) + "\":";
  auto pos = json.find(key);
  if (pos == std::string::npos) {
    return false;
  }
  const char* start = json.c_str() + pos + key.size();
  char* end = nullptr;
  out = std::strtoull(start, &end, 10);
  return end != start;
}

}  // namespace

std::string Origin::url(std::string_view target) const {
  return "http://" + authority() + std::string(target);
}

std::string origin_binary() { return std::string(RAMJET_BINARY_DIR) + "/ramjet-origin"; }

std::optional<std::uint16_t> wait_for_listening_port(ChildProcess& child, Millis timeout) {
  auto line = child.wait_for_line("^listening on .*:([0-9]+)[[:space:]]*$", timeout);
  if (!line.has_value()) {
    return std::nullopt;
  }
  unsigned long port = std::strtoul(line->groups[1].c_str(), nullptr, 10);
  if (port == 0 || port > 65535) {
    return std::nullopt;
  }
  return static_cast<std::uint16_t>(port);
}

core::Result<Origin> start_origin(const std::vector<std::string>& args, Millis timeout) {
  std::vector<std::string> argv{origin_binary(), "--listen", "127.0.0.1:0", "--quiet"};
  argv.insert(argv.end(), args.begin(), args.end());
  auto child = ChildProcess::start(argv);
  if (!child.ok()) {
    return child.error();
  }
  auto port = wait_for_listening_port(child.value(), timeout);
  if (!port.has_value()) {
    return core::Error{"ramjet-origin did not report its port", child.value().describe()};
  }
  return Origin{std::move(child.value()), *port};
}

core::Result<OriginStats> origin_stats(HttpClient& client) {
  auto response = client.get("/__origin/stats");
  if (!response.complete || response.status != 200) {
    return core::Error{"GET /__origin/stats failed",
                       response.error + " status " + std::to_string(response.status)};
  }
  OriginStats stats;
  if (!json_number(response.body, "requests", stats.requests) ||
      !json_number(response.body, "connections", stats.connections) ||
      !json_number(response.body, "open_connections", stats.open_connections)) {
    return core::Error{"unexpected /__origin/stats body", response.body};
  }
  return stats;
}

core::Result<OriginStats> origin_stats(std::uint16_t port) {
  auto client = HttpClient::connect(port);
  if (!client.ok()) {
    return client.error();
  }
  return origin_stats(client.value());
}

bool reset_origin_stats(HttpClient& client) {
  auto response = client.request(client.make_request("POST", "/__origin/reset-stats"));
  return response.complete && response.status == 200;
}

std::string origin_body(std::size_t size, std::uint64_t offset) {
  std::string body(size, '\0');
  for (std::size_t i = 0; i < size; ++i) {
    body[i] = origin::body_byte(offset + i);
  }
  return body;
}

std::size_t origin_body_mismatch(std::string_view data, std::uint64_t offset) {
  for (std::size_t i = 0; i < data.size(); ++i) {
    if (data[i] != origin::body_byte(offset + i)) {
      return i;
    }
  }
  return std::string_view::npos;
}

}  // namespace ramjet::testing
