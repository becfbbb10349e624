#include "origin/server.hpp"

#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <optional>

#include "http/chars.hpp"
#include "http/parser.hpp"
#include "net/socket.hpp"
#include "origin/body_pattern.hpp"
#include "origin/request_params.hpp"

namespace ramjet::origin {

using namespace std::chrono_literals;

namespace {

using http::chars::trim_ows;

constexpr std::size_t kReadBufferBytes = 24 * 1024;  // > max head (16 KiB) + a chunk line
constexpr std::size_t kDecodeBytes = 8 * 1024 + 64;  // >= the longest target's query
constexpr std::size_t kMaxHeaders = 100;
constexpr std::size_t kEchoBodyLimit = 1 << 20;
constexpr std::size_t kSliceBytes = 64 * 1024;       // one iovec of a Content-Length body
constexpr std::size_t kChunkBytes = 16 * 1024;       // one chunk of a chunked body
constexpr std::size_t kSlowPieceBytes = 1024;        // one piece of a slow body
constexpr std::size_t kMaxFreeBlocks = 256;
constexpr std::size_t kHeadReserve = 4096;
constexpr std::uint64_t kLingerBytes = 256 * 1024;
constexpr auto kLingerTime = 1s;
constexpr auto kResetDrainTime = 2s;
// Last-Modified sent with --last-modified / lm=1: a fixed instant, 2024-01-01T00:00:00Z.
constexpr std::string_view kLastModified = "Mon, 01 Jan 2024 00:00:00 GMT";
constexpr std::time_t kLastModifiedEpoch = 1704067200;
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
constexpr std::string_view kOctetStream = "application/octet-stream";
constexpr std::string_view kJson = "application/json";
constexpr std::string_view kText = "text/plain";

// The deterministic body, long enough that a slice of kSliceBytes may start at any phase of
// the pattern: body bytes [off, off + n) are kPattern[off % kBodyPeriod ...].
struct PatternBuffer {
  std::array<char, kBodyPeriod + kSliceBytes> bytes{};
  PatternBuffer() {
    for (std::size_t i = 0; i < bytes.size(); ++i) {
      bytes[i] = body_byte(i);
    }
  }
};
const PatternBuffer kPattern;

const char* pattern_at(std::uint64_t offset) {
  return kPattern.bytes.data() + offset % kBodyPeriod;
}

iovec make_iov(const void* data, std::size_t size) {
  return iovec{const_cast<void*>(data), size};
}

iovec make_iov(std::string_view s) { return make_iov(s.data(), s.size()); }

void append_number(std::string& out, std::uint64_t value) {
  char digits[24];
  auto [end, ec] = std::to_chars(digits, digits + sizeof(digits), value);
  out.append(digits, end);
}

std::uint64_t fnv1a(std::string_view bytes, std::uint64_t h = 1469598103934665603ULL) {
  for (char c : bytes) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ULL;
  }
  return h;
}

std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

// Deterministic per (seed, request id): the same run answers the same requests with 500.
bool injected_failure(const OriginOptions& options, std::uint64_t request_id) {
  if (options.failure_rate <= 0) {
    return false;
  }
  std::uint64_t r = splitmix64(options.seed ^ splitmix64(request_id));
  double u = static_cast<double>(r >> 11) * 0x1.0p-53;
  return u < options.failure_rate;
}

// If-None-Match against our strong tag, with the weak comparison RFC 9110 §13.1.2 asks for.
bool etag_matches(std::string_view if_none_match, std::string_view etag) {
  while (!if_none_match.empty()) {
    auto comma = if_none_match.find(',');
    std::string_view element = trim_ows(if_none_match.substr(0, comma));
    if_none_match = comma == std::string_view::npos ? std::string_view()
                                                    : if_none_match.substr(comma + 1);
    if (element == "*") {
      return true;
    }
    if (element.size() > 2 && element.substr(0, 2) == "W/") {
      element.remove_prefix(2);
    }
    if (element == etag) {
      return true;
    }
  }
  return false;
}

// Parses an IMF-fixdate; nullopt when malformed.
std::optional<std::time_t> parse_imf_date(std::string_view text) {
  char buf[64];
  if (text.size() >= sizeof(buf)) {
    return std::nullopt;
  }
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  std::tm tm{};
  const char* end = ::strptime(buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (end == nullptr || *end != '\0') {
    return std::nullopt;
  }
  return ::timegm(&tm);
}

// JSON string body: '"', '\\' and control bytes escaped; bytes >= 0x80 are written as
// \u00XX (the byte's value as a code point), so any request body yields valid JSON.
void append_json_string(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (c == '\n') {
      out.append("\\n");
    } else if (c == '\r') {
      out.append("\\r");
    } else if (c == '\t') {
      out.append("\\t");
    } else if (u < 0x20 || u >= 0x7F) {
      out.append("\\u00");
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 15]);
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
}

enum class PathKind : std::uint8_t { kPlain, kEcho, kStats, kResetStats };

PathKind classify(std::string_view path) {
  if (path == "/echo") {
    return PathKind::kEcho;
  }
  if (path == "/__origin/stats") {
    return PathKind::kStats;
  }
  if (path == "/__origin/reset-stats") {
    return PathKind::kResetStats;
  }
  return PathKind::kPlain;
}

bool status_has_body(int status) { return status >= 200 && status != 204 && status != 304; }

}  // namespace

