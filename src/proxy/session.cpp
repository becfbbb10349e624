#include "proxy/session.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>

#include "http/parser.hpp"
#include "proxy/access_log.hpp"
#include "proxy/cache_glue.hpp"
#include "proxy/collapse_waiter.hpp"
#include "proxy/exchange.hpp"
#include "proxy/head_writer.hpp"
#include "proxy/message_io.hpp"
#include "proxy/trace_context.hpp"
#include "proxy/worker.hpp"

namespace ramjet::proxy {
namespace {

using namespace std::chrono_literals;
using core::MonoTime;

MonoTime earlier(MonoTime a, MonoTime b) { return a < b ? a : b; }

std::uint64_t elapsed_ns(MonoTime from, MonoTime to) {
  return to > from ? static_cast<std::uint64_t>(
                         std::chrono::duration_cast<std::chrono::nanoseconds>(to - from).count())
                   : 0;
}

bool is_idempotent(http::Method m) {
  switch (m) {
    case http::Method::kGet:
    case http::Method::kHead:
    case http::Method::kPut:
    case http::Method::kDelete:
    case http::Method::kOptions:
    case http::Method::kTrace:
    case http::Method::kQuery:
      return true;
    default:
      return false;
  }
}

std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Bumps the status-class counter of any stats struct with responses_1xx..responses_5xx.
template <typename Stats>
void count_status_class(Stats& stats, int status) {
  if (status < 200) {
    stats.responses_1xx.add();
  } else if (status < 300) {
    stats.responses_2xx.add();
  } else if (status < 400) {
    stats.responses_3xx.add();
  } else if (status < 500) {
    stats.responses_4xx.add();
  } else {
    stats.responses_5xx.add();
  }
}

void count_status(ProxyStats& stats, int status) { count_status_class(stats, status); }

std::string_view find_header(std::span<const http::Header> headers, std::string_view name) {
  for (const auto& h : headers) {
    if (http::iequals(h.name, name)) {
      return h.value;
    }
  }
  return {};
}

bool has_header(std::span<const http::Header> headers, std::string_view name) {
  for (const auto& h : headers) {
    if (http::iequals(h.name, name)) {
      return true;
    }
  }
  return false;
}

// Headers ramjet sets itself on the way upstream (the client's copies are replaced).
bool replaced_upstream(std::string_view name, bool x_forwarded) {
  if (http::iequals(name, "host") || http::iequals(name, "expect") ||
      http::iequals(name, "x-request-id") || http::iequals(name, "traceparent")) {
    return true;
  }
  return x_forwarded && (http::iequals(name, "x-forwarded-for") ||
                         http::iequals(name, "x-forwarded-proto") ||
                         http::iequals(name, "x-forwarded-host"));
}

// True when some Connection header lists a token other than close/keep-alive, i.e. when
// fields named by Connection must be looked for (rare; saves a scan per header).
bool lists_extra_connection_tokens(std::span<const http::Header> headers) {
  for (const auto& h : headers) {
    if (!http::iequals(h.name, "connection")) {
      continue;
    }
    std::string_view v = h.value;
    while (!v.empty()) {
      std::size_t comma = v.find(',');
      std::string_view token = v.substr(0, comma);
      while (!token.empty() && (token.front() == ' ' || token.front() == '\t')) {
        token.remove_prefix(1);
      }
      while (!token.empty() && (token.back() == ' ' || token.back() == '\t')) {
        token.remove_suffix(1);
      }
      if (!token.empty() && !http::iequals(token, "close") &&
          !http::iequals(token, "keep-alive")) {
        return true;
      }
      v = comma == std::string_view::npos ? std::string_view{} : v.substr(comma + 1);
    }
  }
  return false;
}

bool peer_trusted(const config::ProxyOptions& proxy, const net::Address& peer) {
  if (proxy.trusted_proxies.empty()) {
    return false;
  }
  std::uint8_t bytes[16];
  std::size_t len = 0;
  if (peer.family() == AF_INET) {
    const auto* sin = reinterpret_cast<const sockaddr_in*>(&peer.storage);
    std::memcpy(bytes, &sin->sin_addr, 4);
    len = 4;
  } else {
    const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(&peer.storage);
    std::memcpy(bytes, &sin6->sin6_addr, 16);
    len = 16;
  }
  for (const auto& cidr : proxy.trusted_proxies) {
    if (cidr.ipv6 == (len == 16) && cidr.contains(std::span<const std::uint8_t>(bytes, len))) {
      return true;
    }
  }
  return false;
}

void write_peer_ip(HeadWriter& w, const net::Address& peer) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (peer.family() == AF_INET) {
    // inet_ntop formats through sprintf; this runs on every forwarded request.
    std::uint32_t a = ntohl(peer.storage.v4.sin_addr.s_addr);
    for (int shift = 24; shift >= 0; shift -= 8) {
      w.add_uint((a >> shift) & 0xff);
      if (shift > 0) {
        w.add(".");
      }
    }
    return;
  } else {
    ::inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&peer.storage)->sin6_addr,
                buf, sizeof(buf));
  }
  w.add(buf);
}

// The request head sent upstream: origin-form target, HTTP/1.1, hop-by-hop fields and
// those the Connection header lists removed, ramjet's own fields added.
bool is_conditional_header(std::string_view name) {
  return http::iequals(name, "if-none-match") || http::iequals(name, "if-modified-since") ||
         http::iequals(name, "if-match") || http::iequals(name, "if-unmodified-since") ||
         http::iequals(name, "if-range");
}

// `revalidation` (the cache's validators, "Name: value\r\n" lines) replaces the client's
// own conditional fields when the cache revalidates a stored entry.
void build_upstream_head(HeadWriter& w, const http::RequestHead& req, const ExchangeState& st,
                         const config::Config& cfg, const config::UpstreamOptions& upstream,
                         const net::Address& peer, std::string_view revalidation = {}) {
  const auto& proxy = cfg.proxy;
  w.add(req.method).add(" ");
  if (!req.authority.empty()) {
    w.add(req.path.empty() ? std::string_view("/") : req.path);
    if (!req.query.empty()) {
      w.add("?").add(req.query);
    }
  } else {
    w.add(req.target);
  }
  w.add(" HTTP/1.1\r\n");
  w.add("Host: ").add(upstream.host_rewrite ? std::string_view(*upstream.host_rewrite)
                                            : req.host).add("\r\n");
  bool trusted = proxy.x_forwarded && peer_trusted(proxy, peer);
  std::string_view incoming_xff;
  std::string_view incoming_proto;
  std::string_view incoming_host;
  bool named_by_connection = lists_extra_connection_tokens(req.headers);
  for (const auto& h : req.headers) {
    if (http::is_hop_by_hop(h.name) ||
        (named_by_connection && http::connection_lists(req.headers, h.name))) {
      continue;
    }
    if (replaced_upstream(h.name, proxy.x_forwarded)) {
      if (trusted && http::iequals(h.name, "x-forwarded-for")) {
        incoming_xff = h.value;
      } else if (trusted && http::iequals(h.name, "x-forwarded-proto")) {
        incoming_proto = h.value;
      } else if (trusted && http::iequals(h.name, "x-forwarded-host")) {
        incoming_host = h.value;
      }
      continue;
    }
    if (proxy.via && http::iequals(h.name, "via")) {
      w.add("Via: ").add(h.value).add(", 1.1 ramjet\r\n");
      continue;
    }
    if (!revalidation.empty() && is_conditional_header(h.name)) {
      continue;
    }
    w.header(h.name, h.value);
  }
  w.add(revalidation);
  if (req.body == http::BodyKind::kChunked) {
    w.add("Transfer-Encoding: chunked\r\n");
  }
  if (proxy.via && !has_header(req.headers, "via")) {
    w.add("Via: 1.1 ramjet\r\n");
  }
  if (cfg.cache.enabled) {  // we read Surrogate-Control (cache_control.hpp)
    w.add("Surrogate-Capability: ramjet=\"Surrogate/1.0\"\r\n");
  }
  if (proxy.x_forwarded) {
    w.add("X-Forwarded-For: ");
    if (!incoming_xff.empty()) {
      w.add(incoming_xff).add(", ");
    }
    write_peer_ip(w, peer);
    w.add("\r\nX-Forwarded-Proto: ").add(incoming_proto.empty() ? "http" : incoming_proto);
    w.add("\r\nX-Forwarded-Host: ").add(incoming_host.empty() ? req.host : incoming_host);
    w.add("\r\n");
  }
  if (st.request_id_len > 0) {
    w.header("X-Request-Id", std::string_view(st.request_id, st.request_id_len));
  }
  if (st.has_traceparent) {
    w.header("traceparent", std::string_view(st.traceparent, kTraceparentBytes));
  }
  w.add("\r\n");
}

