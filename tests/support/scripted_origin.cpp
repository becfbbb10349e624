#include "scripted_origin.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

namespace ramjet::testing {

namespace {
constexpr int kReadTimeoutMs = 5000;
}

ScriptedOrigin::ScriptedOrigin(Responder responder) : responder_(std::move(responder)) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(a);
  if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0 ||
      ::listen(listen_fd_, 64) != 0 ||
      ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0 ||
      ::pipe2(stop_pipe_, O_CLOEXEC) != 0) {
    throw std::runtime_error("ScriptedOrigin: cannot listen on loopback");
  }
  port_ = ntohs(a.sin_port);
  thread_ = std::thread([this] { serve(); });
}

ScriptedOrigin::~ScriptedOrigin() {
  [[maybe_unused]] auto n = ::write(stop_pipe_[1], "x", 1);
  thread_.join();
  for (std::thread& t : connections_) {
    t.join();
  }
  ::close(listen_fd_);
  ::close(stop_pipe_[0]);
  ::close(stop_pipe_[1]);
}

std::vector<std::string> ScriptedOrigin::requests() const {
  std::lock_guard lock(mutex_);
  return requests_;
}

void ScriptedOrigin::serve() {
  for (;;) {
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {stop_pipe_[0], POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0 || (fds[1].revents & POLLIN) != 0) {
      return;
    }
    int c = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (c >= 0) {
      connections_.emplace_back([this, c] {
        serve_connection(c);
        ::close(c);
      });
    }
  }
}

void ScriptedOrigin::serve_connection(int fd) {
  std::string in;
  char buf[4096];
  for (;;) {
    std::size_t end = in.find("\r\n\r\n");
    if (end != std::string::npos) {
      std::string head = in.substr(0, end);
      in.erase(0, end + 4);
      std::size_t index = 0;
      {
        std::lock_guard lock(mutex_);
        index = requests_.size();
        requests_.push_back(head);
      }
      std::string out = responder_(head, index);
      for (std::size_t sent = 0; sent < out.size();) {
        ssize_t w = ::send(fd, out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
        if (w <= 0) {
          return;
        }
        sent += static_cast<std::size_t>(w);
      }
      continue;
    }
    pollfd fds[2] = {{fd, POLLIN, 0}, {stop_pipe_[0], POLLIN, 0}};
    if (::poll(fds, 2, kReadTimeoutMs) <= 0 || (fds[1].revents & POLLIN) != 0) {
      return;
    }
    ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) {
      return;
    }
    in.append(buf, static_cast<std::size_t>(n));
  }
}

std::string make_response(int status, std::string_view headers, std::string_view body) {
  std::string r = "HTTP/1.1 " + std::to_string(status) + " X\r\n";
  r.append(headers);
  if (status != 304) {
    r.append("Content-Length: " + std::to_string(body.size()) + "\r\n");
  }
  r.append("\r\n");
  r.append(body);
  return r;
}

}  // namespace ramjet::testing