// Scratch one session borrows from the worker's pool for as long as it has bytes to handle:
// the read buffer (heads are parsed in place, so its string_views live here), header
// storage, the query-decoding area and the reusable strings responses are built in.
struct SessionBlock {
  std::array<char, kReadBufferBytes> read;
  std::array<char, kDecodeBytes> decode;
  std::array<http::Header, kMaxHeaders> headers;
  std::string head;       // the response head being written
  std::string json;       // /echo and /__origin/* bodies
  std::string echo_body;  // the request body kept for /echo (at most kEchoBodyLimit)
  std::size_t begin = 0;  // unhandled bytes are read[begin, end)
  std::size_t end = 0;

  SessionBlock() {
    head.reserve(kHeadReserve);
    json.reserve(kHeadReserve);
  }
  std::string_view pending() const { return {read.data() + begin, end - begin}; }
};

// A downstream connection. Idle, it is just this struct, epoll registration and a timer.
struct Connection {
  Connection(OriginServer& s, net::EventLoop& loop, int fd, const net::Address& p)
      : server(s), socket(loop, fd), peer(p) {}

  OriginServer& server;
  net::Socket socket;
  net::Address peer;
  net::Timer idle_timer;
  net::Timer pause_timer;
  std::coroutine_handle<> pause_waiter;
  bool in_session = false;
  Connection* prev = nullptr;
  Connection* next = nullptr;
};

// co_await PauseOp{c, until}: a sleep that shutdown() can cut short. Resumes true when the
// time passed, false when the server is stopping.
struct OriginServer::PauseOp {
  Connection& c;
  core::MonoTime until;

  bool await_ready() const { return c.server.stopping_ || until <= c.server.loop_->now(); }
  void await_suspend(std::coroutine_handle<> h) {
    c.pause_waiter = h;
    c.pause_timer.set_callback(&PauseOp::on_timer, &c);
    c.server.loop_->arm(c.pause_timer, until);
  }
  bool await_resume() const { return !c.server.stopping_; }

  static void on_timer(net::Timer* /*timer*/, void* arg) {
    auto* conn = static_cast<Connection*>(arg);
    std::exchange(conn->pause_waiter, {}).resume();
  }
};

// One request/response exchange on a connection, from a parsed head to the last byte.
class OriginServer::Exchange {
 public:
  enum class Outcome : std::uint8_t { kContinue, kIdle, kClose };

  Exchange(OriginServer& server, Connection& c, SessionBlock& b)
      : server_(server), c_(c), b_(b) {}

  // Reads and answers the next request; kIdle when no bytes are waiting.
  net::Task<Outcome> run();

 private:
  enum class BodyStatus : std::uint8_t { kOk, kIoError, kBadFraming };

  net::Task<Outcome> respond();
  net::Task<BodyStatus> consume_body();
  net::Task<BodyStatus> consume_length_body(std::uint64_t length);
  net::Task<BodyStatus> consume_chunked_body();
  net::Task<bool> read_more(std::size_t at);
  void keep_body(std::string_view data);

