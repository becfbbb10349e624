// Defaults per profile. docs/CONFIG.md repeats these numbers with the reasons for them;
// change both together (a test compares the sample ramjet.yaml with the medium profile).
#include <algorithm>

#include "config/config.hpp"

namespace ramjet::config {
namespace {

using namespace std::chrono_literals;

constexpr std::uint64_t kKiB = 1024;
constexpr std::uint64_t kMiB = 1024 * kKiB;

struct Capacity {
  std::uint32_t workers;
  std::uint32_t max_connections;
  std::uint32_t pool_max_idle;
  std::uint32_t pool_max_total;
  std::uint64_t cache_max_memory;
};

constexpr Capacity capacity(Profile profile) {
  switch (profile) {
    case Profile::kSmall:
      return {1, 1024, 64, 64, 64 * kMiB};
    case Profile::kMedium:
      return {0, 10'000, 512, 512, 256 * kMiB};
    case Profile::kLarge:
      return {0, 100'000, 2048, 2048, 1024 * kMiB};
  }
  return {0, 10'000, 512, 512, 256 * kMiB};
}

}  // namespace

const char* to_string(Profile profile) {
  switch (profile) {
    case Profile::kSmall:
      return "small";
    case Profile::kMedium:
      return "medium";
    case Profile::kLarge:
      return "large";
  }
  return "?";
}

const char* to_string(Balance balance) {
  switch (balance) {
    case Balance::kRoundRobin:
      return "round_robin";
  }
  return "?";
}

const char* to_string(MatchKind kind) {
  switch (kind) {
    case MatchKind::kPathPrefix:
      return "path_prefix";
    case MatchKind::kPath:
      return "path";
    case MatchKind::kPathRegex:
      return "path_regex";
  }
  return "?";
}

const char* to_string(LogLevel level) {
  switch (level) {
    case LogLevel::kTrace:
      return "trace";
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kError:
      return "error";
  }
  return "?";
}

const char* to_string(AccessLog access) {
  switch (access) {
    case AccessLog::kOff:
      return "off";
    case AccessLog::kJson:
      return "json";
    case AccessLog::kCombined:
      return "combined";
  }
  return "?";
}

const char* to_string(CacheMode mode) {
  switch (mode) {
    case CacheMode::kOn:
      return "on";
    case CacheMode::kShadow:
      return "shadow";
  }
  return "?";
}

const char* to_string(BodyKeyKind kind) {
  switch (kind) {
    case BodyKeyKind::kNone:
      return "none";
    case BodyKeyKind::kRaw:
      return "body";
    case BodyKeyKind::kJson:
      return "json_body";
  }
  return "?";
}

const char* to_string(SetCookieMode mode) {
  switch (mode) {
    case SetCookieMode::kRefuse:
      return "refuse";
    case SetCookieMode::kStrip:
      return "strip";
    case SetCookieMode::kStore:
      return "store";
  }
  return "?";
}

PoolOptions default_pool(Profile profile) {
  const Capacity c = capacity(profile);
  // Below the 5 s keep-alive of uvicorn and Node, so ramjet closes an idle connection before
  // the application does and never sends a request into a connection being closed.
  return PoolOptions{c.pool_max_idle, 4s, c.pool_max_total};
}

Config defaults_for(Profile profile) {
  const Capacity c = capacity(profile);
  Config config;
  config.profile = profile;
  config.listen = HostPort{"0.0.0.0", 8080};
  config.workers = c.workers;
  config.admin.listen = HostPort{"127.0.0.1", 9901};
  config.limits = LimitsOptions{c.max_connections, 16 * kKiB, 100, 8 * kKiB, 100 * kMiB};
  config.timeouts = TimeoutOptions{
      .client_header = 10s,
      .client_idle = 60s,
      .client_body = 60s,
      .upstream_connect = 3s,
      .upstream_header = 60s,
      .upstream_body = 60s,
      .request = 90s,
      .drain = 15s,
  };
  config.proxy = ProxyOptions{};
  config.log = LogOptions{};
  // Memory scales with the profile; the largest object does not (a response is as large as
  // the application makes it). Collapsed waiters give up well before timeouts.request.
  config.cache = CacheOptions{.enabled = true,
                              .mode = CacheMode::kOn,
                              .max_memory = c.cache_max_memory,
                              .max_object = 8 * kMiB,
                              .collapse_timeout = 10s};
  return config;
}

http::ParseLimits parse_limits(const LimitsOptions& limits) {
  http::ParseLimits out;
  out.max_head_bytes = limits.max_header_bytes;
  out.max_headers = limits.max_headers;
  out.max_target_bytes = limits.max_target_bytes;
  return out;
}

const UpstreamOptions* Config::find_upstream(std::string_view name) const {
  auto it = std::find_if(upstreams.begin(), upstreams.end(),
                         [name](const UpstreamOptions& u) { return u.name == name; });
  return it == upstreams.end() ? nullptr : &*it;
}

}  // namespace ramjet::config
