// Tests of ramjet-origin, the test origin itself, through the support library (which they
// test in passing). Each test starts its own origin on a free loopback port. Timing is only
// ever asserted as a lower bound: the machine is shared and may be slow, never fast.

#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "support/child_process.hpp"
#include "support/http_client.hpp"
#include "support/origin.hpp"

using namespace std::chrono_literals;
using ramjet::testing::ChildProcess;
using ramjet::testing::HttpClient;
using ramjet::testing::HttpResponse;
using ramjet::testing::Origin;
using ramjet::testing::ReadOptions;

// Declares `var` as an HttpClient connected to `port`, or fails the test.
#define ASSERT_CONNECT(var, port)                                              \
  auto var##_connected = HttpClient::connect(port);                            \
  ASSERT_TRUE(var##_connected.ok()) << var##_connected.error().to_string();    \
  HttpClient& var = var##_connected.value()

namespace {

class OriginTest : public ::testing::Test {
 protected:
  void start(const std::vector<std::string>& args = {}) {
    auto started = ramjet::testing::start_origin(args);
    ASSERT_TRUE(started.ok()) << started.error().to_string();
    origin_.emplace(std::move(started.value()));
  }
  std::uint16_t port() const { return origin_->port; }

  std::optional<Origin> origin_;
};

std::string describe(const HttpResponse& r) {
  std::string text = "status " + std::to_string(r.status) + (r.complete ? "" : " incomplete: ");
  text += r.error;
  for (const auto& [name, value] : r.headers) {
    text += "\n" + name + ": " + value;
  }
  return text;
}

std::chrono::steady_clock::duration time_of(const std::function<void()>& fn) {
  auto start = std::chrono::steady_clock::now();
  fn();
  return std::chrono::steady_clock::now() - start;
}

}  // namespace

TEST_F(OriginTest, DefaultResponseIsOneKibOfThePatternWithStandardHeaders) {
  ASSERT_NO_FATAL_FAILURE(start());
  ASSERT_CONNECT(client, port());
  auto r = client.get("/anything");
  ASSERT_TRUE(r.complete) << describe(r);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("Content-Length"), "1024");
  EXPECT_EQ(r.header("content-type"), "application/octet-stream");
  EXPECT_TRUE(r.has_header("Date"));
  EXPECT_EQ(r.header("X-Origin-Request"), "1");
  EXPECT_FALSE(r.has_header("Cache-Control"));
  EXPECT_EQ(r.body, ramjet::testing::origin_body(1024));
  EXPECT_TRUE(r.keep_alive);
}

TEST_F(OriginTest, StatusAndSizeComeFromTheQuery) {
  ASSERT_NO_FATAL_FAILURE(start());
  ASSERT_CONNECT(client, port());
  auto r = client.get("/?status=503&size=64KiB");
  ASSERT_TRUE(r.complete) << describe(r);
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.body.size(), 65536u);
  EXPECT_EQ(ramjet::testing::origin_body_mismatch(r.body), std::string_view::npos);
  auto empty = client.get("/?size=0&status=204");
  ASSERT_TRUE(empty.complete) << describe(empty);
  EXPECT_EQ(empty.status, 204);
  EXPECT_TRUE(empty.body.empty());
}

TEST_F(OriginTest, FlagsSetTheDefaultsAndTheQueryOverridesThem) {
  ASSERT_NO_FATAL_FAILURE(start({"--status", "201", "--body-size", "10", "--cache-control",
                                 "max-age=60", "--header", "X-Team: edge", "--header",
                                 "X-Two:2"}));
  ASSERT_CONNECT(client, port());
  auto r = client.get("/");
  ASSERT_TRUE(r.complete) << describe(r);
  EXPECT_EQ(r.status, 201);
  EXPECT_EQ(r.body, ramjet::testing::origin_body(10));
  EXPECT_EQ(r.header("Cache-Control"), "max-age=60");
  EXPECT_EQ(r.header("X-Team"), "edge");
  EXPECT_EQ(r.header("X-Two"), "2");
  auto over = client.get("/?status=202&size=3&cc=public%2C%20max-age%3D5");
  ASSERT_TRUE(over.complete) << describe(over);
  EXPECT_EQ(over.status, 202);
  EXPECT_EQ(over.body, "ABC");
  EXPECT_EQ(over.header("Cache-Control"), "public, max-age=5");
}

