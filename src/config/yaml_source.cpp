#include "config/yaml_source.hpp"

#include <yaml-cpp/eventhandler.h>

#include <algorithm>
#include <array>
#include <regex>
#include <sstream>

#include "config/addresses.hpp"

namespace ramjet::config::detail {
namespace {

using namespace std::chrono_literals;

using Names = std::span<const std::string_view>;

constexpr std::array<std::string_view, 11> kTopLevelKeys{
    "profile", "listen", "workers",  "admin", "upstreams", "routes",
    "limits",  "timeouts", "proxy", "log",   "cache"};
constexpr std::array<std::string_view, 6> kSections{"admin", "limits", "timeouts",
                                                    "proxy", "log",    "cache"};
constexpr std::array<std::string_view, 4> kUpstreamKeys{"endpoints", "pool", "host_rewrite",
                                                        "balance"};
constexpr std::array<std::string_view, 3> kPoolKeys{"max_idle", "idle_ttl", "max_total"};
constexpr std::array<std::string_view, 5> kRouteKeys{"name", "match", "upstream", "timeout",
                                                     "cache"};
constexpr std::array<std::string_view, 5> kMatchKeys{"path_prefix", "path", "path_regex", "methods",
                                                     "host"};
constexpr std::array<std::string_view, 17> kRouteCacheKeys{
    "enabled",        "mode",          "ttl",           "ttl_statuses",   "stale_while_revalidate",
    "stale_if_error", "refresh_ahead", "sort_query",    "drop_query",     "include_headers",
    "key",            "max_body_bytes", "set_cookie",   "store_no_store", "store_private",
    "heuristic",      "max_object"};
// The components a route's cache `key:` may list, besides "header:NAME".
constexpr std::array<std::string_view, 6> kKeyComponents{"method", "host", "path",
                                                         "query",  "body", "json_body"};
constexpr std::string_view kHeaderComponent = "header:";

// Keys of the design that later versions will accept: named as such rather than "unknown".
constexpr std::array<std::string_view, 5> kPlannedTopLevel{"compression", "cors", "metrics", "jobs",
                                                           "redis"};
constexpr std::array<std::string_view, 4> kPlannedUpstream{"health_check", "circuit_breaker",
                                                           "retry", "tls"};
constexpr std::array<std::string_view, 6> kPlannedRoute{
    "retry", "rate_limit", "concurrency", "validate_json", "cors", "compression"};
constexpr std::array<std::string_view, 4> kPlannedBalance{"least_request", "random", "ip_hash",
                                                          "consistent_hash"};

constexpr std::size_t kMaxNameBytes = 64;
constexpr std::size_t kMaxRegexBytes = 1024;

const char* kind_of(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Scalar:
      return "a single value";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Map:
      return "a mapping";
    default:
      return "nothing";
  }
}

std::string quoted(std::string_view text) { return "'" + std::string(text) + "'"; }

bool contains(Names names, std::string_view key) {
  return std::find(names.begin(), names.end(), key) != names.end();
}

bool contains(const std::vector<std::string>& names, std::string_view key) {
  return std::find(names.begin(), names.end(), key) != names.end();
}

// Appends a header name to the key, once: from include_headers or a key's "header:NAME".
void add_key_header(const Value& value, std::string_view key, RouteCacheOptions& cache) {
  std::string name = parse_header_name(value, key);
  if (contains(cache.include_headers, name)) {
    fail(value.where, "header " + quoted(name) + " is already part of the cache key");
  }
  cache.include_headers.push_back(std::move(name));
}

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-' || c == '.';
}

bool is_path_char(char c) {
  static constexpr std::string_view kOthers = "-._~!$&'()*+,;=:@/%";
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         kOthers.find(c) != std::string_view::npos;
}

bool is_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// An origin-form path: '/' then pchars, '/' and %XX escapes.
bool valid_path(std::string_view path) {
  if (path.empty() || path.front() != '/') {
    return false;
  }
  for (std::size_t i = 0; i < path.size(); ++i) {
    if (!is_path_char(path[i])) {
      return false;
    }
    if (path[i] == '%' && (i + 2 >= path.size() || !is_hex(path[i + 1]) || !is_hex(path[i + 2]))) {
      return false;
    }
  }
  return true;
}

