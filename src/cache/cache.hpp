#pragma once
// The response cache (RFC 9111 shared cache, RFC 5861 stale-*), as pure, socket-free parts
// the proxy composes on its request path. Include this to get all of them.
//
// Objects and who owns them (composition root, src/app):
//   Store          one per process, shared by every worker      store.hpp
//   CollapseTable  one per process, shared by every worker      collapse.hpp
//   CachePolicy    one per route per config snapshot, read-only cache_policy.hpp
//   CacheKey       one per worker, reused for each request       key.hpp
// Both tables take the process's core::Clock; nothing here has threads or global state.
//
// Life of a request through the cache (proxy/session.cpp):
//
//  1. Plan.    RequestView req = RequestView::from(head, scheme, body);
//              RequestPlan plan = plan_request(req, policy);
//              kBypass: forward, store nothing (X-Cache: BYPASS, detail plan.reason).
//              kInvalidate: forward; if invalidates(status), for each url of
//                invalidation_urls(req, response_headers, policy.key): store.purge_url(url).
//  2. Key.     if (build_key(req, policy.key, key) != KeyError::kNone) -> bypass, detail
//                to_string(error). RequestDirectives rcc = parse_request_directives(headers).
//  3. Lookup.  LookupResult found = store.lookup(key, req.headers);   // HEAD finds GET's
//  4. Decide.  on a hit: FreshnessDecision d = decide(found.response->freshness(), rcc,
//                policy, clock.now());
//              d.serve_now(): answer from the entry (below); if d.refresh_in_background()
//                and flights.try_lead(key) is kLeader, refresh it in the background
//                (conditionally, step 6) and complete() the flight.
//              kRevalidate: rcc.only_if_cached -> 504; else fetch (step 5) with the
//                entry's validators (append_revalidation_headers) replacing the client's.
//              on a miss: rcc.only_if_cached -> 504; else step 5.
//     Answer from an entry: evaluate_preconditions(req.method, req.headers, *entry) ->
//       kNotModified: 304 with append_not_modified_headers(); kPreconditionFailed: 412;
//       kNone: status, entry->header_block(), Content-Length: body().size() (HEAD: no
//       body), and always Age: age_seconds(entry->freshness(), now).
//  5. Collapse. JoinResult j = flights.join(key, WaiterToken{id, my_loop});
//              kLeader fetches; kWaiter waits (timeout -> flights.leave()); kOverflow
//              fetches alone. See collapse.hpp for the full protocol.
//  6. Response head arrives (times = ExchangeTimes::received(clock, request_time)):
//              ResponseFacts f = analyze_response(status, headers);
//              304 to a revalidation: if not_modified_selects(*entry, f):
//                auto fresh = freshen(*entry, headers, times, policy);
//                store.insert(key, req.headers, fresh); answer from fresh
//                (X-Cache: REVALIDATED); else refetch unconditionally.
//              Error (5xx, timeout, refused) with an entry: if usable_on_error(
//                entry->freshness(), rcc, now) answer from it (Cache-Status: fwd-status /
//                detail=stale-if-error).
//              Else StorageDecision s = decide_storage(req, rcc, f, policy,
//                times.response_time, content_length); if s.store(): EntryBuilder b(
//                status, headers, times, policy, content_length), b.append() each body piece
//                as it streams downstream (false: give up, keep streaming), then
//                store.insert(key, req.headers, std::move(b).finish()).
//              Leader: flights.complete(key, j.flight, outcome) and post to each waiter.
//  Shadow mode: run steps 1-6 for the bookkeeping, but always forward and serve upstream's
//  answer; count what a hit would have saved.
//
// Admin: store.purge_*(), store.stats(), store.peek(key, headers) (a lookup that records
// nothing), store.explain(key), store.entries(prefix, n), printable_key(); flights.stats().
// Timer: store.sweep(n) every second or so.

#include "cache/cache_control.hpp"
#include "cache/cache_policy.hpp"
#include "cache/cached_response.hpp"
#include "cache/collapse.hpp"
#include "cache/conditional.hpp"
#include "cache/freshness.hpp"
#include "cache/json_canonical.hpp"
#include "cache/key.hpp"
#include "cache/request_view.hpp"
#include "cache/storability.hpp"
#include "cache/store.hpp"