TEST_F(OriginTest, QueryAddsHeadersAndVary) {
  ASSERT_NO_FATAL_FAILURE(start());
  ASSERT_CONNECT(client, port());
  auto r = client.get("/?header=X-Test:1&header=X-Other:%20two&vary=Accept-Encoding");
  ASSERT_TRUE(r.complete) << describe(r);
  EXPECT_EQ(r.header("X-Test"), "1");
  EXPECT_EQ(r.header("X-Other"), "two");
  EXPECT_EQ(r.header("Vary"), "Accept-Encoding");
}

TEST_F(OriginTest, BadQueryValueIsAnswered400AndTheConnectionKept) {
  ASSERT_NO_FATAL_FAILURE(start());
  ASSERT_CONNECT(client, port());
  auto bad = client.get("/?size=lots");
  ASSERT_TRUE(bad.complete) << describe(bad);
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("size"), std::string::npos) << bad.body;
  auto injection = client.get("/?header=X-A:%0D%0AEvil:1");
  ASSERT_TRUE(injection.complete) << describe(injection);
  EXPECT_EQ(injection.status, 400);
  EXPECT_FALSE(injection.has_header("Evil"));
  auto good = client.get("/?size=1");
  ASSERT_TRUE(good.complete) << describe(good);
  EXPECT_EQ(good.status, 200);
}

TEST_F(OriginTest, LatencyDelaysTheResponseAtLeastThatLong) {
  ASSERT_NO_FATAL_FAILURE(start({"--latency", "50ms"}));
  ASSERT_CONNECT(client, port());
  HttpResponse flag_delayed;
  auto flag_elapsed = time_of([&] { flag_delayed = client.get("/"); });
  ASSERT_TRUE(flag_delayed.complete) << describe(flag_delayed);
  EXPECT_GE(flag_elapsed, 50ms);
  HttpResponse query_delayed;
  auto query_elapsed = time_of([&] { query_delayed = client.get("/?latency=150ms"); });
  ASSERT_TRUE(query_delayed.complete) << describe(query_delayed);
  EXPECT_GE(query_elapsed, 150ms);
}

TEST_F(OriginTest, ADelayedResponseDoesNotHoldUpOtherConnections) {
  ASSERT_NO_FATAL_FAILURE(start());  // one worker: the delay must be a timer, not a sleep
  ASSERT_CONNECT(slow, port());
  ASSERT_TRUE(slow.send(slow.make_request("GET", "/?latency=60s")));
  std::vector<HttpClient> others;
  for (int i = 0; i < 5; ++i) {
    ASSERT_CONNECT(other, port());
    auto r = other.get("/?latency=20ms");
    ASSERT_TRUE(r.complete) << describe(r);
    EXPECT_EQ(r.status, 200);
    others.push_back(std::move(other));
  }
  EXPECT_FALSE(slow.has_input());
}

TEST_F(OriginTest, ManyDelayedRequestsWaitConcurrently) {
  ASSERT_NO_FATAL_FAILURE(start());
  constexpr int kClients = 20;
  std::vector<HttpClient> clients;
  for (int i = 0; i < kClients; ++i) {
    ASSERT_CONNECT(client, port());
    ASSERT_TRUE(client.send(client.make_request("GET", "/?latency=100ms&size=10")));
    clients.push_back(std::move(client));
  }
  for (HttpClient& client : clients) {
    auto r = client.read_response();
    ASSERT_TRUE(r.complete) << describe(r);
    EXPECT_EQ(r.status, 200);
  }
}

