#pragma once
// The admin endpoints' view of the shared response cache (src/cache): figures for /stats,
// the dashboard and the summary line, the body of GET /cache/stats, and POST /cache/purge.
//
// Purge body (JSON, one selector): {"all":true} | {"url":"/path?q"} | {"prefix":"..."} |
// {"glob":"/api/*"} | {"tag":"..."}. Answers {"purged":N}; 400 for anything else.
//
// Threading: the hooks run on the admin thread; cache::Store and cache::CollapseTable lock
// per shard and are built for admin calls from any thread. Ownership: borrows both, which
// must outlive the hooks (the proxy::Server owns them; stop the admin listener first).

#include "admin/handler.hpp"
#include "cache/cache.hpp"

namespace ramjet::admin {

// Hooks for `store` (null when caching is off: the hooks stay empty, so /cache/stats says
// {"enabled":false} and purge answers 501). `flights` may be null.
AdminHooks cache_hooks(cache::Store* store, const cache::CollapseTable* flights);

}  // namespace ramjet::admin
