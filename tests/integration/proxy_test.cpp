// Integration tests of `ramjet serve`: the real binary in front of the real test origin
// (ramjet-origin), both on loopback ephemeral ports. Timing is only asserted as a lower
// bound; timeouts under test are configured short (hundreds of ms) and waits are generous.

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "support/assertions.hpp"
#include "support/child_process.hpp"
#include "support/http_client.hpp"
#include "support/origin.hpp"
#include "support/temp_file.hpp"

using namespace std::chrono_literals;
using ramjet::testing::ChildProcess;
using ramjet::testing::describe;
using ramjet::testing::Headers;
using ramjet::testing::HttpClient;
using ramjet::testing::HttpResponse;
using ramjet::testing::Origin;
using ramjet::testing::ReadOptions;
using ramjet::testing::TempFile;

namespace {

std::string ramjet_binary() { return std::string(RAMJET_BINARY_DIR) + "/ramjet"; }

struct Ramjet {
  ChildProcess process;
  std::uint16_t port = 0;
};

// Starts `ramjet serve` with `args` and waits for its "listening on" line.
std::optional<Ramjet> start_ramjet(const std::vector<std::string>& args, std::string* why) {
  std::vector<std::string> argv{ramjet_binary(), "serve"};
  argv.insert(argv.end(), args.begin(), args.end());
  auto child = ChildProcess::start(argv);
  if (!child.ok()) {
    *why = child.error().to_string();
    return std::nullopt;
  }
  auto port = ramjet::testing::wait_for_listening_port(child.value(), 10000ms);
  if (!port) {
    *why = child.value().describe();
    return std::nullopt;
  }
  return Ramjet{std::move(child.value()), *port};
}

std::string config_for(std::uint16_t origin_port, const std::string& extra = "") {
  return "listen: 127.0.0.1:0\nworkers: 1\nupstreams:\n  app:\n    endpoints: [\"127.0.0.1:" +
         std::to_string(origin_port) + "\"]\n" + extra;
}

// The request the origin's /echo saw, as JSON.
nlohmann::json echoed(const HttpResponse& r) { return nlohmann::json::parse(r.body); }

std::optional<std::string> echoed_header(const nlohmann::json& echo, std::string_view name) {
  for (const auto& pair : echo["headers"]) {
    std::string n = pair[0];
    if (n.size() == name.size() &&
        std::equal(n.begin(), n.end(), name.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) ==
                 std::tolower(static_cast<unsigned char>(b));
        })) {
      return pair[1].get<std::string>();
    }
  }
  return std::nullopt;
}

class ProxyTest : public ::testing::Test {
 protected:
  void start_origin(const std::vector<std::string>& args = {}) {
    auto started = ramjet::testing::start_origin(args);
    ASSERT_TRUE(started.ok()) << started.error().to_string();
    origin_.emplace(std::move(started.value()));
  }
  // ramjet in front of the origin from flags.
  void start_proxy(const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args{"--listen", "127.0.0.1:0", "--workers", "1", "--upstream",
                                  "http://127.0.0.1:" + std::to_string(origin_->port)};
    args.insert(args.end(), extra.begin(), extra.end());
    std::string why;
    auto r = start_ramjet(args, &why);
    ASSERT_TRUE(r.has_value()) << why;
    ramjet_.emplace(std::move(*r));
  }
  // ramjet in front of the origin from a config file with `extra` YAML appended.
  void start_proxy_with_config(const std::string& extra) {
    config_.emplace(config_for(origin_->port, extra), ".yaml");
    std::string why;
    auto r = start_ramjet({"-c", config_->path()}, &why);
    ASSERT_TRUE(r.has_value()) << why;
    ramjet_.emplace(std::move(*r));
  }
  std::uint16_t port() const { return ramjet_->port; }
  ramjet::testing::OriginStats stats() {
    auto s = ramjet::testing::origin_stats(origin_->port);
    EXPECT_TRUE(s.ok());
    return s.ok() ? s.value() : ramjet::testing::OriginStats{};
  }