TEST_F(OriginTest, ChunkedResponseCarriesThePattern) {
  ASSERT_NO_FATAL_FAILURE(start());
  ASSERT_CONNECT(client, port());
  auto r = client.get("/?chunked=1&size=100000");
  ASSERT_TRUE(r.complete) << describe(r);
  EXPECT_TRUE(r.chunked);
  EXPECT_EQ(r.header("Transfer-Encoding"), "chunked");
  EXPECT_FALSE(r.has_header("Content-Length"));
  EXPECT_EQ(r.body_bytes, 100000u);
  EXPECT_EQ(ramjet::testing::origin_body_mismatch(r.body), std::string_view::npos);
  auto empty = client.get("/?chunked=1&size=0");
  ASSERT_TRUE(empty.complete) << describe(empty);
  EXPECT_TRUE(empty.chunked);
  EXPECT_TRUE(empty.body.empty());
}

TEST_F(OriginTest, ChunkedFlagAppliesToEveryResponse) {
  ASSERT_NO_FATAL_FAILURE(start({"--chunked", "--body-size", "5000"}));
  ASSERT_CONNECT(client, port());
  for (int i = 0; i < 3; ++i) {
    auto r = client.get("/");
    ASSERT_TRUE(r.complete) << describe(r);
    EXPECT_TRUE(r.chunked);
    EXPECT_EQ(r.body, ramjet::testing::origin_body(5000));
  }
}

TEST_F(OriginTest, SlowBodyPausesBetweenPieces) {
  ASSERT_NO_FATAL_FAILURE(start());
  ASSERT_CONNECT(client, port());
  HttpResponse r;
  auto elapsed = time_of([&] { r = client.get("/?slow=40ms&size=3KiB"); });
  ASSERT_TRUE(r.complete) << describe(r);
  EXPECT_EQ(r.body, ramjet::testing::origin_body(3072));
  EXPECT_GE(elapsed, 80ms);  // three 1 KiB pieces, two pauses
  HttpResponse chunked;
  elapsed = time_of([&] { chunked = client.get("/?slow=40ms&size=2049&chunked=1"); });
  ASSERT_TRUE(chunked.complete) << describe(chunked);
  EXPECT_EQ(chunked.body, ramjet::testing::origin_body(2049));
  EXPECT_GE(elapsed, 80ms);
}

TEST_F(OriginTest, LargeBodyIsStreamedWithoutGrowingTheOrigin) {
  ASSERT_NO_FATAL_FAILURE(start());
  ASSERT_CONNECT(client, port());
  std::uint64_t offset = 0;
  std::size_t first_bad = std::string_view::npos;
  ReadOptions options;
  options.timeout = 60s;
  options.on_body = [&](std::string_view data) {
    auto bad = ramjet::testing::origin_body_mismatch(data, offset);
    if (bad != std::string_view::npos && first_bad == std::string_view::npos) {
      first_bad = static_cast<std::size_t>(offset + bad);
    }
    offset += data.size();
  };
  ASSERT_TRUE(client.send(client.make_request("GET", "/?size=256MiB")));
  auto r = client.read_response(options);
  ASSERT_TRUE(r.complete) << describe(r);
  EXPECT_EQ(r.body_bytes, 256u << 20);
  EXPECT_EQ(first_bad, std::string_view::npos);
  auto rss = ramjet::testing::read_rss_kib(origin_->process.pid());
  ASSERT_TRUE(rss.has_value());
  EXPECT_LT(*rss, 64u * 1024) << "the origin should stream from a fixed buffer";
}

