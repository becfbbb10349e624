// ramjet-idle-conns: holds many idle keep-alive connections open against a server, so that the
// benchmark harness can measure the server's memory per idle connection (BENCH.md, "Memory").
//
// It opens --count connections to --host:--port, at most --window of them in flight at once
// and, with --rate, at most that many new ones per second (a burst of new connections makes
// thread-per-connection servers start worker threads, which is not idle-connection memory);
// on each it sends one GET for --path and reads the whole response (Content-Length or chunked).
// It then prints one line to stdout and keeps every connection open and idle:
//   ready opened=N ok=K failed=F ms=T
// where ok counts connections that got a 2xx and are still open. It exits on SIGTERM/SIGINT, or
// by itself after --hold-seconds, or with status 1 if the opening phase outlives
// --timeout-seconds. On exit it prints to stderr how many connections the server closed while
// they were idle. Loopback use only; needs `ulimit -n` above --count.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <csignal>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

volatile std::sig_atomic_t g_stop = 0;  // set by SIGTERM/SIGINT; the only global state

void on_stop_signal(int) { g_stop = 1; }

// SIGTERM/SIGINT interrupt epoll_wait (no SA_RESTART) so the tool can report before exiting.
void install_stop_handler() {
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
}

struct Options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  std::string path = "/";
  long count = 10000;
  long window = 64;
  long rate = 0;  // new connections per second; 0: as fast as the window allows
  long hold_seconds = 300;
  long timeout_seconds = 120;
};

enum class State { kConnecting, kReadingHead, kReadingBody, kReadingChunked, kIdle, kDone };

// One client connection and its response-reading progress. Buffers are released once the
// response is read, so idle connections cost this tool almost nothing.
struct Client {
  int fd = -1;
  State state = State::kConnecting;
  std::string head;            // response bytes until the head is complete (then chunk tail)
  std::uint64_t body_left = 0; // for Content-Length bodies
  bool ok = false;             // status was 2xx
};

struct Tally {
  long opened = 0;
  long ok = 0;
  long failed = 0;
  long in_flight = 0;
  long closed_while_idle = 0;
};

bool parse_long(const char* text, long min, long max, long* out) {
  char* end = nullptr;
  errno = 0;
  const long value = std::strtol(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || value < min || value > max) {
    return false;
  }
  *out = value;
  return true;
}