  std::optional<Origin> origin_;
  std::optional<TempFile> config_;
  std::optional<Ramjet> ramjet_;
};

TEST_F(ProxyTest, ForwardsRequestAndAddsForwardingAndTimingHeaders) {
  start_origin();
  start_proxy();
  ASSERT_CONNECT(client, port());
  HttpResponse r = client.get("/echo?x=1", {{"X-Custom", "kept"}});
  ASSERT_EQ(r.status, 200) << describe(r);
  auto echo = echoed(r);
  EXPECT_EQ(echo["method"], "GET");
  EXPECT_EQ(echo["target"], "/echo?x=1");
  EXPECT_EQ(echoed_header(echo, "x-custom"), "kept");
  EXPECT_EQ(echoed_header(echo, "x-forwarded-for"), "127.0.0.1");
  EXPECT_EQ(echoed_header(echo, "x-forwarded-proto"), "http");
  EXPECT_EQ(echoed_header(echo, "via"), "1.1 ramjet");
  auto id = echoed_header(echo, "x-request-id");
  ASSERT_TRUE(id.has_value());
  EXPECT_EQ(r.header("X-Request-Id"), id);
  EXPECT_TRUE(r.header("Server-Timing").value_or("").starts_with("total;dur="));
  auto process_time = r.header("X-Process-Time");
  ASSERT_TRUE(process_time.has_value());
  EXPECT_GE(std::stod(*process_time), 0.0);
  EXPECT_EQ(r.header("Via"), "1.1 ramjet");
}

TEST_F(ProxyTest, KeepsTheClientsRequestId) {
  start_origin();
  start_proxy();
  ASSERT_CONNECT(client, port());
  HttpResponse r = client.get("/echo", {{"X-Request-Id", "trace-me-42"}});
  ASSERT_EQ(r.status, 200) << describe(r);
  EXPECT_EQ(echoed_header(echoed(r), "x-request-id"), "trace-me-42");
  EXPECT_EQ(r.header("X-Request-Id"), "trace-me-42");
}

TEST_F(ProxyTest, DropsHopByHopAndConnectionListedHeaders) {
  start_origin();
  start_proxy();
  ASSERT_CONNECT(client, port());
  HttpResponse r = client.get("/echo", {{"Connection", "keep-alive, X-Secret"},
                                        {"X-Secret", "1"},
                                        {"Keep-Alive", "timeout=5"},
                                        {"TE", "trailers"},
                                        {"Proxy-Authorization", "Basic eDp5"}});
  ASSERT_EQ(r.status, 200) << describe(r);
  auto echo = echoed(r);
  EXPECT_FALSE(echoed_header(echo, "x-secret"));
  EXPECT_FALSE(echoed_header(echo, "keep-alive"));
  EXPECT_FALSE(echoed_header(echo, "te"));
  EXPECT_FALSE(echoed_header(echo, "proxy-authorization"));
  EXPECT_EQ(echoed_header(echo, "connection"), std::nullopt);
}

TEST_F(ProxyTest, ExtendsForwardedForOnlyFromTrustedProxies) {
  start_origin();
  start_proxy_with_config("proxy: {trusted_proxies: [127.0.0.0/8]}\n");
  ASSERT_CONNECT(client, port());
  HttpResponse r = client.get("/echo", {{"X-Forwarded-For", "203.0.113.7"}});
  ASSERT_EQ(r.status, 200) << describe(r);
  EXPECT_EQ(echoed_header(echoed(r), "x-forwarded-for"), "203.0.113.7, 127.0.0.1");
}

TEST_F(ProxyTest, ReplacesForwardedForFromUntrustedClients) {
  start_origin();
  start_proxy();
  ASSERT_CONNECT(client, port());
  HttpResponse r = client.get("/echo", {{"X-Forwarded-For", "203.0.113.7"}});
  ASSERT_EQ(r.status, 200) << describe(r);
  EXPECT_EQ(echoed_header(echoed(r), "x-forwarded-for"), "127.0.0.1");
}

