#pragma once
// A loopback origin whose every answer a test writes by hand: for the responses
// ramjet-origin cannot produce (a 304 whose validators match nothing, a header sequence
// that changes between requests). A thread per connection, keep-alive; requests without
// bodies only; the responder may be called from several threads at once. It records each
// request head it received.
//
// The responder gets the request head (request line and fields, without the final CRLF
// pair) and the request's index (0, 1, ...) and returns the whole response bytes.
// Everything it does is bounded: reads time out after 5 s, the destructor stops it.

#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace ramjet::testing {

class ScriptedOrigin {
 public:
  using Responder = std::function<std::string(std::string_view head, std::size_t index)>;

  explicit ScriptedOrigin(Responder responder);
  ~ScriptedOrigin();
  ScriptedOrigin(const ScriptedOrigin&) = delete;
  ScriptedOrigin& operator=(const ScriptedOrigin&) = delete;

  std::uint16_t port() const { return port_; }
  // The request heads received so far, in order.
  std::vector<std::string> requests() const;

 private:
  void serve();
  void serve_connection(int fd);

  Responder responder_;
  int listen_fd_ = -1;
  int stop_pipe_[2] = {-1, -1};
  std::uint16_t port_ = 0;
  mutable std::mutex mutex_;
  std::vector<std::string> requests_;
  std::thread thread_;
  std::vector<std::thread> connections_;  // touched by thread_ only, until it is joined
};

// "HTTP/1.1 <status> X\r\n<headers>Content-Length: <n>\r\n\r\n<body>" (no Content-Length
// for 304); `headers` are "Name: value\r\n" lines.
std::string make_response(int status, std::string_view headers, std::string_view body = {});

}  // namespace ramjet::testing
