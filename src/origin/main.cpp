// ramjet-origin: composition root. Parses the flags, opens one SO_REUSEPORT listening socket
// per worker (the first picks the port when asked for port 0), starts the workers, prints
// "listening on HOST:PORT" once they can accept, and on SIGTERM/SIGINT shuts every worker
// down and exits 0. Exit codes: 0 clean stop, 1 start-up failure, 2 usage error.

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <thread>
#include <vector>

#include "core/clock.hpp"
#include "core/units.hpp"
#include "net/address.hpp"
#include "net/listener.hpp"
#include "net/workers.hpp"
#include "origin/options.hpp"
#include "origin/server.hpp"

namespace {

using ramjet::origin::OriginOptions;
using ramjet::origin::OriginServer;
using ramjet::origin::WorkerCounters;

// Opens one listening socket per worker on the same address; the first resolves port 0.
// Returns 0, or the exit code: 2 for a malformed address, 1 when binding fails.
int open_sockets(const OriginOptions& options, std::vector<int>& fds,
                  ramjet::net::Address& bound) {
  auto address = ramjet::net::Address::parse(options.listen);
  if (!address.ok()) {
    std::fprintf(stderr, "ramjet-origin: --listen: %s\n", address.error().to_string().c_str());
    return 2;
  }
  bound = address.value();
  for (std::size_t i = 0; i < options.workers; ++i) {
    auto fd = ramjet::net::open_listen_socket(bound, ramjet::net::ListenOptions{});
    if (!fd.ok()) {
      std::fprintf(stderr, "ramjet-origin: %s\n", fd.error().to_string().c_str());
      return 1;
    }
    fds.push_back(fd.value());
    if (i == 0) {
      bound = ramjet::net::Address::local_of(fd.value());
    }
  }
  return 0;
}

// Runs shutdown() on every worker and waits (bounded) until all have done it, so that no
// loop stops with a connection still open.
void shutdown_workers(ramjet::net::Workers& workers,
                      std::vector<std::unique_ptr<OriginServer>>& servers, bool quiet) {
  std::atomic<std::size_t> done{0};
  workers.post_all([&](std::size_t index, ramjet::net::EventLoop& /*loop*/) {
    servers[index]->shutdown();
    if (!quiet && servers[index]->open_connections() != 0) {
      std::fprintf(stderr, "ramjet-origin: worker %zu: %zu connection(s) left open\n", index,
                   servers[index]->open_connections());
    }
    done.fetch_add(1);
  });
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (done.load() < servers.size() && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  workers.stop();
  workers.join();
}

}  // namespace

int main(int argc, char** argv) {
  OriginOptions options;
  if (auto code = ramjet::origin::parse_command_line(argc, argv, options)) {
    return *code;
  }
  // Every thread inherits this mask, so only sigwait() below ever sees the stop signals.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);

  std::vector<int> fds;
  ramjet::net::Address bound;
  if (int code = open_sockets(options, fds, bound); code != 0) {
    for (int fd : fds) {
      ::close(fd);
    }
    return code;
  }
  ramjet::core::RealClock clock;
  std::vector<WorkerCounters> counters(options.workers);
  ramjet::net::Workers workers;  // declared first: loops outlive the servers using them
  std::vector<std::unique_ptr<OriginServer>> servers;
  for (std::size_t i = 0; i < options.workers; ++i) {
    servers.push_back(std::make_unique<OriginServer>(options, i, counters));
  }
  auto started = workers.start(options.workers, clock,
                               [&](std::size_t index, ramjet::net::EventLoop& loop) {
                                 servers[index]->start(loop, fds[index]);
                               });
  if (!started.ok()) {
    std::fprintf(stderr, "ramjet-origin: %s\n", started.error().to_string().c_str());
    return 1;
  }
  std::printf("listening on %s\n", bound.to_string().c_str());
  std::fflush(stdout);
  if (!options.quiet) {
    std::fprintf(stderr,
                 "ramjet-origin: %zu worker(s), body %s, status %d, latency %s%s%s\n",
                 options.workers, ramjet::core::format_size(options.body_size).c_str(),
                 options.status, ramjet::core::format_duration(options.latency).c_str(),
                 options.chunked ? ", chunked" : "", options.etag ? ", etag" : "");
  }
  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  if (!options.quiet) {
    std::fprintf(stderr, "ramjet-origin: signal %d, stopping\n", signal_number);
  }
  shutdown_workers(workers, servers, options.quiet);
  return 0;
}