TEST_F(ProxyTest, RewritesHostWhenConfigured) {
  start_origin();
  start_proxy_with_config("");
  config_->write(config_for(origin_->port,
                            "") + "    host_rewrite: api.internal\n");
  ramjet_->process.stop();
  std::string why;
  auto r2 = start_ramjet({"-c", config_->path()}, &why);
  ASSERT_TRUE(r2.has_value()) << why;
  ramjet_.emplace(std::move(*r2));
  ASSERT_CONNECT(client, port());
  HttpResponse r = client.get("/echo");
  ASSERT_EQ(r.status, 200) << describe(r);
  auto echo = echoed(r);
  EXPECT_EQ(echoed_header(echo, "host"), "api.internal");
  EXPECT_EQ(echoed_header(echo, "x-forwarded-host"), "127.0.0.1:" + std::to_string(port()));
}

TEST_F(ProxyTest, ReusesUpstreamConnectionsAcrossRequests) {
  start_origin();
  start_proxy();
  {
    ASSERT_CONNECT(admin, origin_->port);
    ASSERT_TRUE(ramjet::testing::reset_origin_stats(admin));
  }
  for (int round = 0; round < 3; ++round) {
    ASSERT_CONNECT(client, port());
    for (int i = 0; i < 20; ++i) {
      HttpResponse r = client.get("/");
      ASSERT_EQ(r.status, 200) << describe(r);
    }
  }
  auto s = stats();
  EXPECT_EQ(s.requests, 60u);
  // One worker, sequential requests: one upstream connection serves them all (plus the
  // stats connections the test itself opened).
  EXPECT_LE(s.connections, 3u);
}

TEST_F(ProxyTest, AnswersPipelinedRequestsInOrder) {
  start_origin();
  start_proxy();
  ASSERT_CONNECT(client, port());
  std::string batch = client.make_request("GET", "/echo?n=1") +
                      client.make_request("GET", "/echo?n=2") +
                      client.make_request("POST", "/echo?n=3", {}, "hello");
  ASSERT_TRUE(client.send(batch));
  for (int n = 1; n <= 3; ++n) {
    HttpResponse r = client.read_response();
    ASSERT_EQ(r.status, 200) << describe(r);
    EXPECT_EQ(echoed(r)["target"], "/echo?n=" + std::to_string(n));
  }
}

TEST_F(ProxyTest, ARequestSentWhileTheLastOneIsServedIsAnsweredToo) {
  // The next request arrives while the previous one waits on a slow origin (not in the
  // same packet): its readable event comes while the session runs, and must not be lost
  // when the session decides whether the socket still holds bytes.
  start_origin();
  start_proxy();
  ASSERT_CONNECT(client, port());
  ASSERT_TRUE(client.send(client.make_request("GET", "/echo?n=1&latency=300ms")));
  std::this_thread::sleep_for(100ms);
  ASSERT_TRUE(client.send(client.make_request("GET", "/echo?n=2")));
  for (int n = 1; n <= 2; ++n) {
    ReadOptions opts;
    opts.timeout = 3000ms;
    HttpResponse r = client.read_response(opts);
    ASSERT_EQ(r.status, 200) << "request " << n << ": " << describe(r);
    EXPECT_EQ(echoed(r)["target"], "/echo?n=" + std::to_string(n) + (n == 1 ? "&latency=300ms" : ""));
  }
}

TEST_F(ProxyTest, KeepAliveRequestsOneAtATimeAreAllAnswered) {
  // Many sequential requests on one connection, each waiting for its answer: the session
  // goes idle between them without a probing read, and every next request still wakes it.
  start_origin();
  start_proxy();
  ASSERT_CONNECT(client, port());
  for (int n = 0; n < 300; ++n) {
    ReadOptions opts;
    opts.timeout = 3000ms;
    ASSERT_TRUE(client.send(client.make_request("GET", "/?n=" + std::to_string(n))));
    HttpResponse r = client.read_response(opts);
    ASSERT_EQ(r.status, 200) << "request " << n << ": " << describe(r);
  }
}