// Server-Timing entries of the phases that ran (docs/OBSERVABILITY.md), after total/upstream.
void add_timing_phases(HeadWriter& w, const ExchangeState& st) {
  const std::pair<std::string_view, std::uint64_t> phases[] = {
      {", queue;dur=", st.queue_ns},     {", cache;dur=", st.cache_ns},
      {", connect;dur=", st.connect_ns}, {", compress;dur=", st.compress_ns}};
  for (const auto& [name, ns] : phases) {
    if (ns > 0) {
      w.add(name).add_fixed(ns / 1000, 3);
    }
  }
  if (st.retries > 0) {
    w.add(", retry;dur=").add_fixed(st.retry_ns / 1000, 3).add(";desc=\"");
    w.add_uint(st.retries).add("\"");
  }
}

void add_timing_headers(HeadWriter& w, const ExchangeState& st, MonoTime now) {
  auto total_ns = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(now - st.started).count());
  w.add("Server-Timing: total;dur=").add_fixed(total_ns / 1000, 3);
  if (st.upstream_headers > st.upstream_started && st.upstream_started > MonoTime{}) {
    auto up_ns = static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                                st.upstream_headers - st.upstream_started)
                                                .count());
    w.add(", upstream;dur=").add_fixed(up_ns / 1000, 3);
  }
  add_timing_phases(w, st);
  w.add("\r\nX-Process-Time: ").add_fixed(total_ns / 1000, 6).add("\r\n");
}

// The response head sent to the client.
void build_client_head(HeadWriter& w, const http::ResponseHead& resp, const ExchangeState& st,
                       const config::Config& cfg, bool keep_alive, bool dechunk,
                       MonoTime now, std::string_view extra = {}) {
  w.add(st.client_minor == 0 ? "HTTP/1.0 " : "HTTP/1.1 ").add_uint(static_cast<std::uint64_t>(resp.status));
  w.add(" ").add(resp.reason.empty() ? http::reason_phrase(resp.status) : resp.reason).add("\r\n");
  bool has_via = false;
  bool named_by_connection = lists_extra_connection_tokens(resp.headers);
  for (const auto& h : resp.headers) {
    if (http::is_hop_by_hop(h.name) ||
        (named_by_connection && http::connection_lists(resp.headers, h.name))) {
      continue;
    }
    if ((cfg.proxy.add_request_id && http::iequals(h.name, "x-request-id")) ||
        (cfg.cache.enabled && cache::is_surrogate_field(h.name))) {
      continue;
    }
    if (cfg.proxy.via && http::iequals(h.name, "via")) {
      w.add("Via: ").add(h.value).add(", 1.1 ramjet\r\n");
      has_via = true;
      continue;
    }
    w.header(h.name, h.value);
  }
  if (resp.body == http::BodyKind::kChunked && !dechunk) {
    w.add("Transfer-Encoding: chunked\r\n");
  }
  if (cfg.proxy.via && !has_via) {
    w.add("Via: 1.1 ramjet\r\n");
  }
  if (st.request_id_len > 0) {
    w.header("X-Request-Id", std::string_view(st.request_id, st.request_id_len));
  }
  if (cfg.proxy.timing_headers) {
    add_timing_headers(w, st, now);
  }
  if (!keep_alive) {
    w.add("Connection: close\r\n");
  } else if (st.client_minor == 0) {
    w.add("Connection: keep-alive\r\n");
  }
  w.add(extra);
  w.add("\r\n");
}

// Pushes one access-log record when the exchange ends, whichever way it ends.
class AccessLogScope {
 public:
  AccessLogScope(AccessLog* log, std::size_t worker, const ExchangeState& st,
                 const http::RequestHead& req, const net::Address& peer,
                 const std::uint64_t& bytes_out, const int& last_status)
      : log_(log), worker_(worker), st_(st), bytes_out_(bytes_out), last_status_(last_status),
        bytes_at_start_(bytes_out) {
    if (log_ == nullptr) {
      return;
    }
    std::string client = peer.host_string();
    record_.set_text(req.method, req.target, {}, client, {}, {});
    method_len_ = record_.method_len;
    target_len_ = record_.target_len;
    std::memcpy(client_, client.data(), std::min(client.size(), sizeof(client_)));
    client_len_ = std::min(client.size(), sizeof(client_));
    record_.unix_micros = std::chrono::duration_cast<std::chrono::microseconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count();
  }
  ~AccessLogScope() {
    if (log_ == nullptr) {
      return;
    }
    char method[32];
    std::size_t mlen = std::min<std::size_t>(method_len_, sizeof(method));
    std::memcpy(method, record_.text, mlen);
    char target[256];
    std::size_t tlen = std::min<std::size_t>(target_len_, sizeof(target));
    std::memcpy(target, record_.text + method_len_, tlen);
    record_.set_text(std::string_view(method, mlen), std::string_view(target, tlen),
                     std::string_view(st_.request_id, st_.request_id_len),
                     std::string_view(client_, client_len_), st_.route, st_.endpoint);
    auto now = std::chrono::steady_clock::now();
    record_.total_us = static_cast<std::uint32_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(now - st_.started).count());
    if (st_.upstream_headers > st_.upstream_started) {
      record_.upstream_us = static_cast<std::uint32_t>(
          std::chrono::duration_cast<std::chrono::microseconds>(st_.upstream_headers -
                                                                st_.upstream_started)
              .count());
    }
    record_.status = static_cast<std::uint16_t>(last_status_);
    record_.bytes_sent = bytes_out_ - bytes_at_start_;
    record_.worker = static_cast<std::uint16_t>(worker_);
    record_.retries = static_cast<std::uint16_t>(st_.retries);
    record_.cache_len = static_cast<std::uint8_t>(
        std::min(st_.cache_status.size(), sizeof(record_.cache)));
    if (record_.cache_len > 0) {
      std::memcpy(record_.cache, st_.cache_status.data(), record_.cache_len);
    }
    if (st_.has_traceparent) {
      std::memcpy(record_.trace_id, st_.traceparent + 3, sizeof(record_.trace_id));
    }
    log_->push(worker_, record_);
  }
  AccessLogScope(const AccessLogScope&) = delete;
  AccessLogScope& operator=(const AccessLogScope&) = delete;

 private:
  AccessLog* log_;
  std::size_t worker_;
  const ExchangeState& st_;
  const std::uint64_t& bytes_out_;
  const int& last_status_;
  std::uint64_t bytes_at_start_;
  std::uint16_t method_len_ = 0;
  std::uint16_t target_len_ = 0;
  char client_[48];
  std::size_t client_len_ = 0;
  AccessRecord record_;
};

