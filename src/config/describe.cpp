// Human and machine views of a Config: the startup line and the redacted YAML for /config.
#include <yaml-cpp/yaml.h>

#include "config/config.hpp"
#include "config/schema.hpp"

namespace ramjet::config {
namespace {

constexpr const char* kRedacted = "<redacted>";

std::string_view method_name(http::Method method) {
  for (const auto& entry : detail::method_names()) {
    if (entry.method == method) {
      return entry.name;
    }
  }
  return "?";
}

std::string workers_text(std::uint32_t workers) {
  return workers == 0 ? std::string("auto") : std::to_string(workers);
}

void emit_duration(YAML::Emitter& out, const char* key, Duration value) {
  out << YAML::Key << key << YAML::Value << core::format_duration(value);
}

void emit_size(YAML::Emitter& out, const char* key, std::uint64_t value) {
  out << YAML::Key << key << YAML::Value << core::format_size(value);
}

void emit_pool(YAML::Emitter& out, const PoolOptions& pool) {
  out << YAML::Key << "pool" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "max_idle" << YAML::Value << pool.max_idle;
  emit_duration(out, "idle_ttl", pool.idle_ttl);
  out << YAML::Key << "max_total" << YAML::Value << pool.max_total;
  out << YAML::EndMap;
}

void emit_upstreams(YAML::Emitter& out, const Config& config) {
  out << YAML::Key << "upstreams" << YAML::Value << YAML::BeginMap;
  for (const auto& upstream : config.upstreams) {
    out << YAML::Key << upstream.name << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "endpoints" << YAML::Value << YAML::Flow << YAML::BeginSeq;
    for (const auto& endpoint : upstream.endpoints) {
      out << endpoint.to_string();
    }
    out << YAML::EndSeq;
    emit_pool(out, upstream.pool);
    if (upstream.host_rewrite) {
      out << YAML::Key << "host_rewrite" << YAML::Value << *upstream.host_rewrite;
    }
    out << YAML::Key << "balance" << YAML::Value << to_string(upstream.balance);
    out << YAML::EndMap;
  }
  out << YAML::EndMap;
}

void emit_match(YAML::Emitter& out, const RouteMatch& match) {
  out << YAML::Key << "match" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << to_string(match.kind) << YAML::Value << YAML::DoubleQuoted << match.path;
  if (!match.methods.empty()) {
    out << YAML::Key << "methods" << YAML::Value << YAML::Flow << YAML::BeginSeq;
    for (auto method : match.methods) {
      out << std::string(method_name(method));
    }
    out << YAML::EndSeq;
  }
  if (!match.host.empty()) {
    out << YAML::Key << "host" << YAML::Value << match.host;
  }
  out << YAML::EndMap;
}

template <typename T>
void emit_list(YAML::Emitter& out, const char* key, const std::vector<T>& items) {
  out << YAML::Key << key << YAML::Value << YAML::Flow << YAML::BeginSeq;
  for (const auto& item : items) {
    out << item;
  }
  out << YAML::EndSeq;
}

// Every key, so /config shows the effective settings; optional ones only when set.
void emit_route_cache(YAML::Emitter& out, const RouteCacheOptions& cache) {
  out << YAML::Key << "cache" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "enabled" << YAML::Value << cache.enabled;
  if (cache.mode) {
    out << YAML::Key << "mode" << YAML::Value << to_string(*cache.mode);
  }
  if (cache.ttl) {
    emit_duration(out, "ttl", *cache.ttl);
  }
  emit_list(out, "ttl_statuses", cache.ttl_statuses);
  if (cache.stale_while_revalidate) {
    emit_duration(out, "stale_while_revalidate", *cache.stale_while_revalidate);
  }
  if (cache.stale_if_error) {
    emit_duration(out, "stale_if_error", *cache.stale_if_error);
  }
  out << YAML::Key << "refresh_ahead" << YAML::Value
      << detail::format_fraction(cache.refresh_ahead);
  out << YAML::Key << "sort_query" << YAML::Value << cache.sort_query;
  emit_list(out, "drop_query", cache.drop_query);
  emit_list(out, "include_headers", cache.include_headers);
  if (cache.body_key != BodyKeyKind::kNone) {
    out << YAML::Key << "key" << YAML::Value << YAML::Flow << YAML::BeginSeq
        << to_string(cache.body_key) << YAML::EndSeq;
  }
  emit_size(out, "max_body_bytes", cache.max_body_bytes);
  out << YAML::Key << "set_cookie" << YAML::Value << to_string(cache.set_cookie);
  out << YAML::Key << "store_no_store" << YAML::Value << cache.store_no_store;
  out << YAML::Key << "store_private" << YAML::Value << cache.store_private;
  out << YAML::Key << "heuristic" << YAML::Value << cache.heuristic;
  if (cache.max_object) {
    emit_size(out, "max_object", *cache.max_object);
  }
  out << YAML::EndMap;
}

void emit_cache(YAML::Emitter& out, const CacheOptions& cache) {
  out << YAML::Key << "cache" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "enabled" << YAML::Value << cache.enabled;
  out << YAML::Key << "mode" << YAML::Value << to_string(cache.mode);
  emit_size(out, "max_memory", cache.max_memory);
  emit_size(out, "max_object", cache.max_object);
  emit_duration(out, "collapse_timeout", cache.collapse_timeout);
  out << YAML::EndMap;
}

void emit_routes(YAML::Emitter& out, const Config& config) {
  out << YAML::Key << "routes" << YAML::Value << YAML::BeginSeq;
  for (const auto& route : config.routes) {
    out << YAML::BeginMap;
    out << YAML::Key << "name" << YAML::Value << route.name;
    emit_match(out, route.match);
    out << YAML::Key << "upstream" << YAML::Value << route.upstream;
    if (route.timeout) {
      emit_duration(out, "timeout", *route.timeout);
    }
    emit_route_cache(out, route.cache);
    out << YAML::EndMap;
  }
  out << YAML::EndSeq;
}

void emit_limits(YAML::Emitter& out, const LimitsOptions& limits) {
  out << YAML::Key << "limits" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "max_connections" << YAML::Value << limits.max_connections;
  emit_size(out, "max_header_bytes", limits.max_header_bytes);
  out << YAML::Key << "max_headers" << YAML::Value << limits.max_headers;
  emit_size(out, "max_target_bytes", limits.max_target_bytes);
  emit_size(out, "max_body_bytes", limits.max_body_bytes);
  out << YAML::EndMap;
}

void emit_timeouts(YAML::Emitter& out, const TimeoutOptions& t) {
  out << YAML::Key << "timeouts" << YAML::Value << YAML::BeginMap;
  emit_duration(out, "client_header", t.client_header);
  emit_duration(out, "client_idle", t.client_idle);
  emit_duration(out, "client_body", t.client_body);
  emit_duration(out, "upstream_connect", t.upstream_connect);
  emit_duration(out, "upstream_header", t.upstream_header);
  emit_duration(out, "upstream_body", t.upstream_body);
  emit_duration(out, "request", t.request);
  emit_duration(out, "drain", t.drain);
  out << YAML::EndMap;
}

void emit_proxy(YAML::Emitter& out, const ProxyOptions& proxy) {
  out << YAML::Key << "proxy" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "via" << YAML::Value << proxy.via;
  out << YAML::Key << "x_forwarded" << YAML::Value << proxy.x_forwarded;
  out << YAML::Key << "trusted_proxies" << YAML::Value << YAML::Flow << YAML::BeginSeq;
  for (const auto& cidr : proxy.trusted_proxies) {
    out << cidr.to_string();
  }
  out << YAML::EndSeq;
  out << YAML::Key << "add_request_id" << YAML::Value << proxy.add_request_id;
  out << YAML::Key << "timing_headers" << YAML::Value << proxy.timing_headers;
  out << YAML::EndMap;
}

void emit_top(YAML::Emitter& out, const Config& config) {
  out << YAML::Key << "profile" << YAML::Value << to_string(config.profile);
  out << YAML::Key << "listen" << YAML::Value << config.listen.to_string();
  out << YAML::Key << "workers" << YAML::Value << workers_text(config.workers);
  out << YAML::Key << "admin" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "listen" << YAML::Value << config.admin.listen.to_string();
  out << YAML::Key << "token" << YAML::Value << YAML::DoubleQuoted
      << (config.admin.token.empty() ? "" : kRedacted);
  out << YAML::EndMap;
}

void emit_log(YAML::Emitter& out, const LogOptions& log) {
  out << YAML::Key << "log" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "level" << YAML::Value << to_string(log.level);
  out << YAML::Key << "access" << YAML::Value << to_string(log.access);
  out << YAML::Key << "access_path" << YAML::Value << log.access_path;
  out << YAML::EndMap;
}

}  // namespace

std::string describe(const Config& config) {
  std::string line = "profile=" + std::string(to_string(config.profile)) +
                     " listen=" + config.listen.to_string() +
                     " workers=" + workers_text(config.workers) +
                     " admin=" + config.admin.listen.to_string() + " upstreams=";
  for (std::size_t i = 0; i < config.upstreams.size(); ++i) {
    const auto& upstream = config.upstreams[i];
    line.append(i == 0 ? "" : ",").append(upstream.name).append("[");
    for (std::size_t j = 0; j < upstream.endpoints.size(); ++j) {
      line.append(j == 0 ? "" : " ").append(upstream.endpoints[j].to_string());
    }
    line.append("]");
  }
  line.append(" routes=").append(std::to_string(config.routes.size()));
  line.append(" max_connections=").append(std::to_string(config.limits.max_connections));
  line.append(" request_timeout=").append(core::format_duration(config.timeouts.request));
  line.append(" access_log=").append(to_string(config.log.access));
  line.append(" cache=").append(config.cache.enabled ? to_string(config.cache.mode) : "off");
  line.append(" max_memory=").append(core::format_size(config.cache.max_memory));
  line.append(" source=").append(config.source);
  return line;
}

std::string to_yaml_redacted(const Config& config) {
  YAML::Emitter out;
  out << YAML::BeginMap;
  emit_top(out, config);
  emit_upstreams(out, config);
  emit_routes(out, config);
  emit_limits(out, config.limits);
  emit_timeouts(out, config.timeouts);
  emit_proxy(out, config.proxy);
  emit_log(out, config.log);
  emit_cache(out, config.cache);
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

}  // namespace ramjet::config