TEST_F(ProxyTest, StreamsALargeResponseIntactInBoundedMemory) {
  start_origin();
  start_proxy();
  ASSERT_CONNECT(client, port());
  auto rss_before = ramjet::testing::read_rss_kib(ramjet_->process.pid());
  ASSERT_TRUE(rss_before.has_value());
  std::uint64_t offset = 0;
  std::size_t mismatch = std::string_view::npos;
  ReadOptions opts;
  opts.timeout = 60s;
  opts.on_body = [&](std::string_view data) {
    if (mismatch == std::string_view::npos) {
      std::size_t m = ramjet::testing::origin_body_mismatch(data, offset);
      if (m != std::string_view::npos) {
        mismatch = offset + m;
      }
    }
    offset += data.size();
  };
  ASSERT_TRUE(client.send(client.make_request("GET", "/?size=512MiB")));
  HttpResponse r = client.read_response(opts);
  ASSERT_TRUE(r.complete) << describe(r);
  EXPECT_EQ(r.body_bytes, 512u << 20);
  EXPECT_EQ(mismatch, std::string_view::npos);
  auto rss_after = ramjet::testing::read_rss_kib(ramjet_->process.pid());
  ASSERT_TRUE(rss_after.has_value());
  EXPECT_LT(*rss_after - std::min(*rss_after, *rss_before), 32u * 1024)
      << "RSS grew from " << *rss_before << " KiB to " << *rss_after << " KiB";
}

TEST_F(ProxyTest, StreamsALargeUploadInBoundedMemory) {
  start_origin();
  start_proxy_with_config("limits: {max_body_bytes: 1GiB}\n");
  ASSERT_CONNECT(client, port());
  auto rss_before = ramjet::testing::read_rss_kib(ramjet_->process.pid());
  constexpr std::uint64_t kSize = 256ull << 20;
  std::string head = "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                     std::to_string(kSize) + "\r\n\r\n";
  ASSERT_TRUE(client.send(head));
  std::string chunk(1 << 20, 'u');
  for (std::uint64_t sent = 0; sent < kSize; sent += chunk.size()) {
    ASSERT_TRUE(client.send(chunk, 30000ms)) << "upload stalled at " << sent;
  }
  ReadOptions opts;
  opts.timeout = 30s;
  HttpResponse r = client.read_response(opts);
  ASSERT_EQ(r.status, 200) << describe(r);
  EXPECT_EQ(echoed(r)["body_bytes"], kSize);
  auto rss_after = ramjet::testing::read_rss_kib(ramjet_->process.pid());
  EXPECT_LT(*rss_after - std::min(*rss_after, *rss_before), 32u * 1024)
      << "RSS grew from " << *rss_before << " KiB to " << *rss_after << " KiB";
}

TEST_F(ProxyTest, ForwardsChunkedRequestBodiesWithTrailers) {
  start_origin();
  start_proxy();
  ASSERT_CONNECT(client, port());
  std::string req =
      "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\nX-Trailer: yes\r\n\r\n";
  HttpResponse r = client.request(req);
  ASSERT_EQ(r.status, 200) << describe(r);
  EXPECT_EQ(echoed(r)["body"], "hello, world");
}

TEST_F(ProxyTest, RelaysChunkedResponses) {
  start_origin();
  start_proxy();
  ASSERT_CONNECT(client, port());
  HttpResponse r = client.get("/?chunked=1&size=100000");
  ASSERT_EQ(r.status, 200) << describe(r);
  EXPECT_TRUE(r.chunked);
  EXPECT_EQ(r.body.size(), 100000u);
  EXPECT_EQ(ramjet::testing::origin_body_mismatch(r.body), std::string_view::npos);
}