void count_status(RouteStats& stats, int status) {
  if (status >= 100 && status < 600) {
    stats.responses_by_code[static_cast<std::size_t>(status - RouteStats::kFirstStatus)].add();
  }
  count_status_class(stats, status);
}

// Records one exchange in its route's stats when it ends, whichever way it ends.
class RouteScope {
 public:
  RouteScope(RouteStats& stats, const ExchangeState& st, const int& last_status,
             const std::uint64_t& bytes_out, const core::Clock& clock)
      : stats_(stats), st_(st), last_status_(last_status), bytes_out_(bytes_out),
        bytes_at_start_(bytes_out), clock_(clock) {
    stats_.requests.add();
    stats_.in_flight.add();
  }
  ~RouteScope() {
    stats_.in_flight.sub();
    if (last_status_ != 0) {  // 0: the exchange ended without a response
      count_status(stats_, last_status_);
    }
    stats_.latency.record(clock_.now() - st_.started);
    if (st_.upstream_headers > st_.upstream_started && st_.upstream_started > MonoTime{}) {
      stats_.upstream_latency.record(st_.upstream_headers - st_.upstream_started);
    }
    stats_.bytes_out.add(bytes_out_ - bytes_at_start_);
  }
  RouteScope(const RouteScope&) = delete;
  RouteScope& operator=(const RouteScope&) = delete;
  RouteStats& stats() { return stats_; }

 private:
  RouteStats& stats_;
  const ExchangeState& st_;
  const int& last_status_;
  const std::uint64_t& bytes_out_;
  std::uint64_t bytes_at_start_;
  const core::Clock& clock_;
};

// Per-exchange cache bookkeeping. When this exchange leads a collapsed miss, the
// destructor completes the flight and wakes every waiter on its own worker loop, whichever
// way the exchange ended. It is the relay's BodyTee for a response being stored.
struct CacheState final : BodyTee {
  const cache::CachePolicy* policy = nullptr;
  cache::Store* store = nullptr;
  cache::CollapseTable* flights = nullptr;
  const cache::CacheKey* key = nullptr;
  CacheFront front;
  bool leader = false;
  std::uint64_t flight = 0;
  cache::FlightOutcome outcome = cache::FlightOutcome::kFailed;
  bool revalidating = false;
  bool stored = false;
  bool collapsed = false;
  bool shadow = false;      // shadow mode: never answer from the store
  bool shadow_hit = false;  // ...but this request would have been a hit
  const char* detail = "";
  core::WallTime request_time{};
  std::optional<cache::EntryBuilder> builder;
  std::span<const http::Header> request_headers;  // what the stored entry's Vary matches
  std::string revalidation;  // validators sent upstream (revalidation only)
  // The target of an unsafe request, kept for invalidation after its body has been read.
  std::string saved_host, saved_path, saved_query;

  CacheState() = default;
  CacheState(const CacheState&) = delete;
  CacheState& operator=(const CacheState&) = delete;
  ~CacheState() { finish_flight(); }

  // Keeps a piece of the response body streaming to the client. Over the size limit the
  // builder is dropped and waiters released: the body streams on and nothing is stored.
  void keep(std::string_view data) override {
    if (builder && !builder->append(data)) {
      builder.reset();
      outcome = cache::FlightOutcome::kUncacheable;
      finish_flight();
    }
  }

  // Stores what the builder collected (when the body arrived whole) and completes the
  // flight. The relay calls it as soon as the upstream's last byte is in, before that byte
  // is written to the client, so a client that reads the response and at once asks again,
  // on any connection, finds it stored, and collapsed waiters wake without waiting on a
  // slow client.
  void store_collected(bool whole) override {
    if (!builder) {
      return;
    }
    std::shared_ptr<const cache::CachedResponse> entry;
    if (whole) {
      entry = std::move(*builder).finish();
    }
    builder.reset();
    outcome = cache::FlightOutcome::kUncacheable;
    if (entry) {
      cache::InsertStatus is = store->insert(*key, request_headers, std::move(entry));
      if (is == cache::InsertStatus::kAdmitted || is == cache::InsertStatus::kReplaced) {
        outcome = cache::FlightOutcome::kStored;
      }
    }
    finish_flight();
  }

  void finish_flight() {
    if (!leader) {
      return;
    }
    leader = false;
    for (const cache::WaiterToken& w : flights->complete(*key, flight, outcome)) {
      static_cast<CollapseWaiter*>(w.context)->notify(outcome);
    }
  }
};

bool is_error_status(int status) {
  return status == 500 || status == 502 || status == 503 || status == 504;
}

// The stored response to serve instead of an upstream failure (RFC 5861 stale-if-error),
// or null.
std::shared_ptr<const cache::CachedResponse> stale_for_error(const CacheState& cs,
                                                             core::MonoTime now) {
  if (cs.front.entry &&
      cache::usable_on_error(cs.front.entry->freshness(), cs.front.request_cc, now)) {
    return cs.front.entry;
  }
  return nullptr;
}

struct RuntimePin {
  Worker& worker;
  Runtime* runtime;
  explicit RuntimePin(Worker& w) : worker(w), runtime(w.pin_runtime()) {}
  ~RuntimePin() { worker.unpin_runtime(runtime); }
  RuntimePin(const RuntimePin&) = delete;
  RuntimePin& operator=(const RuntimePin&) = delete;
};

// A background refresh of one stored entry (stale-while-revalidate, refresh-ahead): the
// request head is copied, since the client's buffer moves on. Heap-allocated, so the
// coroutine frame stays small.
struct RefreshJob {
  Worker& worker;
  Runtime* runtime;  // pinned for the job's life
  std::size_t route_index;
  const cache::CachePolicy* policy;
  cache::CacheKey key;
  std::shared_ptr<const cache::CachedResponse> entry;
  std::string head;
  net::Address peer;
  std::uint64_t flight = 0;
  http::Header request_headers[kMaxHeaderSlots];
  http::Header response_headers[kMaxHeaderSlots];
  http::RequestHead req;
  ExchangeState st;

  RefreshJob(Worker& w, Runtime* rt, std::size_t route, const cache::CachePolicy* p,
             const cache::CacheKey& k, std::shared_ptr<const cache::CachedResponse> e,
             std::string_view head_bytes, const net::Address& a)
      : worker(w), runtime(rt), route_index(route), policy(p), key(k), entry(std::move(e)),
        head(head_bytes), peer(a) {}
};

