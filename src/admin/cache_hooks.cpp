#include "admin/cache_hooks.hpp"

#include <nlohmann/json.hpp>

namespace ramjet::admin {
namespace {

using Json = nlohmann::ordered_json;

CacheFigures figures(const cache::Store& store, const cache::CollapseTable* flights) {
  const cache::StoreStats s = store.stats();
  CacheFigures f;
  f.hits = s.hits - s.stale_hits;  // the store counts stale hits among its hits
  f.stale = s.stale_hits;
  f.misses = s.misses;
  f.collapsed = flights != nullptr ? flights->stats().collapsed : 0;
  f.bytes = s.bytes;
  f.entries = s.entries;
  f.evictions = s.evictions;
  return f;
}

std::string stats_body(const cache::Store& store, const cache::CollapseTable* flights) {
  const cache::StoreStats s = store.stats();
  Json body = {{"enabled", true},
               {"entries", s.entries},
               {"bytes", s.bytes},
               {"entry_bytes", s.entry_bytes},
               {"capacity", s.capacity},
               {"hits", s.hits - s.stale_hits},
               {"stale_hits", s.stale_hits},
               {"misses", s.misses},
               {"hit_ratio", s.hits + s.misses == 0 ? Json(nullptr) : Json(s.hit_ratio())},
               {"inserts", s.inserts},
               {"replacements", s.replacements},
               {"evictions", s.evictions},
               {"rejected", s.rejected},
               {"expired", s.expired},
               {"purged", s.purged},
               {"too_large", s.too_large}};
  if (flights != nullptr) {
    const cache::CollapseStats c = flights->stats();
    body["collapse"] = {{"flights", c.flights},     {"collapsed", c.collapsed},
                        {"overflows", c.overflows}, {"timeouts", c.timeouts},
                        {"takeovers", c.takeovers}, {"in_flight", c.in_flight}};
  }
  return body.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n";
}

AdminResponse purge(cache::Store& store, const AdminRequest& request) {
  const Json body = Json::parse(request.body, nullptr, false);
  auto text = [&body](const char* key) -> const std::string* {
    auto it = body.find(key);
    return it != body.end() && it->is_string() ? it->get_ptr<const std::string*>() : nullptr;
  };
  std::size_t purged = 0;
  if (body.is_object() && body.size() == 1 && body.value("all", false)) {
    purged = store.purge_all();
  } else if (const std::string* url = body.is_object() ? text("url") : nullptr) {
    purged = store.purge_url(*url);
  } else if (const std::string* prefix = body.is_object() ? text("prefix") : nullptr) {
    purged = store.purge_prefix(*prefix);
  } else if (const std::string* glob = body.is_object() ? text("glob") : nullptr) {
    purged = store.purge_glob(*glob);
  } else if (const std::string* tag = body.is_object() ? text("tag") : nullptr) {
    purged = store.purge_tag(*tag);
  } else {
    return AdminResponse{400, "application/json",
                         "{\"error\":\"Bad Request\",\"detail\":\"give one of {\\\"all\\\":true}, "
                         "url, prefix, glob or tag\"}\n",
                         {}};
  }
  return AdminResponse{200, "application/json",
                       "{\"purged\":" + std::to_string(purged) + "}\n", {}};
}

}  // namespace

AdminHooks cache_hooks(cache::Store* store, const cache::CollapseTable* flights) {
  AdminHooks hooks;
  if (store == nullptr) {
    return hooks;
  }
  hooks.cache_figures = [store, flights] { return figures(*store, flights); };
  hooks.cache_stats_json = [store, flights] { return stats_body(*store, flights); };
  hooks.cache_purge = [store](const AdminRequest& request) { return purge(*store, request); };
  return hooks;
}

}  // namespace ramjet::admin
