#include <pthread.h>
#include <signal.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>

#include "admin/admin_server.hpp"
#include "admin/aggregate.hpp"
#include "admin/stats_source.hpp"
#include "admin/cache_explain.hpp"
#include "admin/cache_hooks.hpp"
#include "app/commands.hpp"
#include "core/clock.hpp"
#include "proxy/server.hpp"

namespace ramjet::app {
namespace {

spdlog::level::level_enum to_spdlog(config::LogLevel level) {
  switch (level) {
    case config::LogLevel::kTrace:
      return spdlog::level::trace;
    case config::LogLevel::kDebug:
      return spdlog::level::debug;
    case config::LogLevel::kInfo:
      return spdlog::level::info;
    case config::LogLevel::kWarn:
      return spdlog::level::warn;
    case config::LogLevel::kError:
      return spdlog::level::err;
  }
  return spdlog::level::info;
}

// Signals are blocked in every thread and taken synchronously here, on the main thread.
sigset_t block_control_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
  return set;
}

void reload(proxy::Server& server, admin::AdminServer* admin, const ServeOptions& options,
            const config::Environment& env) {
  if (!options.config_path) {
    spdlog::warn("reload: no configuration file to reload (started from flags)");
    return;
  }
  auto next = config::build_config(options.config_path, env, options.overrides);
  if (!next.ok()) {
    spdlog::error("reload refused, keeping the running configuration: {}",
                  next.error().to_string());
    return;
  }
  auto snapshot = std::make_shared<const config::Config>(std::move(next.value()));
  if (!(snapshot->listen == server.config()->listen)) {
    spdlog::warn("reload: listen address changes need a restart; keeping {}",
                 server.listen_address().to_string());
  }
  auto applied = server.reload(snapshot);
  if (!applied.ok()) {
    spdlog::error("reload refused, keeping the running configuration: {}",
                  applied.error().to_string());
    return;
  }
  if (admin != nullptr) {
    admin->set_config(snapshot);
  }
  spdlog::info("reloaded: {}", config::describe(*snapshot));
}

// Starts the admin listener (src/admin) on its own thread, reading the workers' stats.
core::Result<std::unique_ptr<admin::AdminServer>> start_admin(
    const proxy::Server& server, std::shared_ptr<const config::Config> snapshot,
    const core::Clock& clock, const ServeOptions& options, core::MonoTime launched,
    std::chrono::microseconds startup) {
  admin::AdminHandlerOptions handler;
  handler.version = RAMJET_VERSION;
  handler.started = launched;
  handler.startup = startup;
  handler.summary_interval = options.metrics_log_interval;
  admin::AdminHooks hooks = admin::cache_hooks(server.cache_store(), server.cache_flights());
  if (server.cache_store() != nullptr) {
    hooks.cache_explain = admin::cache_explain_hook(server, clock);
  }
  return admin::AdminServer::start(
      admin::from_server(server), std::move(snapshot), clock, std::move(handler),
      std::move(hooks), [](const std::string& line) { spdlog::info("summary {}", line); });
}

// Configuration errors print as "FILE:LINE:COL: message" (the detail), nothing around it.
void print_config_error(const core::Error& error) {
  std::fprintf(stderr, "%s\n",
               error.detail.empty() ? error.message : error.detail.c_str());
}

}  // namespace

int run_serve(const ServeOptions& options, const config::Environment& env) {
  auto launched = std::chrono::steady_clock::now();
  auto built = config::build_config(options.config_path, env, options.overrides);
  if (!built.ok()) {
    print_config_error(built.error());
    return 2;
  }
  auto snapshot = std::make_shared<const config::Config>(std::move(built.value()));
  spdlog::set_level(to_spdlog(snapshot->log.level));
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %^%l%$ %v");
  sigset_t signals = block_control_signals();

  core::RealClock clock;
  auto server = proxy::Server::start(snapshot, clock);
  if (!server.ok()) {
    spdlog::error("cannot start: {}", server.error().to_string());
    return 1;
  }
  auto startup = std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::steady_clock::now() - launched);
  // The admin side is not the data plane: when its address is taken (another ramjet on
  // :9901), the proxy still serves, without it, and says so loudly.
  auto started_admin = start_admin(*server.value(), snapshot, clock, options, launched, startup);
  std::unique_ptr<admin::AdminServer> admin;
  if (started_admin.ok()) {
    admin = std::move(started_admin.value());
  } else {
    spdlog::error("serving WITHOUT the admin listener (no /metrics, /health, /ready): {} "
                  "(set admin.listen or --admin)",
                  started_admin.error().to_string());
  }
  // Tests and scripts read these lines for the bound ports.
  std::printf("listening on %s\n", server.value()->listen_address().to_string().c_str());
  if (admin) {
    std::printf("admin listening on %s\n", admin->address().to_string().c_str());
  }
  std::fflush(stdout);
  spdlog::info("ramjet started in {:.1f} ms: {}", static_cast<double>(startup.count()) / 1000.0,
               config::describe(*snapshot));

  for (;;) {
    int sig = 0;
    if (sigwait(&signals, &sig) != 0) {
      continue;
    }
    if (sig == SIGHUP) {
      reload(*server.value(), admin.get(), options, env);
      continue;
    }
    spdlog::info("signal {}: draining (up to {} ms)", sig,
                 std::chrono::duration_cast<std::chrono::milliseconds>(
                     server.value()->config()->timeouts.drain)
                     .count());
    if (admin) {
      admin->set_draining();
    }
    server.value()->drain_and_stop();
    if (admin) {
      admin->stop();
    }
    const admin::StatsSource stats = admin::from_server(*server.value());
    const admin::ProxyTotals t = admin::sum_proxy(stats);
    std::uint64_t pool_reused = 0;
    std::uint64_t pool_connected = 0;
    for (const admin::UpstreamTotals& u : admin::sum_upstreams(stats)) {
      pool_reused += u.pool_reused;
      pool_connected += u.pool_connected;
    }
    spdlog::info("stopped: requests={} connections={} pool_reused={} pool_connected={}",
                 t.requests, t.connections_accepted, pool_reused, pool_connected);
    return 0;
  }
}

int run_check_config(const std::string& path, const config::Environment& env) {
  auto built = config::build_config(path, env, config::CliOverrides{});
  if (!built.ok()) {
    print_config_error(built.error());
    return 2;
  }
  std::printf("%s: ok (%s)\n", path.c_str(), config::describe(built.value()).c_str());
  return 0;
}

}  // namespace ramjet::app