TEST_F(ProxyTest, DechunksForHttp10Clients) {
  start_origin();
  start_proxy();
  ASSERT_CONNECT(client, port());
  HttpResponse r = client.request("GET /?chunked=1&size=5000 HTTP/1.0\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(r.complete) << describe(r);
  EXPECT_EQ(r.status, 200);
  EXPECT_FALSE(r.chunked);
  EXPECT_EQ(r.body.size(), 5000u);
}

TEST_F(ProxyTest, AnswersExpectContinueBeforeTheBody) {
  start_origin();
  start_proxy();
  ASSERT_CONNECT(client, port());
  ASSERT_TRUE(client.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                          "Expect: 100-continue\r\n\r\n"));
  HttpResponse interim = client.read_response();
  ASSERT_EQ(interim.status, 100) << describe(interim);
  ASSERT_TRUE(client.send("hello"));
  HttpResponse r = client.read_response();
  ASSERT_EQ(r.status, 200) << describe(r);
  auto echo = echoed(r);
  EXPECT_EQ(echo["body"], "hello");
  EXPECT_FALSE(echoed_header(echo, "expect"));
}

TEST_F(ProxyTest, HeadAnd204And304HaveNoBody) {
  start_origin({"--etag"});
  start_proxy();
  ASSERT_CONNECT(client, port());
  ReadOptions head;
  head.method = ramjet::http::Method::kHead;
  HttpResponse h = client.request(client.make_request("HEAD", "/?size=4096"), head);
  ASSERT_EQ(h.status, 200) << describe(h);
  EXPECT_EQ(h.header("Content-Length"), "4096");
  EXPECT_EQ(h.body_bytes, 0u);
  HttpResponse nc = client.get("/?status=204");
  EXPECT_EQ(nc.status, 204) << describe(nc);
  EXPECT_EQ(nc.body_bytes, 0u);
  HttpResponse full = client.get("/etagged");
  ASSERT_EQ(full.status, 200) << describe(full);
  auto etag = full.header("ETag");
  ASSERT_TRUE(etag.has_value());
  HttpResponse nm = client.get("/etagged", {{"If-None-Match", *etag}});
  EXPECT_EQ(nm.status, 304) << describe(nm);
  EXPECT_EQ(nm.body_bytes, 0u);
  // The connection still works after all three.
  EXPECT_EQ(client.get("/").status, 200);
}

TEST_F(ProxyTest, ForwardsAbsoluteFormTargetsInOriginForm) {
  start_origin();
  start_proxy();
  ASSERT_CONNECT(client, port());
  HttpResponse r =
      client.request("GET http://api.example.com/echo?q=1 HTTP/1.1\r\nHost: api.example.com\r\n\r\n");
  ASSERT_EQ(r.status, 200) << describe(r);
  auto echo = echoed(r);
  EXPECT_EQ(echo["target"], "/echo?q=1");
  EXPECT_EQ(echoed_header(echo, "host"), "api.example.com");
}

struct SmugglingCase {
  const char* name;
  const char* request;
  int status;
};

class SmugglingTest : public ProxyTest, public ::testing::WithParamInterface<SmugglingCase> {};

TEST_P(SmugglingTest, IsRejectedWithCloseAndNeverForwarded) {
  start_origin();
  start_proxy();
  ASSERT_CONNECT(client, port());
  HttpResponse r = client.request(GetParam().request);
  EXPECT_EQ(r.status, GetParam().status) << describe(r);
  EXPECT_EQ(r.header("Connection"), "close");
  EXPECT_TRUE(r.body.find("\"offset\"") != std::string::npos) << r.body;
  EXPECT_TRUE(client.wait_closed());
  EXPECT_EQ(stats().requests, 0u);
}

