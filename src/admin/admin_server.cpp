#include "admin/admin_server.hpp"

#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <exception>
#include <unordered_set>
#include <vector>

#include "http/parser.hpp"
#include "net/event_loop.hpp"
#include "net/listener.hpp"
#include "net/socket.hpp"
#include "net/task.hpp"

namespace ramjet::admin {
namespace {

constexpr std::size_t kMaxHeadBytes = 16 * 1024;
constexpr std::size_t kMaxBodyBytes = 64 * 1024;
constexpr std::size_t kMaxHeaders = 64;

std::string_view find_header(std::span<const http::Header> headers, std::string_view name) {
  for (const http::Header& h : headers) {
    if (http::iequals(h.name, name)) {
      return h.value;
    }
  }
  return {};
}

// The response head; `close` adds Connection: close.
std::string response_head(const AdminResponse& r, std::size_t body_size, bool close) {
  std::string head = "HTTP/1.1 " + std::to_string(r.status) + " " +
                     http::reason_phrase(r.status) + "\r\nContent-Type: " + r.content_type +
                     "\r\nContent-Length: " + std::to_string(body_size) +
                     "\r\nServer: ramjet-admin\r\nX-Content-Type-Options: nosniff\r\n";
  bool cache_control = false;
  for (const auto& [name, value] : r.headers) {
    head.append(name).append(": ").append(value).append("\r\n");
    cache_control = cache_control || http::iequals(name, "cache-control");
  }
  if (!cache_control) {
    head += "Cache-Control: no-store\r\n";
  }
  if (close) {
    head += "Connection: close\r\n";
  }
  head += "\r\n";
  return head;
}

}  // namespace

// The admin thread's state: loop, listener, live connections and the tick timer.
class AdminServer::Impl {
 public:
  Impl(AdminHandler& handler, std::unique_ptr<net::EventLoop> loop, int listen_fd,
       LogLine log_line, AdminServerOptions options)
      : handler_(handler), loop_(std::move(loop)), listen_fd_(listen_fd),
        log_line_(std::move(log_line)), options_(options) {}

  net::EventLoop& loop() { return *loop_; }
  void run();
  void begin_stop();

 private:
  struct Connection {
    net::Socket socket;
    std::vector<char> buffer;
  };

  static void on_tick(net::Timer* timer, void* arg);
  void on_accept(int fd);
  net::Task<void> serve(Connection* c);
  // Reads until the head and its body are in c->buffer; false if the connection is done
  // (an error response has been sent when there was something to answer).
  net::Task<bool> read_request(Connection& c, std::size_t& len, http::RequestHead& head,
                               std::span<http::Header> headers, std::size_t& total);
  net::Task<bool> respond(Connection& c, const AdminResponse& r, bool head_only, bool close);
  AdminResponse dispatch(const http::RequestHead& head, std::string_view body);
  void finished(Connection* c);

