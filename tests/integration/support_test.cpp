// Tests of the integration-test support library that the origin tests do not already cover:
// child processes that exit, hang or print, temporary files, until-close bodies.

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <sstream>
#include <thread>

#include "support/child_process.hpp"
#include "support/http_client.hpp"
#include "support/origin.hpp"
#include "support/temp_file.hpp"

using namespace std::chrono_literals;
using ramjet::testing::ChildProcess;
using ramjet::testing::HttpClient;

namespace {

ChildProcess start_shell(const std::string& script) {
  auto child = ChildProcess::start({"/bin/sh", "-c", script});
  EXPECT_TRUE(child.ok()) << child.error().to_string();
  return std::move(child.value());
}

// A one-shot loopback server: accepts one connection, reads a little, writes `reply`,
// closes. For response framings ramjet-origin never produces.
class OneShotServer {
 public:
  explicit OneShotServer(std::string reply) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    ::listen(fd_, 4);
    socklen_t len = sizeof(addr);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this, reply = std::move(reply)] {
      int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) {
        return;
      }
      char buf[4096];
      [[maybe_unused]] auto n = ::recv(c, buf, sizeof(buf), 0);
      [[maybe_unused]] auto w = ::send(c, reply.data(), reply.size(), MSG_NOSIGNAL);
      ::close(c);
    });
  }
  ~OneShotServer() {
    ::shutdown(fd_, SHUT_RDWR);  // unblocks accept() if no client came
    thread_.join();
    ::close(fd_);
  }
  std::uint16_t port() const { return port_; }

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::thread thread_;
};

}  // namespace

TEST(ChildProcessTest, ReportsTheExitCode) {
  auto child = start_shell("exit 3");
  EXPECT_EQ(child.wait_exit(10s), 3);
  EXPECT_FALSE(child.running());
}

TEST(ChildProcessTest, WaitExitTimesOutWhileTheChildRuns) {
  auto child = start_shell("sleep 30");
  EXPECT_EQ(child.wait_exit(50ms), std::nullopt);
  EXPECT_TRUE(child.signal(SIGTERM));
  EXPECT_EQ(child.wait_exit(10s), 128 + SIGTERM);
}

TEST(ChildProcessTest, WaitForLineFindsLinesInOrderAndCapturesGroups) {
  auto child = start_shell("echo 'port 11'; echo 'noise' >&2; echo 'port 22'; sleep 30");
  auto first = child.wait_for_line("port ([0-9]+)", 10s);
  ASSERT_TRUE(first.has_value()) << child.describe();
  EXPECT_EQ(first->text, "port 11");
  EXPECT_EQ(first->groups.at(1), "11");
  EXPECT_FALSE(child.wait_for_line("absent", 20ms).has_value());  // consumes nothing
  auto second = child.wait_for_line("port ([0-9]+)", 10s);
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->groups.at(1), "22");
  auto noise = child.wait_for_line("noi", 10s, ChildProcess::Stream::kStderr);
  EXPECT_TRUE(noise.has_value());
}

TEST(ChildProcessTest, WaitForLineGivesUpWhenTheChildExits) {
  auto child = start_shell("echo done");
  EXPECT_FALSE(child.wait_for_line("never", 10s).has_value());
  EXPECT_EQ(child.stdout_text(), "done\n");
}

TEST(ChildProcessTest, DestructorKillsARunningChild) {
  pid_t pid = -1;
  {
    auto child = start_shell("sleep 30");
    pid = child.pid();
    EXPECT_TRUE(child.running());
  }
  EXPECT_EQ(::kill(pid, 0), -1);
  EXPECT_EQ(errno, ESRCH);
}

TEST(ChildProcessTest, StartFailsForAMissingProgram) {
  auto child = ChildProcess::start({"/nonexistent/ramjet-nothing"});
  EXPECT_FALSE(child.ok());
}

TEST(ChildProcessTest, ReadsTheResidentSetSize) {
  auto rss = ramjet::testing::read_rss_kib(::getpid());
  ASSERT_TRUE(rss.has_value());
  EXPECT_GT(*rss, 0u);
  EXPECT_FALSE(ramjet::testing::read_rss_kib(-5).has_value());
}

TEST(TempFileTest, HoldsItsContentsAndIsRemovedOnDestruction) {
  std::string path;
  {
    ramjet::testing::TempFile file("listen: 1\n", ".yaml");
    path = file.path();
    EXPECT_EQ(path.substr(path.size() - 5), ".yaml");
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    EXPECT_EQ(text.str(), "listen: 1\n");
  }
  EXPECT_NE(::access(path.c_str(), F_OK), 0);
}

TEST(OriginBodyTest, MismatchFindsTheFirstWrongByte) {
  std::string body = ramjet::testing::origin_body(1000, 77);
  EXPECT_EQ(ramjet::testing::origin_body_mismatch(body, 77), std::string_view::npos);
  EXPECT_EQ(ramjet::testing::origin_body_mismatch(body, 78), 0u);
  body[500] = '!';
  EXPECT_EQ(ramjet::testing::origin_body_mismatch(body, 77), 500u);
}

TEST(HttpClientTest, ReadsABodyThatEndsWithTheConnection) {
  OneShotServer server("HTTP/1.1 200 OK\r\nX-A: 1\r\n\r\nuntil the end");
  auto client = HttpClient::connect(server.port());
  ASSERT_TRUE(client.ok()) << client.error().to_string();
  auto r = client->get("/");
  ASSERT_TRUE(r.complete) << r.error;
  EXPECT_EQ(r.body, "until the end");
  EXPECT_EQ(r.header("x-a"), "1");
  EXPECT_TRUE(client->server_closed());
}

TEST(HttpClientTest, ReportsAResponseCutShort) {
  OneShotServer server("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort");
  auto client = HttpClient::connect(server.port());
  ASSERT_TRUE(client.ok());
  auto r = client->get("/");
  EXPECT_FALSE(r.complete);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "short");
  EXPECT_EQ(r.error, "connection closed");
}

TEST(HttpClientTest, TimesOutWhenNothingArrives) {
  auto origin = ramjet::testing::start_origin();
  ASSERT_TRUE(origin.ok()) << origin.error().to_string();
  auto client = HttpClient::connect(origin->port);
  ASSERT_TRUE(client.ok());
  ramjet::testing::ReadOptions options;
  options.timeout = 100ms;
  ASSERT_TRUE(client->send("GET / HTTP/1.1\r\n"));  // an unfinished head
  auto r = client->read_response(options);
  EXPECT_FALSE(r.complete);
  EXPECT_EQ(r.error, "timeout");
}