INSTANTIATE_TEST_SUITE_P(
    Vectors, SmugglingTest,
    ::testing::Values(
        SmugglingCase{"ClAndTe",
                      "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n"
                      "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
                      400},
        SmugglingCase{"DifferingCl",
                      "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nContent-Length: 5\r\n"
                      "\r\nabcde",
                      400},
        SmugglingCase{"MalformedCl", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: +4\r\n\r\nabcd",
                      400},
        SmugglingCase{"ChunkedNotFinal",
                      "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", 400},
        SmugglingCase{"UnknownCoding",
                      "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: zork\r\n\r\n", 501},
        SmugglingCase{"ObsFold", "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n", 400},
        SmugglingCase{"BareLf", "GET / HTTP/1.1\nHost: x\n\n", 400},
        SmugglingCase{"SpaceBeforeColon", "GET / HTTP/1.1\r\nHost: x\r\nX-A : a\r\n\r\n", 400},
        SmugglingCase{"MissingHost", "GET / HTTP/1.1\r\n\r\n", 400},
        SmugglingCase{"Http2Preface", "GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505}),
    [](const auto& test_info) { return std::string(test_info.param.name); });

TEST_F(ProxyTest, RejectsOversizedHeadersTargetsAndBodies) {
  start_origin();
  start_proxy_with_config("limits: {max_header_bytes: 4KiB, max_target_bytes: 1KiB, "
                          "max_body_bytes: 1KiB}\n");
  {
    ASSERT_CONNECT(client, port());
    HttpResponse r = client.get("/", {{"X-Big", std::string(6000, 'a')}});
    EXPECT_EQ(r.status, 431) << describe(r);
  }
  {
    ASSERT_CONNECT(client, port());
    HttpResponse r = client.get("/" + std::string(2000, 'p'));
    EXPECT_EQ(r.status, 414) << describe(r);
  }
  {
    ASSERT_CONNECT(client, port());
    HttpResponse r = client.request(client.make_request("POST", "/echo", {}, std::string(2000, 'b')));
    EXPECT_EQ(r.status, 413) << describe(r);
  }
  {
    ASSERT_CONNECT(client, port());
    std::string chunked = "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
    chunked += "800\r\n" + std::string(0x800, 'c') + "\r\n0\r\n\r\n";
    HttpResponse r = client.request(chunked);
    EXPECT_EQ(r.status, 413) << describe(r);
  }
  EXPECT_EQ(stats().requests, 0u);
}

TEST_F(ProxyTest, UnreachableUpstreamIs502AndOthersAreStillServed) {
  start_origin();
  // A port nothing listens on: bind, read it, close.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a));
  socklen_t len = sizeof(a);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  std::uint16_t dead = ntohs(a.sin_port);
  ::close(fd);
  start_proxy_with_config("  dead:\n    endpoints: [\"127.0.0.1:" + std::to_string(dead) +
                          "\"]\nroutes:\n  - match: {path_prefix: /dead}\n    upstream: dead\n"
                          "  - match: {path_prefix: /}\n    upstream: app\n");
  ASSERT_CONNECT(client, port());
  HttpResponse r = client.get("/dead/x");
  EXPECT_EQ(r.status, 502) << describe(r);
  ASSERT_CONNECT(other, port());
  EXPECT_EQ(other.get("/").status, 200);
}

TEST_F(ProxyTest, SlowUpstreamIs504AfterTheHeaderTimeout) {
  start_origin();
  start_proxy_with_config("timeouts: {upstream_header: 300ms}\n");
  ASSERT_CONNECT(client, port());
  auto start = std::chrono::steady_clock::now();
  HttpResponse r = client.get("/?latency=3s");
  EXPECT_EQ(r.status, 504) << describe(r);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 300ms);
  ASSERT_CONNECT(other, port());
  EXPECT_EQ(other.get("/").status, 200);
}

TEST_F(ProxyTest, WholeRequestDeadlineOfARouteIs504) {
  start_origin();
  start_proxy_with_config("routes:\n  - match: {path_prefix: /}\n    upstream: app\n"
                          "    timeout: 300ms\n");
  ASSERT_CONNECT(client, port());
  HttpResponse r = client.get("/?latency=3s");
  EXPECT_EQ(r.status, 504) << describe(r);
}

// A one-connection server that answers any request with bytes that are not HTTP.
class GarbageServer {
 public:
  GarbageServer() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a));
    ::listen(fd_, 8);
    socklen_t len = sizeof(a);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] {
      int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) {
        return;
      }
      char buf[4096];
      [[maybe_unused]] auto n = ::recv(c, buf, sizeof(buf), 0);
      static constexpr char kGarbage[] = "SSH-2.0-OpenSSH\r\n\r\n";
      [[maybe_unused]] auto w = ::send(c, kGarbage, sizeof(kGarbage) - 1, MSG_NOSIGNAL);
      ::usleep(200000);
      ::close(c);
    });
  }
  ~GarbageServer() {
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
  }
  std::uint16_t port() const { return port_; }

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::thread thread_;
};

