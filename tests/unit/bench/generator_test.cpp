// The generator against small in-process servers on 127.0.0.1: counts, framings, error kinds,
// modes, and that a steady run allocates nothing per request.
#include "bench/generator.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <mutex>
#include <new>
#include <string>
#include <thread>
#include <vector>

// Counts every allocation in this test binary (all threads), to check the hot path.
namespace {
std::atomic<std::uint64_t> g_allocations{0};
}  // namespace

void* operator new(std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) {
    return p;
  }
  throw std::bad_alloc();
}
// GCC 12 sees only the malloc/free pair here and warns that free() does not match new.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
#pragma GCC diagnostic pop

namespace ramjet::bench {
namespace {

using namespace std::chrono_literals;

enum class Behaviour { kRespond, kRespondAndClose, kSilent, kReset };

// A blocking server: one thread accepts, one thread per connection answers each request
// head (a blank line ends it; the tests send no bodies) with `response`. Its per-request
// path allocates nothing.
class FakeServer {
 public:
  FakeServer(std::string response, Behaviour behaviour = Behaviour::kRespond)
      : response_(std::move(response)), behaviour_(behaviour) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    EXPECT_EQ(::listen(listen_fd_, 512), 0);
    socklen_t len = sizeof addr;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    acceptor_ = std::thread([this] { accept_loop(); });
  }
  ~FakeServer() {
    ::shutdown(listen_fd_, SHUT_RDWR);
    acceptor_.join();
    ::close(listen_fd_);
    std::lock_guard lock(mu_);
    for (int fd : fds_) {
      ::shutdown(fd, SHUT_RDWR);
    }
    for (auto& t : threads_) {
      t.join();
    }
  }
  std::uint16_t port() const { return port_; }
  std::uint64_t requests() const { return requests_.load(); }
  std::uint64_t connections() const { return connections_.load(); }

 private:
  void accept_loop() {
    for (;;) {  // ends when the listening socket is shut down
      int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) {
        return;
      }
      connections_.fetch_add(1);
      std::lock_guard lock(mu_);
      fds_.push_back(fd);
      threads_.emplace_back([this, fd] { serve(fd); });
    }
  }

  void serve(int fd) {
    char buf[4096];
    int matched = 0;  // of "\r\n\r\n"
    for (;;) {        // ends when the peer closes or the server shuts down
      ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) {
        break;
      }
      for (ssize_t i = 0; i < n; ++i) {
        char want = (matched % 2 == 0) ? '\r' : '\n';
        matched = buf[i] == want ? matched + 1 : (buf[i] == '\r' ? 1 : 0);
        if (matched < 4) {
          continue;
        }
        matched = 0;
        requests_.fetch_add(1);
        if (!answer(fd)) {
          ::close(fd);
          return;
        }
      }
    }
    ::close(fd);
  }

  // False when the connection is to be closed now.
  bool answer(int fd) {
    switch (behaviour_) {
      case Behaviour::kSilent:
        return true;
      case Behaviour::kReset: {
        linger l{1, 0};
        ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
        return false;
      }
      case Behaviour::kRespond:
      case Behaviour::kRespondAndClose:
        ::send(fd, response_.data(), response_.size(), MSG_NOSIGNAL);
        return behaviour_ == Behaviour::kRespond;
    }
    return false;
  }

  std::string response_;
  Behaviour behaviour_;
  int listen_fd_ = -1;
  std::uint16_t port_ = 0;
  std::thread acceptor_;
  std::mutex mu_;
  std::vector<int> fds_;
  std::vector<std::thread> threads_;
  std::atomic<std::uint64_t> requests_{0};
  std::atomic<std::uint64_t> connections_{0};
};

const std::string kOk = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-Request-Id: 1\r\n\r\nhello";

struct Outcome {
  RunResult result;
  std::uint64_t allocations = 0;  // during start() .. finish()
};

