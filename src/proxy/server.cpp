#include "proxy/server.hpp"

#include <unistd.h>

#include <condition_variable>
#include <mutex>
#include <thread>

#include "net/listener.hpp"
#include "proxy/cache_glue.hpp"

namespace ramjet::proxy {

core::Result<std::vector<std::vector<net::Address>>> resolve_upstreams(
    const config::Config& config) {
  std::vector<std::vector<net::Address>> out;
  for (const auto& u : config.upstreams) {
    std::vector<net::Address> addresses;
    for (const auto& ep : u.endpoints) {
      auto a = net::Address::resolve(ep.host, ep.port);
      if (!a.ok()) {
        return core::Error{"cannot resolve upstream endpoint",
                           u.name + " " + ep.to_string() + ": " + a.error().to_string()};
      }
      addresses.push_back(a.value());
    }
    out.push_back(std::move(addresses));
  }
  return out;
}

core::Result<std::shared_ptr<const Runtime::CachePolicies>> build_cache_policies(
    const config::Config& config) {
  auto policies = std::make_shared<Runtime::CachePolicies>();
  for (const auto& route : config.routes) {
    auto p = make_cache_policy(config, route);
    if (!p.ok()) {
      return core::Error{"invalid cache settings",
                         "route " + route.name + ": " + p.error().to_string()};
    }
    policies->push_back(std::move(p.value()));
  }
  return std::shared_ptr<const Runtime::CachePolicies>(std::move(policies));
}

core::Result<std::unique_ptr<Server>> Server::start(std::shared_ptr<const config::Config> config,
                                                    const core::Clock& clock) {
  auto resolved = resolve_upstreams(*config);
  if (!resolved.ok()) {
    return resolved.error();
  }
  auto listen = net::Address::resolve(config->listen.host, config->listen.port);
  if (!listen.ok()) {
    return listen.error();
  }
  std::size_t count = config->workers;
  if (count == 0) {
    count = std::max(1u, std::thread::hardware_concurrency());
  }
  // The first socket picks the port (0 = any); the others join it with SO_REUSEPORT.
  std::vector<int> fds;
  auto first = net::open_listen_socket(listen.value(), {});
  if (!first.ok()) {
    return first.error();
  }
  fds.push_back(first.value());
  net::Address bound = net::Address::local_of(first.value());
  for (std::size_t i = 1; i < count; ++i) {
    auto fd = net::open_listen_socket(bound, {});
    if (!fd.ok()) {
      for (int f : fds) {
        ::close(f);
      }
      return fd.error();
    }
    fds.push_back(fd.value());
  }

  auto policies = build_cache_policies(*config);
  if (!policies.ok()) {
    for (int f : fds) {
      ::close(f);
    }
    return policies.error();
  }
  std::unique_ptr<Server> server(new Server(config, clock));
  server->listen_address_ = bound;
  server->cache_policies_ = policies.value();
  if (config->cache.enabled) {
    auto store = cache::Store::create(make_store_options(config->cache), clock);
    auto flights = cache::CollapseTable::create(cache::CollapseOptions{}, clock);
    if (!store.ok() || !flights.ok()) {
      for (int f : fds) {
        ::close(f);
      }
      return store.ok() ? flights.error() : store.error();
    }
    server->cache_store_ = std::move(store.value());
    server->cache_flights_ = std::move(flights.value());
  }
  if (config->log.access != config::AccessLog::kOff) {
    auto log = AccessLog::open(config->log.access, config->log.access_path, count);
    if (!log.ok()) {
      for (int f : fds) {
        ::close(f);
      }
      return log.error();
    }
    server->access_log_ = std::move(log.value());
  }
  server->worker_state_.resize(count);
  std::size_t buffer_size = std::max<std::size_t>(16 * 1024, config->limits.max_header_bytes + 4096);
  std::latch ready(static_cast<std::ptrdiff_t>(count));
  Server* raw = server.get();
  std::shared_ptr<const Runtime::CachePolicies> shared_policies = policies.value();
  auto started = server->workers_.start(
      count, clock, [raw, &fds, &resolved, &ready, count, buffer_size, shared_policies](std::size_t i,
                                                                         net::EventLoop& loop) {
        auto w = std::make_unique<Worker>(i, loop, raw->shared_, raw->clock_, buffer_size);
        w->apply(raw->config_, resolved.value(), count, shared_policies);
        w->set_access_log(raw->access_log_.get());
        w->set_cache(raw->cache_store_.get(), raw->cache_flights_.get());
        if (i == 0 && raw->cache_store_) {
          // Expired entries are reclaimed a few at a time, never in one sweep.
          raw->cache_sweep_timer_.set_callback(
              [](net::Timer* t, void* arg) {
                auto* srv = static_cast<Server*>(arg);
                srv->cache_store_->sweep(256);
                srv->workers_.loop(0).arm(*t, srv->workers_.loop(0).now() +
                                                  std::chrono::seconds(1));
              },
              raw);
          loop.arm(raw->cache_sweep_timer_, loop.now() + std::chrono::seconds(1));
        }
        w->listen(fds[i]);
        raw->worker_state_[i] = std::move(w);
        ready.count_down();
      });
  if (!started.ok()) {
    return started.error();
  }
  ready.wait();
  return server;
}

Server::~Server() {
  workers_.stop();
  workers_.join();
  // Worker state is destroyed here, on the main thread, after the loops stopped.
  worker_state_.clear();
}

core::Result<bool> Server::reload(std::shared_ptr<const config::Config> config) {
  auto resolved = resolve_upstreams(*config);
  if (!resolved.ok()) {
    return resolved.error();
  }
  auto policies = build_cache_policies(*config);
  if (!policies.ok()) {
    return policies.error();
  }
  {
    std::lock_guard lock(snapshot_mutex_);
    config_ = config;
    cache_policies_ = policies.value();
  }
  auto shared_resolved =
      std::make_shared<std::vector<std::vector<net::Address>>>(std::move(resolved.value()));
  std::size_t count = workers_.size();
  for (std::size_t i = 0; i < count; ++i) {
    Worker* w = worker_state_[i].get();
    workers_.loop(i).post([w, config, shared_resolved, count, p = policies.value()] {
      w->apply(config, *shared_resolved, count, p);
    });
  }
  return true;
}

Server::Snapshot Server::snapshot() const {
  std::lock_guard lock(snapshot_mutex_);
  return Snapshot{config_, cache_policies_};
}

void Server::drain_and_stop() {
  std::mutex mu;
  std::condition_variable cv;
  std::size_t remaining = workers_.size();
  core::Duration timeout = config()->timeouts.drain;
  for (std::size_t i = 0; i < workers_.size(); ++i) {
    Worker* w = worker_state_[i].get();
    workers_.loop(i).post([w, timeout, &mu, &cv, &remaining] {
      w->drain(timeout, [&mu, &cv, &remaining] {
        std::lock_guard lock(mu);
        --remaining;
        cv.notify_all();
      });
    });
  }
  std::unique_lock lock(mu);
  cv.wait_for(lock, timeout + std::chrono::seconds(2), [&] { return remaining == 0; });
  lock.unlock();
  workers_.stop();
  workers_.join();
}

}  // namespace ramjet::proxy