net::Task<void> run_refresh(std::unique_ptr<RefreshJob> job) {
  Worker& worker = job->worker;
  Runtime& rt = *job->runtime;
  const config::Config& cfg = rt.config();
  auto& loop = worker.loop();
  const core::Clock& clock = loop.clock();
  cache::Store& store = *worker.cache_store();
  cache::FlightOutcome outcome = cache::FlightOutcome::kFailed;
  worker.refresh_started();
  do {
    auto pr = http::parse_request(job->head, rt.parse_limits(),
                                  std::span<http::Header>(job->request_headers), job->req);
    if (pr.status != http::ParseStatus::kComplete) {
      break;
    }
    const config::Route& route = cfg.routes[job->route_index];
    Runtime::Upstream& ups = rt.upstream(route.upstream_index);
    EndpointPool* pool = ups.endpoints[ups.next++ % ups.endpoints.size()].get();
    job->st.started = clock.now();
    MonoTime deadline = job->st.started + route.timeout.value_or(cfg.timeouts.request);
    Deadlines dl{cfg.timeouts.client_body, cfg.timeouts.upstream_body, deadline};
    bool unconditional = false;  // after a 304 that matched nothing we hold
  fetch:
    AcquireResult acq =
        co_await pool->acquire(earlier(loop.now() + cfg.timeouts.upstream_connect, deadline), false);
    if (!acq.connection) {
      break;
    }
    std::unique_ptr<UpstreamConnection> conn = std::move(acq.connection);
    std::string validators;
    if (!unconditional && job->entry->freshness().has_validators) {
      cache::append_revalidation_headers(*job->entry, validators);
    }
    Buffer hb = worker.head_buffers().acquire();
    Buffer up = worker.buffers().acquire();
    HeadWriter w(hb.data(), hb.capacity());
    build_upstream_head(w, job->req, job->st, cfg, *ups.options, job->peer, validators);
    core::WallTime request_time = clock.wall_now();
    net::IoResult hw = w.ok() ? co_await conn->socket.write(w.view(), dl.upstream(loop.now()))
                              : net::IoResult{-1, EMSGSIZE};
    if (!hw.ok()) {
      pool->release(std::move(conn), false);
      break;
    }
    http::ResponseHead resp;
    std::size_t up_len = 0;
    std::size_t head_size = 0;
    std::size_t slots = std::min(kMaxHeaderSlots, cfg.limits.max_headers);
    Outcome out = co_await read_response_head(
        loop, nullptr, conn->socket, up.data(), up.capacity(), up_len, head_size,
        job->req.method_id, 0, rt.parse_limits(),
        std::span<http::Header>(job->response_headers, slots), resp,
        earlier(loop.now() + cfg.timeouts.upstream_header, deadline), dl);
    if (out != Outcome::kOk) {
      pool->release(std::move(conn), false);
      break;
    }
    cache::ExchangeTimes times{request_time, clock.wall_now(), clock.now()};
    std::span<const http::Header> rh(resp.headers.data(), resp.headers.size());
    cache::ResponseFacts facts = cache::analyze_response(resp.status, rh);
    if (resp.status == 304 && !validators.empty()) {
      pool->release(std::move(conn), up_len == head_size && resp.keep_alive);
      if (!cache::not_modified_selects(*job->entry, facts)) {
        unconditional = true;  // RFC 9111 §4.3.4: it updates nothing; fetch it whole
        goto fetch;
      }
      store.insert(job->key, job->req.headers,
                   cache::freshen(*job->entry, rh, times, *job->policy));
      outcome = cache::FlightOutcome::kStored;
      break;
    }
    cache::RequestView view = cache::RequestView::from(job->req, "http");
    std::optional<std::uint64_t> length;
    if (resp.body == http::BodyKind::kContentLength) {
      length = resp.content_length;
    }
    cache::StorageDecision sd = cache::decide_storage(view, cache::RequestDirectives{}, facts,
                                                      *job->policy, times.response_time, length);
    if (!sd.store()) {
      pool->release(std::move(conn), false);
      outcome = cache::FlightOutcome::kUncacheable;
      break;
    }
    cache::EntryBuilder builder(resp.status, rh, times, *job->policy, length);
    bool reusable = false;
    out = co_await collect_body(loop, conn->socket, up.data(), up.capacity(), up_len, head_size,
                                resp, builder, dl, reusable);
    pool->release(std::move(conn), out == Outcome::kOk && reusable && resp.keep_alive);
    if (out != Outcome::kOk) {
      break;
    }
    if (auto entry = std::move(builder).finish()) {
      cache::InsertStatus is = store.insert(job->key, job->req.headers, std::move(entry));
      if (is == cache::InsertStatus::kAdmitted || is == cache::InsertStatus::kReplaced) {
        outcome = cache::FlightOutcome::kStored;
      }
    }
  } while (false);
  for (const cache::WaiterToken& t : worker.cache_flights()->complete(job->key, job->flight,
                                                                      outcome)) {
    static_cast<CollapseWaiter*>(t.context)->notify(outcome);
  }
  worker.refresh_finished();
  worker.unpin_runtime(job->runtime);
}

// Starts one background refresh of `key` unless one already runs (for any worker) or this
// worker runs its maximum already.
void start_refresh(Worker& worker, Runtime& rt, std::size_t route_index,
                   const cache::CachePolicy* policy, const cache::CacheKey& key,
                   std::shared_ptr<const cache::CachedResponse> entry,
                   std::string_view head_bytes, const net::Address& peer) {
  cache::CollapseTable* flights = worker.cache_flights();
  if (flights == nullptr || !worker.may_start_refresh()) {
    return;
  }
  cache::JoinResult j = flights->try_lead(key);
  if (j.role != cache::Role::kLeader) {
    return;
  }
  Runtime* pinned = worker.pin_runtime();
  if (pinned != &rt) {
    // A reload landed between the lookup and now: refresh under the new snapshot next time.
    worker.unpin_runtime(pinned);
    for (const cache::WaiterToken& t :
         flights->complete(key, j.flight, cache::FlightOutcome::kFailed)) {
      static_cast<CollapseWaiter*>(t.context)->notify(cache::FlightOutcome::kFailed);
    }
    return;
  }
  auto job = std::make_unique<RefreshJob>(worker, pinned, route_index, policy, key,
                                          std::move(entry), head_bytes, peer);
  job->flight = j.flight;
  net::spawn(run_refresh(std::move(job)));
}

}  // namespace

Session::Session(Worker& worker, int fd, const net::Address& peer)
    : worker_(worker), socket_(worker.loop(), fd), peer_(peer) {
  socket_.set_idle_callback(&Session::on_readable, this);
  idle_timer_.set_callback(&Session::on_idle_timeout, this);
}

Session::~Session() {
  if (idle_counted_) {
    worker_.stats().connections_idle.sub();
  }
}

void Session::start() {
  // Serves at once if the request is already there; else run() parks the session idle
  // with the header timeout.
  running_ = true;
  net::spawn(run());
}

void Session::on_readable(net::IoWatcher* /*w*/, void* arg) {
  auto* s = static_cast<Session*>(arg);
  if (s->running_) {
    s->readable_while_running_ = true;
    return;
  }
  if (s->closed_) {
    return;
  }
  s->running_ = true;
  s->worker_.loop().cancel(s->idle_timer_);
  if (s->idle_counted_) {
    s->worker_.stats().connections_idle.sub();
    s->idle_counted_ = false;
  }
  net::spawn(s->run());
}

void Session::on_idle_timeout(net::Timer* /*t*/, void* arg) {
  auto* s = static_cast<Session*>(arg);
  if (!s->served_any_ && s->requests_ == 0) {
    s->worker_.stats().client_timeouts.add();
  }
  s->close();
}

