#pragma once
// ProxyStats: one worker's counters for the downstream side and its exchanges (STYLE #6).
// The owning worker bumps fields; readers (admin, summary log, tests) sum the workers'.

#include "metrics/counter.hpp"

namespace ramjet::proxy {

struct ProxyStats {
  metrics::Counter connections_accepted;
  metrics::Counter connections_refused;   // over limits.max_connections
  metrics::Gauge connections_open;
  metrics::Gauge connections_idle;        // keep-alive connections with no request
  metrics::Counter requests;              // request heads parsed
  metrics::Counter responses_1xx;
  metrics::Counter responses_2xx;
  metrics::Counter responses_3xx;
  metrics::Counter responses_4xx;
  metrics::Counter responses_5xx;
  metrics::Counter bad_requests;          // parse errors answered 4xx/5xx
  metrics::Counter client_timeouts;       // header, idle-with-partial, body
  metrics::Counter upstream_connect_errors;
  metrics::Counter upstream_timeouts;
  metrics::Counter upstream_bad_responses;
  metrics::Counter upstream_resets;       // closed or reset mid-exchange
  metrics::Counter stale_retries;         // reused connection found dead, retried fresh
  metrics::Counter bytes_in;              // from clients
  metrics::Counter bytes_out;             // to clients
};

}  // namespace ramjet::proxy
