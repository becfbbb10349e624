#include "proxy/worker.hpp"

#include <random>

#include "proxy/session.hpp"

namespace ramjet::proxy {

Runtime::Runtime(net::EventLoop& loop, std::shared_ptr<const config::Config> config,
                 const std::vector<std::vector<net::Address>>& resolved,
                 std::size_t worker_count, StatsTable<RouteStats>& route_stats,
                 StatsTable<UpstreamStats>& upstream_stats,
                 std::shared_ptr<const CachePolicies> cache_policies)
    : config_(std::move(config)),
      parse_limits_(config::parse_limits(config_->limits)),
      cache_policies_(std::move(cache_policies)) {
  std::size_t share = std::max<std::size_t>(worker_count, 1);
  upstreams_.reserve(config_->upstreams.size());
  for (std::size_t i = 0; i < config_->upstreams.size(); ++i) {
    const auto& opts = config_->upstreams[i];
    Upstream u{&opts, {}, 0, upstream_stats.get_or_create(opts.name)};
    if (u.stats == nullptr) {
      u.stats = &overflow_upstream_stats_;
    }
    PoolLimits limits;
    limits.max_idle = static_cast<std::uint32_t>((opts.pool.max_idle + share - 1) / share);
    limits.max_total = static_cast<std::uint32_t>((opts.pool.max_total + share - 1) / share);
    limits.idle_ttl = opts.pool.idle_ttl;
    for (const auto& address : resolved[i]) {
      u.endpoints.push_back(std::make_unique<EndpointPool>(loop, address, limits, *u.stats));
    }
    upstreams_.push_back(std::move(u));
  }
  for (const auto& route : config_->routes) {
    RouteStats* rs = route_stats.get_or_create(route.name);
    route_stats_.push_back(rs != nullptr ? rs : &overflow_route_stats_);
  }
}

namespace {

bool host_matches(std::string_view want, std::string_view host) {
  if (want.find(':') == std::string_view::npos) {
    // No port in the route: ignore the Host header's port (IPv6 literals keep brackets).
    if (!host.empty() && host.front() != '[') {
      host = host.substr(0, host.rfind(':') == std::string_view::npos ? host.size()
                                                                      : host.rfind(':'));
    }
  }
  return http::iequals(want, host);
}

}  // namespace

const config::Route* match_route(const config::Config& config, const http::RequestHead& head) {
  for (const auto& route : config.routes) {
    const auto& m = route.match;
    if (!m.methods.empty() &&
        std::find(m.methods.begin(), m.methods.end(), head.method_id) == m.methods.end()) {
      continue;
    }
    if (!m.host.empty() && !host_matches(m.host, head.host)) {
      continue;
    }
    std::string_view path = head.path.empty() ? std::string_view("/") : head.path;
    bool ok = false;
    switch (m.kind) {
      case config::MatchKind::kPathPrefix:
        ok = path.substr(0, m.path.size()) == m.path;
        break;
      case config::MatchKind::kPath:
        ok = path == m.path;
        break;
      case config::MatchKind::kPathRegex:
        ok = m.regex && std::regex_match(path.begin(), path.end(), *m.regex);
        break;
    }
    if (ok) {
      return &route;
    }
  }
  return nullptr;
}

Worker::Worker(std::size_t index, net::EventLoop& loop, SharedState& shared,
               const core::Clock& clock, std::size_t buffer_size)
    : index_(index),
      loop_(loop),
      shared_(shared),
      clock_(clock),
      buffers_(buffer_size, 1024),
      head_buffers_(buffer_size, 256) {
  std::random_device rd;
  request_id_seed_ = (static_cast<std::uint64_t>(rd()) << 32) ^ rd() ^ (index << 48);
}

Worker::~Worker() {
  listener_.reset();
  while (sessions_ != nullptr) {
    Session* s = sessions_;
    sessions_ = s->next;
    delete s;
  }
}

void Worker::apply(std::shared_ptr<const config::Config> config,
                   const std::vector<std::vector<net::Address>>& resolved,
                   std::size_t worker_count,
                   std::shared_ptr<const Runtime::CachePolicies> cache_policies) {
  auto next = std::make_unique<Runtime>(loop_, std::move(config), resolved, worker_count,
                                        route_stats_, upstream_stats_,
                                        std::move(cache_policies));
  if (current_) {
    for (auto& u : current_->upstreams()) {
      for (auto& ep : u.endpoints) {
        ep->close_idle();
      }
    }
    if (current_->users > 0) {
      retired_.push_back(std::move(current_));
    }
  }
  current_ = std::move(next);
}

Runtime* Worker::pin_runtime() {
  ++current_->users;
  return current_.get();
}

void Worker::unpin_runtime(Runtime* runtime) {
  --runtime->users;
  if (runtime != current_.get() && runtime->users == 0) {
    std::erase_if(retired_, [runtime](const auto& r) { return r.get() == runtime; });
  }
}

void Worker::listen(int listen_fd) {
  listener_ = std::make_unique<net::Listener>(
      loop_, listen_fd, [this](int fd, const net::Address& peer) { on_accept(fd, peer); });
}

void Worker::on_accept(int fd, const net::Address& peer) {
  std::uint32_t limit = current_->config().limits.max_connections;
  std::uint32_t open = shared_.open_connections.fetch_add(1, std::memory_order_relaxed);
  if (draining_ || open >= limit) {
    shared_.open_connections.fetch_sub(1, std::memory_order_relaxed);
    stats_.connections_refused.add();
    static constexpr std::string_view kBusy =
        "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
        "Content-Length: 60\r\nConnection: close\r\nRetry-After: 1\r\n\r\n"
        "{\"error\":\"Service Unavailable\",\"detail\":\"connection limit\"}\n";
    [[maybe_unused]] auto n = ::send(fd, kBusy.data(), kBusy.size(), MSG_NOSIGNAL);
    ::close(fd);
    return;
  }
  stats_.connections_accepted.add();
  stats_.connections_open.add();
  auto* s = new Session(*this, fd, peer);
  s->next = sessions_;
  if (sessions_ != nullptr) {
    sessions_->prev = s;
  }
  sessions_ = s;
  s->start();
}

void Worker::session_closed(Session* s) {
  if (s->prev != nullptr) {
    s->prev->next = s->next;
  } else {
    sessions_ = s->next;
  }
  if (s->next != nullptr) {
    s->next->prev = s->prev;
  }
  delete s;
  shared_.open_connections.fetch_sub(1, std::memory_order_relaxed);
  stats_.connections_open.sub();
  if (draining_) {
    maybe_finish_drain();
  }
}

void Worker::drain(core::Duration timeout, std::function<void()> done) {
  draining_ = true;
  drained_ = std::move(done);
  if (listener_) {
    listener_->close();
  }
  for (Session* s = sessions_; s != nullptr;) {
    Session* next = s->next;
    s->drain();  // may delete s
    s = next;
  }
  drain_timer_.set_callback(
      [](net::Timer* /*t*/, void* arg) {
        auto* w = static_cast<Worker*>(arg);
        for (Session* s = w->sessions_; s != nullptr;) {
          Session* next = s->next;
          s->abort();
          s = next;
        }
        w->maybe_finish_drain();
      },
      this);
  loop_.arm(drain_timer_, loop_.now() + timeout);
  maybe_finish_drain();
}

void Worker::maybe_finish_drain() {
  if (sessions_ == nullptr && drained_) {
    loop_.cancel(drain_timer_);
    auto done = std::move(drained_);
    drained_ = nullptr;
    done();
  }
}


}  // namespace ramjet::proxy