TEST_F(OriginTest, HeadRequestGetsTheHeadersWithoutABody) {
  ASSERT_NO_FATAL_FAILURE(start());
  ASSERT_CONNECT(client, port());
  ReadOptions head;
  head.method = ramjet::http::Method::kHead;
  auto r = client.request(client.make_request("HEAD", "/?size=777"), head);
  ASSERT_TRUE(r.complete) << describe(r);
  EXPECT_EQ(r.header("Content-Length"), "777");
  EXPECT_TRUE(r.body.empty());
  auto chunked = client.request(client.make_request("HEAD", "/?chunked=1"), head);
  ASSERT_TRUE(chunked.complete) << describe(chunked);
  auto after = client.get("/?size=4");  // nothing stray was left on the connection
  ASSERT_TRUE(after.complete) << describe(after);
  EXPECT_EQ(after.body, "ABCD");
}

TEST_F(OriginTest, EchoDescribesTheRequestAsReceived) {
  ASSERT_NO_FATAL_FAILURE(start());
  ASSERT_CONNECT(client, port());
  auto r = client.request(client.make_request("POST", "/echo?x=1%202",
                                              {{"X-First", "1"}, {"x-second", " two "}},
                                              "hello \"world\"\n"));
  ASSERT_TRUE(r.complete) << describe(r);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("Content-Type"), "application/json");
  auto json = nlohmann::json::parse(r.body);
  EXPECT_EQ(json["method"], "POST");
  EXPECT_EQ(json["target"], "/echo?x=1%202");
  EXPECT_EQ(json["version"], "HTTP/1.1");
  EXPECT_EQ(json["body"], "hello \"world\"\n");
  EXPECT_EQ(json["body_bytes"], 14);
  EXPECT_EQ(json["peer"].get<std::string>().rfind("127.0.0.1:", 0), 0u);
  auto expected = nlohmann::json::array({{"Host", "127.0.0.1:" + std::to_string(port())},
                                         {"X-First", "1"},
                                         {"x-second", "two"},
                                         {"Content-Length", "14"}});
  EXPECT_EQ(json["headers"], expected);
}

TEST_F(OriginTest, EchoReadsAChunkedRequestBody) {
  ASSERT_NO_FATAL_FAILURE(start());
  ASSERT_CONNECT(client, port());
  auto r = client.request(
      "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n");
  ASSERT_TRUE(r.complete) << describe(r);
  auto json = nlohmann::json::parse(r.body);
  EXPECT_EQ(json["body"], "hello world");
  EXPECT_EQ(json["body_bytes"], 11);
  auto next = client.get("/?size=2");  // the trailer was consumed with the body
  ASSERT_TRUE(next.complete) << describe(next);
  EXPECT_EQ(next.body, "AB");
}

TEST_F(OriginTest, RequestBodiesAreDiscardedAndTheConnectionReused) {
  ASSERT_NO_FATAL_FAILURE(start());
  ASSERT_CONNECT(client, port());
  std::string big(300 * 1024, 'q');
  auto posted = client.request(client.make_request("POST", "/upload?size=8", {}, big));
  ASSERT_TRUE(posted.complete) << describe(posted);
  EXPECT_EQ(posted.status, 200);
  auto after = client.get("/?size=8");
  ASSERT_TRUE(after.complete) << describe(after);
  EXPECT_EQ(after.header("X-Origin-Request"), "2");
  auto stats = ramjet::testing::origin_stats(client);
  ASSERT_TRUE(stats.ok()) << stats.error().to_string();
  EXPECT_EQ(stats->connections, 1u);
}

TEST_F(OriginTest, ExpectContinueIsAnsweredBeforeTheBody) {
  ASSERT_NO_FATAL_FAILURE(start());
  ASSERT_CONNECT(client, port());
  ASSERT_TRUE(client.send("POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n"
                          "Expect: 100-continue\r\n\r\n"));
  auto interim = client.read_response();
  ASSERT_TRUE(interim.complete) << describe(interim);
  EXPECT_EQ(interim.status, 100);
  ASSERT_TRUE(client.send("abc"));
  auto r = client.read_response();
  ASSERT_TRUE(r.complete) << describe(r);
  EXPECT_EQ(nlohmann::json::parse(r.body)["body"], "abc");
}