void Session::go_idle(core::Duration timeout) {
  in_.release();
  in_len_ = 0;
  worker_.loop().arm(idle_timer_, worker_.loop().now() + timeout);
  if (!idle_counted_) {
    worker_.stats().connections_idle.add();
    idle_counted_ = true;
  }
}

void Session::drain() {
  draining_ = true;
  if (!running_) {
    close();
  }
}

void Session::abort() {
  if (running_) {
    socket_.abort_io(ECANCELED);
  } else {
    close();
  }
}

void Session::close() {
  if (closed_) {
    return;
  }
  closed_ = true;
  worker_.loop().cancel(idle_timer_);
  socket_.close();
  if (!running_) {
    worker_.session_closed(this);  // deletes this
  }
}

net::Task<void> Session::run() {
  ExchangeLease lease(worker_.exchanges());
  Exchange& ex = lease.get();
  auto& loop = worker_.loop();
  for (;;) {
    if (closed_) {
      break;
    }
    if (!in_) {
      in_ = worker_.buffers().acquire();
    }
    if (in_len_ == 0) {
      net::IoResult r{-1, EAGAIN};
      if (!drained_ || readable_while_running_ || draining_) {
        readable_while_running_ = false;
        r = socket_.try_read(std::span<char>(in_.data(), in_.capacity()));
      }
      drained_ = false;
      if (r.error == EAGAIN || r.error == EWOULDBLOCK) {
        if (draining_) {
          break;
        }
        const auto& t = worker_.runtime().config().timeouts;
        go_idle(served_any_ ? t.client_idle : t.client_header);
        running_ = false;
        co_return;
      }
      if (!r.ok() || r.n == 0) {
        break;
      }
      in_len_ = static_cast<std::size_t>(r.n);
      drained_ = in_len_ < in_.capacity();
      worker_.stats().bytes_in.add(in_len_);
    }
    // Read and parse the request head.
    Runtime& rt = worker_.runtime();
    MonoTime head_deadline = loop.now() + rt.config().timeouts.client_header;
    std::size_t slots = std::min(kMaxHeaderSlots, rt.config().limits.max_headers);
    http::ParseResult pr;
    bool new_line = true;  // a head can only complete (or change verdict) at a new LF
    for (;;) {
      if (new_line) {
        pr = http::parse_request(std::string_view(in_.data(), in_len_), rt.parse_limits(),
                                 std::span<http::Header>(ex.request_headers, slots), ex.req);
        if (pr.status != http::ParseStatus::kNeedMore) {
          break;
        }
      }
      if (in_len_ == in_.capacity()) {
        pr.status = http::ParseStatus::kError;
        pr.error = http::ParseError::kHeadersTooLarge;
        pr.error_offset = in_len_;
        break;
      }
      net::IoResult r =
          co_await socket_.read(std::span<char>(in_.data() + in_len_, in_.capacity() - in_len_),
                                head_deadline);
      if (r.error == ETIMEDOUT) {
        worker_.stats().client_timeouts.add();
        co_await send_error(408, "request head not received in time", in_len_, true);
        break;
      }
      if (!r.ok() || r.n == 0) {
        break;
      }
      // Re-parsing only when a line ends keeps a client that drips its head a byte at a
      // time from costing a full parse per byte.
      new_line = std::memchr(in_.data() + in_len_, '\n', static_cast<std::size_t>(r.n)) !=
                 nullptr;
      drained_ = in_len_ + static_cast<std::size_t>(r.n) < in_.capacity();
      in_len_ += static_cast<std::size_t>(r.n);
      worker_.stats().bytes_in.add(static_cast<std::uint64_t>(r.n));
    }
    if (pr.status == http::ParseStatus::kNeedMore) {
      break;  // timed out or closed mid-head
    }
    worker_.stats().requests.add();
    ++requests_;
    if (pr.status == http::ParseStatus::kError) {
      worker_.stats().bad_requests.add();
      co_await send_error(http::status_for(pr.error), http::to_string(pr.error),
                          pr.error_offset, true);
      break;
    }
    ex.head_size = pr.consumed;
    // Anything else that reads the socket (a request body, 100-continue) may leave bytes
    // behind that no new event will announce: probe with a read afterwards.
    drained_ = drained_ && ex.req.body == http::BodyKind::kNone;
    bool keep = co_await serve_one(ex);
    served_any_ = true;
    if (!keep || closed_ || draining_) {
      break;
    }
  }
  running_ = false;
  close();
}

net::Task<bool> Session::send_error(int status, std::string_view message, std::size_t offset,
                                    bool close_after) {
  char body[512];
  HeadWriter b(body, sizeof(body));
  b.add("{\"error\":\"").add(http::reason_phrase(status)).add("\",\"detail\":\"");
  b.add(message.substr(0, 200)).add("\",\"offset\":").add_uint(offset).add("}\n");
  char head[512];
  HeadWriter h(head, sizeof(head));
  h.add("HTTP/1.1 ").add_uint(static_cast<std::uint64_t>(status)).add(" ");
  h.add(http::reason_phrase(status)).add("\r\nContent-Type: application/json\r\n");
  h.add("Content-Length: ").add_uint(b.size()).add("\r\nServer: ramjet\r\n");
  if (close_after) {
    h.add("Connection: close\r\n");
  }
  h.add("\r\n");
  iovec iov[2] = {{head, h.size()}, {body, b.size()}};
  count_status(worker_.stats(), status);
  last_status_ = status;
  auto& loop = worker_.loop();
  net::IoResult r = co_await socket_.write(std::span<const iovec>(iov, 2),
                                           loop.now() + std::chrono::seconds(5));
  if (r.ok()) {
    worker_.stats().bytes_out.add(static_cast<std::uint64_t>(r.n));
    bytes_out_ += static_cast<std::uint64_t>(r.n);
  }
  if (close_after) {
    socket_.shutdown_write();
  }
  co_return r.ok() && !close_after;
}

}  // namespace ramjet::proxy