Outcome run(BenchOptions o, std::uint16_t port) {
  if (o.requests.empty()) {
    RequestSpec spec;
    spec.url = "http://127.0.0.1:" + std::to_string(port) + "/";
    o.requests.push_back(spec);
  }
  EXPECT_TRUE(validate(o).ok());
  std::vector<PreparedRequest> prepared;
  for (const RequestSpec& spec : o.requests) {
    prepared.push_back(
        prepare_request(spec, parse_url(spec.url).value(), o.keep_alive, "test").value());
  }
  core::RealClock clock;
  Generator gen(o, prepared, net::Address::parse("127.0.0.1:" + std::to_string(port)).value(),
                clock);
  Outcome r;
  std::uint64_t before = g_allocations.load();
  EXPECT_TRUE(gen.start().ok());
  EXPECT_TRUE(gen.wait(20s));
  r.result = gen.finish();
  r.allocations = g_allocations.load() - before;
  return r;
}

TEST(BenchGenerator, ClosedLoopSendsExactlyTheRequestedCount) {
  FakeServer server(kOk);
  BenchOptions o;
  o.connections = 4;
  o.threads = 2;
  o.max_requests = 1000;
  Outcome r = run(o, server.port());
  const RunStats& s = *r.result.stats;
  EXPECT_EQ(s.responses.value(), 1000u);
  EXPECT_EQ(s.ok, 1000u);
  EXPECT_EQ(s.errors.value(), 0u);
  EXPECT_EQ(s.status_counts[200], 1000u);
  EXPECT_EQ(s.connects, 4u);
  EXPECT_EQ(s.first_latency.count(), 4u);
  EXPECT_EQ(s.warm_latency.count(), 996u);
  EXPECT_EQ(s.body_bytes, 5000u);
  EXPECT_EQ(server.requests(), 1000u);
  EXPECT_GT(r.result.measured, core::Duration::zero());
}

TEST(BenchGenerator, SteadyStateAllocatesNothingPerRequest) {
  FakeServer server(kOk);
  BenchOptions o;
  o.connections = 2;
  o.max_requests = 200;
  Outcome small = run(o, server.port());
  o.max_requests = 5000;
  Outcome large = run(o, server.port());
  ASSERT_EQ(large.result.stats->responses.value(), 5000u);
  // Same set-up either way; 4800 more requests must not add allocations (a little slack for
  // the server's thread start-up racing the window).
  EXPECT_LE(large.allocations, small.allocations + 8)
      << "small run " << small.allocations << ", large run " << large.allocations;
}

