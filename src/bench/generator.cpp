#include "bench/generator.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <coroutine>
#include <thread>

#include "bench/response_reader.hpp"
#include "net/socket.hpp"
#include "net/task.hpp"

namespace ramjet::bench {

using namespace std::chrono_literals;

namespace {

// Open loop: the schedule starts this long after start(), so threads and first connects are
// ready before the first intended send time.
constexpr core::Duration kScheduleGrace = 50ms;
// Open loop: a connection wakes this long before an intended send time, so the timer's
// lateness (up to a wheel tick, plus epoll's millisecond rounding) is not counted as server
// latency. A request sent early is measured from its actual send.
constexpr core::Duration kWakeEarly = net::TimerWheel::kTick + 1ms;
// A send later than this after its intended time counts as late.
constexpr core::Duration kLateSlack = 1ms;
constexpr core::Duration kFirstBackoff = 10ms;
constexpr core::Duration kMaxBackoff = 250ms;

std::uint64_t to_ns(core::Duration d) {
  return d.count() <= 0 ? 0 : static_cast<std::uint64_t>(d.count());
}

ErrorKind kind_of(int error) {
  switch (error) {
    case ETIMEDOUT:
      return ErrorKind::kTimeout;
    case ECONNRESET:
    case EPIPE:
    case ECONNABORTED:
      return ErrorKind::kReset;
    default:
      return ErrorKind::kOther;
  }
}

// The timeline's first interval: about 100 points for a timed run, never finer than 10 ms;
// folding doubles it as a run goes on. Every thread and the merged result use the same one.
core::Duration initial_interval(const BenchOptions& o) {
  if (auto d = o.effective_duration()) {
    return std::max<core::Duration>(*d / 100, 10ms);
  }
  return 100ms;
}

// A sleep that stop() can cut short: a timer plus the parked coroutine.
class Pause {
 public:
  class Awaiter {
   public:
    Awaiter(Pause& pause, net::EventLoop& loop, core::MonoTime until)
        : pause_(pause), loop_(loop), until_(until) {}
    bool await_ready() const { return until_ <= loop_.now(); }
    void await_suspend(std::coroutine_handle<> h) {
      pause_.handle_ = h;
      pause_.loop_ = &loop_;
      pause_.timer_.set_callback(&Pause::on_timer, &pause_);
      loop_.arm(pause_.timer_, until_);
    }
    void await_resume() const {}

   private:
    Pause& pause_;
    net::EventLoop& loop_;
    core::MonoTime until_;
  };

  Awaiter until(net::EventLoop& loop, core::MonoTime t) { return Awaiter(*this, loop, t); }

  // Resumes a parked sleeper now; nothing when none is parked.
  void cancel() {
    if (!handle_) {
      return;
    }
    loop_->cancel(timer_);
    std::exchange(handle_, {}).resume();
  }

 private:
  static void on_timer(net::Timer* /*timer*/, void* arg) {
    auto* self = static_cast<Pause*>(arg);
    std::exchange(self->handle_, {}).resume();
  }

  net::Timer timer_;
  std::coroutine_handle<> handle_;
  net::EventLoop* loop_ = nullptr;
};

struct Connection {
  Connection(std::size_t buffer_bytes, const std::vector<std::string>& expect_headers)
      : reader(buffer_bytes, expect_headers) {}

  net::Socket socket;
  ResponseReader reader;
  Pause pause;
  std::uint64_t rng = 1;
  std::uint64_t responses_on_socket = 0;
  core::Duration phase{0};  // open loop: offset of this connection's schedule
};

}  // namespace

// One generator thread's world: its loop, connections and stats (STYLE #5).
class ThreadRun {
 public:
  ThreadRun(Generator& gen, std::size_t first_connection, std::size_t connections,
            std::optional<std::uint64_t> quota)
      : gen_(gen),
        opts_(gen.options()),
        clock_(gen.clock()),
        quota_(quota),
        picker_(weights(gen.requests())),
        stats_(gen.measure_start(), initial_interval(gen.options()), gen.requests().size()) {
    double period_s = opts_.rate ? static_cast<double>(opts_.connections) / *opts_.rate : 0.0;
    period_ = std::chrono::duration_cast<core::Duration>(
        std::chrono::duration<double>(period_s));
    for (std::size_t i = 0; i < connections; ++i) {
      auto c = std::make_unique<Connection>(opts_.read_buffer_bytes, opts_.expect_headers);
      std::size_t global = first_connection + i;
      c->rng = (opts_.seed + 1) * 0x9E3779B97F4A7C15ULL + global * 0xBF58476D1CE4E5B9ULL;
      if (c->rng == 0) {
        c->rng = 1;
      }
      if (opts_.rate) {
        c->phase = std::chrono::duration_cast<core::Duration>(
            std::chrono::duration<double>(static_cast<double>(global) / *opts_.rate));
      }
      conns_.push_back(std::move(c));
    }
  }