TEST_F(ProxyTest, GarbageFromUpstreamIs502) {
  GarbageServer garbage;
  std::string why;
  auto r = start_ramjet({"--listen", "127.0.0.1:0", "--workers", "1", "--upstream",
                         "http://127.0.0.1:" + std::to_string(garbage.port())},
                        &why);
  ASSERT_TRUE(r.has_value()) << why;
  ASSERT_CONNECT(client, r->port);
  HttpResponse resp = client.get("/");
  EXPECT_EQ(resp.status, 502) << describe(resp);
}

TEST_F(ProxyTest, UpstreamResetMidBodyClosesTheClientConnection) {
  start_origin();
  start_proxy();
  ASSERT_CONNECT(client, port());
  HttpResponse r = client.get("/?size=1MiB&reset=4096");
  EXPECT_FALSE(r.complete) << describe(r);
  EXPECT_TRUE(client.server_closed() || client.wait_closed());
  ASSERT_CONNECT(other, port());
  EXPECT_EQ(other.get("/").status, 200);
}

TEST_F(ProxyTest, SlowLorisIsCutByTheHeaderTimeoutWithoutStarvingOthers) {
  start_origin();
  start_proxy_with_config("timeouts: {client_header: 300ms}\n");
  ASSERT_CONNECT(loris, port());
  ASSERT_TRUE(loris.send("GET / HTTP/1.1\r\nHost: x\r\n"));
  ASSERT_CONNECT(other, port());
  EXPECT_EQ(other.get("/").status, 200);
  ReadOptions opts;
  opts.timeout = 5s;
  HttpResponse r = loris.read_response(opts);
  EXPECT_EQ(r.status, 408) << describe(r);
  EXPECT_TRUE(loris.wait_closed());
}

TEST_F(ProxyTest, IdleKeepAliveConnectionsAreClosedAfterTheIdleTimeout) {
  start_origin();
  start_proxy_with_config("timeouts: {client_idle: 300ms}\n");
  ASSERT_CONNECT(client, port());
  EXPECT_EQ(client.get("/").status, 200);
  auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(client.wait_closed(5000ms));
  EXPECT_GE(std::chrono::steady_clock::now() - start, 250ms);
}

TEST_F(ProxyTest, ConnectionsOverTheLimitGet503) {
  start_origin();
  start_proxy_with_config("limits: {max_connections: 2}\n");
  ASSERT_CONNECT(a, port());
  ASSERT_CONNECT(b, port());
  EXPECT_EQ(a.get("/").status, 200);
  EXPECT_EQ(b.get("/").status, 200);
  ASSERT_CONNECT(c, port());
  HttpResponse r = c.get("/");
  EXPECT_EQ(r.status, 503) << describe(r);
  a.close();
  // Once a slot frees up, new connections are served again.
  bool served = false;
  for (int i = 0; i < 50 && !served; ++i) {
    std::this_thread::sleep_for(20ms);
    auto d = HttpClient::connect(port());
    served = d.ok() && d.value().get("/").status == 200;
  }
  EXPECT_TRUE(served);
}