TEST_F(OriginTest, EtagIsAnsweredWith304WhenItMatches) {
  ASSERT_NO_FATAL_FAILURE(start({"--etag", "--cache-control", "max-age=1"}));
  ASSERT_CONNECT(client, port());
  auto first = client.get("/item");
  ASSERT_TRUE(first.complete) << describe(first);
  auto etag = first.header("ETag");
  ASSERT_TRUE(etag.has_value());
  EXPECT_EQ(etag->front(), '"');
  auto again = client.get("/item");
  EXPECT_EQ(again.header("ETag"), etag);
  auto revalidated = client.get("/item", {{"If-None-Match", "\"nope\", W/" + *etag}});
  ASSERT_TRUE(revalidated.complete) << describe(revalidated);
  EXPECT_EQ(revalidated.status, 304);
  EXPECT_TRUE(revalidated.body.empty());
  EXPECT_EQ(revalidated.header("ETag"), etag);
  EXPECT_EQ(revalidated.header("Cache-Control"), "max-age=1");
  auto changed = client.get("/item", {{"If-None-Match", "\"other\""}});
  EXPECT_EQ(changed.status, 200);
  auto other_size = client.get("/item?size=5");
  EXPECT_NE(other_size.header("ETag"), etag);
  auto by_query = client.get("/plain?etag=1");  // etag=1 without the flag works too
  EXPECT_TRUE(by_query.has_header("ETag"));
}

TEST_F(OriginTest, LastModifiedIsAnsweredWith304WhenNotModifiedSince) {
  ASSERT_NO_FATAL_FAILURE(start({"--last-modified"}));
  ASSERT_CONNECT(client, port());
  auto first = client.get("/");
  ASSERT_TRUE(first.complete) << describe(first);
  auto last_modified = first.header("Last-Modified");
  ASSERT_TRUE(last_modified.has_value());
  auto same = client.get("/", {{"If-Modified-Since", *last_modified}});
  EXPECT_EQ(same.status, 304);
  auto later = client.get("/", {{"If-Modified-Since", "Sat, 01 Jan 2050 00:00:00 GMT"}});
  EXPECT_EQ(later.status, 304);
  auto earlier = client.get("/", {{"If-Modified-Since", "Sun, 01 Jan 2023 00:00:00 GMT"}});
  EXPECT_EQ(earlier.status, 200);
  auto garbage = client.get("/", {{"If-Modified-Since", "yesterday"}});
  EXPECT_EQ(garbage.status, 200);
}

TEST_F(OriginTest, StatsCountConnectionsAndRequestsSeparately) {
  ASSERT_NO_FATAL_FAILURE(start());
  {
    ASSERT_CONNECT(before, port());
    ASSERT_TRUE(before.get("/").complete);
    ASSERT_TRUE(ramjet::testing::reset_origin_stats(before));
  }
  ASSERT_CONNECT(keep_alive, port());
  for (int i = 0; i < 3; ++i) {
    auto r = keep_alive.get("/?size=1");
    ASSERT_TRUE(r.complete) << describe(r);
  }
  ASSERT_CONNECT(second, port());
  ASSERT_TRUE(second.get("/").complete);
  auto stats = ramjet::testing::origin_stats(keep_alive);
  ASSERT_TRUE(stats.ok()) << stats.error().to_string();
  EXPECT_EQ(stats->requests, 4u);     // /__origin/* is not counted
  EXPECT_EQ(stats->connections, 2u);  // accepted since the reset
  EXPECT_GE(stats->open_connections, 2u);
  auto by_port = ramjet::testing::origin_stats(port());  // opens (and counts) one more
  ASSERT_TRUE(by_port.ok()) << by_port.error().to_string();
  EXPECT_EQ(by_port->connections, 3u);
  EXPECT_EQ(by_port->requests, 4u);
}