// "FILE:LINE:COL" (1-based) or just "FILE" when yaml-cpp knows no position.
std::string position(const YAML::Mark& mark, std::string_view file) {
  if (mark.is_null() || mark.line < 0 || mark.column < 0) {
    return std::string(file);
  }
  return std::string(file) + ":" + std::to_string(mark.line + 1) + ":" +
         std::to_string(mark.column + 1);
}

// Sees one document's events: where it starts and whether it holds more than a null.
class DocumentProbe : public YAML::EventHandler {
 public:
  YAML::Mark start = YAML::Mark::null_mark();
  bool has_content = false;

  void OnDocumentStart(const YAML::Mark& mark) override { start = mark; }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override { has_content = true; }
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {
    has_content = true;
  }
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {
    has_content = true;
  }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {
    has_content = true;
  }
  void OnMapEnd() override {}
};

std::string unexpected_byte(std::string_view text, int pos) {
  if (pos < 0 || static_cast<std::size_t>(pos) >= text.size()) {
    return "unexpected end of input";
  }
  const auto byte = static_cast<unsigned char>(text[static_cast<std::size_t>(pos)]);
  if (byte > 0x20 && byte < 0x7f) {
    return std::string("unexpected '") + static_cast<char>(byte) + "'";
  }
  static constexpr std::string_view kHex = "0123456789abcdef";
  return std::string("unexpected byte 0x") + kHex[byte >> 4] + kHex[byte & 0xf];
}

// Walks the documents of `text` without building them. Refuses a second document with
// content, and a parser that stops advancing: yaml-cpp 0.7 then returns the same empty
// document forever (on a line starting with ',' for instance), which makes YAML::LoadAll
// loop and YAML::Load silently return null for a file that is not empty.
void check_documents(std::string_view text, std::string_view file) {
  std::istringstream stream{std::string(text)};
  YAML::Parser parser(stream);
  int previous_start = -1;
  for (std::size_t index = 0; index <= text.size() + 1; ++index) {
    DocumentProbe probe;
    if (!parser.HandleNextDocument(probe)) {
      return;
    }
    if (probe.start.pos == previous_start) {
      fail(position(probe.start, file),
           "YAML syntax error: " + unexpected_byte(text, probe.start.pos));
    }
    if (index > 0 && probe.has_content) {
      fail(position(probe.start, file), "only one YAML document is allowed per file");
    }
    previous_start = probe.start.pos;
  }
  fail(file, "YAML syntax error: the parser stopped advancing");
}

class YamlSource {
 public:
  YamlSource(Draft& draft, std::string_view file) : draft_(draft), file_(file) {}

  void apply(const YAML::Node& root);

 private:
  std::string where(const YAML::Node& node) const;
  std::string where_value(const YAML::Node& key, const YAML::Node& value) const;
  Value scalar(const YAML::Node& key, const YAML::Node& value, std::string_view what) const;
  std::vector<Value> scalars(const YAML::Node& key, const YAML::Node& value,
                             std::string_view what) const;
  template <typename Fn>
  void for_each_entry(const YAML::Node& map, std::string_view what, Fn&& fn) const;
  [[noreturn]] void unknown_key(const YAML::Node& key, std::string_view context, Names known,
                                Names planned) const;
  std::string name(const YAML::Node& key, const YAML::Node& value, std::string_view what) const;

  void apply_section(std::string_view section, const YAML::Node& key, const YAML::Node& value);
  void apply_upstreams(const YAML::Node& key, const YAML::Node& value);
  UpstreamOptions parse_upstream(const YAML::Node& key, const YAML::Node& value) const;
  PoolOptions parse_pool(const YAML::Node& key, const YAML::Node& value, PoolOptions pool) const;
  Balance parse_balance(const Value& value) const;
  void apply_routes(const YAML::Node& key, const YAML::Node& value);
  void apply_route(const YAML::Node& item, std::size_t index);
  void parse_match(const YAML::Node& key, const YAML::Node& value, RouteMatch& match) const;
  void parse_match_path(const Value& value, std::string_view key, RouteMatch& match) const;
  std::vector<http::Method> parse_methods(const YAML::Node& key, const YAML::Node& value) const;
  void parse_route_cache(const YAML::Node& value, RouteCacheOptions& cache,
                         std::string& max_object_where) const;
  bool parse_cache_scalar(std::string_view field, const YAML::Node& k, const YAML::Node& v,
                          RouteCacheOptions& cache) const;
  bool parse_cache_list(std::string_view field, const YAML::Node& k, const YAML::Node& v,
                        RouteCacheOptions& cache) const;
  void parse_cache_key(const YAML::Node& key, const YAML::Node& value,
                       RouteCacheOptions& cache) const;