bool parse_options(int argc, char** argv, Options* opt) {
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string_view flag = argv[i];
    const char* value = argv[i + 1];
    long port = 0;
    bool good = true;
    if (flag == "--host") {
      opt->host = value;
    } else if (flag == "--port") {
      good = parse_long(value, 1, 65535, &port);
      opt->port = static_cast<std::uint16_t>(port);
    } else if (flag == "--path") {
      opt->path = value;
    } else if (flag == "--count") {
      good = parse_long(value, 1, 1000000, &opt->count);
    } else if (flag == "--window") {
      good = parse_long(value, 1, 10000, &opt->window);
    } else if (flag == "--rate") {
      good = parse_long(value, 0, 10000000, &opt->rate);
    } else if (flag == "--hold-seconds") {
      good = parse_long(value, 0, 86400, &opt->hold_seconds);
    } else if (flag == "--timeout-seconds") {
      good = parse_long(value, 1, 3600, &opt->timeout_seconds);
    } else {
      good = false;
    }
    if (!good) {
      return false;
    }
  }
  return argc % 2 == 1 && opt->port != 0;
}

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// Starts one non-blocking connect and registers it for writability.
bool start_connect(int epoll_fd, const sockaddr_in& addr, Client* client) {
  client->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (client->fd < 0) {
    return false;
  }
  const int rc = connect(client->fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
  if (rc != 0 && errno != EINPROGRESS) {
    close(client->fd);
    client->fd = -1;
    return false;
  }
  epoll_event ev{};
  ev.events = EPOLLOUT | EPOLLIN | EPOLLRDHUP;
  ev.data.ptr = client;
  return epoll_ctl(epoll_fd, EPOLL_CTL_ADD, client->fd, &ev) == 0;
}

// Connected: send the request (small enough for one send on a fresh socket).
bool send_request(int epoll_fd, Client* client, const std::string& request) {
  int err = 0;
  socklen_t len = sizeof err;
  if (getsockopt(client->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) {
    return false;
  }
  if (send(client->fd, request.data(), request.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(request.size())) {
    return false;
  }
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLRDHUP;
  ev.data.ptr = client;
  client->state = State::kReadingHead;
  return epoll_ctl(epoll_fd, EPOLL_CTL_MOD, client->fd, &ev) == 0;
}

// The head is complete in client->head: decide how the body is framed. Returns false on a
// response this tool cannot frame.
bool on_head(Client* client, std::size_t head_end) {
  const std::string head = lower(std::string_view(client->head).substr(0, head_end));
  std::string rest = client->head.substr(head_end + 4);
  client->ok = head.size() > 12 && head.compare(0, 5, "http/") == 0 && head[9] == '2';
  if (head.find("\r\ntransfer-encoding: chunked") != std::string::npos) {
    client->state = State::kReadingChunked;
    client->head = std::move(rest);
    return true;
  }
  const std::size_t cl = head.find("\r\ncontent-length:");
  if (cl == std::string::npos) {
    return false;
  }
  const std::uint64_t length = std::strtoull(head.c_str() + cl + 17, nullptr, 10);
  client->state = State::kReadingBody;
  client->body_left = length - std::min<std::uint64_t>(length, rest.size());
  client->head.clear();
  return true;
}

// Consumes newly read bytes. Returns false on a malformed or unframeable response.
bool on_bytes(Client* client, std::string_view data) {
  if (client->state == State::kReadingHead) {
    client->head.append(data);
    const std::size_t end = client->head.find("\r\n\r\n");
    if (end == std::string::npos) {
      return client->head.size() < 65536;
    }
    if (!on_head(client, end)) {
      return false;
    }
  } else if (client->state == State::kReadingBody) {
    client->body_left -= std::min<std::uint64_t>(client->body_left, data.size());
  } else if (client->state == State::kReadingChunked) {
    client->head.append(data);
    // Keep only a tail long enough to hold the last-chunk marker.
    if (client->head.size() > 64) {
      client->head.erase(0, client->head.size() - 64);
    }
  }
  if (client->state == State::kReadingBody && client->body_left == 0) {
    client->state = State::kIdle;
  }
  if (client->state == State::kReadingChunked &&
      client->head.size() >= 5 && client->head.ends_with("0\r\n\r\n")) {
    client->state = State::kIdle;
  }
  if (client->state == State::kIdle) {
    std::string().swap(client->head);
  }
  return true;
}

// Drains the socket. Returns false when the connection closed or failed.
bool read_all(Client* client) {
  char buf[16384];
  for (;;) {
    const ssize_t n = recv(client->fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n == 0) {
      return false;
    }
    if (n < 0) {
      return errno == EAGAIN || errno == EINTR;
    }
    if (client->state == State::kIdle) {
      return false;  // bytes on an idle connection: not keep-alive as we expect
    }
    if (!on_bytes(client, std::string_view(buf, static_cast<std::size_t>(n)))) {
      return false;
    }
  }
}

void finish(Client* client, Tally* tally, bool keep) {
  --tally->in_flight;
  if (keep && client->ok) {
    ++tally->ok;
    return;
  }
  ++tally->failed;
  close(client->fd);
  client->state = State::kDone;
}

void on_event(int epoll_fd, const epoll_event& ev, const std::string& request, Tally* tally) {
  auto* client = static_cast<Client*>(ev.data.ptr);
  if (client->state == State::kIdle) {
    // The server closed (or wrote to) a connection that should be idle.
    ++tally->closed_while_idle;
    --tally->ok;
    close(client->fd);
    client->state = State::kDone;
    return;
  }
  bool alive = (ev.events & EPOLLERR) == 0;
  if (alive && client->state == State::kConnecting) {
    alive = (ev.events & EPOLLOUT) != 0 && send_request(epoll_fd, client, request);
  } else if (alive) {
    alive = read_all(client);
  }
  if (!alive) {
    finish(client, tally, false);
  } else if (client->state == State::kIdle) {
    finish(client, tally, true);
  }
}

long elapsed_ms(Clock::time_point since) {
  return static_cast<long>(
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - since).count());
}

// Opens every connection, keeping at most opt.window in flight. Returns false on timeout.
bool open_all(const Options& opt, int epoll_fd, const sockaddr_in& addr,
              std::vector<Client>* clients, Tally* tally) {
  const std::string request =
      "GET " + opt.path + " HTTP/1.1\r\nHost: " + opt.host +
      "\r\nUser-Agent: ramjet-idle-conns\r\n\r\n";
  const auto start = Clock::now();
  std::vector<epoll_event> events(256);
  while ((tally->opened < opt.count || tally->in_flight > 0) && g_stop == 0) {
    const long allowed = opt.rate == 0 ? opt.count : 1 + elapsed_ms(start) * opt.rate / 1000;
    while (tally->opened < std::min(opt.count, allowed) && tally->in_flight < opt.window) {
      Client* client = &(*clients)[static_cast<std::size_t>(tally->opened++)];
      if (start_connect(epoll_fd, addr, client)) {
        ++tally->in_flight;
      } else {
        ++tally->failed;
      }
    }
    if (elapsed_ms(start) > opt.timeout_seconds * 1000) {
      return false;
    }
    const int wait_ms = opt.rate == 0 ? 100 : 1;
    const int n = epoll_wait(epoll_fd, events.data(), static_cast<int>(events.size()), wait_ms);
    for (int i = 0; i < n; ++i) {
      on_event(epoll_fd, events[static_cast<std::size_t>(i)], request, tally);
    }
  }
  return g_stop == 0;
}

// Keeps the idle connections open, noting any the server closes, until the hold time ends.
void hold(const Options& opt, int epoll_fd, Tally* tally) {
  const auto start = Clock::now();
  std::vector<epoll_event> events(256);
  const std::string unused;
  while (elapsed_ms(start) < opt.hold_seconds * 1000 && g_stop == 0) {
    const int n = epoll_wait(epoll_fd, events.data(), static_cast<int>(events.size()), 500);
    for (int i = 0; i < n; ++i) {
      on_event(epoll_fd, events[static_cast<std::size_t>(i)], unused, tally);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  if (!parse_options(argc, argv, &opt)) {
    std::fprintf(stderr,
                 "usage: %s --port PORT [--host 127.0.0.1] [--path /] [--count 10000]\n"
                 "       [--window 64] [--rate 0] [--hold-seconds 300] [--timeout-seconds 120]\n",
                 argv[0]);
    return 2;
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(opt.port);
  if (inet_pton(AF_INET, opt.host.c_str(), &addr.sin_addr) != 1) {
    std::fprintf(stderr, "ramjet-idle-conns: --host must be an IPv4 address\n");
    return 2;
  }
  const int epoll_fd = epoll_create1(EPOLL_CLOEXEC);
  std::vector<Client> clients(static_cast<std::size_t>(opt.count));
  Tally tally;
  const auto start = Clock::now();
  install_stop_handler();
  if (!open_all(opt, epoll_fd, addr, &clients, &tally)) {
    if (g_stop == 0) {
      std::fprintf(stderr, "ramjet-idle-conns: timed out opening connections (ok=%ld)\n",
                   tally.ok);
    }
    return 1;
  }
  std::printf("ready opened=%ld ok=%ld failed=%ld ms=%ld\n", tally.opened, tally.ok,
              tally.failed, elapsed_ms(start));
  std::fflush(stdout);
  hold(opt, epoll_fd, &tally);
  std::fprintf(stderr, "ramjet-idle-conns: closed by the server while idle: %ld\n",
               tally.closed_while_idle);
  return 0;
}
