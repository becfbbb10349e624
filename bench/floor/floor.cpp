// ramjet-floor: the least work a keep-alive HTTP/1.1 server can do (docs: BENCH.md, "The floor").
//
// Purpose: a yardstick for cache-hit benchmarks. Its server CPU per request is, as nearly as a
// user-space program allows, the kernel's share of serving a request over loopback; ramjet's
// hit path is judged by how close it comes to it. It is not an HTTP server: it answers every
// complete request head ("\r\n\r\n") with the same canned 200 response, whatever the method or
// target, and does not understand request bodies (benchmarks send GETs only).
//
// Contract: one thread, one edge-triggered epoll set, loopback only (127.0.0.1). Pipelined
// heads are answered in order. Memory is allocated per connection (one fixed block at accept),
// never per request. A connection whose unanswered head outgrows its buffer is closed.
//
// Usage: ramjet-floor PORT [BODY_BYTES]      (BODY_BYTES defaults to 1024)
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

namespace {

constexpr std::size_t kHeadBufferBytes = 8192;      // an unanswered head must fit in this
constexpr std::size_t kMaxPendingBytes = 1 << 20;   // stop reading while this much is unsent
constexpr std::size_t kReplayBytes = 64 * 1024;     // size of the repeated-response buffer
constexpr int kMaxEvents = 256;
constexpr long kMaxBodyBytes = 16L * 1024 * 1024;

// The canned response, repeated back to back so that several pipelined answers go out in one
// send(). Because the buffer is periodic, bytes [pos, pos + n) of it are the right bytes for
// any position pos inside the first copy.
struct Replay {
  std::string bytes;
  std::size_t response_bytes = 0;
};

// One accepted connection. Owned by the event loop; freed when the connection closes.
struct Connection {
  int fd = -1;
  std::size_t head_len = 0;        // bytes of a not yet complete head kept at buf[0]
  std::uint64_t out_remaining = 0; // bytes of answers owed and not yet sent
  std::size_t out_pos = 0;         // offset of the next byte to send within one response
  bool read_paused = false;        // reading stopped until owed answers drain
  std::array<char, kHeadBufferBytes> buf{};
};

std::string make_body(std::size_t bytes) {
  constexpr std::string_view kOpen = R"({"floor":")";
  constexpr std::string_view kClose = "\"}\n";
  if (bytes < kOpen.size() + kClose.size()) {
    return std::string(bytes, 'x');
  }
  std::string body(kOpen);
  body.append(bytes - kOpen.size() - kClose.size(), 'x');
  body.append(kClose);
  return body;
}

Replay make_replay(std::size_t body_bytes) {
  std::string one = "HTTP/1.1 200 OK\r\nServer: ramjet-floor\r\nContent-Type: application/json\r\n"
                    "Cache-Control: public, max-age=300\r\nConnection: keep-alive\r\n"
                    "Content-Length: " +
                    std::to_string(body_bytes) + "\r\n\r\n" + make_body(body_bytes);
  Replay replay;
  replay.response_bytes = one.size();
  const std::size_t copies = one.size() >= kReplayBytes ? 1 : kReplayBytes / one.size();
  replay.bytes.reserve(copies * one.size());
  for (std::size_t i = 0; i < copies; ++i) {
    replay.bytes += one;
  }
  return replay;
}

int listen_on(std::uint16_t port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return -1;
  }
  const int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0 ||
      listen(fd, 4096) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

void close_connection(Connection* conn) {
  close(conn->fd);  // also removes it from the epoll set
  delete conn;
}

// Sends owed answers until none are left or the socket is full.
// Returns false when the connection failed and must be closed.
bool flush(Connection* conn, const Replay& replay) {
  while (conn->out_remaining > 0) {
    const std::size_t avail = replay.bytes.size() - conn->out_pos;
    const std::size_t len =
        conn->out_remaining < avail ? static_cast<std::size_t>(conn->out_remaining) : avail;
    const ssize_t n = send(conn->fd, replay.bytes.data() + conn->out_pos, len, MSG_NOSIGNAL);
    if (n < 0) {
      return errno == EAGAIN || errno == EINTR;
    }
    const auto sent = static_cast<std::size_t>(n);
    conn->out_remaining -= sent;
    conn->out_pos = (conn->out_pos + sent) % replay.response_bytes;
  }
  return true;
}

