#include "proxy/access_log.hpp"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>

namespace ramjet::proxy {
namespace {

void append_json_string(std::string& out, std::string_view s) {
  out.push_back('"');
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (u < 0x20 || u == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\u%04x", u);
      out.append(buf);
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
}

}  // namespace

void AccessRecord::set_text(std::string_view method, std::string_view target,
                            std::string_view request_id, std::string_view client,
                            std::string_view route, std::string_view upstream) {
  std::size_t used = 0;
  auto put = [&](std::string_view s, std::uint16_t& len) {
    std::size_t n = std::min(s.size(), kTextBytes - used);
    std::memcpy(text + used, s.data(), n);
    used += n;
    len = static_cast<std::uint16_t>(n);
  };
  put(method, method_len);
  put(target, target_len);
  put(request_id, request_id_len);
  put(client, client_len);
  put(route, route_len);
  put(upstream, upstream_len);
}

core::Result<std::unique_ptr<AccessLog>> AccessLog::open(config::AccessLog format,
                                                        const std::string& path,
                                                        std::size_t workers,
                                                        std::size_t capacity) {
  std::FILE* out = stdout;
  bool owns = false;
  if (path != "-") {
    out = std::fopen(path.c_str(), "a");
    if (out == nullptr) {
      return core::Error{"cannot open access log", path + ": " + std::strerror(errno)};
    }
    owns = true;
  }
  return std::unique_ptr<AccessLog>(new AccessLog(format, out, owns, workers, capacity));
}

AccessLog::AccessLog(config::AccessLog format, std::FILE* out, bool owns, std::size_t workers,
                     std::size_t capacity)
    : format_(format), out_(out), owns_(owns) {
  for (std::size_t i = 0; i < workers; ++i) {
    auto ring = std::make_unique<Ring>();
    ring->slots.resize(capacity);
    rings_.push_back(std::move(ring));
  }
  writer_ = std::thread([this] { run(); });
}

AccessLog::~AccessLog() {
  stop_.store(true);
  writer_.join();
  flush();
  if (owns_) {
    std::fclose(out_);
  }
}

void AccessLog::push(std::size_t worker, const AccessRecord& record) {
  Ring& ring = *rings_[worker];
  std::uint64_t head = ring.head.load(std::memory_order_relaxed);
  std::uint64_t tail = ring.tail.load(std::memory_order_acquire);
  if (head - tail >= ring.slots.size()) {
    dropped_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  ring.slots[head % ring.slots.size()] = record;
  ring.head.store(head + 1, std::memory_order_release);
}

std::size_t AccessLog::drain_once(std::string& scratch) {
  std::lock_guard lock(drain_mu_);
  std::size_t n = 0;
  for (auto& ring : rings_) {
    std::uint64_t tail = ring->tail.load(std::memory_order_relaxed);
    std::uint64_t head = ring->head.load(std::memory_order_acquire);
    for (; tail < head; ++tail, ++n) {
      scratch.clear();
      format(ring->slots[tail % ring->slots.size()], scratch);
      std::fwrite(scratch.data(), 1, scratch.size(), out_);
    }
    ring->tail.store(tail, std::memory_order_release);
  }
  if (n > 0) {
    std::fflush(out_);
    written_.fetch_add(n, std::memory_order_relaxed);
  }
  return n;
}

void AccessLog::flush() {
  std::string scratch;
  drain_once(scratch);
}

void AccessLog::run() {
  std::string scratch;
  scratch.reserve(1024);
  while (!stop_.load()) {
    if (drain_once(scratch) == 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
}

void AccessLog::format(const AccessRecord& r, std::string& out) const {
  std::string_view text(r.text, AccessRecord::kTextBytes);
  std::size_t pos = 0;
  auto field = [&](std::uint16_t len) {
    std::string_view f = text.substr(pos, len);
    pos += len;
    return f;
  };
  std::string_view method = field(r.method_len);
  std::string_view target = field(r.target_len);
  std::string_view request_id = field(r.request_id_len);
  std::string_view client = field(r.client_len);
  std::string_view route = field(r.route_len);
  std::string_view upstream = field(r.upstream_len);
  std::string_view trace_id(r.trace_id, r.trace_id[0] == '\0' ? 0 : sizeof(r.trace_id));
  std::string_view cache(r.cache, r.cache_len);
  std::time_t secs = static_cast<std::time_t>(r.unix_micros / 1'000'000);
  std::tm tm{};
  ::gmtime_r(&secs, &tm);
  char buf[160];
  if (format_ == config::AccessLog::kCombined) {
    std::strftime(buf, sizeof(buf), "[%d/%b/%Y:%H:%M:%S +0000]", &tm);
    out.append(client).append(" - - ").append(buf).append(" \"");
    out.append(method).append(" ").append(target).append(" HTTP/1.1\" ");
    std::snprintf(buf, sizeof(buf), "%u %llu \"-\" \"-\" %.6f ", r.status,
                  static_cast<unsigned long long>(r.bytes_sent),
                  static_cast<double>(r.total_us) / 1e6);
    out.append(buf).append(trace_id.empty() ? std::string_view("-") : trace_id).append("\n");
    return;
  }
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
  out.append("{\"time\":\"").append(buf);
  std::snprintf(buf, sizeof(buf), ".%06lldZ\"", static_cast<long long>(r.unix_micros % 1'000'000));
  out.append(buf);
  out.append(",\"request_id\":");
  append_json_string(out, request_id);
  out.append(",\"client\":");
  append_json_string(out, client);
  out.append(",\"method\":");
  append_json_string(out, method);
  out.append(",\"target\":");
  append_json_string(out, target);
  out.append(",\"route\":");
  append_json_string(out, route);
  out.append(",\"upstream\":");
  append_json_string(out, upstream);
  out.append(",\"trace_id\":");
  append_json_string(out, trace_id);
  out.append(",\"cache\":");
  append_json_string(out, cache);
  std::snprintf(buf, sizeof(buf),
                ",\"status\":%u,\"bytes\":%llu,\"total_ms\":%.3f,\"upstream_ms\":%.3f,"
                "\"retries\":%u,\"worker\":%u}\n",
                r.status, static_cast<unsigned long long>(r.bytes_sent),
                static_cast<double>(r.total_us) / 1e3, static_cast<double>(r.upstream_us) / 1e3,
                r.retries, r.worker);
  out.append(buf);
}

}  // namespace ramjet::proxy
