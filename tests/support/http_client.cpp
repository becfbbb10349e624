#include "http_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

namespace ramjet::testing {
namespace {

using Clock = std::chrono::steady_clock;

// Milliseconds left until `deadline`, rounded up; 0 when it has passed.
int millis_left(Clock::time_point deadline) {
  auto left = deadline - Clock::now();
  if (left <= Clock::duration::zero()) {
    return 0;
  }
  auto ms = std::chrono::ceil<std::chrono::milliseconds>(left).count();
  return static_cast<int>(std::min<std::int64_t>(ms, 60'000));
}

// Waits for `events` on `fd` until `deadline`; true when ready (or hung up).
bool wait_fd(int fd, short events, Clock::time_point deadline) {
  for (;;) {  // bounded by `deadline`
    int ms = millis_left(deadline);
    if (ms == 0) {
      return false;
    }
    pollfd p{fd, events, 0};
    int rc = ::poll(&p, 1, ms);
    if (rc > 0) {
      return true;
    }
    if (rc < 0 && errno != EINTR) {
      return false;
    }
  }
}

}  // namespace

std::optional<std::string> HttpResponse::header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (http::iequals(n, name)) {
      return v;
    }
  }
  return std::nullopt;
}

std::vector<std::string> HttpResponse::header_values(std::string_view name) const {
  std::vector<std::string> values;
  for (const auto& [n, v] : headers) {
    if (http::iequals(n, name)) {
      values.push_back(v);
    }
  }
  return values;
}

core::Result<HttpClient> HttpClient::connect(std::uint16_t port,
                                             std::chrono::milliseconds timeout) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return core::Error{"socket() failed", std::strerror(errno)};
  }
  HttpClient client(fd, port);
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) != 0) {
    if (errno != EINPROGRESS) {
      return core::Error{"connect failed", std::strerror(errno)};
    }
    if (!wait_fd(fd, POLLOUT, Clock::now() + timeout)) {
      return core::Error{"connect timed out", "127.0.0.1:" + std::to_string(port)};
    }
    int err = 0;
    socklen_t len = sizeof(err);
    ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) {
      return core::Error{"connect failed", std::strerror(err)};
    }
  }
  return client;
}

