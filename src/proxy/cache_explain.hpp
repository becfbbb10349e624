#pragma once
// /cache/explain: what the proxy would do with one described request and the response
// cache, told without sending it anywhere. It runs the request path's own decision code:
// the HTTP parser on a head built from the description, match_route (worker.hpp) for the
// route, the route's cache policy from the running snapshot, and consult_cache's decision
// through peek_cache (cache_glue.hpp), which reads the store with Store::peek so that
// explaining records nothing (no frequency, recency or hit counts, nothing reclaimed).
//
// It mirrors the checks the session makes before the cache (CONNECT is 405, no route 404,
// a body over limits.max_body_bytes 413) and the shadow mode rewrite (every cacheable
// request is forwarded). It cannot know what the origin would answer, so a miss says only
// that nothing usable is stored; whether the answer would be stored (no-store, private...)
// is the Cache-Status detail of a real response.
//
// Threading: explain_request() may run on any thread: it reads an immutable configuration
// snapshot, immutable cache policies and the store (per-shard locks). The Server overload
// takes the snapshot new requests get (Server::snapshot()).

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cache/cache.hpp"
#include "config/config.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"
#include "net/address.hpp"
#include "proxy/cache_glue.hpp"
#include "proxy/worker.hpp"

namespace ramjet::proxy {

class Server;

// The request to explain, decoded from the admin request.
struct ExplainRequest {
  std::string method = "GET";
  // Origin-form "/api/x?a=1" (sent with the default host) or absolute "http://host/x".
  std::string url;
  // Request header fields, in order ("Accept-Encoding", "gzip"). A Host field here replaces
  // the default host of an origin-form url. No Content-Length or Transfer-Encoding: the
  // body below frames itself.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;  // the request body, for POST/QUERY on body-keyed routes
};

// What the proxy would do with the request.
enum class ExplainAction : std::uint8_t {
  kReject,           // answered with an error before the cache (reject_status)
  kBypass,           // forwarded; the cache neither answers nor stores
  kServe,            // answered from the stored response
  kServeAndRefresh,  // answered from it, and refreshed in the background
  kFetch,            // forwarded (a miss, or a stale entry without validators); maybe stored
  kRevalidate,       // forwarded with the stored response's validators
  kOnlyIfCached,     // the request's only-if-cached and nothing usable: 504
};

// "reject", "bypass", "serve", "serve_and_refresh", "fetch", "revalidate", "only_if_cached".
const char* to_string(ExplainAction action);

struct CacheExplanation {
  // The request as the proxy would see it.
  std::string method;
  std::string host;    // the Host it carries
  std::string target;  // the request target
  std::string route;   // the matching route's name; empty when none matches
  int reject_status = 0;      // kReject: what the proxy answers (404, 405, 413)
  bool route_caches = false;  // the route has a cache policy and the process a store
  bool shadow = false;        // the route runs the cache in shadow mode
  // consult_cache's verdict (label, fwd, detail, entry, decision); meaningful only when
  // route_caches.
  CacheFront front;
  ExplainAction action = ExplainAction::kBypass;
  ExplainAction live_action = ExplainAction::kBypass;  // shadow: what a live cache would do
  std::string key;             // printable primary key (printable_key); empty if none built
  std::string canonical_body;  // json_body routes: the canonical JSON that was hashed
  std::size_t variants = 0;    // stored variants under the key (Vary)
  std::string reason;          // one human sentence
  // With front.entry: its Age header value, whole seconds of freshness left (truncated, as
  // Cache-Status ttl= says it; negative once stale) and whether it is within its lifetime.
  std::int64_t age_s = 0;
  std::int64_t ttl_left_s = 0;
  bool fresh = false;
};

// What an explanation is computed against. Pointers are borrowed for the call.
struct ExplainContext {
  const config::Config* config = nullptr;
  const Runtime::CachePolicies* policies = nullptr;  // by route index; null: none cache
  const cache::Store* store = nullptr;               // null: no cache in this process
  std::string default_host;  // Host of an origin-form url without a Host header
};

// Explains `request` at `now`. Errors (static message, detail for the client) are requests
// that cannot be described as HTTP: an empty or malformed url, a method that is not an
// upper-case token, a header with a bad name or value, framing headers, or a head the
// proxy's parser refuses.
core::Result<CacheExplanation> explain_request(const ExplainContext& context,
                                               const ExplainRequest& request,
                                               core::MonoTime now);

// The same against the server's current snapshot and store.
core::Result<CacheExplanation> explain_request(const Server& server,
                                               const ExplainRequest& request,
                                               core::MonoTime now);

// The Host a client on this machine sends to the listener: its address, with a wildcard
// address replaced by loopback ("0.0.0.0:8080" -> "127.0.0.1:8080", "[::]:8080" ->
// "[::1]:8080").
std::string default_explain_host(const net::Address& listen);

}  // namespace ramjet::proxy
