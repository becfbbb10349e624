#pragma once
// Hand-built per-worker stats for the admin unit tests: what proxy::Worker owns, without
// threads or sockets, exposed as an admin::StatsSource.

#include <memory>
#include <string_view>
#include <vector>

#include "admin/stats_source.hpp"
#include "proxy/stats.hpp"

namespace ramjet::admin::testing {

struct FakeWorker {
  proxy::ProxyStats proxy;
  proxy::StatsTable<proxy::RouteStats> routes;
  proxy::StatsTable<proxy::UpstreamStats> upstreams;
};

class FakeWorkers {
 public:
  explicit FakeWorkers(std::size_t count) {
    for (std::size_t i = 0; i < count; ++i) {
      workers_.push_back(std::make_unique<FakeWorker>());
      const FakeWorker& w = *workers_.back();
      source_.workers.push_back(WorkerStatsView{&w.proxy, &w.routes, &w.upstreams});
    }
  }
  const StatsSource& source() const { return source_; }
  FakeWorker& worker(std::size_t i) { return *workers_[i]; }
  proxy::RouteStats& route(std::size_t w, std::string_view name) {
    return *workers_[w]->routes.get_or_create(name);
  }
  proxy::UpstreamStats& upstream(std::size_t w, std::string_view name) {
    return *workers_[w]->upstreams.get_or_create(name);
  }
  // One finished exchange on worker `w`, as the proxy's session records it.
  void exchange(std::size_t w, std::string_view route, int status, std::uint64_t latency_ns) {
    proxy::RouteStats& r = this->route(w, route);
    r.requests.add();
    r.latency.record(latency_ns);
    r.upstream_latency.record(latency_ns / 2);
    r.responses_by_code[static_cast<std::size_t>(status - proxy::RouteStats::kFirstStatus)]
        .add();
    (status >= 500 ? r.responses_5xx : status >= 400 ? r.responses_4xx : r.responses_2xx).add();
    proxy::ProxyStats& p = workers_[w]->proxy;
    p.requests.add();
    (status >= 500 ? p.responses_5xx : status >= 400 ? p.responses_4xx : p.responses_2xx).add();
  }

 private:
  std::vector<std::unique_ptr<FakeWorker>> workers_;
  StatsSource source_;
};

}  // namespace ramjet::admin::testing