  net::Task<Outcome> reply_bad_request(http::ParseError error);
  net::Task<Outcome> reply_admin(PathKind kind);
  net::Task<Outcome> reply_echo();
  net::Task<Outcome> reply_plain();
  net::Task<Outcome> finish(bool ok);
  net::Task<bool> send_fixed(std::string_view body);
  net::Task<bool> send_pattern(std::uint64_t size, bool chunked);
  net::Task<void> reset_connection();
  net::Task<void> linger_close();

  enum class Framing : std::uint8_t { kNone, kLength, kChunked };
  void build_head(int status, std::string_view content_type, Framing framing,
                  std::uint64_t length, bool with_plan);
  bool not_modified() const;

  core::MonoTime io_deadline() const {
    return server_.loop_->now() + server_.options_.idle_timeout;
  }
  net::Task<bool> write(std::span<const iovec> iov) {
    auto r = co_await c_.socket.write(iov, io_deadline());
    co_return r.ok();
  }

  OriginServer& server_;
  Connection& c_;
  SessionBlock& b_;
  http::RequestHead head_;
  ResponsePlan plan_;
  std::uint64_t request_id_ = 0;  // 0 for /__origin/* (not counted)
  std::uint64_t body_bytes_ = 0;  // request body bytes received
  http::ParseError body_error_ = http::ParseError::kNone;
  bool close_ = false;
  std::array<char, 24> etag_{};
  std::size_t etag_size_ = 0;

  std::string_view etag() const { return {etag_.data(), etag_size_}; }
};

// ---------------------------------------------------------------------------------------
// Exchange: reading

net::Task<bool> OriginServer::Exchange::read_more(std::size_t at) {
  std::span<char> room(b_.read.data() + at, b_.read.size() - at);
  auto r = co_await c_.socket.read(room, io_deadline());
  if (!r.ok() || r.n == 0) {
    co_return false;
  }
  b_.end = at + static_cast<std::size_t>(r.n);
  co_return true;
}

net::Task<OriginServer::Exchange::Outcome> OriginServer::Exchange::run() {
  if (b_.begin > 0) {  // keep pipelined bytes at the front: heads are parsed from read[0]
    std::memmove(b_.read.data(), b_.read.data() + b_.begin, b_.end - b_.begin);
    b_.end -= b_.begin;
    b_.begin = 0;
  }
  http::ParseLimits limits;
  http::ParseResult parsed;
  for (;;) {  // bounded: each turn reads at least one byte under a deadline
    if (b_.end == 0) {
      auto r = c_.socket.try_read(std::span<char>(b_.read));
      if (r.error == EAGAIN || r.error == EWOULDBLOCK) {
        co_return Outcome::kIdle;
      }
      if (!r.ok() || r.n == 0) {
        co_return Outcome::kClose;
      }
      b_.end = static_cast<std::size_t>(r.n);
    }
    parsed = http::parse_request(std::string_view(b_.read.data(), b_.end), limits, b_.headers,
                                 head_);
    if (parsed.status == http::ParseStatus::kComplete) {
      break;
    }
    if (parsed.status == http::ParseStatus::kError) {
      co_return co_await reply_bad_request(parsed.error);
    }
    if (b_.end == b_.read.size()) {
      co_return co_await reply_bad_request(http::ParseError::kHeadersTooLarge);
    }
    if (!co_await read_more(b_.end)) {
      co_return Outcome::kClose;
    }
  }
  b_.begin = parsed.consumed;
  co_return co_await respond();
}

void OriginServer::Exchange::keep_body(std::string_view data) {
  body_bytes_ += data.size();
  if (classify(head_.path) == PathKind::kEcho && b_.echo_body.size() < kEchoBodyLimit) {
    b_.echo_body.append(data.substr(0, kEchoBodyLimit - b_.echo_body.size()));
  }
}

