#include "origin/options.hpp"

#include <CLI/CLI.hpp>

#include <cstdio>

namespace ramjet::origin {
namespace {

bool is_tchar(char c) {
  if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
    return true;
  }
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

std::string_view trim_spaces(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

// Converts a duration flag's text; prints the usage error and returns false if invalid.
bool convert_duration(const char* flag, const std::string& text, core::Duration& out) {
  auto parsed = core::parse_duration(text);
  if (!parsed.ok()) {
    std::fprintf(stderr, "ramjet-origin: %s: %s\n", flag, parsed.error().to_string().c_str());
    return false;
  }
  out = parsed.value();
  return true;
}

bool convert_size(const char* flag, const std::string& text, std::uint64_t& out) {
  auto parsed = core::parse_size(text);
  if (!parsed.ok()) {
    std::fprintf(stderr, "ramjet-origin: %s: %s\n", flag, parsed.error().to_string().c_str());
    return false;
  }
  out = parsed.value();
  return true;
}

}  // namespace

bool is_field_name(std::string_view name) {
  if (name.empty()) {
    return false;
  }
  for (char c : name) {
    if (!is_tchar(c)) {
      return false;
    }
  }
  return true;
}

bool is_field_value(std::string_view value) {
  for (char c : value) {
    auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\t') || u == 0x7F) {
      return false;
    }
  }
  return true;
}

bool split_header_line(std::string_view line, std::string_view& name, std::string_view& value) {
  auto colon = line.find(':');
  if (colon == std::string_view::npos) {
    return false;
  }
  name = line.substr(0, colon);
  value = trim_spaces(line.substr(colon + 1));
  return is_field_name(name) && is_field_value(value);
}

std::optional<int> parse_command_line(int argc, char** argv, OriginOptions& out) {
  CLI::App app{"ramjet-origin: a small, fast, configurable HTTP/1.1 test origin.\n"
               "Query parameters override the flags per request: latency=50ms size=64KiB "
               "status=503 cc=no-store chunked=1 slow=10ms reset=512 etag=1 lm=1 "
               "vary=Accept-Encoding header=Name:value close=1."};
  std::string latency = "0";
  std::string body_size = "1KiB";
  std::string slow_body = "0";
  std::string reset_after;
  std::string idle_timeout = "60s";
  std::vector<std::string> headers;
  app.add_option("--listen", out.listen, "Address to listen on (port 0: any free port)")
      ->capture_default_str();
  app.add_option("--workers", out.workers, "Worker threads (SO_REUSEPORT)")
      ->capture_default_str()
      ->check(CLI::Range(1, 256));
  app.add_option("--latency", latency, "Delay before each response head")->capture_default_str();
  app.add_option("--body-size", body_size, "Response body size")->capture_default_str();
  app.add_option("--status", out.status, "Response status")
      ->capture_default_str()
      ->check(CLI::Range(200, 599));
  app.add_option("--cache-control", out.cache_control, "Cache-Control value (default: none)");
  app.add_flag("--etag", out.etag, "Send a strong ETag; answer If-None-Match with 304");
  app.add_flag("--last-modified", out.last_modified,
               "Send a fixed Last-Modified; answer If-Modified-Since with 304");
  app.add_option("--failure-rate", out.failure_rate, "Fraction of requests answered 500")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--seed", out.seed, "Seed of the failure choice")->capture_default_str();
  app.add_flag("--chunked", out.chunked, "Send bodies chunked");
  app.add_option("--slow-body", slow_body, "Pause between 1 KiB body pieces")
      ->capture_default_str();
  app.add_option("--reset-after", reset_after,
                 "Send this many body bytes, then reset the connection");
  app.add_option("--header", headers, "'Name: value' added to every response (repeatable)")
      ->allow_extra_args(false);
  app.add_option("--idle-timeout", idle_timeout, "Idle keep-alive and I/O timeout")
      ->capture_default_str();
  app.add_flag("--quiet", out.quiet, "No notes on stderr");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  std::uint64_t reset = 0;
  if (!convert_duration("--latency", latency, out.latency) ||
      !convert_duration("--slow-body", slow_body, out.slow_body) ||
      !convert_duration("--idle-timeout", idle_timeout, out.idle_timeout) ||
      !convert_size("--body-size", body_size, out.body_size) ||
      (!reset_after.empty() && !convert_size("--reset-after", reset_after, reset))) {
    return 2;
  }
  if (!reset_after.empty()) {
    out.reset_after = reset;
  }
  if (out.idle_timeout <= core::Duration::zero()) {
    std::fprintf(stderr, "ramjet-origin: --idle-timeout must be positive\n");
    return 2;
  }
  if (!is_field_value(out.cache_control)) {
    std::fprintf(stderr, "ramjet-origin: --cache-control: control characters not allowed\n");
    return 2;
  }
  for (const std::string& line : headers) {
    std::string_view name;
    std::string_view value;
    if (!split_header_line(line, name, value)) {
      std::fprintf(stderr, "ramjet-origin: --header: expected 'Name: value', got '%s'\n",
                   line.c_str());
      return 2;
    }
    out.extra_headers.append(name).append(": ").append(value).append("\r\n");
  }
  return std::nullopt;
}

}  // namespace ramjet::origin