  // On the thread, before its loop runs.
  void begin(net::EventLoop& loop) {
    loop_ = &loop;
    active_ = conns_.size();
    if (auto deadline = gen_.deadline()) {
      deadline_timer_.set_callback(
          [](net::Timer* /*t*/, void* arg) { static_cast<ThreadRun*>(arg)->end(); }, this);
      loop.arm(deadline_timer_, *deadline);
    }
    if (conns_.empty()) {
      finish_thread();
      return;
    }
    for (auto& c : conns_) {
      net::spawn(drive(*c));
    }
  }

  // Ends the run on this thread: parked operations resume with ECANCELED and every
  // connection's coroutine returns. On the loop's thread.
  void end() {
    if (ending_) {
      return;
    }
    ending_ = true;
    // Resuming may finish coroutines (and the thread); conns_ itself stays intact.
    for (auto& c : conns_) {
      c->pause.cancel();
      c->socket.abort_io(ECANCELED);
    }
  }

  bool finished() const { return finished_.load(std::memory_order_acquire); }
  RunStats& stats() { return stats_; }
  net::EventLoop* loop() { return loop_; }

 private:
  static std::vector<std::uint32_t> weights(const std::vector<PreparedRequest>& requests) {
    std::vector<std::uint32_t> w;
    for (const auto& r : requests) {
      w.push_back(r.weight);
    }
    return w;
  }

  net::Task<void> drive(Connection& c);
  bool connect_if_needed(Connection& c);

  void finish_thread() {
    finished_.store(true, std::memory_order_release);
    loop_->stop();
  }

  // Closes the connection and counts the error, unless the run is over: a connect cut short
  // by the run's deadline is no failure of the server.
  void fail(Connection& c, ErrorKind kind, bool measured, std::size_t entry) {
    c.socket.close();
    c.reader.reset();
    core::MonoTime now = clock_.now();
    if (!measured || ending_ || (gen_.deadline() && now >= *gen_.deadline())) {
      return;
    }
    stats_.errors.add();
    ++stats_.error_kinds[static_cast<std::size_t>(kind)];
    stats_.timeline.record_error(now);
    if (!stats_.entries.empty()) {
      ++stats_.entries[entry].errors;
    }
  }

  void record(Connection& c, std::size_t entry, core::MonoTime start, core::MonoTime sent,
              core::MonoTime first_byte, core::MonoTime done);

