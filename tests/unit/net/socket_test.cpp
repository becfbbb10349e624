#include "net/socket.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>

#include <string>

#include "net/event.hpp"
#include "net/listener.hpp"
#include "net/task.hpp"

using namespace std::chrono_literals;
using ramjet::core::RealClock;
using ramjet::net::Address;
using ramjet::net::EventLoop;
using ramjet::net::IoResult;
using ramjet::net::kNoDeadline;
using ramjet::net::Socket;
using ramjet::net::Task;

namespace {

struct LoopFixture : ::testing::Test {
  RealClock clock;
  std::unique_ptr<EventLoop> loop = std::move(EventLoop::create(clock).value());

  std::pair<Socket, Socket> socket_pair() {
    int fds[2];
    EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds), 0);
    return {Socket(*loop, fds[0]), Socket(*loop, fds[1])};
  }

  // Runs the loop until `done` or a bounded number of iterations.
  template <typename Pred>
  void run_until(Pred done) {
    for (int i = 0; i < 2000 && !done(); ++i) {
      loop->run_once(5);
    }
  }
};

Task<void> read_into(Socket& s, std::string& out, IoResult& last, ramjet::core::MonoTime dl,
                     bool& done) {
  char buf[64];
  for (;;) {
    last = co_await s.read(buf, dl);
    if (!last.ok() || last.n == 0) {
      break;
    }
    out.append(buf, static_cast<std::size_t>(last.n));
  }
  done = true;
}

}  // namespace

TEST_F(LoopFixture, ReadResumesWhenPeerWritesAndSeesEof) {
  auto [a, b] = socket_pair();
  std::string got;
  IoResult last;
  bool done = false;
  ramjet::net::spawn(read_into(a, got, last, kNoDeadline, done));
  EXPECT_FALSE(done);
  ramjet::net::spawn([](Socket& s) -> Task<void> {
    auto r = co_await s.write("hello world", kNoDeadline);
    EXPECT_EQ(r.n, 11);
    s.shutdown_write();
  }(b));
  run_until([&] { return done; });
  EXPECT_TRUE(done);
  EXPECT_EQ(got, "hello world");
  EXPECT_TRUE(last.eof());
}

TEST_F(LoopFixture, ReadTimesOutAtItsDeadline) {
  auto [a, b] = socket_pair();
  std::string got;
  IoResult last;
  bool done = false;
  auto start = clock.now();
  ramjet::net::spawn(read_into(a, got, last, loop->now() + 30ms, done));
  run_until([&] { return done; });
  EXPECT_TRUE(done);
  EXPECT_EQ(last.error, ETIMEDOUT);
  EXPECT_GE(clock.now() - start, 30ms);
}

TEST_F(LoopFixture, LargeWriteCompletesAcrossBackpressure) {
  auto [a, b] = socket_pair();
  std::string big(4 << 20, 'x');
  bool wrote = false;
  ramjet::net::spawn([](Socket& s, const std::string& data, bool& flag) -> Task<void> {
    auto r = co_await s.write(data, kNoDeadline);
    EXPECT_EQ(static_cast<std::size_t>(r.n), data.size());
    s.shutdown_write();
    flag = true;
  }(b, big, wrote));
  EXPECT_FALSE(wrote);  // the socket buffer is far smaller than 4 MiB
  std::string got;
  IoResult last;
  bool done = false;
  ramjet::net::spawn(read_into(a, got, last, kNoDeadline, done));
  run_until([&] { return done && wrote; });
  EXPECT_EQ(got.size(), big.size());
}

TEST_F(LoopFixture, AbortIoResumesAParkedReadWithCancelled) {
  auto [a, b] = socket_pair();
  std::string got;
  IoResult last;
  bool done = false;
  ramjet::net::spawn(read_into(a, got, last, kNoDeadline, done));
  a.abort_io();
  EXPECT_TRUE(done);
  EXPECT_EQ(last.error, ECANCELED);
}