TEST(BenchGenerator, ReadsChunkedAndUntilCloseResponses) {
  FakeServer chunked(
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
  BenchOptions o;
  o.connections = 2;
  o.max_requests = 100;
  Outcome r = run(o, chunked.port());
  EXPECT_EQ(r.result.stats->ok, 100u);
  EXPECT_EQ(r.result.stats->body_bytes, 1100u);
  EXPECT_EQ(r.result.stats->connects, 2u);

  FakeServer until_close("HTTP/1.1 200 OK\r\n\r\nbody-until-close", Behaviour::kRespondAndClose);
  Outcome u = run(o, until_close.port());
  EXPECT_EQ(u.result.stats->ok, 100u);
  EXPECT_EQ(u.result.stats->errors.value(), 0u);
  EXPECT_EQ(u.result.stats->connects, 100u);
  EXPECT_EQ(u.result.stats->body_bytes, 1600u);
}

TEST(BenchGenerator, NoKeepAliveOpensAConnectionPerRequest) {
  FakeServer server(kOk);
  BenchOptions o;
  o.connections = 2;
  o.max_requests = 50;
  o.keep_alive = false;
  Outcome r = run(o, server.port());
  EXPECT_EQ(r.result.stats->ok, 50u);
  EXPECT_EQ(r.result.stats->connects, 50u);
  EXPECT_EQ(r.result.stats->first_latency.count(), 50u);
  EXPECT_EQ(server.connections(), 50u);
}

TEST(BenchGenerator, ErrorsAreCountedByKind) {
  BenchOptions o;
  o.connections = 1;
  o.max_requests = 3;
  o.timeout = 200ms;
  {
    // Nothing listens on a port whose listener was just closed.
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    ::close(fd);
    Outcome r = run(o, ntohs(addr.sin_port));
    EXPECT_EQ(r.result.stats->error_kinds[static_cast<std::size_t>(ErrorKind::kConnect)], 3u);
    EXPECT_EQ(r.result.stats->responses.value(), 0u);
  }
  {
    FakeServer silent("", Behaviour::kSilent);
    Outcome r = run(o, silent.port());
    EXPECT_EQ(r.result.stats->error_kinds[static_cast<std::size_t>(ErrorKind::kTimeout)], 3u);
  }
  {
    FakeServer reset("", Behaviour::kReset);
    Outcome r = run(o, reset.port());
    const auto& k = r.result.stats->error_kinds;
    EXPECT_EQ(k[static_cast<std::size_t>(ErrorKind::kReset)] +
                  k[static_cast<std::size_t>(ErrorKind::kClosed)],
              3u);
  }
  {
    FakeServer garbage("NOT HTTP AT ALL\r\n\r\n");
    Outcome r = run(o, garbage.port());
    EXPECT_EQ(r.result.stats->error_kinds[static_cast<std::size_t>(ErrorKind::kParse)], 3u);
  }
}

TEST(BenchGenerator, ExpectationsCountStatusesAndMissingHeaders) {
  FakeServer server("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
  BenchOptions o;
  o.connections = 1;
  o.max_requests = 20;
  o.expect_headers = {"X-Request-Id"};
  Outcome r = run(o, server.port());
  EXPECT_EQ(r.result.stats->responses.value(), 20u);
  EXPECT_EQ(r.result.stats->unexpected_status, 20u);
  EXPECT_EQ(r.result.stats->ok, 0u);
  EXPECT_EQ(r.result.stats->missing_header, 20u);
  EXPECT_EQ(r.result.stats->missing_by_header[0], 20u);
}

TEST(BenchGenerator, DurationRunEndsAtItsDeadline) {
  FakeServer server(kOk);
  BenchOptions o;
  o.connections = 2;
  o.duration = 300ms;
  auto t0 = std::chrono::steady_clock::now();
  Outcome r = run(o, server.port());
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 3s);
  EXPECT_EQ(r.result.measured, core::Duration(300ms));
  EXPECT_GT(r.result.stats->responses.value(), 0u);
  EXPECT_EQ(r.result.stats->errors.value(), 0u);  // abandoned in-flight requests are not errors
}

// A listener that never accepts: once its backlog is full, connects hang until the run's
// deadline cuts them short, which is not a server failure (it used to count as "connect").
TEST(BenchGenerator, ConnectsCutByTheDeadlineAreNotErrors) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(fd, 0), 0);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  BenchOptions o;
  o.connections = 6;
  o.duration = 300ms;
  Outcome r = run(o, ntohs(addr.sin_port));
  ::close(fd);
  EXPECT_EQ(r.result.stats->errors.value(), 0u);
  EXPECT_EQ(r.result.stats->responses.value(), 0u);
}

TEST(BenchGenerator, OpenLoopSendsAtTheTargetRate) {
  FakeServer server(kOk);
  BenchOptions o;
  o.connections = 4;
  o.duration = 1s;
  o.rate = 200.0;
  Outcome r = run(o, server.port());
  EXPECT_NEAR(static_cast<double>(r.result.stats->responses.value()), 200.0, 30.0);
  EXPECT_EQ(server.requests(), r.result.stats->responses.value());
}

TEST(BenchGenerator, WarmupIsSentButNotMeasured) {
  FakeServer server(kOk);
  BenchOptions o;
  o.connections = 1;
  o.duration = 200ms;
  o.warmup = 200ms;
  Outcome r = run(o, server.port());
  EXPECT_GT(server.requests(), r.result.stats->responses.value() + 10);
  EXPECT_EQ(r.result.measured, core::Duration(200ms));
}

TEST(BenchGenerator, StopEndsARunEarly) {
  FakeServer server("", Behaviour::kSilent);
  BenchOptions o;
  o.connections = 3;
  o.duration = 60s;
  RequestSpec spec;
  spec.url = "http://127.0.0.1:" + std::to_string(server.port()) + "/";
  o.requests.push_back(spec);
  std::vector<PreparedRequest> prepared{
      prepare_request(spec, parse_url(spec.url).value(), true, "t").value()};
  core::RealClock clock;
  Generator gen(o, prepared, net::Address::parse(spec.url.substr(7, spec.url.size() - 8)).value(),
                clock);
  ASSERT_TRUE(gen.start().ok());
  EXPECT_FALSE(gen.wait(100ms));
  gen.stop();
  EXPECT_TRUE(gen.wait(5s));
  RunResult result = gen.finish();
  EXPECT_TRUE(result.interrupted);
  EXPECT_EQ(result.stats->errors.value(), 0u);
}

}  // namespace
}  // namespace ramjet::bench
