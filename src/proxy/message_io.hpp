#pragma once
// Moving HTTP/1.1 messages between a client and an upstream socket, for the session
// (session.cpp): the request body after its head, the response head (with interim 1xx),
// the response body (Content-Length, chunked or until close; optionally teed into the
// cache) and, for background refreshes, a whole body with no client. Each coroutine reads
// and writes through bounded caller-owned buffers and reports how the exchange ended as an
// Outcome; none of them owns a socket or decides a status code.
//
// Internal to the proxy module.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "cache/cache.hpp"
#include "core/clock.hpp"
#include "http/parser.hpp"
#include "net/event_loop.hpp"
#include "net/socket.hpp"
#include "net/task.hpp"
#include "proxy/stats.hpp"

namespace ramjet::proxy {

enum class Outcome : std::uint8_t {
  kOk,
  kClientGone,       // client closed, reset or timed out: nothing more can be sent
  kClientTimeout,
  kBodyTooLarge,
  kBadBody,          // malformed chunked request body
  kUpstreamFailed,   // write to or read from upstream failed
  kUpstreamTimeout,
  kUpstreamClosedEarly,  // closed before sending any byte of a response
  kUpstreamBad,      // unparsable response
};

// How long each side may stay silent, and the whole exchange's deadline that caps both.
struct Deadlines {
  core::Duration client_gap;
  core::Duration upstream_gap;
  core::MonoTime total;
  core::MonoTime client(core::MonoTime now) const {
    return std::min(now + client_gap, total);
  }
  core::MonoTime upstream(core::MonoTime now) const {
    return std::min(now + upstream_gap, total);
  }
};

// Receives a response body while relay_response_body streams it to the client: keep()
// each piece, then store_collected(true) as soon as the last byte is in from upstream,
// before it is written on (the session's CacheState stores the response then).
class BodyTee {
 public:
  virtual void keep(std::string_view data) = 0;
  virtual void store_collected(bool whole) = 0;

 protected:
  ~BodyTee() = default;
};

// Streams the request body that follows the head (whose first bytes may already sit in
// `in` after `head_size`) to the upstream. On success `next` is the offset in `in` where
// the next pipelined request starts and `in_len` how many bytes `in` holds.
net::Task<Outcome> send_request_body(net::EventLoop& loop, net::Socket& client,
                                     net::Socket& upstream, char* in, std::size_t capacity,
                                     std::size_t& in_len, std::size_t& next,
                                     const http::RequestHead& req, std::size_t head_size,
                                     std::uint64_t max_body, const Deadlines& dl,
                                     ProxyStats& stats, http::ParseError& error);

// Reads the response head into `up`. Informational responses other than 100 are relayed
// to HTTP/1.1 clients as they come. On success `head_size` is the final head's size.
net::Task<Outcome> read_response_head(net::EventLoop& loop, net::Socket* client,
                                      net::Socket& upstream, char* up, std::size_t capacity,
                                      std::size_t& up_len, std::size_t& head_size,
                                      http::Method method, int client_minor,
                                      const http::ParseLimits& limits,
                                      std::span<http::Header> slots, http::ResponseHead& resp,
                                      core::MonoTime header_deadline, const Deadlines& dl);

// Streams the response body from `up` (bytes after the head first) to the client, teeing
// it into `tee` when not null (see BodyTee). `reusable` tells whether
// the upstream connection ended exactly at the message's end.
net::Task<Outcome> relay_response_body(net::EventLoop& loop, net::Socket& client,
                                       net::Socket& upstream, char* up, std::size_t capacity,
                                       std::size_t up_len, std::size_t head_size,
                                       std::string_view client_head,
                                       const http::ResponseHead& resp, bool dechunk,
                                       const Deadlines& dl, ProxyStats& stats,
                                       bool& reusable, BodyTee* tee);

// Reads a whole response body from the upstream into `builder` (no client: background
// refresh). `reusable` tells whether the connection ended exactly at the message's end.
net::Task<Outcome> collect_body(net::EventLoop& loop, net::Socket& upstream, char* up,
                                std::size_t capacity, std::size_t up_len, std::size_t pos,
                                const http::ResponseHead& resp, cache::EntryBuilder& builder,
                                const Deadlines& dl, bool& reusable);

}  // namespace ramjet::proxy
