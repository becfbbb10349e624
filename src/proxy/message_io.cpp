#include "proxy/message_io.hpp"

#include <cerrno>
#include <cstring>

namespace ramjet::proxy {
namespace {

using core::MonoTime;

MonoTime earlier(MonoTime a, MonoTime b) { return a < b ? a : b; }

}  // namespace

// Streams the request body that follows the head (whose first bytes may already sit in
// `in` after `head_size`) to the upstream. On success `next` is the offset in `in` where
// the next pipelined request starts and `in_len` how many bytes `in` holds.
net::Task<Outcome> send_request_body(net::EventLoop& loop, net::Socket& client,
                                     net::Socket& upstream, char* in, std::size_t capacity,
                                     std::size_t& in_len, std::size_t& next,
                                     const http::RequestHead& req, std::size_t head_size,
                                     std::uint64_t max_body, const Deadlines& dl,
                                     ProxyStats& stats, http::ParseError& error) {
  std::size_t pos = head_size;
  if (req.body == http::BodyKind::kContentLength) {
    std::uint64_t remaining = req.content_length;
    for (;;) {
      std::size_t take = static_cast<std::size_t>(
          std::min<std::uint64_t>(remaining, in_len - pos));
      if (take > 0) {
        net::IoResult w = co_await upstream.write(std::string_view(in + pos, take),
                                                  dl.upstream(loop.now()));
        if (!w.ok()) {
          co_return Outcome::kUpstreamFailed;
        }
        remaining -= take;
        pos += take;
      }
      if (remaining == 0) {
        next = pos;
        co_return Outcome::kOk;
      }
      net::IoResult r = co_await client.read(std::span<char>(in, capacity), dl.client(loop.now()));
      if (r.error == ETIMEDOUT) {
        co_return Outcome::kClientTimeout;
      }
      if (!r.ok() || r.n == 0) {
        co_return Outcome::kClientGone;
      }
      stats.bytes_in.add(static_cast<std::uint64_t>(r.n));
      pos = 0;
      in_len = static_cast<std::size_t>(r.n);
    }
  }
  // Chunked: validate the framing, forward the consumed bytes verbatim.
  http::ChunkedDecoder decoder;
  for (;;) {
    std::size_t start = pos;
    bool done = false;
    while (pos < in_len) {
      auto step = decoder.feed(std::string_view(in + pos, in_len - pos));
      if (step.status == http::ParseStatus::kError) {
        error = step.error;
        co_return Outcome::kBadBody;
      }
      pos += step.consumed;
      if (decoder.body_bytes() > max_body) {
        co_return Outcome::kBodyTooLarge;
      }
      if (step.status == http::ParseStatus::kComplete) {
        done = true;
        break;
      }
      if (step.consumed == 0) {
        break;
      }
    }
    if (pos > start) {
      net::IoResult w = co_await upstream.write(std::string_view(in + start, pos - start),
                                                dl.upstream(loop.now()));
      if (!w.ok()) {
        co_return Outcome::kUpstreamFailed;
      }
    }
    if (done) {
      next = pos;
      co_return Outcome::kOk;
    }
    // Keep an incomplete tail (the decoder holds its state, so drop consumed bytes only).
    std::size_t tail = in_len - pos;
    if (tail > 0) {
      std::memmove(in, in + pos, tail);
    }
    in_len = tail;
    pos = 0;
    if (in_len == capacity) {
      error = http::ParseError::kBadChunkSize;
      co_return Outcome::kBadBody;
    }
    net::IoResult r = co_await client.read(std::span<char>(in + in_len, capacity - in_len),
                                           dl.client(loop.now()));
    if (r.error == ETIMEDOUT) {
      co_return Outcome::kClientTimeout;
    }
    if (!r.ok() || r.n == 0) {
      co_return Outcome::kClientGone;
    }
    stats.bytes_in.add(static_cast<std::uint64_t>(r.n));
    in_len += static_cast<std::size_t>(r.n);
  }
}

// Reads the response head into `up`. Informational responses other than 100 are relayed
// to HTTP/1.1 clients as they come. On success `head_size` is the final head's size.
net::Task<Outcome> read_response_head(net::EventLoop& loop, net::Socket* client,
                                      net::Socket& upstream, char* up, std::size_t capacity,
                                      std::size_t& up_len, std::size_t& head_size,
                                      http::Method method, int client_minor,
                                      const http::ParseLimits& limits,
                                      std::span<http::Header> slots, http::ResponseHead& resp,
                                      MonoTime header_deadline, const Deadlines& dl) {
  up_len = 0;
  bool any_byte = false;
  for (;;) {
    if (up_len > 0) {
      auto pr = http::parse_response(std::string_view(up, up_len), limits, method, slots, resp);
      if (pr.status == http::ParseStatus::kError) {
        co_return Outcome::kUpstreamBad;
      }
      if (pr.status == http::ParseStatus::kComplete) {
        if (resp.status >= 100 && resp.status < 200) {
          if (resp.status == 101) {
            co_return Outcome::kUpstreamBad;  // never asked for: Upgrade is not forwarded
          }
          if (resp.status != 100 && client_minor == 1 && client != nullptr) {
            net::IoResult w = co_await client->write(std::string_view(up, pr.consumed),
                                                    dl.client(loop.now()));
            if (!w.ok()) {
              co_return Outcome::kClientGone;
            }
          }
          std::memmove(up, up + pr.consumed, up_len - pr.consumed);
          up_len -= pr.consumed;
          continue;
        }
        head_size = pr.consumed;
        co_return Outcome::kOk;
      }
      if (up_len == capacity) {
        co_return Outcome::kUpstreamBad;
      }
    }
    net::IoResult r = co_await upstream.read(std::span<char>(up + up_len, capacity - up_len),
                                             earlier(header_deadline, dl.total));
    if (r.error == ETIMEDOUT) {
      co_return Outcome::kUpstreamTimeout;
    }
    if (!r.ok() || r.n == 0) {
      co_return any_byte ? Outcome::kUpstreamFailed : Outcome::kUpstreamClosedEarly;
    }
    any_byte = true;
    up_len += static_cast<std::size_t>(r.n);
  }
}

// Streams the response body from `up` (bytes after the head first) to the client, teeing
// it into `tee` when not null (see BodyTee). `reusable` tells whether
// the upstream connection ended exactly at the message's end.
net::Task<Outcome> relay_response_body(net::EventLoop& loop, net::Socket& client,
                                       net::Socket& upstream, char* up, std::size_t capacity,
                                       std::size_t up_len, std::size_t head_size,
                                       std::string_view client_head,
                                       const http::ResponseHead& resp, bool dechunk,
                                       const Deadlines& dl, ProxyStats& stats,
                                       bool& reusable, BodyTee* tee) {
  auto keep = [tee](std::string_view data) {
    if (tee != nullptr) {
      tee->keep(data);
    }
  };
  auto body_complete = [tee] {
    if (tee != nullptr) {
      tee->store_collected(true);
    }
  };
  reusable = false;
  std::size_t pos = head_size;
  bool head_sent = false;
  auto send = [&](std::string_view body) -> net::Socket::WriteOp {
    iovec iov[2];
    std::size_t n = 0;
    if (!head_sent) {
      iov[n++] = {const_cast<char*>(client_head.data()), client_head.size()};
      head_sent = true;
    }
    if (!body.empty()) {
      iov[n++] = {const_cast<char*>(body.data()), body.size()};
    }
    return client.write(std::span<const iovec>(iov, n), dl.client(loop.now()));
  };
  auto read_more = [&]() -> net::Socket::ReadOp {
    return upstream.read(std::span<char>(up, capacity), dl.upstream(loop.now()));
  };

  if (resp.body == http::BodyKind::kNone) {
    body_complete();
    net::IoResult w = co_await send({});
    stats.bytes_out.add(w.ok() ? static_cast<std::uint64_t>(w.n) : 0);
    reusable = up_len == head_size;
    co_return w.ok() ? Outcome::kOk : Outcome::kClientGone;
  }
  if (resp.body == http::BodyKind::kContentLength) {
    std::uint64_t remaining = resp.content_length;
    for (;;) {
      std::size_t take = static_cast<std::size_t>(std::min<std::uint64_t>(remaining, up_len - pos));
      keep(std::string_view(up + pos, take));
      if (take == remaining) {
        body_complete();
      }
      if (take > 0 || !head_sent) {
        net::IoResult w = co_await send(std::string_view(up + pos, take));
        if (!w.ok()) {
          co_return Outcome::kClientGone;
        }
        stats.bytes_out.add(static_cast<std::uint64_t>(w.n));
        remaining -= take;
        pos += take;
      }
      if (remaining == 0) {
        reusable = pos == up_len;
        co_return Outcome::kOk;
      }
      net::IoResult r = co_await read_more();
      if (r.error == ETIMEDOUT) {
        co_return Outcome::kUpstreamTimeout;
      }
      if (!r.ok() || r.n == 0) {
        co_return Outcome::kUpstreamFailed;
      }
      pos = 0;
      up_len = static_cast<std::size_t>(r.n);
    }
  }
  if (resp.body == http::BodyKind::kUntilClose) {
    for (;;) {
      if (up_len > pos || !head_sent) {
        keep(std::string_view(up + pos, up_len - pos));
        net::IoResult w = co_await send(std::string_view(up + pos, up_len - pos));
        if (!w.ok()) {
          co_return Outcome::kClientGone;
        }
        stats.bytes_out.add(static_cast<std::uint64_t>(w.n));
      }
      net::IoResult r = co_await read_more();
      if (r.error == ETIMEDOUT) {
        co_return Outcome::kUpstreamTimeout;
      }
      if (!r.ok()) {
        co_return Outcome::kUpstreamFailed;
      }
      if (r.n == 0) {
        body_complete();
        co_return Outcome::kOk;
      }
      pos = 0;
      up_len = static_cast<std::size_t>(r.n);
    }
  }
  // Chunked: forward verbatim (or only the data, for an HTTP/1.0 client).
  http::ChunkedDecoder decoder;
  for (;;) {
    std::size_t start = pos;
    bool done = false;
    while (pos < up_len) {
      auto step = decoder.feed(std::string_view(up + pos, up_len - pos));
      if (step.status == http::ParseStatus::kError) {
        co_return Outcome::kUpstreamBad;
      }
      keep(step.data);
      if (dechunk && !step.data.empty()) {
        net::IoResult w = co_await send(step.data);
        if (!w.ok()) {
          co_return Outcome::kClientGone;
        }
      }
      pos += step.consumed;
      if (step.status == http::ParseStatus::kComplete) {
        done = true;
        body_complete();
        break;
      }
      if (step.consumed == 0) {
        break;
      }
    }
    if (!dechunk && (pos > start || !head_sent)) {
      net::IoResult w = co_await send(std::string_view(up + start, pos - start));
      if (!w.ok()) {
        co_return Outcome::kClientGone;
      }
      stats.bytes_out.add(static_cast<std::uint64_t>(w.n));
    } else if (dechunk && !head_sent) {
      net::IoResult w = co_await send({});
      if (!w.ok()) {
        co_return Outcome::kClientGone;
      }
    }
    if (done) {
      reusable = pos == up_len;
      co_return Outcome::kOk;
    }
    std::size_t tail = up_len - pos;
    if (tail > 0) {
      std::memmove(up, up + pos, tail);
    }
    up_len = tail;
    pos = 0;
    if (up_len == capacity) {
      co_return Outcome::kUpstreamBad;
    }
    net::IoResult r = co_await upstream.read(std::span<char>(up + up_len, capacity - up_len),
                                             dl.upstream(loop.now()));
    if (r.error == ETIMEDOUT) {
      co_return Outcome::kUpstreamTimeout;
    }
    if (!r.ok() || r.n == 0) {
      co_return Outcome::kUpstreamFailed;
    }
    up_len += static_cast<std::size_t>(r.n);
  }
}


// Reads a whole response body from the upstream into `builder` (no client: background
// refresh). `reusable` tells whether the connection ended exactly at the message's end.
net::Task<Outcome> collect_body(net::EventLoop& loop, net::Socket& upstream, char* up,
                                std::size_t capacity, std::size_t up_len, std::size_t pos,
                                const http::ResponseHead& resp, cache::EntryBuilder& builder,
                                const Deadlines& dl, bool& reusable) {
  reusable = false;
  auto read_more = [&](std::size_t keep_from) -> net::Socket::ReadOp {
    return upstream.read(std::span<char>(up + keep_from, capacity - keep_from),
                         dl.upstream(loop.now()));
  };
  if (resp.body == http::BodyKind::kNone) {
    reusable = up_len == pos;
    co_return Outcome::kOk;
  }
  if (resp.body == http::BodyKind::kChunked) {
    http::ChunkedDecoder decoder;
    for (;;) {
      while (pos < up_len) {
        auto step = decoder.feed(std::string_view(up + pos, up_len - pos));
        if (step.status == http::ParseStatus::kError) {
          co_return Outcome::kUpstreamBad;
        }
        if (!builder.append(step.data)) {
          co_return Outcome::kBodyTooLarge;
        }
        pos += step.consumed;
        if (step.status == http::ParseStatus::kComplete) {
          reusable = pos == up_len;
          co_return Outcome::kOk;
        }
        if (step.consumed == 0) {
          break;
        }
      }
      std::size_t tail = up_len - pos;
      std::memmove(up, up + pos, tail);
      up_len = tail;
      pos = 0;
      if (up_len == capacity) {
        co_return Outcome::kUpstreamBad;
      }
      net::IoResult r = co_await read_more(up_len);
      if (!r.ok() || r.n == 0) {
        co_return r.error == ETIMEDOUT ? Outcome::kUpstreamTimeout : Outcome::kUpstreamFailed;
      }
      up_len += static_cast<std::size_t>(r.n);
    }
  }
  bool until_close = resp.body == http::BodyKind::kUntilClose;
  std::uint64_t remaining = until_close ? UINT64_MAX : resp.content_length;
  for (;;) {
    std::size_t take =
        static_cast<std::size_t>(std::min<std::uint64_t>(remaining, up_len - pos));
    if (!builder.append(std::string_view(up + pos, take))) {
      co_return Outcome::kBodyTooLarge;
    }
    remaining -= take;
    pos += take;
    if (remaining == 0) {
      reusable = pos == up_len;
      co_return Outcome::kOk;
    }
    net::IoResult r = co_await read_more(0);
    if (until_close && r.ok() && r.n == 0) {
      co_return Outcome::kOk;
    }
    if (!r.ok() || r.n == 0) {
      co_return r.error == ETIMEDOUT ? Outcome::kUpstreamTimeout : Outcome::kUpstreamFailed;
    }
    pos = 0;
    up_len = static_cast<std::size_t>(r.n);
  }
}
}  // namespace ramjet::proxy