net::Task<OriginServer::Exchange::BodyStatus> OriginServer::Exchange::consume_length_body(
    std::uint64_t length) {
  const std::size_t base = b_.begin;  // the head stays in read[0, base): its views live on
  while (length > 0) {  // bounded by `length`; every read has a deadline
    if (b_.begin == b_.end) {
      b_.begin = b_.end = base;
      if (!co_await read_more(base)) {
        co_return BodyStatus::kIoError;
      }
    }
    std::size_t take =
        static_cast<std::size_t>(std::min<std::uint64_t>(b_.end - b_.begin, length));
    keep_body(std::string_view(b_.read.data() + b_.begin, take));
    b_.begin += take;
    length -= take;
  }
  co_return BodyStatus::kOk;
}

net::Task<OriginServer::Exchange::BodyStatus> OriginServer::Exchange::consume_chunked_body() {
  const std::size_t base = b_.begin;
  http::ChunkedDecoder decoder;
  for (;;) {  // bounded: each turn consumes input or reads under a deadline
    auto step = decoder.feed(b_.pending());
    b_.begin += step.consumed;
    if (!step.data.empty()) {
      keep_body(step.data);
    }
    if (step.status == http::ParseStatus::kComplete) {
      co_return BodyStatus::kOk;
    }
    if (step.status == http::ParseStatus::kError) {
      body_error_ = step.error;
      co_return BodyStatus::kBadFraming;
    }
    if (step.consumed > 0) {
      continue;
    }
    std::size_t left = b_.end - b_.begin;
    std::memmove(b_.read.data() + base, b_.read.data() + b_.begin, left);
    b_.begin = base;
    b_.end = base + left;
    if (b_.end == b_.read.size()) {
      body_error_ = http::ParseError::kBadChunkSize;
      co_return BodyStatus::kBadFraming;
    }
    if (!co_await read_more(b_.end)) {
      co_return BodyStatus::kIoError;
    }
  }
}

net::Task<OriginServer::Exchange::BodyStatus> OriginServer::Exchange::consume_body() {
  b_.echo_body.clear();
  if (head_.body == http::BodyKind::kNone ||
      (head_.body == http::BodyKind::kContentLength && head_.content_length == 0)) {
    co_return BodyStatus::kOk;
  }
  bool all_here = head_.body == http::BodyKind::kContentLength &&
                  b_.end - b_.begin >= head_.content_length;
  if (head_.expect_continue && !all_here) {
    const iovec iov = make_iov(kContinue);
    if (!co_await write(std::span<const iovec>(&iov, 1))) {
      co_return BodyStatus::kIoError;
    }
  }
  if (head_.body == http::BodyKind::kChunked) {
    co_return co_await consume_chunked_body();
  }
  co_return co_await consume_length_body(head_.content_length);
}

// ---------------------------------------------------------------------------------------
// Exchange: answering

net::Task<OriginServer::Exchange::Outcome> OriginServer::Exchange::respond() {
  const PathKind kind = classify(head_.path);
  const bool admin = kind == PathKind::kStats || kind == PathKind::kResetStats;
  if (!admin) {
    server_.mine_.requests.fetch_add(1, std::memory_order_relaxed);
    request_id_ = server_.next_request_id();
  }
  plan_ = default_plan(server_.options_);
  apply_query(head_.query, std::span<char>(b_.decode), plan_);
  auto body = co_await consume_body();
  if (body == BodyStatus::kIoError) {
    co_return Outcome::kClose;
  }
  if (body == BodyStatus::kBadFraming) {
    co_return co_await reply_bad_request(body_error_);
  }
  close_ = plan_.close || !head_.keep_alive || server_.stopping_;
  if (admin) {
    co_return co_await reply_admin(kind);
  }
  if (plan_.error != nullptr) {
    b_.json.assign("bad query parameter '").append(plan_.error_param).append("': ");
    b_.json.append(plan_.error).append("\n");
    build_head(400, kText, Framing::kLength, b_.json.size(), false);
    co_return co_await finish(co_await send_fixed(b_.json));
  }
  if (plan_.latency > core::Duration::zero()) {
    if (!co_await PauseOp{c_, server_.loop_->now() + plan_.latency}) {
      co_return Outcome::kClose;
    }
  }
  if (kind == PathKind::kEcho) {
    co_return co_await reply_echo();
  }
  co_return co_await reply_plain();
}