namespace ramjet::proxy {

net::Task<bool> Session::serve_one(Exchange& ex) {
  RuntimePin pin(worker_);
  Runtime& rt = *pin.runtime;
  const config::Config& cfg = rt.config();
  auto& loop = worker_.loop();
  const core::Clock& clock = loop.clock();
  ProxyStats& stats = worker_.stats();
  const http::RequestHead& req = ex.req;
  ExchangeState& st = ex.st;
  st = ExchangeState{};
  last_status_ = 0;  // no response sent yet for this exchange
  st.started = clock.now();
  st.method = req.method_id;
  st.client_minor = req.minor_version;
  st.client_keep_alive = req.keep_alive && !draining_;
  bool has_body = req.body != http::BodyKind::kNone;
  std::size_t next_request = ex.head_size;  // where the next pipelined request starts

  if (cfg.proxy.add_request_id) {
    std::string_view id = find_header(req.headers, "x-request-id");
    if (!id.empty() && id.size() <= kMaxRequestIdBytes) {
      std::memcpy(st.request_id, id.data(), id.size());
      st.request_id_len = id.size();
    } else {
      trace_detail::put_hex16(
          st.request_id, splitmix64(worker_.request_id_seed() ^ worker_.next_request_number()));
      st.request_id_len = 16;
    }
  }
  // The traceparent goes upstream and into the access log; a cache hit with no access log
  // needs none, so it is chosen lazily (ensure_traceparent) on those paths.
  auto ensure_traceparent = [&] {
    if (!st.has_traceparent) {
      choose_traceparent(find_header(req.headers, "traceparent"), st.traceparent, [this] {
        return splitmix64(worker_.request_id_seed() ^ (worker_.next_request_number() << 20));
      });
      st.has_traceparent = true;
    }
  };
  if (worker_.access_log() != nullptr) {
    ensure_traceparent();
  }

  AccessLogScope log_scope(worker_.access_log(), worker_.index(), st, req, peer_,
                           bytes_out_, last_status_);

  if (req.method_id == http::Method::kConnect) {
    co_return co_await send_error(405, "CONNECT is not supported", 0, true);
  }
  const config::Route* route = rt.match(req);
  if (route == nullptr) {
    co_return co_await send_error(404, "no route matches this request", 0, true);
  }
  RouteScope route_scope(rt.route_stats(static_cast<std::size_t>(route - cfg.routes.data())), st,
                         last_status_, bytes_out_, clock);
  RouteStats& rstats = route_scope.stats();
  rstats.bytes_in.add(ex.head_size +
                      (req.body == http::BodyKind::kContentLength ? req.content_length : 0));
  if (req.body == http::BodyKind::kContentLength &&
      req.content_length > cfg.limits.max_body_bytes) {
    rstats.errors_limit.add();
    co_return co_await send_error(413, "request body larger than limits.max_body_bytes", 0,
                                  true);
  }
  if (req.body == http::BodyKind::kChunked) {
    // Judge the chunked body already received before any upstream work, so a body that is
    // malformed or over the limit within its first bytes is never forwarded at all.
    http::ChunkedDecoder probe;
    std::string_view seen(in_.data() + ex.head_size, in_len_ - ex.head_size);
    while (!seen.empty()) {
      auto step = probe.feed(seen);
      if (step.status == http::ParseStatus::kError) {
        stats.bad_requests.add();
        co_return co_await send_error(http::status_for(step.error), http::to_string(step.error),
                                      ex.head_size + (in_len_ - ex.head_size - seen.size()) +
                                          step.consumed,
                                      true);
      }
      if (probe.body_bytes() > cfg.limits.max_body_bytes) {
        rstats.errors_limit.add();
        co_return co_await send_error(413, "request body larger than limits.max_body_bytes", 0,
                                      true);
      }
      seen.remove_prefix(step.consumed);
      if (step.status == http::ParseStatus::kComplete || step.consumed == 0) {
        break;
      }
    }
  }
  st.deadline = st.started + route->timeout.value_or(cfg.timeouts.request);
  Deadlines dl{cfg.timeouts.client_body, cfg.timeouts.upstream_body, st.deadline};

  // The cache: answer from the store, join a collapsed miss, or plan what to store.
  std::size_t route_index = static_cast<std::size_t>(route - cfg.routes.data());
  CacheState cs;
  cs.policy = rt.cache_policy(route_index);
  cs.store = worker_.cache_store();
  cs.flights = worker_.cache_flights();
  if (cs.policy != nullptr && cs.store != nullptr) {
    std::string_view body;
    bool body_in_buffer = req.body == http::BodyKind::kContentLength &&
                          in_len_ - ex.head_size >= req.content_length;
    if (cs.policy->cache_post && body_in_buffer) {
      body = std::string_view(in_.data() + ex.head_size, req.content_length);
    }
    std::size_t after_body = ex.head_size + (body_in_buffer ? req.content_length : 0);
    cs.key = &ex.cache_key;
    MonoTime lookup_started = clock.now();
    cs.front = consult_cache(*cs.store, *cs.policy, req, body, ex.cache_key, lookup_started);
    st.cache_ns = elapsed_ns(lookup_started, clock.now());
    using Action = CacheFront::Action;
    if (route->cache.mode.value_or(cfg.cache.mode) == config::CacheMode::kShadow) {
      // Shadow mode: the same keys, lookups and stores, but every request goes upstream and
      // the client gets the upstream's answer; only the counters learn what a hit would save.
      cs.shadow = true;
      if (cs.front.action != Action::kBypass) {
        cs.shadow_hit = cs.front.action == Action::kServe ||
                        cs.front.action == Action::kServeAndRefresh;
        (cs.shadow_hit ? stats.cache_shadow_hits : stats.cache_shadow_misses).add();
        cs.front.action = Action::kFetch;
        cs.front.entry.reset();
      }
    }
    switch (cs.front.action) {
      case Action::kServe:
        co_return co_await respond_from_cache(ex, cs.front.entry, static_cast<int>(cs.front.label),
                                              cs.front.detail, false, after_body);
      case Action::kServeAndRefresh:
        start_refresh(worker_, rt, route_index, cs.policy, ex.cache_key, cs.front.entry,
                      std::string_view(in_.data(), ex.head_size), peer_);
        co_return co_await respond_from_cache(ex, cs.front.entry, static_cast<int>(cs.front.label),
                                              cs.front.detail, false, after_body);
      case Action::kOnlyIfCached:
        co_return co_await send_error(504, "only-if-cached: no usable stored response", 0,
                                      has_body);
      case Action::kFetch:
        // Misses and revalidations alike collapse: at an entry's expiry, one request
        // revalidates and the rest wait for its answer.
        if (!has_body && cs.flights != nullptr && !cs.shadow) {
          CollapseWaiter waiter(loop);
          std::uint64_t id = (static_cast<std::uint64_t>(worker_.index()) << 48) |
                             (worker_.next_request_number() & ((1ULL << 48) - 1));
          cache::JoinResult j = cs.flights->join(ex.cache_key, cache::WaiterToken{id, &waiter});
          if (j.role == cache::Role::kLeader) {
            cs.leader = true;
            cs.flight = j.flight;
          } else if (j.role == cache::Role::kWaiter) {
            bool woke = co_await waiter.event().wait(loop.now() + cfg.cache.collapse_timeout);
            if (!woke && !cs.flights->leave(ex.cache_key, id)) {
              co_await waiter.event().wait(net::kNoDeadline);  // the leader's post is coming
              woke = true;
            }
            if (woke && waiter.outcome() == cache::FlightOutcome::kStored) {
              cache::LookupResult again = cs.store->lookup(ex.cache_key, req.headers);
              if (again.response) {
                co_return co_await respond_from_cache(ex, again.response,
                                                      static_cast<int>(CacheLabel::kHit),
                                                      "", true, after_body);
              }
            }
            cs.collapsed = true;  // went upstream after waiting
          }
        }
        if (cs.front.entry && cs.front.entry->freshness().has_validators) {
          cache::append_revalidation_headers(*cs.front.entry, cs.revalidation);
          cs.revalidating = !cs.revalidation.empty();
        }
        break;
      case Action::kBypass:
        if (cs.front.invalidate) {
          cs.saved_host.assign(req.host);
          cs.saved_path.assign(req.path);
          cs.saved_query.assign(req.query);
        }
        break;
    }
  }

  if (req.expect_continue && has_body) {
    net::IoResult w =
        co_await socket_.write("HTTP/1.1 100 Continue\r\n\r\n", dl.client(loop.now()));
    if (!w.ok()) {
      co_return false;
    }
  }

  st.route = route->name;
  ensure_traceparent();
  Runtime::Upstream& ups = rt.upstream(route->upstream_index);
  bool body_replayable =
      !has_body || (req.body == http::BodyKind::kContentLength &&
                    in_len_ - ex.head_size >= req.content_length);
  bool can_retry = is_idempotent(req.method_id) && body_replayable;

  Buffer hb = worker_.head_buffers().acquire();
  Buffer up = worker_.buffers().acquire();
  http::ResponseHead resp;
  std::size_t up_len = 0;
  std::size_t resp_head_size = 0;
  std::unique_ptr<UpstreamConnection> conn;
  EndpointPool* pool = nullptr;
  std::size_t slots = std::min(kMaxHeaderSlots, cfg.limits.max_headers);

fetch:
  for (int attempt = 0;; ++attempt) {
    MonoTime attempt_started = clock.now();
    pool = ups.endpoints[ups.next++ % ups.endpoints.size()].get();
    MonoTime connect_deadline = earlier(loop.now() + cfg.timeouts.upstream_connect, st.deadline);
    AcquireResult acq = co_await pool->acquire(connect_deadline, attempt > 0);
    if (!acq.connection) {
      if (acq.error == ETIMEDOUT) {
        stats.upstream_timeouts.add();
        rstats.errors_timeout.add();
        ups.stats->timeouts.add();
        if (auto stored = stale_for_error(cs, clock.now())) {
          co_return co_await respond_from_cache(ex, stored, static_cast<int>(CacheLabel::kStale),
                                                "stale-if-error", false, next_request);
        }
        co_return co_await send_error(504, "upstream connect timed out", 0, true);
      }
      stats.upstream_connect_errors.add();
      if (acq.error == EAGAIN) {
        rstats.errors_limit.add();
        co_return co_await send_error(503, "upstream connection limit reached", 0, true);
      }
      rstats.errors_connect.add();
      if (auto stored = stale_for_error(cs, clock.now())) {
        co_return co_await respond_from_cache(ex, stored, static_cast<int>(CacheLabel::kStale),
                                              "stale-if-error", false, next_request);
      }
      co_return co_await send_error(502, "upstream connect failed", 0, true);
    }
    conn = std::move(acq.connection);
    st.endpoint = pool->name();
    HeadWriter w(hb.data(), hb.capacity());
    build_upstream_head(w, req, st, cfg, *ups.options, peer_, cs.revalidation);
    if (!w.ok()) {
      pool->release(std::move(conn), true);
      co_return co_await send_error(431, "request head too large to forward", 0, true);
    }
    st.upstream_started = clock.now();
    st.connect_ns = elapsed_ns(attempt_started, st.upstream_started);
    cs.request_time = clock.wall_now();  // RFC 9111 §4.2.3 request_time: as it goes upstream
    ups.stats->requests.add();
    net::IoResult hw = co_await conn->socket.write(w.view(), dl.upstream(loop.now()));
    Outcome out = hw.ok() ? Outcome::kOk : Outcome::kUpstreamFailed;
    if (out == Outcome::kOk && has_body) {
      http::ParseError body_error = http::ParseError::kNone;
      out = co_await send_request_body(loop, socket_, conn->socket, in_.data(), in_.capacity(),
                                       in_len_, next_request, req, ex.head_size,
                                       cfg.limits.max_body_bytes, dl, stats, body_error);
      if (out == Outcome::kBodyTooLarge) {
        rstats.errors_limit.add();
        co_return co_await send_error(413, "request body larger than limits.max_body_bytes", 0,
                                      true);
      }
      if (out == Outcome::kBadBody) {
        stats.bad_requests.add();
        co_return co_await send_error(http::status_for(body_error), http::to_string(body_error),
                                      0, true);
      }
      if (out == Outcome::kClientTimeout) {
        stats.client_timeouts.add();
        co_return co_await send_error(408, "request body not received in time", 0, true);
      }
      if (out == Outcome::kClientGone) {
        co_return false;
      }
    }
    if (out == Outcome::kOk || out == Outcome::kUpstreamFailed) {
      // Even when the body write failed the upstream may have answered early (e.g. 413).
      out = co_await read_response_head(
          loop, &socket_, conn->socket, up.data(), up.capacity(), up_len, resp_head_size,
          req.method_id, req.minor_version, rt.parse_limits(),
          std::span<http::Header>(ex.response_headers, slots), resp,
          earlier(loop.now() + cfg.timeouts.upstream_header, st.deadline), dl);
    }
    if (out == Outcome::kOk) {
      break;
    }
    bool stale = acq.reused && (out == Outcome::kUpstreamClosedEarly ||
                                out == Outcome::kUpstreamFailed) && up_len == 0;
    pool->release(std::move(conn), false);
    if (stale && can_retry && attempt == 0) {
      stats.stale_retries.add();
      ++st.retries;
      st.retry_ns += elapsed_ns(attempt_started, clock.now());
      continue;
    }
    if (out == Outcome::kUpstreamTimeout) {
      stats.upstream_timeouts.add();
      rstats.errors_timeout.add();
      ups.stats->timeouts.add();
      if (auto stored = stale_for_error(cs, clock.now())) {
        co_return co_await respond_from_cache(ex, stored, static_cast<int>(CacheLabel::kStale),
                                              "stale-if-error", false, next_request);
      }
      co_return co_await send_error(504, "upstream response timed out", 0, true);
    }
    if (out == Outcome::kClientGone) {
      co_return false;
    }
    if (out == Outcome::kUpstreamBad) {
      stats.upstream_bad_responses.add();
      rstats.errors_parse.add();
      if (auto stored = stale_for_error(cs, clock.now())) {
        co_return co_await respond_from_cache(ex, stored, static_cast<int>(CacheLabel::kStale),
                                              "stale-if-error", false, next_request);
      }
      co_return co_await send_error(502, "invalid response from upstream", 0, true);
    }
    stats.upstream_resets.add();
    rstats.errors_reset.add();
    if (auto stored = stale_for_error(cs, clock.now())) {
      co_return co_await respond_from_cache(ex, stored, static_cast<int>(CacheLabel::kStale),
                                            "stale-if-error", false, next_request);
    }
    co_return co_await send_error(502, "upstream closed the connection", 0, true);
  }
  st.upstream_headers = clock.now();
  st.status = resp.status;

  // What the cache makes of the response head: a 304 that refreshes the stored entry, an
  // error covered by stale-if-error, or a response to keep while it streams through.
  char cache_lines[384];
  HeadWriter cw(cache_lines, sizeof(cache_lines));
  if (cs.policy != nullptr && cs.store != nullptr &&
      cs.front.action == CacheFront::Action::kFetch) {
    cache::ExchangeTimes times{cs.request_time, clock.wall_now(), clock.now()};
    std::span<const http::Header> rh(resp.headers.data(), resp.headers.size());
    cache::ResponseFacts facts = cache::analyze_response(resp.status, rh);
    if (cs.revalidating && resp.status == 304) {
      pool->release(std::move(conn), up_len == resp_head_size && resp.keep_alive);
      if (!cache::not_modified_selects(*cs.front.entry, facts)) {
        // RFC 9111 §4.3.4: a 304 that selects no stored response updates nothing and
        // cannot answer this request; ask again, without the cache's validators.
        cs.revalidating = false;
        cs.revalidation.clear();
        goto fetch;
      }
      std::shared_ptr<const cache::CachedResponse> fresh =
          cache::freshen(*cs.front.entry, rh, times, *cs.policy);
      cs.store->insert(ex.cache_key, req.headers, fresh);
      cs.outcome = cache::FlightOutcome::kStored;
      co_return co_await respond_from_cache(ex, fresh, static_cast<int>(CacheLabel::kRevalidated),
                                            "", false, next_request);
    }
    if (is_error_status(resp.status)) {
      if (auto stored = stale_for_error(cs, clock.now())) {
        pool->release(std::move(conn), false);
        co_return co_await respond_from_cache(ex, stored, static_cast<int>(CacheLabel::kStale),
                                              "stale-if-error", false, next_request);
      }
    }
    cache::RequestView view = cache::RequestView::from(req, "http");
    std::optional<std::uint64_t> length;
    if (resp.body == http::BodyKind::kContentLength) {
      length = resp.content_length;
    }
    cache::StorageDecision sd = cache::decide_storage(view, cs.front.request_cc, facts,
                                                      *cs.policy, times.response_time, length);
    if (sd.store()) {
      cs.builder.emplace(resp.status, rh, times, *cs.policy, length);
      cs.request_headers = req.headers;
    } else {
      cs.outcome = cache::FlightOutcome::kUncacheable;
      cs.detail = cache::to_string(sd.reason);
    }
  }
  if (cs.front.invalidate && cs.store != nullptr && cache::invalidates(resp.status)) {
    cache::RequestView target;
    target.host = cs.saved_host;
    target.path = cs.saved_path;
    target.query = cs.saved_query;
    std::span<const http::Header> rh(resp.headers.data(), resp.headers.size());
    for (const std::string& url : cache::invalidation_urls(target, rh, cs.policy->key)) {
      cs.store->purge_url(url);
    }
  }
  if (cs.policy != nullptr && cs.store != nullptr && !cs.shadow) {
    st.cache_status = to_string(cs.front.label);
    write_cache_headers(cw, cs.front.label, cs.front.fwd,
                        *cs.detail != '\0' ? cs.detail : cs.front.detail,
                        cs.builder.has_value(), std::nullopt, cs.collapsed);
  }

  // Respond to the client.
  bool dechunk = resp.body == http::BodyKind::kChunked && st.client_minor == 0;
  bool keep_alive = st.client_keep_alive && !draining_ && !worker_.draining() &&
                    resp.body != http::BodyKind::kUntilClose && !dechunk;
  HeadWriter w(hb.data(), hb.capacity());
  build_client_head(w, resp, st, cfg, keep_alive, dechunk, clock.now(), cw.view());
  if (!w.ok()) {
    pool->release(std::move(conn), false);
    stats.upstream_bad_responses.add();
    co_return co_await send_error(502, "response head too large to forward", 0, true);
  }
  count_status(stats, resp.status);
  last_status_ = resp.status;
  bool reusable = false;
  std::uint64_t before = stats.bytes_out.value();
  Outcome out = co_await relay_response_body(loop, socket_, conn->socket, up.data(),
                                             up.capacity(), up_len, resp_head_size, w.view(),
                                             resp, dechunk, dl, stats, reusable,
                                             cs.builder ? &cs : nullptr);
  bytes_out_ += stats.bytes_out.value() - before;
  pool->release(std::move(conn), out == Outcome::kOk && reusable && resp.keep_alive);
  if (cs.shadow_hit) {
    stats.cache_shadow_saved_us.add(static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(clock.now() - st.upstream_started)
            .count()));
  }
  cs.store_collected(false);  // the body did not arrive whole (or was stored already)
  if (out != Outcome::kOk) {
    if (out == Outcome::kUpstreamTimeout) {
      stats.upstream_timeouts.add();
      rstats.errors_timeout.add();
    } else if (out != Outcome::kClientGone) {
      stats.upstream_resets.add();
      rstats.errors_reset.add();
    }
    co_return false;
  }
  if (!keep_alive) {
    co_return false;
  }
  keep_pipelined(next_request);
  co_return true;
}