TEST_F(OriginTest, PipelinedRequestsAreAnsweredInOrder) {
  ASSERT_NO_FATAL_FAILURE(start());
  ASSERT_CONNECT(client, port());
  std::string burst;
  for (int size : {3, 5, 7}) {
    burst += client.make_request("GET", "/?size=" + std::to_string(size));
  }
  burst += client.make_request("POST", "/echo", {}, "pipelined");
  ASSERT_TRUE(client.send(burst));
  int id = 1;
  for (std::size_t size : {3u, 5u, 7u}) {
    auto r = client.read_response();
    ASSERT_TRUE(r.complete) << describe(r);
    EXPECT_EQ(r.body.size(), size);
    EXPECT_EQ(r.header("X-Origin-Request"), std::to_string(id++));
  }
  auto echo = client.read_response();
  ASSERT_TRUE(echo.complete) << describe(echo);
  EXPECT_EQ(nlohmann::json::parse(echo.body)["body"], "pipelined");
}

TEST_F(OriginTest, ResetAfterClosesTheConnectionMidBody) {
  ASSERT_NO_FATAL_FAILURE(start());
  ASSERT_CONNECT(client, port());
  auto r = client.get("/?size=100000&reset=5000");
  EXPECT_FALSE(r.complete);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("Content-Length"), "100000");
  EXPECT_LE(r.body_bytes, 5000u);
  EXPECT_EQ(ramjet::testing::origin_body_mismatch(r.body), std::string_view::npos);
  EXPECT_TRUE(client.server_closed());
  EXPECT_EQ(r.error, "connection reset") << describe(r);

  ASSERT_CONNECT(chunked, port());
  auto c = chunked.get("/?size=100000&reset=3000&chunked=1");
  EXPECT_FALSE(c.complete);
  EXPECT_LE(c.body_bytes, 3000u);
  EXPECT_TRUE(chunked.server_closed());
}

TEST_F(OriginTest, ResetAfterFlagAppliesToEveryResponse) {
  ASSERT_NO_FATAL_FAILURE(start({"--reset-after", "1KiB", "--body-size", "4KiB"}));
  ASSERT_CONNECT(client, port());
  auto r = client.get("/");
  EXPECT_FALSE(r.complete);
  EXPECT_LE(r.body_bytes, 1024u);
  EXPECT_TRUE(client.server_closed());
}

TEST_F(OriginTest, GarbageIsAnswered400AndClosed) {
  ASSERT_NO_FATAL_FAILURE(start());
  ASSERT_CONNECT(client, port());
  auto r = client.request("GARBAGE\r\n\r\n");
  ASSERT_TRUE(r.complete) << describe(r);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.header("Connection"), "close");
  EXPECT_TRUE(client.wait_closed());

  ASSERT_CONNECT(smuggler, port());
  auto conflict = smuggler.request(
      "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd");
  ASSERT_TRUE(conflict.complete) << describe(conflict);
  EXPECT_EQ(conflict.status, 400);
  EXPECT_TRUE(smuggler.wait_closed());
}

TEST_F(OriginTest, CloseParameterClosesAfterTheResponse) {
  ASSERT_NO_FATAL_FAILURE(start());
  ASSERT_CONNECT(client, port());
  auto r = client.get("/?close=1&size=10");
  ASSERT_TRUE(r.complete) << describe(r);
  EXPECT_EQ(r.header("Connection"), "close");
  EXPECT_FALSE(r.keep_alive);
  EXPECT_EQ(r.body, ramjet::testing::origin_body(10));
  EXPECT_TRUE(client.wait_closed());
}

TEST_F(OriginTest, Http10WithoutKeepAliveIsClosedAfterTheResponse) {
  ASSERT_NO_FATAL_FAILURE(start({"--chunked"}));
  ASSERT_CONNECT(client, port());
  auto r = client.request("GET /?size=20 HTTP/1.0\r\n\r\n");
  ASSERT_TRUE(r.complete) << describe(r);
  EXPECT_EQ(r.status, 200);
  EXPECT_FALSE(r.chunked);  // an HTTP/1.0 client cannot read chunked framing
  EXPECT_EQ(r.body, ramjet::testing::origin_body(20));
  EXPECT_TRUE(client.wait_closed());
}