TEST_F(ProxyTest, DrainFinishesInFlightRequestsThenExits) {
  start_origin();
  start_proxy();
  ASSERT_CONNECT(client, port());
  ASSERT_TRUE(client.send(client.make_request("GET", "/?latency=500ms")));
  std::this_thread::sleep_for(100ms);
  ASSERT_TRUE(ramjet_->process.signal(SIGTERM));
  HttpResponse r = client.read_response();
  EXPECT_EQ(r.status, 200) << describe(r);
  EXPECT_EQ(r.header("Connection"), "close");
  auto code = ramjet_->process.wait_exit(10000ms);
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 0);
  EXPECT_FALSE(HttpClient::connect(port(), 500ms).ok());
}

TEST_F(ProxyTest, ReloadAppliesAGoodFileAndRefusesABadOne) {
  start_origin();
  start_proxy_with_config("");
  ASSERT_CONNECT(client, port());
  EXPECT_EQ(client.get("/echo").status, 200);
  // A good file: /echo now goes nowhere (no route matches it) — visible as a 404.
  config_->write(config_for(origin_->port,
                            "routes:\n  - match: {path_prefix: /other}\n    upstream: app\n"));
  ASSERT_TRUE(ramjet_->process.signal(SIGHUP));
  ASSERT_TRUE(ramjet_->process.wait_for_line("reloaded", 5000ms, ChildProcess::Stream::kStdout) ||
              ramjet_->process.wait_for_line("reloaded", 100ms, ChildProcess::Stream::kStderr));
  EXPECT_EQ(client.get("/echo").status, 404);  // same connection: not dropped
  // A bad file is refused; the previous configuration keeps serving.
  config_->write("listen: [oops\n");
  ASSERT_TRUE(ramjet_->process.signal(SIGHUP));
  bool refused = ramjet_->process.wait_for_line("reload refused", 5000ms) ||
                 ramjet_->process.wait_for_line("reload refused", 100ms,
                                                ChildProcess::Stream::kStderr);
  EXPECT_TRUE(refused) << ramjet_->process.describe();
  ASSERT_CONNECT(again, port());
  EXPECT_EQ(again.get("/other").status, 200);
  EXPECT_EQ(again.get("/echo").status, 404);
}

TEST(CheckConfig, AcceptsAValidFileAndPointsAtTheErrorInABadOne) {
  TempFile good("upstreams:\n  app:\n    endpoints: [\"127.0.0.1:9\"]\n", ".yaml");
  auto ok = ChildProcess::start({ramjet_binary(), "check-config", "-c", good.path()});
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok.value().wait_exit(10000ms), 0) << ok.value().describe();

  TempFile bad("upstreams:\n  app:\n    endpoints: [\"127.0.0.1:9\"]\ntimeouts:\n"
               "  client_idle: 5mins\n",
               ".yaml");
  auto fail = ChildProcess::start({ramjet_binary(), "check-config", "-c", bad.path()});
  ASSERT_TRUE(fail.ok());
  EXPECT_EQ(fail.value().wait_exit(10000ms), 2);
  EXPECT_NE(fail.value().stderr_text().find(bad.path() + ":5:16:"), std::string::npos)
      << fail.value().stderr_text();
}

TEST(ServeUsage, WithoutUpstreamOrFileIsAUsageError) {
  auto p = ChildProcess::start({ramjet_binary(), "serve"});
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p.value().wait_exit(10000ms), 2);
}

TEST(ServeUsage, AnUnknownKeyIsAConfigurationErrorWithPosition) {
  TempFile bad("listne: 127.0.0.1:0\n", ".yaml");
  auto p = ChildProcess::start({ramjet_binary(), "serve", "-c", bad.path()});
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p.value().wait_exit(10000ms), 2);
  EXPECT_NE(p.value().stderr_text().find(bad.path() + ":1:1:"), std::string::npos)
      << p.value().stderr_text();
}

}  // namespace