  Draft& draft_;
  std::string_view file_;
};

std::string YamlSource::where(const YAML::Node& node) const { return position(node.Mark(), file_); }

// An empty value's mark points past the line of its key, so errors about it point at the key.
std::string YamlSource::where_value(const YAML::Node& key, const YAML::Node& value) const {
  return value.IsNull() ? where(key) : where(value);
}

Value YamlSource::scalar(const YAML::Node& key, const YAML::Node& value,
                         std::string_view what) const {
  if (value.IsNull()) {
    fail(where(key), quoted(what) + " needs a value");
  }
  if (!value.IsScalar()) {
    fail(where(value), quoted(what) + " must be a single value, got " + kind_of(value));
  }
  Value out{value.Scalar(), where(value)};
  check_printable(out);
  return out;
}

std::vector<Value> YamlSource::scalars(const YAML::Node& key, const YAML::Node& value,
                                       std::string_view what) const {
  std::vector<Value> out;
  if (value.IsNull()) {
    return out;
  }
  if (!value.IsSequence()) {
    fail(where(value), quoted(what) + " must be a list, got " + kind_of(value));
  }
  for (const auto& item : value) {
    if (item.IsNull() || !item.IsScalar()) {
      fail(where_value(key, item),
           "each entry of " + quoted(what) + " must be a single value, got " + kind_of(item));
    }
    out.push_back(Value{item.Scalar(), where(item)});
    check_printable(out.back());
  }
  return out;
}

// Calls fn(key_text, key_node, value_node) for each entry of a mapping (null = no entries),
// after checking that keys are plain and not repeated.
template <typename Fn>
void YamlSource::for_each_entry(const YAML::Node& map, std::string_view what, Fn&& fn) const {
  if (map.IsNull()) {
    return;
  }
  if (!map.IsMap()) {
    fail(where(map), std::string(what) + " must be a mapping of keys, got " + kind_of(map));
  }
  std::vector<std::pair<std::string_view, std::string>> seen;
  for (const auto& entry : map) {
    const YAML::Node& key = entry.first;
    if (!key.IsScalar()) {
      fail(where(key),
           "keys in " + std::string(what) + " must be plain names, got " + kind_of(key));
    }
    const std::string& text = key.Scalar();
    for (const auto& [previous, previous_where] : seen) {
      if (previous == text) {
        fail(where(key), "duplicate key " + quoted(text) + " in " + std::string(what) +
                             " (first at " + previous_where + ")");
      }
    }
    seen.emplace_back(text, where(key));
    fn(std::string_view(text), key, entry.second);
  }
}

void YamlSource::unknown_key(const YAML::Node& key, std::string_view context, Names known,
                             Names planned) const {
  const std::string& text = key.Scalar();
  if (contains(planned, text)) {
    fail(where(key), quoted(text) + " in " + std::string(context) +
                         " is not supported yet by this version of ramjet");
  }
  fail(where(key),
       "unknown key " + quoted(text) + " in " + std::string(context) + did_you_mean(text, known));
}

std::string YamlSource::name(const YAML::Node& key, const YAML::Node& value,
                             std::string_view what) const {
  const Value v = scalar(key, value, what);
  if (v.text.empty() || v.text.size() > kMaxNameBytes ||
      !std::all_of(v.text.begin(), v.text.end(), is_name_char)) {
    fail(v.where,
         quoted(what) + " must be 1 to 64 letters, digits, '_', '-' or '.', got " + quoted(v.text));
  }
  return std::string(v.text);
}