TEST_F(OriginTest, FailureRateOneFailsEveryRequest) {
  ASSERT_NO_FATAL_FAILURE(start({"--failure-rate", "1"}));
  ASSERT_CONNECT(client, port());
  for (int i = 0; i < 5; ++i) {
    auto r = client.get("/");
    ASSERT_TRUE(r.complete) << describe(r);
    EXPECT_EQ(r.status, 500);
    EXPECT_EQ(r.header("Cache-Control"), "no-store");
  }
}

TEST_F(OriginTest, FailureChoiceIsReproducibleWithASeed) {
  auto statuses = [](const std::vector<std::string>& args) {
    std::vector<int> seen;
    auto origin = ramjet::testing::start_origin(args);
    EXPECT_TRUE(origin.ok()) << origin.error().to_string();
    if (!origin.ok()) {
      return seen;
    }
    auto client = HttpClient::connect(origin->port);
    EXPECT_TRUE(client.ok());
    for (int i = 0; i < 40 && client.ok(); ++i) {
      seen.push_back(client->get("/?size=1").status);
    }
    return seen;
  };
  auto a = statuses({"--failure-rate", "0.5", "--seed", "7"});
  auto b = statuses({"--failure-rate", "0.5", "--seed", "7"});
  ASSERT_EQ(a.size(), 40u);
  EXPECT_EQ(a, b);
  EXPECT_NE(std::count(a.begin(), a.end(), 500), 0);
  EXPECT_NE(std::count(a.begin(), a.end(), 200), 0);
}

TEST_F(OriginTest, WorkersShareOnePort) {
  ASSERT_NO_FATAL_FAILURE(start({"--workers", "2"}));
  std::vector<HttpClient> clients;
  for (int i = 0; i < 8; ++i) {
    ASSERT_CONNECT(client, port());
    for (int j = 0; j < 2; ++j) {
      auto r = client.get("/?size=100");
      ASSERT_TRUE(r.complete) << describe(r);
      EXPECT_EQ(r.status, 200);
    }
    clients.push_back(std::move(client));
  }
  auto stats = ramjet::testing::origin_stats(port());
  ASSERT_TRUE(stats.ok()) << stats.error().to_string();
  EXPECT_EQ(stats->requests, 16u);
  EXPECT_EQ(stats->connections, 9u);
}

TEST_F(OriginTest, SigtermAndSigintExitCleanly) {
  for (int sig : {SIGTERM, SIGINT}) {
    ASSERT_NO_FATAL_FAILURE(start({"--workers", "2"}));
    ASSERT_CONNECT(idle, port());  // an idle keep-alive connection
    ASSERT_TRUE(idle.get("/").complete);
    ASSERT_CONNECT(busy, port());  // and one waiting on its latency timer
    ASSERT_TRUE(busy.send(busy.make_request("GET", "/?latency=60s")));
    ASSERT_TRUE(origin_->process.signal(sig));
    EXPECT_EQ(origin_->process.wait_exit(10s), 0) << origin_->process.describe();
    EXPECT_TRUE(idle.wait_closed());
  }
}

TEST_F(OriginTest, BadFlagsExitWithUsageError) {
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"--status", "abc"}, {"--latency", "soon"},
        {"--header", "no colon"}, {"--listen", "nowhere"}, {"--failure-rate", "2"}}) {
    std::vector<std::string> argv{ramjet::testing::origin_binary()};
    argv.insert(argv.end(), args.begin(), args.end());
    auto child = ChildProcess::start(argv);
    ASSERT_TRUE(child.ok()) << child.error().to_string();
    EXPECT_EQ(child->wait_exit(10s), 2) << child->describe();
  }
}