  AdminHandler& handler_;
  std::unique_ptr<net::EventLoop> loop_;
  int listen_fd_;
  LogLine log_line_;
  AdminServerOptions options_;
  std::unique_ptr<net::Listener> listener_;
  std::unordered_set<Connection*> connections_;
  net::Timer tick_timer_;
  core::MonoTime next_tick_{};
  bool stopping_ = false;
};

void AdminServer::Impl::run() {
  listener_ = std::make_unique<net::Listener>(
      *loop_, listen_fd_, [this](int fd, const net::Address&) { on_accept(fd); });
  loop_->refresh_now();
  next_tick_ = loop_->now() + options_.tick_interval;
  tick_timer_.set_callback(&Impl::on_tick, this);
  loop_->arm(tick_timer_, next_tick_);
  loop_->run();
  // Connections were aborted by begin_stop(); any frame still parked is destroyed with
  // its socket here, on the loop's thread.
  loop_->cancel(tick_timer_);
  for (Connection* c : connections_) {
    delete c;
  }
  connections_.clear();
}

void AdminServer::Impl::begin_stop() {
  stopping_ = true;
  listener_.reset();
  std::vector<Connection*> live(connections_.begin(), connections_.end());
  for (Connection* c : live) {
    if (connections_.count(c) != 0) {
      c->socket.abort_io(ECANCELED);  // resumes its coroutine, which ends and frees it
    }
  }
  loop_->stop();
}

void AdminServer::Impl::on_tick(net::Timer* /*timer*/, void* arg) {
  auto* self = static_cast<Impl*>(arg);
  try {
    if (auto line = self->handler_.tick(); line && self->log_line_) {
      self->log_line_(*line);
    }
  } catch (const std::exception&) {
    // A failed sample is skipped; the next tick reads the cumulative stats again.
  }
  const core::MonoTime now = self->loop_->now();
  self->next_tick_ += self->options_.tick_interval;
  if (self->next_tick_ <= now) {
    self->next_tick_ = now + self->options_.tick_interval;
  }
  self->loop_->arm(self->tick_timer_, self->next_tick_);
}

void AdminServer::Impl::on_accept(int fd) {
  if (stopping_ || connections_.size() >= options_.max_connections) {
    static constexpr std::string_view kBusy =
        "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    [[maybe_unused]] auto n = ::send(fd, kBusy.data(), kBusy.size(), MSG_NOSIGNAL);
    ::close(fd);
    return;
  }
  auto* c = new Connection{net::Socket(*loop_, fd),
                           std::vector<char>(kMaxHeadBytes + kMaxBodyBytes)};
  connections_.insert(c);
  net::spawn(serve(c));
}

void AdminServer::Impl::finished(Connection* c) {
  connections_.erase(c);
  delete c;
}

net::Task<void> AdminServer::Impl::serve(Connection* c) {
  std::size_t len = 0;
  std::vector<http::Header> headers(kMaxHeaders);
  for (std::size_t served = 0; served < options_.max_requests_per_connection; ++served) {
    http::RequestHead head;
    std::size_t total = 0;
    if (!co_await read_request(*c, len, head, headers, total)) {
      break;
    }
    const std::string_view body(c->buffer.data() + (total - head.content_length),
                                head.content_length);
    const AdminResponse r = dispatch(head, body);
    const bool close = !head.keep_alive || stopping_ ||
                       served + 1 == options_.max_requests_per_connection;
    if (!co_await respond(*c, r, head.method == "HEAD", close) || close) {
      break;
    }
    std::memmove(c->buffer.data(), c->buffer.data() + total, len - total);
    len -= total;
  }
  finished(c);
}

net::Task<bool> AdminServer::Impl::read_request(Connection& c, std::size_t& len,
                                                http::RequestHead& head,
                                                std::span<http::Header> headers,
                                                std::size_t& total) {
  const http::ParseLimits limits{kMaxHeadBytes, kMaxHeaders, 4096};
  const core::MonoTime deadline = loop_->now() + options_.read_timeout;
  for (;;) {
    http::ParseResult pr = {};
    if (len > 0) {
      pr = http::parse_request(std::string_view(c.buffer.data(), len), limits, headers, head);
    }
    if (pr.status == http::ParseStatus::kError) {
      const int status = http::status_for(pr.error);
      AdminResponse r{status, "application/json",
                      std::string("{\"error\":\"") + http::to_string(pr.error) + "\"}\n", {}};
      co_await respond(c, r, false, true);
      co_return false;
    }
    if (pr.status == http::ParseStatus::kComplete) {
      if (head.body == http::BodyKind::kChunked || head.content_length > kMaxBodyBytes) {
        AdminResponse r{head.body == http::BodyKind::kChunked ? 411 : 413, "application/json",
                        "{\"error\":\"bodies must have a Content-Length up to 64 KiB\"}\n", {}};
        co_await respond(c, r, false, true);
        co_return false;
      }
      total = pr.consumed + head.content_length;
      if (len >= total) {
        co_return true;
      }
    } else if (len >= kMaxHeadBytes) {
      co_return false;  // the parser reports an oversized head itself; defensive
    }
    net::IoResult r = co_await c.socket.read(
        std::span<char>(c.buffer.data() + len, c.buffer.size() - len), deadline);
    if (!r.ok() || r.n == 0) {
      co_return false;
    }
    len += static_cast<std::size_t>(r.n);
  }
}

AdminResponse AdminServer::Impl::dispatch(const http::RequestHead& head, std::string_view body) {
  AdminRequest req;
  req.method = head.method;
  req.path = head.path.empty() ? std::string_view("/") : head.path;
  req.query = head.query;
  req.authorization = find_header(head.headers, "authorization");
  req.body = body;
  try {
    return handler_.handle(req);
  } catch (const std::exception&) {
    return AdminResponse{500, "application/json",
                         std::string("{\"error\":\"Internal Server Error\"}\n"), {}};
  }
}

net::Task<bool> AdminServer::Impl::respond(Connection& c, const AdminResponse& r,
                                           bool head_only, bool close) {
  const std::string head = response_head(r, r.body.size(), close);
  iovec iov[2] = {{const_cast<char*>(head.data()), head.size()},
                  {const_cast<char*>(r.body.data()), head_only ? 0 : r.body.size()}};
  net::IoResult w = co_await c.socket.write(std::span<const iovec>(iov, 2),
                                            loop_->now() + options_.read_timeout);
  if (close) {
    c.socket.shutdown_write();
  }
  co_return w.ok();
}

core::Result<std::unique_ptr<AdminServer>> AdminServer::start(
    StatsSource source, std::shared_ptr<const config::Config> config, const core::Clock& clock,
    AdminHandlerOptions handler_options, AdminHooks hooks, LogLine log_line,
    AdminServerOptions options) {
  auto address = net::Address::resolve(config->admin.listen.host, config->admin.listen.port);
  if (!address.ok()) {
    return address.error();
  }
  auto fd = net::open_listen_socket(address.value(), net::ListenOptions{false, 128});
  if (!fd.ok()) {
    return core::Error{"cannot start the admin listener", fd.error().to_string()};
  }
  auto loop = net::EventLoop::create(clock);
  if (!loop.ok()) {
    ::close(fd.value());
    return loop.error();
  }
  std::unique_ptr<AdminServer> server(new AdminServer());
  server->address_ = net::Address::local_of(fd.value());
  server->source_ = std::move(source);
  server->handler_ = std::make_unique<AdminHandler>(server->source_, std::move(config), clock,
                                                    std::move(handler_options),
                                                    std::move(hooks));
  server->impl_ = std::make_unique<Impl>(*server->handler_, std::move(loop.value()), fd.value(),
                                         std::move(log_line), options);
  Impl* impl = server->impl_.get();
  server->thread_ = std::thread([impl] {
    ::pthread_setname_np(::pthread_self(), "ramjet-admin");
    impl->run();
  });
  return server;
}

AdminServer::~AdminServer() { stop(); }

void AdminServer::set_config(std::shared_ptr<const config::Config> config) {
  AdminHandler* handler = handler_.get();
  impl_->loop().post([handler, config = std::move(config)] { handler->set_config(config); });
}

void AdminServer::set_draining() {
  AdminHandler* handler = handler_.get();
  impl_->loop().post([handler] { handler->set_draining(); });
}

void AdminServer::stop() {
  if (!thread_.joinable()) {
    return;
  }
  Impl* impl = impl_.get();
  impl->loop().post([impl] { impl->begin_stop(); });
  thread_.join();
}

}  // namespace ramjet::admin
