#pragma once
// StatsSource: where the admin listener reads the proxy's numbers from — one read-only view
// per worker of its ProxyStats, RouteStats table and UpstreamStats table (proxy/stats.hpp),
// plus the access log's counters.
//
// Purpose: the admin code (aggregation, sampler, exposition) works on these views, never on
// proxy::Server directly, so unit tests build a few stats structs by hand and drive it
// without threads or sockets; from_server() is the one adapter to the running proxy.
//
// Threading: every pointer refers to per-worker state that its worker writes with relaxed
// atomics and that any thread may read at any time (STYLE #6: merged on read, never locked).
// A StatsTable only grows; read its size() before its slots.
//
// Ownership: borrowed. The viewed structs must outlive every reader: for a Server, stop the
// admin listener before the Server is destroyed.

#include <cstdint>
#include <functional>
#include <vector>

#include "proxy/stats.hpp"

namespace ramjet::proxy {
class Server;
}

namespace ramjet::admin {

struct WorkerStatsView {
  const proxy::ProxyStats* proxy = nullptr;
  const proxy::StatsTable<proxy::RouteStats>* routes = nullptr;
  const proxy::StatsTable<proxy::UpstreamStats>* upstreams = nullptr;
};

struct StatsSource {
  std::vector<WorkerStatsView> workers;
  // Access-log records written and dropped (ring full); empty when access logging is off.
  std::function<std::uint64_t()> access_log_written;
  std::function<std::uint64_t()> access_log_dropped;
};

// Views of every worker of a started Server. The Server must outlive the returned source.
StatsSource from_server(const proxy::Server& server);

}  // namespace ramjet::admin