HttpClient::HttpClient(HttpClient&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      port_(other.port_),
      in_(std::move(other.in_)),
      closed_(other.closed_),
      error_(other.error_) {}

HttpClient& HttpClient::operator=(HttpClient&& other) noexcept {
  if (this != &other) {
    close();
    fd_ = std::exchange(other.fd_, -1);
    port_ = other.port_;
    in_ = std::move(other.in_);
    closed_ = other.closed_;
    error_ = other.error_;
  }
  return *this;
}

void HttpClient::close() {
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

std::string HttpClient::make_request(std::string_view method, std::string_view target,
                                     const Headers& headers, std::string_view body) const {
  std::string raw;
  raw.append(method).append(" ").append(target).append(" HTTP/1.1\r\nHost: 127.0.0.1:");
  raw.append(std::to_string(port_)).append("\r\n");
  for (const auto& [name, value] : headers) {
    raw.append(name).append(": ").append(value).append("\r\n");
  }
  if (!body.empty()) {
    raw.append("Content-Length: ").append(std::to_string(body.size())).append("\r\n");
  }
  raw.append("\r\n").append(body);
  return raw;
}

bool HttpClient::send(std::string_view bytes, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (!bytes.empty()) {  // bounded by `deadline`
    ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      bytes.remove_prefix(static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) &&
        wait_fd(fd_, POLLOUT, deadline)) {
      continue;
    }
    return false;
  }
  return true;
}

bool HttpClient::receive(Clock::time_point deadline) {
  std::array<char, 64 * 1024> buffer;
  for (;;) {  // bounded by `deadline`
    if (fd_ < 0 || closed_) {
      error_ = "connection closed";
      return false;
    }
    if (!wait_fd(fd_, POLLIN, deadline)) {
      error_ = "timeout";
      return false;
    }
    ssize_t n = ::recv(fd_, buffer.data(), buffer.size(), MSG_DONTWAIT);
    if (n > 0) {
      in_.append(buffer.data(), static_cast<std::size_t>(n));
      return true;
    }
    if (n == 0) {
      closed_ = true;
      error_ = "connection closed";
      return false;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
      continue;
    }
    closed_ = true;
    error_ = errno == ECONNRESET ? "connection reset" : "receive error";
    return false;
  }
}

bool HttpClient::read_head(const ReadOptions& options, Clock::time_point deadline,
                           HttpResponse& out, BodyFraming& framing) {
  std::array<http::Header, 256> storage;
  http::ResponseHead head;
  for (;;) {  // bounded: each turn receives bytes before `deadline`
    if (!in_.empty()) {
      auto parsed = http::parse_response(in_, http::ParseLimits{}, options.method, storage, head);
      if (parsed.status == http::ParseStatus::kComplete) {
        out.status = head.status;
        out.reason = std::string(head.reason);
        out.minor_version = head.minor_version;
        for (const http::Header& h : head.headers) {
          out.headers.emplace_back(std::string(h.name), std::string(h.value));
        }
        out.chunked = head.body == http::BodyKind::kChunked;
        out.keep_alive = head.keep_alive;
        framing = {head.body, head.content_length};
        in_.erase(0, parsed.consumed);  // after the copies: head's views point into in_
        return true;
      }
      if (parsed.status == http::ParseStatus::kError) {
        out.error = std::string("bad response head: ") + http::to_string(parsed.error);
        return false;
      }
    }
    if (!receive(deadline)) {
      out.error = error_;
      return false;
    }
  }
}

void HttpClient::deliver(std::string_view data, const ReadOptions& options, HttpResponse& out) {
  out.body_bytes += data.size();
  if (options.on_body) {
    options.on_body(data);
  } else if (out.body.size() < options.max_body_kept) {
    out.body.append(data.substr(0, options.max_body_kept - out.body.size()));
  }
}

HttpResponse HttpClient::read_response(const ReadOptions& options) {
  HttpResponse out;
  const auto deadline = Clock::now() + options.timeout;
  BodyFraming framing;
  if (!read_head(options, deadline, out, framing)) {
    return out;
  }
  switch (framing.kind) {
    case http::BodyKind::kNone:
      break;
    case http::BodyKind::kContentLength: {
      std::uint64_t left = framing.content_length;
      while (left > 0) {  // bounded by `left` and `deadline`
        if (in_.empty() && !receive(deadline)) {
          out.error = error_;
          return out;
        }
        std::size_t take = static_cast<std::size_t>(std::min<std::uint64_t>(in_.size(), left));
        deliver(std::string_view(in_).substr(0, take), options, out);
        in_.erase(0, take);
        left -= take;
      }
      break;
    }
    case http::BodyKind::kChunked: {
      http::ChunkedDecoder decoder;
      for (;;) {  // bounded: each turn consumes input or receives before `deadline`
        auto step = decoder.feed(in_);
        deliver(step.data, options, out);
        in_.erase(0, step.consumed);
        if (step.status == http::ParseStatus::kComplete) {
          break;
        }
        if (step.status == http::ParseStatus::kError) {
          out.error = std::string("bad chunked body: ") + http::to_string(step.error);
          return out;
        }
        if (step.consumed == 0 && !receive(deadline)) {
          out.error = error_;
          return out;
        }
      }
      break;
    }
    case http::BodyKind::kUntilClose:
      for (;;) {  // bounded by `deadline`
        deliver(in_, options, out);
        in_.clear();
        if (!receive(deadline)) {
          if (!closed_ || std::strcmp(error_, "connection closed") != 0) {
            out.error = error_;
            return out;
          }
          break;
        }
      }
      break;
  }
  out.complete = true;
  return out;
}

HttpResponse HttpClient::request(std::string_view raw, const ReadOptions& options) {
  if (!send(raw)) {
    HttpResponse out;
    out.error = "send failed";
    return out;
  }
  return read_response(options);
}

HttpResponse HttpClient::get(std::string_view target, const Headers& headers) {
  return request(make_request("GET", target, headers));
}

bool HttpClient::wait_closed(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (!closed_) {  // bounded by `deadline`
    in_.clear();
    if (!receive(deadline)) {
      return closed_;
    }
  }
  return true;
}

bool HttpClient::has_input(std::chrono::milliseconds timeout) {
  if (!in_.empty()) {
    return true;
  }
  if (fd_ < 0) {
    return false;
  }
  pollfd p{fd_, POLLIN, 0};
  return ::poll(&p, 1, static_cast<int>(timeout.count())) > 0;
}

}  // namespace ramjet::testing