void Session::keep_pipelined(std::size_t next_request) {
  std::size_t leftover = in_len_ > next_request ? in_len_ - next_request : 0;
  if (leftover > 0) {
    std::memmove(in_.data(), in_.data() + next_request, leftover);
  }
  in_len_ = leftover;
}

net::Task<bool> Session::respond_from_cache(Exchange& ex,
                                            std::shared_ptr<const cache::CachedResponse> entry,
                                            int label, const char* detail, bool collapsed,
                                            std::size_t next_request) {
  RuntimePin pin(worker_);
  const config::Config& cfg = pin.runtime->config();
  auto& loop = worker_.loop();
  const core::Clock& clock = loop.clock();
  const http::RequestHead& req = ex.req;
  ExchangeState& st = ex.st;
  cache::Precondition pc = cache::evaluate_preconditions(req.method_id, req.headers, *entry);
  if (pc == cache::Precondition::kPreconditionFailed) {
    co_return co_await send_error(412, "precondition failed against the stored response", 0,
                                  false);
  }
  bool not_modified = pc == cache::Precondition::kNotModified;
  int status = not_modified ? 304 : entry->status();
  bool keep_alive = st.client_keep_alive && !draining_ && !worker_.draining();
  Buffer hb = worker_.head_buffers().acquire();
  HeadWriter w(hb.data(), hb.capacity());
  w.add(st.client_minor == 0 ? "HTTP/1.0 " : "HTTP/1.1 ").add_uint(static_cast<std::uint64_t>(status));
  w.add(" ").add(http::reason_phrase(status)).add("\r\n");
  std::string_view body;
  if (not_modified) {
    std::string fields;
    cache::append_not_modified_headers(*entry, fields);
    w.add(fields);
  } else {
    w.add(entry->header_block());
    w.add("Content-Length: ").add_uint(entry->body().size()).add("\r\n");
    if (req.method_id != http::Method::kHead) {
      body = entry->body();
    }
  }
  MonoTime now = clock.now();
  const cache::FreshnessInfo& fi = entry->freshness();
  w.add("Age: ").add_uint(static_cast<std::uint64_t>(cache::age_seconds(fi, now))).add("\r\n");
  if (cfg.proxy.via) {
    w.add("Via: 1.1 ramjet\r\n");  // a stored Via line stays; recipients combine both
  }
  if (st.request_id_len > 0) {
    w.header("X-Request-Id", std::string_view(st.request_id, st.request_id_len));
  }
  if (cfg.proxy.timing_headers) {
    add_timing_headers(w, st, now);
  }
  auto ttl_left = std::chrono::duration_cast<std::chrono::seconds>(fi.fresh_until() - now).count();
  write_cache_headers(w, static_cast<CacheLabel>(label), "", detail, false, ttl_left, collapsed);
  if (!keep_alive) {
    w.add("Connection: close\r\n");
  } else if (st.client_minor == 0) {
    w.add("Connection: keep-alive\r\n");
  }
  w.add("\r\n");
  if (!w.ok()) {
    co_return co_await send_error(502, "stored response head too large", 0, true);
  }
  count_status(worker_.stats(), status);
  last_status_ = status;
  st.status = status;
  st.cache_status = to_string(static_cast<CacheLabel>(label));
  iovec iov[2] = {{const_cast<char*>(w.data()), w.size()},
                  {const_cast<char*>(body.data()), body.size()}};
  net::IoResult r = co_await socket_.write(std::span<const iovec>(iov, body.empty() ? 1 : 2),
                                           loop.now() + cfg.timeouts.client_body);
  if (!r.ok()) {
    co_return false;
  }
  worker_.stats().bytes_out.add(static_cast<std::uint64_t>(r.n));
  bytes_out_ += static_cast<std::uint64_t>(r.n);
  if (!keep_alive) {
    co_return false;
  }
  keep_pipelined(next_request);
  co_return true;
}

}  // namespace ramjet::proxy
