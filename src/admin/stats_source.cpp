#include "admin/stats_source.hpp"

#include "proxy/server.hpp"

namespace ramjet::admin {

StatsSource from_server(const proxy::Server& server) {
  StatsSource source;
  for (std::size_t i = 0; i < server.worker_count(); ++i) {
    const proxy::Worker& w = server.worker(i);
    source.workers.push_back(WorkerStatsView{&w.stats(), &w.route_stats(), &w.upstream_stats()});
  }
  if (const proxy::AccessLog* log = server.access_log()) {
    source.access_log_written = [log] { return log->written(); };
    source.access_log_dropped = [log] { return log->dropped(); };
  }
  return source;
}

}  // namespace ramjet::admin