net::Task<OriginServer::Exchange::Outcome> OriginServer::Exchange::finish(bool ok) {
  if (!ok) {
    co_return Outcome::kClose;
  }
  if (close_) {
    co_await linger_close();
    co_return Outcome::kClose;
  }
  co_return Outcome::kContinue;
}

void OriginServer::Exchange::build_head(int status, std::string_view content_type,
                                        Framing framing, std::uint64_t length,
                                        bool with_plan) {
  std::string& h = b_.head;
  h.assign("HTTP/1.1 ");
  append_number(h, static_cast<std::uint64_t>(status));
  h.append(" ").append(http::reason_phrase(status)).append("\r\nDate: ");
  h.append(server_.date_header()).append("\r\n");
  if (!content_type.empty()) {
    h.append("Content-Type: ").append(content_type).append("\r\n");
  }
  if (framing == Framing::kLength) {
    h.append("Content-Length: ");
    append_number(h, length);
    h.append("\r\n");
  } else if (framing == Framing::kChunked) {
    h.append("Transfer-Encoding: chunked\r\n");
  }
  if (request_id_ != 0) {
    h.append("X-Origin-Request: ");
    append_number(h, request_id_);
    h.append("\r\n");
  }
  if (with_plan) {
    if (!plan_.cache_control.empty()) {
      h.append("Cache-Control: ").append(plan_.cache_control).append("\r\n");
    }
    if (plan_.etag) {
      h.append("ETag: ").append(etag()).append("\r\n");
    }
    if (plan_.last_modified) {
      h.append("Last-Modified: ").append(kLastModified).append("\r\n");
    }
    if (!plan_.vary.empty()) {
      h.append("Vary: ").append(plan_.vary).append("\r\n");
    }
    h.append(server_.options_.extra_headers);
    for (std::size_t i = 0; i < plan_.header_count; ++i) {
      h.append(plan_.headers[i].name).append(": ").append(plan_.headers[i].value).append("\r\n");
    }
  }
  if (close_) {
    h.append("Connection: close\r\n");
  } else if (head_.minor_version == 0) {
    h.append("Connection: keep-alive\r\n");
  }
  h.append("\r\n");
}

bool OriginServer::Exchange::not_modified() const {
  if (head_.method_id != http::Method::kGet && head_.method_id != http::Method::kHead) {
    return false;
  }
  std::string_view if_none_match;
  std::string_view if_modified_since;
  bool has_inm = false;
  for (const http::Header& header : head_.headers) {
    if (http::iequals(header.name, "If-None-Match")) {
      if_none_match = header.value;
      has_inm = true;
    } else if (http::iequals(header.name, "If-Modified-Since")) {
      if_modified_since = header.value;
    }
  }
  if (has_inm) {  // RFC 9110 §13.2.2: If-None-Match takes precedence
    return plan_.etag && etag_matches(if_none_match, etag());
  }
  if (plan_.last_modified && !if_modified_since.empty()) {
    auto since = parse_imf_date(if_modified_since);
    return since.has_value() && *since >= kLastModifiedEpoch;
  }
  return false;
}

net::Task<OriginServer::Exchange::Outcome> OriginServer::Exchange::reply_plain() {
  if (injected_failure(server_.options_, request_id_)) {
    static constexpr std::string_view kFailure = "injected failure\n";
    plan_ = ResponsePlan{};
    plan_.cache_control = "no-store";
    build_head(500, kText, Framing::kLength, kFailure.size(), true);
    co_return co_await finish(co_await send_fixed(kFailure));
  }
  if (plan_.etag) {
    std::uint64_t tag = fnv1a(head_.path, fnv1a(std::string_view(
                                              reinterpret_cast<const char*>(&plan_.body_size),
                                              sizeof(plan_.body_size))));
    etag_[0] = '"';
    auto [end, ec] = std::to_chars(etag_.data() + 1, etag_.data() + etag_.size() - 1, tag, 16);
    *end = '"';
    etag_size_ = static_cast<std::size_t>(end - etag_.data()) + 1;
  }
  int status = plan_.status;
  if (status >= 200 && status < 300 && not_modified()) {
    status = 304;
  }
  const bool has_body = status_has_body(status);
  const bool chunked = has_body && plan_.chunked && head_.minor_version == 1;
  Framing framing = has_body ? (chunked ? Framing::kChunked : Framing::kLength) : Framing::kNone;
  build_head(status, has_body ? kOctetStream : std::string_view(), framing, plan_.body_size,
             true);
  const bool send_body = has_body && head_.method_id != http::Method::kHead;
  co_return co_await finish(
      co_await send_pattern(send_body ? plan_.body_size : 0, chunked && send_body));
}