// Counts complete heads in buf[0, len), searching from `from`, and keeps the unfinished tail at
// the front of the buffer. Returns the number of complete heads.
std::uint64_t take_heads(Connection* conn, std::size_t len, std::size_t from) {
  const std::string_view data(conn->buf.data(), len);
  std::uint64_t heads = 0;
  std::size_t consumed = 0;
  for (std::size_t at = data.find("\r\n\r\n", from); at != std::string_view::npos;
       at = data.find("\r\n\r\n", consumed)) {
    ++heads;
    consumed = at + 4;
  }
  conn->head_len = len - consumed;
  if (consumed > 0 && conn->head_len > 0) {
    std::memmove(conn->buf.data(), conn->buf.data() + consumed, conn->head_len);
  }
  return heads;
}

// Reads until the socket is drained (edge-triggered), answering each complete head.
// Returns false when the connection is finished or failed and must be closed.
bool on_readable(Connection* conn, const Replay& replay) {
  for (;;) {
    if (conn->out_remaining >= kMaxPendingBytes) {
      conn->read_paused = true;
      return true;
    }
    const std::size_t room = conn->buf.size() - conn->head_len;
    if (room == 0) {
      return false;  // a head larger than the buffer: not a benchmark client
    }
    const ssize_t n = recv(conn->fd, conn->buf.data() + conn->head_len, room, 0);
    if (n == 0) {
      return false;
    }
    if (n < 0) {
      return errno == EAGAIN || errno == EINTR;
    }
    const std::size_t old_len = conn->head_len;
    const std::size_t from = old_len > 3 ? old_len - 3 : 0;
    const std::uint64_t heads = take_heads(conn, old_len + static_cast<std::size_t>(n), from);
    conn->out_remaining += heads * replay.response_bytes;
    if (!flush(conn, replay)) {
      return false;
    }
  }
}

// Writable again: send what is owed, then resume reading if it had been paused.
bool on_writable(Connection* conn, const Replay& replay) {
  if (!flush(conn, replay)) {
    return false;
  }
  if (conn->read_paused && conn->out_remaining == 0) {
    conn->read_paused = false;
    return on_readable(conn, replay);
  }
  return true;
}

void accept_all(int listen_fd, int epoll_fd) {
  for (;;) {
    const int fd = accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      return;  // EAGAIN, or a transient error (EMFILE...) that the next event retries
    }
    const int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    auto* conn = new Connection;
    conn->fd = fd;
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
    ev.data.ptr = conn;
    if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev) != 0) {
      close_connection(conn);
    }
  }
}

void on_event(const epoll_event& ev, const Replay& replay) {
  auto* conn = static_cast<Connection*>(ev.data.ptr);
  bool alive = (ev.events & EPOLLERR) == 0;
  if (alive && (ev.events & EPOLLOUT) != 0) {
    alive = on_writable(conn, replay);
  }
  if (alive && (ev.events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP)) != 0 && !conn->read_paused) {
    alive = on_readable(conn, replay);
  }
  if (!alive) {
    close_connection(conn);
  }
}

bool parse_number(const char* text, long max, long* out) {
  char* end = nullptr;
  errno = 0;
  const long value = std::strtol(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || value < 0 || value > max) {
    return false;
  }
  *out = value;
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  long port = 0;
  long body_bytes = 1024;
  if (argc < 2 || argc > 3 || !parse_number(argv[1], 65535, &port) || port == 0 ||
      (argc == 3 && !parse_number(argv[2], kMaxBodyBytes, &body_bytes))) {
    std::fprintf(stderr, "usage: %s PORT [BODY_BYTES]\n", argv[0]);
    return 2;
  }
  std::signal(SIGPIPE, SIG_IGN);
  const Replay replay = make_replay(static_cast<std::size_t>(body_bytes));
  const int listen_fd = listen_on(static_cast<std::uint16_t>(port));
  const int epoll_fd = epoll_create1(EPOLL_CLOEXEC);
  if (listen_fd < 0 || epoll_fd < 0) {
    std::perror("ramjet-floor: listen");
    return 1;
  }
  epoll_event lev{};
  lev.events = EPOLLIN | EPOLLET;
  lev.data.ptr = nullptr;  // the listener is the only entry without a Connection
  epoll_ctl(epoll_fd, EPOLL_CTL_ADD, listen_fd, &lev);
  std::fprintf(stderr, "ramjet-floor: 127.0.0.1:%ld, %zu-byte responses\n", port,
               replay.response_bytes);

  std::array<epoll_event, kMaxEvents> events{};
  for (;;) {
    const int n = epoll_wait(epoll_fd, events.data(), kMaxEvents, -1);
    if (n < 0 && errno != EINTR) {
      std::perror("ramjet-floor: epoll_wait");
      return 1;
    }
    for (int i = 0; i < n; ++i) {
      const epoll_event& ev = events[static_cast<std::size_t>(i)];
      if (ev.data.ptr == nullptr) {
        accept_all(listen_fd, epoll_fd);
      } else {
        on_event(ev, replay);
      }
    }
  }
}
