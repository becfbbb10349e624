#pragma once
// HttpClient: a blocking HTTP/1.1 client for tests, on one loopback TCP connection. It sends
// raw bytes (so a test controls every byte, malformed ones included) and reads one response
// at a time with http::parse_response and http::ChunkedDecoder, handling Content-Length,
// chunked and until-close bodies. The connection stays open for keep-alive and pipelining
// tests; bytes after a response are kept for the next read_response().
//
// Every operation is bounded by a timeout (poll-based, non-blocking socket). Errors are
// values: HttpResponse::complete and ::error say what arrived. Not thread-safe.

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.hpp"
#include "http/parser.hpp"

namespace ramjet::testing {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct HttpResponse {
  int status = 0;  // 0 when no complete head arrived
  std::string reason;
  int minor_version = 1;
  Headers headers;           // in order, as received
  std::string body;          // decoded body (chunked framing removed), up to max_body_kept
  std::uint64_t body_bytes = 0;  // decoded body bytes received, kept or not
  bool chunked = false;
  bool keep_alive = true;    // per version and Connection
  bool complete = false;     // the whole message arrived
  std::string error;         // why not complete: "timeout", "connection reset", ...

  // First value of `name` (case-insensitive), nullopt if absent.
  std::optional<std::string> header(std::string_view name) const;
  std::vector<std::string> header_values(std::string_view name) const;
  bool has_header(std::string_view name) const { return header(name).has_value(); }
};

struct ReadOptions {
  http::Method method = http::Method::kGet;  // of the request: HEAD responses have no body
  std::chrono::milliseconds timeout{10000};  // for the whole response
  std::size_t max_body_kept = 256u << 20;    // further bytes are counted, not kept
  std::function<void(std::string_view)> on_body;  // if set, sees the body instead of `body`
};

class HttpClient {
 public:
  // Connects to 127.0.0.1:`port`.
  static core::Result<HttpClient> connect(std::uint16_t port,
                                          std::chrono::milliseconds timeout =
                                              std::chrono::milliseconds(5000));

  HttpClient(HttpClient&& other) noexcept;
  HttpClient& operator=(HttpClient&& other) noexcept;
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;
  ~HttpClient() { close(); }

  // "METHOD target HTTP/1.1" with Host: 127.0.0.1:port, then `headers`, then
  // Content-Length when `body` is not empty, then the body.
  std::string make_request(std::string_view method, std::string_view target,
                           const Headers& headers = {}, std::string_view body = {}) const;

  // Sends every byte of `bytes`, or false (timeout, error, closed).
  bool send(std::string_view bytes,
            std::chrono::milliseconds timeout = std::chrono::milliseconds(5000));
  // Reads one response (bytes after it stay buffered for the next call).
  HttpResponse read_response(const ReadOptions& options = {});
  // send() then read_response().
  HttpResponse request(std::string_view raw, const ReadOptions& options = {});
  HttpResponse get(std::string_view target, const Headers& headers = {});

  // Reads and discards until the server closes or resets the connection: true if it did
  // within `timeout`.
  bool wait_closed(std::chrono::milliseconds timeout = std::chrono::milliseconds(5000));
  // True once an EOF or reset was seen.
  bool server_closed() const { return closed_; }
  // True if response bytes are buffered or arrive within `timeout` (default: now).
  bool has_input(std::chrono::milliseconds timeout = std::chrono::milliseconds(0));

  void close();
  int fd() const { return fd_; }
  std::uint16_t port() const { return port_; }

 private:
  HttpClient(int fd, std::uint16_t port) : fd_(fd), port_(port) {}
  // Appends received bytes to in_; false on EOF, error or deadline (error_ says which).
  bool receive(std::chrono::steady_clock::time_point deadline);
  struct BodyFraming {
    http::BodyKind kind = http::BodyKind::kNone;
    std::uint64_t content_length = 0;
  };
  bool read_head(const ReadOptions& options, std::chrono::steady_clock::time_point deadline,
                 HttpResponse& out, BodyFraming& framing);
  void deliver(std::string_view data, const ReadOptions& options, HttpResponse& out);

  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::string in_;  // received, not yet consumed
  bool closed_ = false;
  const char* error_ = "";
};

}  // namespace ramjet::testing