net::Task<OriginServer::Exchange::Outcome> OriginServer::Exchange::reply_echo() {
  std::string& j = b_.json;
  j.assign("{\"method\":");
  append_json_string(j, head_.method);
  j.append(",\"target\":");
  append_json_string(j, head_.target);
  j.append(head_.minor_version == 0 ? ",\"version\":\"HTTP/1.0\"" : ",\"version\":\"HTTP/1.1\"");
  j.append(",\"headers\":[");
  for (std::size_t i = 0; i < head_.headers.size(); ++i) {
    j.append(i == 0 ? "[" : ",[");
    append_json_string(j, head_.headers[i].name);
    j.push_back(',');
    append_json_string(j, head_.headers[i].value);
    j.push_back(']');
  }
  j.append("],\"body\":");
  append_json_string(j, b_.echo_body);
  j.append(",\"body_bytes\":");
  append_number(j, body_bytes_);
  j.append(",\"peer\":");
  append_json_string(j, c_.peer.to_string());
  j.append("}\n");
  build_head(plan_.status, kJson, Framing::kLength, j.size(), true);
  bool head_only = head_.method_id == http::Method::kHead;
  co_return co_await finish(co_await send_fixed(head_only ? std::string_view() : j));
}

net::Task<OriginServer::Exchange::Outcome> OriginServer::Exchange::reply_admin(PathKind kind) {
  std::string& j = b_.json;
  int status = 200;
  if (kind == PathKind::kResetStats && head_.method_id != http::Method::kPost) {
    status = 405;
    j.assign("{\"error\":\"use POST\"}\n");
  } else if (kind == PathKind::kResetStats) {
    for (WorkerCounters& counters : server_.counters_) {
      counters.requests.store(0, std::memory_order_relaxed);
      counters.connections.store(0, std::memory_order_relaxed);
    }
    j.assign("{\"ok\":true}\n");
  } else {
    std::uint64_t requests = 0;
    std::uint64_t connections = 0;
    std::int64_t open = 0;
    for (const WorkerCounters& counters : server_.counters_) {
      requests += counters.requests.load(std::memory_order_relaxed);
      connections += counters.connections.load(std::memory_order_relaxed);
      open += counters.open_connections.load(std::memory_order_relaxed);
    }
    j.assign("{\"requests\":");
    append_number(j, requests);
    j.append(",\"connections\":");
    append_number(j, connections);
    j.append(",\"open_connections\":");
    append_number(j, static_cast<std::uint64_t>(std::max<std::int64_t>(open, 0)));
    j.append("}\n");
  }
  build_head(status, kJson, Framing::kLength, j.size(), false);
  bool head_only = head_.method_id == http::Method::kHead;
  co_return co_await finish(co_await send_fixed(head_only ? std::string_view() : j));
}

net::Task<OriginServer::Exchange::Outcome> OriginServer::Exchange::reply_bad_request(
    http::ParseError error) {
  close_ = true;
  request_id_ = 0;
  b_.json.assign("bad request: ").append(http::to_string(error)).append("\n");
  build_head(http::status_for(error), kText, Framing::kLength, b_.json.size(), false);
  co_return co_await finish(co_await send_fixed(b_.json));
}

// ---------------------------------------------------------------------------------------
// Exchange: writing

net::Task<bool> OriginServer::Exchange::send_fixed(std::string_view body) {
  std::array<iovec, 2> iov{make_iov(b_.head), make_iov(body)};
  co_return co_await write(std::span<const iovec>(iov.data(), body.empty() ? 1 : 2));
}