void YamlSource::apply(const YAML::Node& root) {
  if (!root.IsNull() && !root.IsMap()) {
    fail(where(root),
         std::string("the configuration must be a mapping of keys, got ") + kind_of(root));
  }
  for_each_entry(root, "the top level",
                 [&](std::string_view key, const YAML::Node& k, const YAML::Node& v) {
                   if (key == "upstreams") {
                     apply_upstreams(k, v);
                   } else if (key == "routes") {
                     apply_routes(k, v);
                   } else if (contains(kSections, key)) {
                     apply_section(key, k, v);
                   } else if (const Setting* setting = find_setting(key); setting != nullptr) {
                     apply_setting(draft_, *setting, scalar(k, v, key));
                   } else {
                     unknown_key(k, "the top level", kTopLevelKeys, kPlannedTopLevel);
                   }
                 });
}

void YamlSource::apply_section(std::string_view section, const YAML::Node& key,
                               const YAML::Node& value) {
  const std::string prefix = std::string(section) + ".";
  for_each_entry(value, quoted(section),
                 [&](std::string_view name, const YAML::Node& k, const YAML::Node& v) {
                   const std::string path = prefix + std::string(name);
                   const Setting* setting = find_setting(path);
                   if (setting == nullptr) {
                     std::vector<std::string_view> known;
                     for (const auto& s : settings()) {
                       if (s.path.starts_with(prefix)) {
                         known.push_back(s.path.substr(prefix.size()));
                       }
                     }
                     unknown_key(k, quoted(section), known, {});
                   }
                   if (setting->apply_list != nullptr) {
                     const std::vector<Value> values = scalars(k, v, path);
                     apply_list_setting(draft_, *setting, values, where_value(k, v));
                   } else {
                     apply_setting(draft_, *setting, scalar(k, v, path));
                   }
                 });
}

void YamlSource::apply_upstreams(const YAML::Node& key, const YAML::Node& value) {
  draft_.config.upstreams.clear();
  draft_.upstream_where.clear();
  for_each_entry(value, "'upstreams'",
                 [&](std::string_view, const YAML::Node& k, const YAML::Node& v) {
                   draft_.config.upstreams.push_back(parse_upstream(k, v));
                   draft_.upstream_where.push_back(where(k));
                 });
}

UpstreamOptions YamlSource::parse_upstream(const YAML::Node& key, const YAML::Node& value) const {
  UpstreamOptions upstream;
  upstream.name = name(key, key, "upstream name");
  upstream.pool = default_pool(draft_.config.profile);
  const std::string context = "upstream " + quoted(upstream.name);
  bool has_endpoints = false;
  for_each_entry(
      value, context, [&](std::string_view field, const YAML::Node& k, const YAML::Node& v) {
        if (field == "endpoints") {
          upstream.endpoints = parse_endpoints(scalars(k, v, "endpoints"), where_value(k, v));
          has_endpoints = true;
        } else if (field == "pool") {
          upstream.pool = parse_pool(k, v, upstream.pool);
        } else if (field == "host_rewrite") {
          const Value text = scalar(k, v, "host_rewrite");
          auto host = parse_host_header(text.text);
          if (!host) {
            fail(text.where,
                 "'host_rewrite': invalid host " + quoted(text.text) + ": " + host.error().message);
          }
          upstream.host_rewrite = std::move(*host);
        } else if (field == "balance") {
          upstream.balance = parse_balance(scalar(k, v, "balance"));
        } else {
          unknown_key(k, context, kUpstreamKeys, kPlannedUpstream);
        }
      });
  if (!has_endpoints) {
    fail(where(key), context + " needs 'endpoints' (a list such as [127.0.0.1:5000])");
  }
  return upstream;
}

