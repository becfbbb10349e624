#pragma once
// AdminServer: the admin listener (default 127.0.0.1:9901) on its own thread and EventLoop,
// never on a worker, so a slow scrape or a dashboard never delays proxied traffic and the
// workers are never locked: everything it shows is read from their stats with relaxed loads
// (stats_source.hpp).
//
// It carries HTTP/1.1 bytes to and from an AdminHandler (handler.hpp has the endpoints):
// keep-alive, strict parsing with http::parse_request, Content-Length bodies up to 64 KiB,
// at most 64 connections at once (more are answered 503 and closed), and every read bounded
// by a deadline. A timer on the same loop calls AdminHandler::tick() once a second and hands
// each summary line it returns to the `log_line` callback.
//
// Threading: start(), set_config(), set_draining() and stop() are for the composition root's
// thread; they post to the admin loop. metric_set() may be used from any thread (MetricSet
// locks). Ownership: the server owns its thread, loop, listener and connections; it borrows
// the StatsSource's stats and the clock, which must outlive it. Stop it (or destroy it)
// before the proxy::Server it reads.

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "admin/handler.hpp"
#include "admin/stats_source.hpp"
#include "config/config.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"
#include "net/address.hpp"

namespace ramjet::net {
class EventLoop;
}

namespace ramjet::admin {

struct AdminServerOptions {
  std::size_t max_connections = 64;
  std::size_t max_requests_per_connection = 10'000;
  core::Duration read_timeout = std::chrono::seconds(10);  // each request, head and body
  core::Duration tick_interval = std::chrono::seconds(1);
};

class AdminServer {
 public:
  using LogLine = std::function<void(const std::string&)>;

  // Binds config->admin.listen (port 0 picks one) and starts the admin thread. Errors (the
  // address cannot be resolved or bound) are returned before any thread starts.
  static core::Result<std::unique_ptr<AdminServer>> start(
      StatsSource source, std::shared_ptr<const config::Config> config,
      const core::Clock& clock, AdminHandlerOptions handler_options, AdminHooks hooks,
      LogLine log_line, AdminServerOptions options = {});
  ~AdminServer();
  AdminServer(const AdminServer&) = delete;
  AdminServer& operator=(const AdminServer&) = delete;

  const net::Address& address() const { return address_; }
  // A new snapshot after a reload (route→upstream mapping, token, /config).
  void set_config(std::shared_ptr<const config::Config> config);
  // /ready answers 503 from now on (SIGTERM drain).
  void set_draining();
  metrics::MetricSet& metric_set() { return handler_->metric_set(); }
  // Closes the listener and every connection and joins the thread. Idempotent.
  void stop();

 private:
  class Impl;
  AdminServer() = default;

  net::Address address_;
  StatsSource source_;
  std::unique_ptr<AdminHandler> handler_;
  std::unique_ptr<Impl> impl_;
  std::thread thread_;
};

}  // namespace ramjet::admin