// Writes the head and `size` pattern bytes, the first of them in the same writev. Honours the
// plan's slow body (1 KiB pieces with a pause between) and reset (stop after reset_after body
// bytes, then reset the connection). False when the connection must not be used again.
net::Task<bool> OriginServer::Exchange::send_pattern(std::uint64_t size, bool chunked) {
  const bool slow = plan_.slow_body > core::Duration::zero();
  const std::uint64_t limit = plan_.reset ? std::min(size, plan_.reset_after) : size;
  const std::size_t piece = slow ? kSlowPieceBytes : (chunked ? kChunkBytes : kSliceBytes);
  const std::size_t per_piece = chunked ? 3 : 1;
  std::array<std::array<char, 24>, net::Socket::kMaxIov / 3> lines;
  std::uint64_t offset = 0;
  bool head_sent = false;
  while (!head_sent || offset < limit) {  // bounded: each turn sends at least one piece
    std::array<iovec, net::Socket::kMaxIov> iov;
    std::size_t n = 0;
    if (!head_sent) {
      iov[n++] = make_iov(b_.head);
    }
    for (std::size_t k = 0; offset < limit && n + per_piece <= iov.size(); ++k) {
      std::size_t len = static_cast<std::size_t>(std::min<std::uint64_t>(piece, limit - offset));
      if (chunked) {
        auto [end, ec] = std::to_chars(lines[k].data(), lines[k].data() + 20, len, 16);
        std::memcpy(end, "\r\n", 2);
        iov[n++] = make_iov(lines[k].data(), static_cast<std::size_t>(end - lines[k].data()) + 2);
      }
      iov[n++] = make_iov(pattern_at(offset), len);
      offset += len;
      if (chunked) {
        bool last = offset == size && !plan_.reset;
        iov[n++] = make_iov(last ? std::string_view("\r\n0\r\n\r\n") : std::string_view("\r\n"));
      }
      if (slow) {
        break;
      }
    }
    if (chunked && size == 0 && !plan_.reset && n < iov.size()) {
      iov[n++] = make_iov(std::string_view("0\r\n\r\n"));
    }
    if (!co_await write(std::span<const iovec>(iov.data(), n))) {
      co_return false;
    }
    head_sent = true;
    if (slow && offset < limit && !co_await PauseOp{c_, server_.loop_->now() + plan_.slow_body}) {
      co_return false;
    }
  }
  if (plan_.reset) {
    co_await reset_connection();
    co_return false;
  }
  co_return true;
}

// Lets the kernel transmit what was written, then arms SO_LINGER 0 so that closing sends a
// RST instead of a FIN.
net::Task<void> OriginServer::Exchange::reset_connection() {
  const core::MonoTime give_up = server_.loop_->now() + kResetDrainTime;
  while (server_.loop_->now() < give_up) {  // bounded by kResetDrainTime
    int unsent = 0;
    if (::ioctl(c_.socket.fd(), SIOCOUTQNSD, &unsent) != 0 || unsent <= 0) {
      break;
    }
    if (!co_await PauseOp{c_, server_.loop_->now() + 1ms}) {
      break;
    }
  }
  linger hard{1, 0};
  ::setsockopt(c_.socket.fd(), SOL_SOCKET, SO_LINGER, &hard, sizeof(hard));
}

// Closing with unread request bytes would make the kernel send a RST that can destroy the
// response in flight, so half-close and drain what the client still sends (bounded).
net::Task<void> OriginServer::Exchange::linger_close() {
  if (server_.stopping_) {
    co_return;
  }
  c_.socket.shutdown_write();
  const core::MonoTime deadline = server_.loop_->now() + kLingerTime;
  std::uint64_t drained = 0;
  while (drained < kLingerBytes) {
    auto r = co_await c_.socket.read(std::span<char>(b_.read), deadline);
    if (!r.ok() || r.n == 0) {
      break;
    }
    drained += static_cast<std::uint64_t>(r.n);
  }
}

// ---------------------------------------------------------------------------------------
// OriginServer

OriginServer::OriginServer(const OriginOptions& options, std::size_t worker,
                           std::span<WorkerCounters> counters)
    : options_(options), worker_(worker), counters_(counters), mine_(counters[worker]) {}

OriginServer::~OriginServer() {
  for (SessionBlock* block : free_blocks_) {
    delete block;
  }
}

