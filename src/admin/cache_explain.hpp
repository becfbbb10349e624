#pragma once
// GET|POST /cache/explain on the admin listener: why one request would or would not be
// answered from the response cache. The decision itself is the proxy's own code
// (proxy/cache_explain.hpp); this file is the HTTP surface: the query it reads and the
// JSON it answers (docs/OBSERVABILITY.md has both with examples).
//
// Query (values percent-encoded, '+' is a space):
//   url=<path?query | http://host/path?query>   required
//   method=<METHOD>                             default GET
//   header=<Name: value>                        repeatable; Vary, Cache-Control, keyed headers
// The body of a POST /cache/explain is the body of the explained request (for POST/QUERY on
// body-keyed routes). Explaining changes nothing, so POST needs no token.
//
// Threading: the hook runs on the admin thread. It borrows the Server and the clock, which
// must outlive it (the composition root stops the admin listener before the Server).

#include <functional>
#include <string>
#include <string_view>

#include "admin/handler.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"
#include "proxy/cache_explain.hpp"

namespace ramjet::admin {

// Decodes the query and body of an explain request. Errors are for a 400: unknown or
// repeated parameters, bad percent-encoding, a header without "Name:".
core::Result<proxy::ExplainRequest> parse_explain_query(std::string_view query,
                                                        std::string_view body);

// The JSON body answering `request`, e.g.
//   {"url":"/api/x","method":"GET","host":"127.0.0.1:8080","route":"api","cacheable":true,
//    "shadow":false,"key":"http://127.0.0.1:8080/api/x","verdict":"HIT","would":"serve",
//    "reason":"...","fwd":"","detail":"","variants":1,"entry":{"status":200,...}}
std::string explanation_json(const proxy::ExplainRequest& request,
                             const proxy::CacheExplanation& explanation);

// The AdminHooks::cache_explain hook for `server` (install it only when the server has a
// cache store; without one the handler answers {"enabled":false}).
std::function<AdminResponse(const AdminRequest&)> cache_explain_hook(
    const proxy::Server& server, const core::Clock& clock);

}  // namespace ramjet::admin