TEST_F(LoopFixture, ConnectToAClosedPortFails) {
  auto fd = ramjet::net::open_listen_socket(Address::parse("127.0.0.1:0").value(), {});
  ASSERT_TRUE(fd.ok());
  auto addr = Address::local_of(fd.value());
  ::close(fd.value());  // nothing listens there now
  IoResult result;
  bool done = false;
  ramjet::net::spawn([](EventLoop& l, Address ad, IoResult& r, bool& d) -> Task<void> {
    auto op = ramjet::net::connect(l, ad, l.now() + 1s);
    r = co_await op;
    d = true;
  }(*loop, addr, result, done));
  run_until([&] { return done; });
  EXPECT_EQ(result.error, ECONNREFUSED);
}

TEST_F(LoopFixture, ListenerAcceptsAndConnectSucceeds) {
  auto fd = ramjet::net::open_listen_socket(Address::parse("127.0.0.1:0").value(), {});
  ASSERT_TRUE(fd.ok());
  auto addr = Address::local_of(fd.value());
  int accepted = 0;
  ramjet::net::Listener listener(*loop, fd.value(), [&](int cfd, const Address& peer) {
    EXPECT_TRUE(peer.is_loopback());
    ++accepted;
    ::close(cfd);
  });
  IoResult result{-1, -1};
  ramjet::net::spawn([](EventLoop& l, Address ad, IoResult& r) -> Task<void> {
    auto op = ramjet::net::connect(l, ad, l.now() + 1s);
    r = co_await op;
    Socket s = op.take();
    EXPECT_TRUE(s.valid());
  }(*loop, addr, result));
  run_until([&] { return accepted == 1 && result.error == 0; });
  EXPECT_EQ(result.error, 0);
  EXPECT_EQ(accepted, 1);
}

TEST_F(LoopFixture, PostRunsOnTheLoopThread) {
  int ran = 0;
  std::thread other([&] { loop->post([&] { ++ran; }); });
  other.join();
  run_until([&] { return ran == 1; });
  EXPECT_EQ(ran, 1);
}

TEST_F(LoopFixture, SleepUntilResumesAfterTheDeadline) {
  bool done = false;
  auto start = clock.now();
  ramjet::net::spawn([](EventLoop& l, bool& d) -> Task<void> {
    co_await ramjet::net::sleep_until(l, l.now() + 20ms);
    d = true;
  }(*loop, done));
  run_until([&] { return done; });
  EXPECT_TRUE(done);
  EXPECT_GE(clock.now() - start, 20ms);
}

TEST(AddressParse, AcceptsV4V6AndPortOnly) {
  EXPECT_EQ(Address::parse("127.0.0.1:8080").value().to_string(), "127.0.0.1:8080");
  EXPECT_EQ(Address::parse("[::1]:80").value().to_string(), "[::1]:80");
  EXPECT_EQ(Address::parse(":8080").value().to_string(), "0.0.0.0:8080");
  EXPECT_EQ(Address::parse("localhost:1").value().to_string(), "127.0.0.1:1");
  EXPECT_FALSE(Address::parse("127.0.0.1").ok());
  EXPECT_FALSE(Address::parse("127.0.0.1:99999").ok());
  EXPECT_FALSE(Address::parse("example.com:80").ok());
}

TEST_F(LoopFixture, EventWakesItsWaiterWhenSetFromAnotherThread) {
  ramjet::net::Event event(*loop);
  bool woke = false;
  bool result = false;
  ramjet::net::spawn([](ramjet::net::Event& e, EventLoop& l, bool& w, bool& r) -> Task<void> {
    r = co_await e.wait(l.now() + 5s);
    w = true;
  }(event, *loop, woke, result));
  EXPECT_FALSE(woke);
  std::thread other([&] { loop->post([&] { event.set(); }); });
  other.join();
  run_until([&] { return woke; });
  EXPECT_TRUE(woke);
  EXPECT_TRUE(result);
}

TEST_F(LoopFixture, EventWaitTimesOutWhenNeverSet) {
  ramjet::net::Event event(*loop);
  bool woke = false;
  bool result = true;
  ramjet::net::spawn([](ramjet::net::Event& e, EventLoop& l, bool& w, bool& r) -> Task<void> {
    r = co_await e.wait(l.now() + 20ms);
    w = true;
  }(event, *loop, woke, result));
  run_until([&] { return woke; });
  EXPECT_TRUE(woke);
  EXPECT_FALSE(result);
}