  Generator& gen_;
  const BenchOptions& opts_;
  const core::Clock& clock_;
  std::optional<std::uint64_t> quota_;
  std::uint64_t issued_ = 0;
  RequestPicker picker_;
  RunStats stats_;
  core::Duration period_{0};
  std::vector<std::unique_ptr<Connection>> conns_;
  net::EventLoop* loop_ = nullptr;
  net::Timer deadline_timer_;
  std::size_t active_ = 0;
  bool ending_ = false;
  std::atomic<bool> finished_{false};
};

void ThreadRun::record(Connection& c, std::size_t entry, core::MonoTime start,
                       core::MonoTime sent, core::MonoTime first_byte, core::MonoTime done) {
  const ResponseReader& r = c.reader;
  std::uint64_t latency = to_ns(done - start);
  stats_.responses.add();
  stats_.latency.record(latency);
  if (c.responses_on_socket == 0) {
    stats_.first_latency.record(latency);
  } else {
    stats_.warm_latency.record(latency);
  }
  stats_.ttfb.record(to_ns(first_byte - sent));
  stats_.timeline.record_response(done, latency);
  stats_.last_response = done;
  stats_.body_bytes += r.body_bytes();
  int status = r.status();
  if (status >= 0 && static_cast<std::size_t>(status) < stats_.status_counts.size()) {
    ++stats_.status_counts[static_cast<std::size_t>(status)];
  }
  bool ok = opts_.expect_status.contains(status);
  if (ok) {
    ++stats_.ok;
  } else {
    ++stats_.unexpected_status;
  }
  if (r.missing_header()) {
    ++stats_.missing_header;
    for (std::size_t i = 0; i < stats_.missing_by_header.size(); ++i) {
      if ((r.missing_mask() >> i) & 1U) {
        ++stats_.missing_by_header[i];
      }
    }
  }
  if (latency > to_ns(opts_.cold_threshold)) {
    ++stats_.slow;
  }
  if (!stats_.entries.empty()) {
    EntryStats& e = stats_.entries[entry];
    e.latency.record(latency);
    ++e.responses;
    e.ok += ok ? 1 : 0;
  }
}

// The life of one connection. Every iteration sends one request (or fails to); the loop ends
// at the deadline, at stop(), or when the thread's share of -n is used up.
net::Task<void> ThreadRun::drive(Connection& c) {
  const std::vector<PreparedRequest>& requests = gen_.requests();
  const net::Address& address = gen_.address();
  const core::MonoTime measure_start = gen_.measure_start();
  const std::optional<core::MonoTime> run_deadline = gen_.deadline();
  core::Duration backoff{0};
  std::uint64_t scheduled = 0;  // open loop: requests of this connection scheduled so far
  while (!ending_) {
    core::MonoTime intended{};
    if (opts_.rate) {
      intended = gen_.schedule_start() + c.phase + period_ * static_cast<std::int64_t>(scheduled);
      ++scheduled;
      if (run_deadline && intended >= *run_deadline) {
        break;
      }
      if (c.socket.valid()) {  // else connect first, then wait (below)
        co_await c.pause.until(*loop_, intended - kWakeEarly);
        if (ending_) {
          break;
        }
      }
    }
    core::MonoTime now = clock_.now();
    bool measured = (opts_.rate ? intended : now) >= measure_start;
    if (measured && quota_) {
      if (issued_ >= *quota_) {
        break;
      }
      ++issued_;
    }
    std::size_t entry = picker_.pick(c.rng);
    if (!c.socket.valid()) {
      core::MonoTime connect_deadline = now + opts_.timeout;
      if (run_deadline) {
        connect_deadline = std::min(connect_deadline, *run_deadline);
      }
      net::ConnectOp op = net::connect(*loop_, address, connect_deadline);
      net::IoResult cr = co_await op;
      if (ending_) {
        break;
      }
      if (!cr.ok()) {
        fail(c, ErrorKind::kConnect, measured, entry);
        backoff = std::min(backoff == core::Duration::zero() ? kFirstBackoff : backoff * 2,
                           kMaxBackoff);
        co_await c.pause.until(*loop_, clock_.now() + backoff);
        continue;
      }
      backoff = core::Duration::zero();
      c.socket = op.take();
      c.reader.reset();
      c.responses_on_socket = 0;
      core::MonoTime connected = clock_.now();
      if (measured) {
        ++stats_.connects;
        stats_.connect_time.record(to_ns(connected - now));
      }
      if (opts_.rate && intended - connected > kWakeEarly) {
        co_await c.pause.until(*loop_, intended - kWakeEarly);
        if (ending_) {
          break;
        }
      }
    }
    const PreparedRequest& req = requests[entry];
    core::MonoTime sent = clock_.now();
    core::MonoTime start = opts_.rate ? std::min(sent, intended) : sent;
    if (opts_.rate && measured && sent - intended > kLateSlack) {
      ++stats_.late_sends;
    }
    core::MonoTime deadline = sent + opts_.timeout;
    c.reader.begin(req.method);
    // Fast path: a request fits the socket buffer and goes out in one send(2), without the
    // awaitable's msghdr; only a partial or refused send falls back to the awaitable.
    ssize_t sent_now = ::send(c.socket.fd(), req.bytes.data(), req.bytes.size(), MSG_NOSIGNAL);
    std::size_t done_bytes = sent_now > 0 ? static_cast<std::size_t>(sent_now) : 0;
    if (sent_now < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
      fail(c, kind_of(errno), measured, entry);
      continue;
    }
    if (done_bytes < req.bytes.size()) {
      net::IoResult w = co_await c.socket.write(
          std::string_view(req.bytes).substr(done_bytes), deadline);
      if (ending_) {
        break;
      }
      if (!w.ok()) {
        fail(c, kind_of(w.error), measured, entry);
        continue;
      }
    }
    if (measured) {
      stats_.bytes_written += req.bytes.size();
    }
    ResponseReader::Step step = ResponseReader::Step::kNeedMore;
    core::MonoTime first_byte = sent;
    core::MonoTime done = sent;
    bool got_bytes = false;
    int error = 0;
    if (c.reader.has_buffered()) {
      got_bytes = true;
      first_byte = clock_.now();
      step = c.reader.on_read(0);
      done = first_byte;
    } else {
      // Wait for readiness first: a read tried right after the write would only find EAGAIN.
      net::IoResult ready = co_await c.socket.wait_readable(deadline);
      error = ready.error;
    }
    // Bounded by the deadline: every read waits at most until it.
    while (step == ResponseReader::Step::kNeedMore && error == 0 && !ending_) {
      std::span<char> space = c.reader.space();
      net::IoResult rr = co_await c.socket.read(space, deadline);
      if (!rr.ok()) {
        error = rr.error;
        break;
      }
      done = clock_.now();
      if (rr.n == 0) {
        step = c.reader.on_eof();
        break;
      }
      if (measured) {
        stats_.bytes_read += static_cast<std::uint64_t>(rr.n);
      }
      if (!got_bytes) {
        got_bytes = true;
        first_byte = done;
      }
      step = c.reader.on_read(static_cast<std::size_t>(rr.n));
    }
    if (ending_) {
      break;
    }
    if (error != 0) {
      fail(c, kind_of(error), measured, entry);
      continue;
    }
    if (step == ResponseReader::Step::kError) {
      bool parse = c.reader.failure() == ResponseReader::Failure::kParse;
      fail(c, parse ? ErrorKind::kParse : ErrorKind::kClosed, measured, entry);
      continue;
    }
    if (measured) {
      record(c, entry, start, sent, first_byte, done);
    }
    ++c.responses_on_socket;
    if (!c.reader.keep_alive() || !opts_.keep_alive) {
      c.socket.close();
      c.reader.reset();
    }
  }
  c.socket.close();
  if (--active_ == 0) {
    finish_thread();
  }
}

Generator::Generator(const BenchOptions& options, std::vector<PreparedRequest> requests,
                     net::Address address, const core::Clock& clock)
    : options_(options), requests_(std::move(requests)), address_(address), clock_(clock) {}

Generator::~Generator() {
  workers_.stop();
  workers_.join();
}

core::Result<bool> Generator::start() {
  started_ = clock_.now();
  started_wall_ = clock_.wall_now();
  schedule_start_ = started_ + (options_.rate ? kScheduleGrace : core::Duration::zero());
  measure_start_ = schedule_start_ + options_.warmup;
  if (auto d = options_.effective_duration()) {
    deadline_ = measure_start_ + *d;
  }
  std::size_t threads = std::min<std::size_t>(options_.threads, options_.connections);
  std::size_t first = 0;
  std::uint64_t quota_given = 0;
  for (std::size_t t = 0; t < threads; ++t) {
    std::size_t conns = options_.connections / threads + (t < options_.connections % threads);
    std::optional<std::uint64_t> quota;
    if (options_.max_requests) {
      // Shares in proportion to connections; the last thread takes the remainder.
      std::uint64_t n = *options_.max_requests;
      quota = t + 1 == threads ? n - quota_given : n * (first + conns) / options_.connections -
                                                        quota_given;
      quota_given += *quota;
    }
    runs_.push_back(std::make_unique<ThreadRun>(*this, first, conns, quota));
    first += conns;
  }
  auto started = workers_.start(threads, clock_, [this](std::size_t i, net::EventLoop& loop) {
    runs_[i]->begin(loop);
  });
  if (!started.ok()) {
    return started.error();
  }
  started_ok_ = true;
  return true;
}

bool Generator::wait(core::Duration max_wait) {
  const core::MonoTime give_up = clock_.now() + max_wait;
  // Bounded by max_wait.
  for (;;) {
    bool all = std::all_of(runs_.begin(), runs_.end(),
                           [](const auto& r) { return r->finished(); });
    if (all || clock_.now() >= give_up) {
      return all;
    }
    std::this_thread::sleep_for(std::min<core::Duration>(5ms, give_up - clock_.now()));
  }
}

void Generator::stop() {
  if (stop_requested_.exchange(true)) {
    return;
  }
  stopped_at_ns_.store(clock_.now().time_since_epoch().count());
  for (std::size_t i = 0; i < runs_.size(); ++i) {
    ThreadRun* run = runs_[i].get();
    workers_.loop(i).post([run] { run->end(); });
  }
}

LiveFigures Generator::live() {
  LiveFigures f;
  core::MonoTime now = clock_.now();
  f.elapsed = now - started_;
  f.warming_up = now < measure_start_;
  live_scratch_.reset();
  for (auto& run : runs_) {
    f.responses += run->stats().responses.value();
    f.errors += run->stats().errors.value();
    live_scratch_.merge(run->stats().latency);
  }
  f.p99_ns = live_scratch_.value_at_quantile(0.99);
  return f;
}

RunResult Generator::finish() {
  workers_.stop();
  workers_.join();
  RunResult result;
  result.started_at = started_wall_;
  result.interrupted = stop_requested_.load();
  core::MonoTime end = clock_.now();
  if (result.interrupted) {
    end = core::MonoTime(core::Duration(stopped_at_ns_.load()));
  } else if (deadline_ && !options_.max_requests) {
    end = *deadline_;
  }
  result.stats = std::make_unique<RunStats>(measure_start_, initial_interval(options_),
                                            requests_.size());
  for (auto& run : runs_) {
    result.stats->merge(run->stats());
  }
  if (options_.max_requests && !result.interrupted) {
    // A -n run ends with its last response (or its deadline, when that came first).
    end = std::max(result.stats->last_response, measure_start_);
    if (deadline_) {
      end = std::min(end, *deadline_);
    }
  }
  result.measured = std::max(end - measure_start_, core::Duration::zero());
  result.elapsed = end - started_;
  return result;
}

}  // namespace ramjet::bench
