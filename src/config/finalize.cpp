// The checks that need every source applied first: a route may name an upstream that only
// --upstream creates, and the admin token may come from the environment.
#include <algorithm>

#include "config/addresses.hpp"
#include "config/schema.hpp"

namespace ramjet::config::detail {
namespace {

void complete_routes(Draft& draft) {
  Config& config = draft.config;
  if (config.upstreams.empty()) {
    fail(draft.origin,
         "no upstreams: define 'upstreams' in the configuration file or pass --upstream URL");
  }
  if (!config.routes.empty()) {
    return;
  }
  if (config.upstreams.size() > 1) {
    fail(draft.origin,
         "several upstreams but no 'routes': add routes that say which requests "
         "go to which upstream");
  }
  Route route;
  route.name = "default";
  route.upstream = config.upstreams.front().name;
  config.routes.push_back(std::move(route));
  draft.route_where.push_back(draft.origin);
}

void resolve_route_upstreams(Draft& draft) {
  Config& config = draft.config;
  std::vector<std::string> names;
  for (const auto& upstream : config.upstreams) {
    names.push_back(upstream.name);
  }
  for (std::size_t i = 0; i < config.routes.size(); ++i) {
    Route& route = config.routes[i];
    auto it = std::find(names.begin(), names.end(), route.upstream);
    if (it == names.end()) {
      std::string defined;
      for (const auto& name : names) {
        defined.append(defined.empty() ? "" : ", ").append(name);
      }
      fail(draft.route_where[i], "route '" + route.name + "': upstream '" + route.upstream +
                                     "' is not defined" + did_you_mean(route.upstream, names) +
                                     "; defined: " + defined);
    }
    route.upstream_index = static_cast<std::size_t>(it - names.begin());
  }
}

bool overlaps(const HostPort& a, const HostPort& b) {
  if (a.port == 0 || a.port != b.port) {
    return false;
  }
  return a.host == b.host || is_wildcard(a) || is_wildcard(b);
}

void check_addresses(const Draft& draft) {
  const Config& config = draft.config;
  if (config.admin.token.empty() && !is_loopback(config.admin.listen)) {
    fail(draft.where_of("admin.listen"),
         "admin.listen " + config.admin.listen.to_string() +
             " is not a loopback address, so admin.token must be set");
  }
  if (overlaps(config.listen, config.admin.listen)) {
    fail(draft.where_of("admin.listen"), "admin.listen " + config.admin.listen.to_string() +
                                             " overlaps listen " + config.listen.to_string());
  }
}

void check_limits(const Draft& draft) {
  const LimitsOptions& limits = draft.config.limits;
  if (limits.max_target_bytes > limits.max_header_bytes) {
    fail(draft.where_of("limits.max_target_bytes"),
         "'limits.max_target_bytes' (" + core::format_size(limits.max_target_bytes) +
             ") must not exceed 'limits.max_header_bytes' (" +
             core::format_size(limits.max_header_bytes) + ")");
  }
}

// The largest object is a quarter of the memory at most, so one object cannot evict most of
// the cache. Unless written, max_object follows a small max_memory down instead of failing.
void check_cache(Draft& draft) {
  CacheOptions& cache = draft.config.cache;
  const std::uint64_t quarter = cache.max_memory / 4;
  const bool object_written = draft.where.contains("cache.max_object");
  if (!object_written) {
    cache.max_object = std::min(cache.max_object, quarter);
  } else if (cache.max_object > quarter) {
    fail(draft.where_of("cache.max_object"),
         "'cache.max_object' (" + core::format_size(cache.max_object) +
             ") must not exceed a quarter of 'cache.max_memory' (" +
             core::format_size(cache.max_memory) + ")");
  }
  for (std::size_t i = 0; i < draft.config.routes.size(); ++i) {
    const Route& route = draft.config.routes[i];
    if (route.cache.max_object && *route.cache.max_object > cache.max_object) {
      const bool known = i < draft.route_max_object_where.size() &&
                         !draft.route_max_object_where[i].empty();
      fail(known ? draft.route_max_object_where[i] : draft.origin,
           "route '" + route.name + "': 'cache.max_object' (" +
               core::format_size(*route.cache.max_object) +
               ") must not exceed the global 'cache.max_object' (" +
               core::format_size(cache.max_object) + ")");
    }
  }
}

}  // namespace

Config finalize(Draft draft) {
  complete_routes(draft);
  resolve_route_upstreams(draft);
  check_addresses(draft);
  check_limits(draft);
  check_cache(draft);
  draft.config.source = draft.origin;
  return std::move(draft.config);
}

}  // namespace ramjet::config::detail
