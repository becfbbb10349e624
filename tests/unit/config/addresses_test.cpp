#include "config/addresses.hpp"

#include <gtest/gtest.h>

#include <array>

namespace ramjet::config {
namespace {

TEST(ListenAddress, AcceptsTheUsualForms) {
  EXPECT_EQ(parse_listen_address("0.0.0.0:8080").value(), (HostPort{"0.0.0.0", 8080}));
  EXPECT_EQ(parse_listen_address(":8080").value(), (HostPort{"0.0.0.0", 8080}));
  EXPECT_EQ(parse_listen_address("127.0.0.1:0").value(), (HostPort{"127.0.0.1", 0}));
  EXPECT_EQ(parse_listen_address("[::1]:8080").value(), (HostPort{"::1", 8080}));
  EXPECT_EQ(parse_listen_address("[::]:80").value(), (HostPort{"::", 80}));
  EXPECT_EQ(parse_listen_address("My-Host.example:65535").value(),
            (HostPort{"my-host.example", 65535}));
}

TEST(ListenAddress, RejectsMalformed) {
  for (const char* bad : {"", "8080", ":", "host:", ":-1", ":65536", ":1x", "[::1]", "[::1]8080",
                          "[::1:80", "::1:80", "[nothex]:80", "1.2.3:80", "01.2.3.4:80", "a..b:80",
                          "-a:80", "a b:80", "[]:80", "999999:80"}) {
    EXPECT_FALSE(parse_listen_address(bad).ok()) << bad;
  }
}

TEST(UpstreamUrl, AcceptsBareAndHttpForms) {
  EXPECT_EQ(parse_upstream_url("127.0.0.1:5000").value(), (HostPort{"127.0.0.1", 5000}));
  EXPECT_EQ(parse_upstream_url("http://app:5000").value(), (HostPort{"app", 5000}));
  EXPECT_EQ(parse_upstream_url("HTTP://App:5000/").value(), (HostPort{"app", 5000}));
  EXPECT_EQ(parse_upstream_url("http://app").value(), (HostPort{"app", 80}));
  EXPECT_EQ(parse_upstream_url("http://[::1]:81").value(), (HostPort{"::1", 81}));
  EXPECT_EQ(parse_upstream_url("my_service:8000").value(), (HostPort{"my_service", 8000}));
}

TEST(UpstreamUrl, RejectsWhatThisVersionCannotDo) {
  EXPECT_STREQ(parse_upstream_url("https://a:443").error().message,
               "https upstreams are not supported yet (use http://)");
  EXPECT_STREQ(parse_upstream_url("ftp://a:21").error().message,
               "unsupported scheme (only http:// is supported)");
  EXPECT_STREQ(parse_upstream_url("http://a:1/x").error().message,
               "a path in an upstream URL is not supported");
  EXPECT_STREQ(parse_upstream_url("http://a:1?x").error().message,
               "a query or fragment in an upstream URL is not supported");
  EXPECT_STREQ(parse_upstream_url("http://u:p@a:1").error().message,
               "credentials in an upstream URL are not supported");
  for (const char* bad : {"", "app", "http://", "http://:80", "a:0", "http://a:0", "a:99999"}) {
    EXPECT_FALSE(parse_upstream_url(bad).ok()) << bad;
  }
}

TEST(HostHeader, NormalisesCaseAndKeepsPort) {
  EXPECT_EQ(parse_host_header("Example.COM").value(), "example.com");
  EXPECT_EQ(parse_host_header("example.com:8443").value(), "example.com:8443");
  EXPECT_EQ(parse_host_header("[::1]").value(), "[::1]");
  EXPECT_EQ(parse_host_header("[::1]:80").value(), "[::1]:80");
  EXPECT_FALSE(parse_host_header("example.com:0").ok());
  EXPECT_FALSE(parse_host_header("").ok());
}

TEST(Cidr, ParsesAndContains) {
  const Cidr v4 = parse_cidr("10.1.0.0/16").value();
  EXPECT_FALSE(v4.ipv6);
  EXPECT_EQ(v4.prefix_length, 16);
  EXPECT_EQ(v4.to_string(), "10.1.0.0/16");
  EXPECT_TRUE(v4.contains(std::array<std::uint8_t, 4>{10, 1, 200, 3}));
  EXPECT_FALSE(v4.contains(std::array<std::uint8_t, 4>{10, 2, 0, 1}));
  EXPECT_FALSE(v4.contains(std::array<std::uint8_t, 16>{}));
  const Cidr any = parse_cidr("0.0.0.0/0").value();
  EXPECT_TRUE(any.contains(std::array<std::uint8_t, 4>{1, 2, 3, 4}));
  const Cidr v6 = parse_cidr("fd00::/8").value();
  EXPECT_TRUE(v6.ipv6);
  std::array<std::uint8_t, 16> inside{};
  inside[0] = 0xfd;
  inside[15] = 1;
  EXPECT_TRUE(v6.contains(inside));
  inside[0] = 0xfe;
  EXPECT_FALSE(v6.contains(inside));
  EXPECT_EQ(parse_cidr("::1").value().to_string(), "::1/128");
  EXPECT_EQ(parse_cidr("10.0.0.7").value().prefix_length, 32);
}

TEST(Cidr, RejectsMalformedAndSuggestsTheNetwork) {
  auto host_bits = parse_cidr("192.168.1.1/24");
  ASSERT_FALSE(host_bits.ok());
  EXPECT_EQ(host_bits.error().detail, "192.168.1.0/24");
  for (const char* bad : {"", "/8", "10.0.0.0/", "10.0.0.0/x", "10.0.0.0/33", "::/129",
                          "10.0.0.0/0008", "host/8", "1.2.3.4.5/32"}) {
    EXPECT_FALSE(parse_cidr(bad).ok()) << bad;
  }
}

TEST(Loopback, KnowsTheLoopbackAndWildcardAddresses) {
  EXPECT_TRUE(is_loopback({"127.0.0.1", 1}));
  EXPECT_TRUE(is_loopback({"127.255.0.9", 1}));
  EXPECT_TRUE(is_loopback({"::1", 1}));
  EXPECT_TRUE(is_loopback({"::ffff:127.0.0.1", 1}));
  EXPECT_TRUE(is_loopback({"localhost", 1}));
  EXPECT_FALSE(is_loopback({"0.0.0.0", 1}));
  EXPECT_FALSE(is_loopback({"10.0.0.1", 1}));
  EXPECT_FALSE(is_loopback({"example.com", 1}));
  EXPECT_TRUE(is_wildcard({"0.0.0.0", 1}));
  EXPECT_TRUE(is_wildcard({"::", 1}));
  EXPECT_FALSE(is_wildcard({"127.0.0.1", 1}));
}

TEST(HostPortText, BracketsIpv6) {
  EXPECT_EQ((HostPort{"::1", 80}).to_string(), "[::1]:80");
  EXPECT_EQ((HostPort{"a", 1}).to_string(), "a:1");
}

}  // namespace
}  // namespace ramjet::config
