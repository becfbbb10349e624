#include "proxy/upstream_pool.hpp"

namespace ramjet::proxy {

EndpointPool::~EndpointPool() { close_idle(); }

net::Task<AcquireResult> EndpointPool::acquire(core::MonoTime connect_deadline,
                                               bool fresh_only) {
  if (!fresh_only && !idle_.empty()) {
    auto c = take_idle(idle_.front().get());
    stats_.pool_reused.add();
    co_return AcquireResult{std::move(c), 0, true};
  }
  if (open_ >= limits_.max_total) {
    co_return AcquireResult{nullptr, EAGAIN, false};
  }
  ++open_;
  stats_.connections_open.add();
  auto op = net::connect(loop_, address_, connect_deadline);
  net::IoResult r = co_await op;
  if (!r.ok()) {
    --open_;
    stats_.connect_errors.add();
    stats_.connections_open.sub();
    co_return AcquireResult{nullptr, r.error, false};
  }
  stats_.pool_connected.add();
  auto c = std::make_unique<UpstreamConnection>();
  c->socket = op.take();
  c->pool = this;
  co_return AcquireResult{std::move(c), 0, false};
}

void EndpointPool::release(std::unique_ptr<UpstreamConnection> c, bool reusable) {
  if (!reusable || limits_.max_idle == 0 || !c->socket.valid()) {
    --open_;
    stats_.connections_open.sub();
    return;  // destroying the connection closes its socket
  }
  if (idle_.size() >= limits_.max_idle) {
    evict(idle_.back().get());
  }
  UpstreamConnection* raw = c.get();
  raw->idle = true;
  raw->socket.set_idle_callback(&EndpointPool::on_idle_readable, raw);
  raw->idle_timer.set_callback(&EndpointPool::on_idle_timeout, raw);
  loop_.arm(raw->idle_timer, loop_.now() + limits_.idle_ttl);
  idle_.push_front(std::move(c));
  stats_.connections_idle.add();
  raw->idle_pos = idle_.begin();
}

std::unique_ptr<UpstreamConnection> EndpointPool::take_idle(UpstreamConnection* c) {
  loop_.cancel(c->idle_timer);
  c->socket.set_idle_callback(nullptr, nullptr);
  c->idle = false;
  stats_.connections_idle.sub();
  auto owned = std::move(*c->idle_pos);
  idle_.erase(c->idle_pos);
  return owned;
}

void EndpointPool::evict(UpstreamConnection* c) {
  auto owned = take_idle(c);
  --open_;
  stats_.connections_open.sub();
  stats_.pool_evicted.add();
}

void EndpointPool::close_idle() {
  while (!idle_.empty()) {
    evict(idle_.front().get());
  }
}

void EndpointPool::on_idle_timeout(net::Timer* /*timer*/, void* arg) {
  auto* c = static_cast<UpstreamConnection*>(arg);
  c->pool->evict(c);
}

void EndpointPool::on_idle_readable(net::IoWatcher* /*watcher*/, void* arg) {
  // An idle upstream connection has nothing to say: EOF, reset or stray bytes all mean it
  // cannot carry another exchange.
  auto* c = static_cast<UpstreamConnection*>(arg);
  c->pool->evict(c);
}

}  // namespace ramjet::proxy