PoolOptions YamlSource::parse_pool(const YAML::Node& key, const YAML::Node& value,
                                   PoolOptions pool) const {
  for_each_entry(
      value, "'pool'", [&](std::string_view field, const YAML::Node& k, const YAML::Node& v) {
        if (field == "max_idle") {
          pool.max_idle = static_cast<std::uint32_t>(
              parse_count(scalar(k, v, "pool.max_idle"), "pool.max_idle", 0, 100'000));
        } else if (field == "idle_ttl") {
          pool.idle_ttl = parse_time(scalar(k, v, "pool.idle_ttl"), "pool.idle_ttl", 1ms, 1h);
        } else if (field == "max_total") {
          pool.max_total = static_cast<std::uint32_t>(
              parse_count(scalar(k, v, "pool.max_total"), "pool.max_total", 1, 100'000));
        } else {
          unknown_key(k, "'pool'", kPoolKeys, {});
        }
      });
  if (pool.max_idle > pool.max_total) {
    fail(where(key), "'pool.max_idle' (" + std::to_string(pool.max_idle) +
                         ") must not exceed 'pool.max_total' (" + std::to_string(pool.max_total) +
                         ")");
  }
  return pool;
}

Balance YamlSource::parse_balance(const Value& value) const {
  if (value.text == "round_robin") {
    return Balance::kRoundRobin;
  }
  if (contains(kPlannedBalance, value.text)) {
    fail(value.where,
         "'balance': " + quoted(value.text) + " is not supported yet (only round_robin)");
  }
  constexpr std::array<std::string_view, 1> kKnown{"round_robin"};
  fail(value.where, "'balance' must be round_robin, got " + quoted(value.text) +
                        did_you_mean(value.text, kKnown));
}

void YamlSource::apply_routes(const YAML::Node& key, const YAML::Node& value) {
  draft_.config.routes.clear();
  draft_.route_where.clear();
  draft_.route_max_object_where.clear();
  if (value.IsNull()) {
    return;
  }
  if (!value.IsSequence()) {
    fail(where(value), "'routes' must be a list, got " + std::string(kind_of(value)));
  }
  std::size_t index = 0;
  for (const auto& item : value) {
    if (!item.IsMap()) {
      fail(where_value(key, item),
           "each route must be a mapping with 'match' and 'upstream', got " +
               std::string(kind_of(item)));
    }
    apply_route(item, index++);
  }
}

void YamlSource::apply_route(const YAML::Node& item, std::size_t index) {
  Route route;
  route.name = "route" + std::to_string(index + 1);
  std::string upstream_where;
  std::string max_object_where;
  for_each_entry(item, "a route",
                 [&](std::string_view field, const YAML::Node& k, const YAML::Node& v) {
                   if (field == "name") {
                     route.name = name(k, v, "name");
                   } else if (field == "match") {
                     parse_match(k, v, route.match);
                   } else if (field == "upstream") {
                     route.upstream = name(k, v, "upstream");
                     upstream_where = where(v);
                   } else if (field == "timeout") {
                     route.timeout = parse_time(scalar(k, v, "timeout"), "timeout", 1ms, 24h);
                   } else if (field == "cache") {
                     parse_route_cache(v, route.cache, max_object_where);
                   } else {
                     unknown_key(k, "a route", kRouteKeys, kPlannedRoute);
                   }
                 });
  if (upstream_where.empty()) {
    fail(where(item), "route " + quoted(route.name) + " needs 'upstream'");
  }
  for (const auto& other : draft_.config.routes) {
    if (other.name == route.name) {
      fail(where(item), "route name " + quoted(route.name) + " is used twice");
    }
  }
  draft_.config.routes.push_back(std::move(route));
  draft_.route_where.push_back(std::move(upstream_where));
  draft_.route_max_object_where.push_back(std::move(max_object_where));
}

// `cache: true`, `cache: false`, or a mapping of the keys in kRouteCacheKeys.
void YamlSource::parse_route_cache(const YAML::Node& value, RouteCacheOptions& cache,
                                   std::string& max_object_where) const {
  if (value.IsScalar()) {
    const Value v{value.Scalar(), where(value)};
    check_printable(v);
    if (v.text != "true" && v.text != "false") {
      fail(v.where, "'cache' in a route must be true, false or a mapping of cache keys, got " +
                        quoted(v.text));
    }
    cache.enabled = v.text == "true";
    return;
  }
  if (value.IsSequence()) {
    fail(where(value), "'cache' in a route must be true, false or a mapping of cache keys, got "
                       "a list");
  }
  for_each_entry(value, "'cache'",
                 [&](std::string_view field, const YAML::Node& k, const YAML::Node& v) {
                   if (field == "max_object") {
                     max_object_where = where_value(k, v);
                   }
                   if (!parse_cache_scalar(field, k, v, cache) &&
                       !parse_cache_list(field, k, v, cache)) {
                     unknown_key(k, "a route's 'cache'", kRouteCacheKeys, {});
                   }
                 });
}

bool YamlSource::parse_cache_scalar(std::string_view field, const YAML::Node& k,
                                    const YAML::Node& v, RouteCacheOptions& cache) const {
  constexpr Duration kMaxAge = 8760h;  // a year
  const std::string path = "cache." + std::string(field);
  const auto value = [&] { return scalar(k, v, path); };
  if (field == "enabled") {
    cache.enabled = parse_bool(value(), path);
  } else if (field == "mode") {
    cache.mode = parse_cache_mode(value(), path);
  } else if (field == "ttl") {
    cache.ttl = parse_time(value(), path, 1ms, kMaxAge);
  } else if (field == "stale_while_revalidate") {
    cache.stale_while_revalidate = parse_time(value(), path, Duration::zero(), kMaxAge);
  } else if (field == "stale_if_error") {
    cache.stale_if_error = parse_time(value(), path, Duration::zero(), kMaxAge);
  } else if (field == "refresh_ahead") {
    cache.refresh_ahead = parse_fraction(value(), path);
  } else if (field == "sort_query") {
    cache.sort_query = parse_bool(value(), path);
  } else if (field == "max_body_bytes") {
    cache.max_body_bytes = parse_bytes(value(), path, 0, 1ULL << 30);
  } else if (field == "set_cookie") {
    cache.set_cookie = parse_set_cookie(value(), path);
  } else if (field == "store_no_store") {
    cache.store_no_store = parse_bool(value(), path);
  } else if (field == "store_private") {
    cache.store_private = parse_bool(value(), path);
  } else if (field == "heuristic") {
    cache.heuristic = parse_bool(value(), path);
  } else if (field == "max_object") {
    cache.max_object = parse_bytes(value(), path, 1024, 1ULL << 38);
  } else {
    return false;
  }
  return true;
}

bool YamlSource::parse_cache_list(std::string_view field, const YAML::Node& k, const YAML::Node& v,
                                  RouteCacheOptions& cache) const {
  const std::string path = "cache." + std::string(field);
  if (field == "ttl_statuses") {
    cache.ttl_statuses.clear();
    for (const Value& item : scalars(k, v, path)) {
      const int status = static_cast<int>(parse_count(item, path, 200, 599));
      if (std::find(cache.ttl_statuses.begin(), cache.ttl_statuses.end(), status) !=
          cache.ttl_statuses.end()) {
        fail(item.where, "status " + quoted(item.text) + " is listed twice in " + quoted(path));
      }
      cache.ttl_statuses.push_back(status);
    }
  } else if (field == "drop_query") {
    cache.drop_query.clear();
    for (const Value& item : scalars(k, v, path)) {
      std::string pattern = parse_query_pattern(item, path);
      if (contains(cache.drop_query, pattern)) {
        fail(item.where, quoted(pattern) + " is listed twice in " + quoted(path));
      }
      cache.drop_query.push_back(std::move(pattern));
    }
  } else if (field == "include_headers") {
    for (const Value& item : scalars(k, v, path)) {
      add_key_header(item, path, cache);
    }
  } else if (field == "key") {
    parse_cache_key(k, v, cache);
  } else {
    return false;
  }
  return true;
}

// `key: [method, path, json_body, "header:Accept-Language"]`. Method, host, path and query
// are always in the key; they are accepted so a key can be written out in full.
void YamlSource::parse_cache_key(const YAML::Node& key, const YAML::Node& value,
                                 RouteCacheOptions& cache) const {
  std::vector<std::string_view> seen;
  for (const Value& item : scalars(key, value, "cache.key")) {
    if (item.text.starts_with(kHeaderComponent)) {
      add_key_header(Value{item.text.substr(kHeaderComponent.size()), item.where}, "cache.key",
                     cache);
      continue;
    }
    if (!contains(kKeyComponents, item.text)) {
      fail(item.where, "unknown key component " + quoted(item.text) + " in 'cache.key'" +
                           did_you_mean(item.text, kKeyComponents) +
                           "; use method, host, path, query, body, json_body or header:NAME");
    }
    if (contains(seen, item.text)) {
      fail(item.where, quoted(item.text) + " is listed twice in 'cache.key'");
    }
    if ((item.text == "body" || item.text == "json_body") &&
        cache.body_key != BodyKeyKind::kNone) {
      fail(item.where, "'cache.key' takes at most one of body and json_body");
    }
    seen.push_back(item.text);
    if (item.text == "body") {
      cache.body_key = BodyKeyKind::kRaw;
    } else if (item.text == "json_body") {
      cache.body_key = BodyKeyKind::kJson;
    }
  }
}

void YamlSource::parse_match(const YAML::Node& key, const YAML::Node& value,
                             RouteMatch& match) const {
  bool has_path = false;
  for_each_entry(
      value, "'match'", [&](std::string_view field, const YAML::Node& k, const YAML::Node& v) {
        if (field == "path_prefix" || field == "path" || field == "path_regex") {
          if (has_path) {
            fail(where(k), "'match' takes only one of path_prefix, path and path_regex");
          }
          has_path = true;
          parse_match_path(scalar(k, v, field), field, match);
        } else if (field == "methods") {
          match.methods = parse_methods(k, v);
        } else if (field == "host") {
          const Value text = scalar(k, v, "host");
          auto host = parse_host_header(text.text);
          if (!host) {
            fail(text.where,
                 "'host': invalid host " + quoted(text.text) + ": " + host.error().message);
          }
          match.host = std::move(*host);
        } else {
          unknown_key(k, "'match'", kMatchKeys, {});
        }
      });
}

void YamlSource::parse_match_path(const Value& value, std::string_view key,
                                  RouteMatch& match) const {
  match.path = std::string(value.text);
  if (key == "path_regex") {
    match.kind = MatchKind::kPathRegex;
    if (value.text.empty() || value.text.size() > kMaxRegexBytes) {
      fail(value.where, "'path_regex' must be 1 to 1024 bytes long");
    }
    try {
      match.regex = std::make_shared<const std::regex>(match.path, std::regex::ECMAScript);
    } catch (const std::regex_error& error) {
      fail(value.where,
           "'path_regex': invalid regular expression " + quoted(value.text) + ": " + error.what());
    }
    return;
  }
  match.kind = key == "path" ? MatchKind::kPath : MatchKind::kPathPrefix;
  if (!valid_path(value.text) || value.text.size() > 4096) {
    fail(value.where, quoted(key) +
                          " must be a URL path starting with '/' (ASCII, %-escaped), got " +
                          quoted(value.text));
  }
}

std::vector<http::Method> YamlSource::parse_methods(const YAML::Node& key,
                                                    const YAML::Node& value) const {
  std::vector<http::Method> methods;
  std::vector<std::string_view> names;
  for (const auto& m : method_names()) {
    names.push_back(m.name);
  }
  for (const Value& v : scalars(key, value, "methods")) {
    auto it = std::find_if(method_names().begin(), method_names().end(),
                           [&](const MethodName& m) { return m.name == v.text; });
    if (it == method_names().end()) {
      fail(v.where, "unknown method " + quoted(v.text) + did_you_mean(v.text, names));
    }
    if (std::find(methods.begin(), methods.end(), it->method) != methods.end()) {
      fail(v.where, "method " + quoted(v.text) + " is listed twice");
    }
    methods.push_back(it->method);
  }
  return methods;
}

}  // namespace

YAML::Node parse_yaml(std::string_view text, std::string_view file) {
  try {
    check_documents(text, file);
    return YAML::Load(std::string(text));
  } catch (const YAML::ParserException& error) {
    fail(position(error.mark, file), "YAML syntax error: " + error.msg);
  }
}

std::optional<Profile> profile_in_yaml(const YAML::Node& root, std::string_view file) {
  if (!root.IsMap()) {
    return std::nullopt;
  }
  std::optional<Profile> profile;
  for (const auto& entry : root) {
    if (entry.first.IsScalar() && entry.first.Scalar() == "profile" && entry.second.IsScalar()) {
      profile = parse_profile(Value{entry.second.Scalar(), position(entry.second.Mark(), file)});
    }
  }
  return profile;
}

void apply_yaml(Draft& draft, const YAML::Node& root, std::string_view file) {
  YamlSource(draft, file).apply(root);
}

}  // namespace ramjet::config::detail