void OriginServer::start(net::EventLoop& loop, int listen_fd) {
  loop_ = &loop;
  listener_ = std::make_unique<net::Listener>(
      loop, listen_fd, [this](int fd, const net::Address& peer) { accept(fd, peer); });
}

void OriginServer::accept(int fd, const net::Address& peer) {
  if (stopping_) {
    ::close(fd);
    return;
  }
  auto* c = new Connection(*this, *loop_, fd, peer);
  c->next = connections_;
  if (connections_ != nullptr) {
    connections_->prev = c;
  }
  connections_ = c;
  ++open_count_;
  mine_.connections.fetch_add(1, std::memory_order_relaxed);
  mine_.open_connections.fetch_add(1, std::memory_order_relaxed);
  c->socket.set_idle_callback(&OriginServer::on_idle_readable, c);
  c->idle_timer.set_callback(&OriginServer::on_idle_timeout, c);
  go_idle(*c);
}

void OriginServer::destroy(Connection& c) {
  if (c.prev != nullptr) {
    c.prev->next = c.next;
  } else {
    connections_ = c.next;
  }
  if (c.next != nullptr) {
    c.next->prev = c.prev;
  }
  --open_count_;
  mine_.open_connections.fetch_sub(1, std::memory_order_relaxed);
  delete &c;  // the Timers cancel themselves, the Socket closes and unregisters
}

void OriginServer::go_idle(Connection& c) {
  loop_->arm(c.idle_timer, loop_->now() + options_.idle_timeout);
}

void OriginServer::on_idle_readable(net::IoWatcher* /*watcher*/, void* arg) {
  auto* c = static_cast<Connection*>(arg);
  if (c->in_session || c->server.stopping_) {
    return;  // a running session reads until EAGAIN before it lets the connection idle
  }
  net::spawn(c->server.session(*c));
}

void OriginServer::on_idle_timeout(net::Timer* /*timer*/, void* arg) {
  auto* c = static_cast<Connection*>(arg);
  if (!c->in_session) {
    c->server.destroy(*c);
  }
}

net::Task<void> OriginServer::session(Connection& c) {
  c.in_session = true;
  loop_->cancel(c.idle_timer);
  SessionBlock* block = acquire_block();
  auto outcome = Exchange::Outcome::kContinue;
  while (outcome == Exchange::Outcome::kContinue && !stopping_) {
    Exchange exchange(*this, c, *block);
    outcome = co_await exchange.run();
  }
  release_block(block);
  c.in_session = false;
  if (outcome == Exchange::Outcome::kIdle && !stopping_) {
    go_idle(c);
  } else {
    destroy(c);
  }
}

SessionBlock* OriginServer::acquire_block() {
  if (free_blocks_.empty()) {
    return new SessionBlock();
  }
  SessionBlock* block = free_blocks_.back();
  free_blocks_.pop_back();
  block->begin = block->end = 0;
  return block;
}

void OriginServer::release_block(SessionBlock* block) {
  if (free_blocks_.size() < kMaxFreeBlocks) {
    free_blocks_.push_back(block);
  } else {
    delete block;
  }
}

std::uint64_t OriginServer::next_request_id() {
  return sequence_++ * counters_.size() + worker_ + 1;
}

std::string_view OriginServer::date_header() {
  auto now = loop_->wall_now();
  auto second = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  if (second != date_second_) {
    date_second_ = second;
    std::time_t t = static_cast<std::time_t>(second);
    std::tm tm{};
    ::gmtime_r(&t, &tm);
    std::strftime(date_, sizeof(date_), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  }
  return date_;
}

void OriginServer::shutdown() {
  stopping_ = true;
  if (listener_) {
    listener_->close();
  }
  Connection* c = connections_;
  while (c != nullptr) {  // bounded by the number of open connections
    Connection* next = c->next;
    if (!c->in_session) {
      destroy(*c);
    } else if (c->pause_waiter) {
      loop_->cancel(c->pause_timer);
      std::exchange(c->pause_waiter, {}).resume();  // the session ends and destroys c
    } else {
      c->socket.abort_io(ECANCELED);  // likewise
    }
    c = next;
  }
}

}  // namespace ramjet::origin
