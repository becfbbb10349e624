// Profiles choose the defaults; explicit keys win over them wherever the profile was chosen.
#include <gtest/gtest.h>

#include "config/load.hpp"
#include "test_util.hpp"

namespace ramjet::config {
namespace {

using namespace std::chrono_literals;
using testing::kOneUpstream;
using testing::load_ok;
using testing::with_upstream;

TEST(Profiles, ScaleCapacity) {
  const Config small = defaults_for(Profile::kSmall);
  const Config medium = defaults_for(Profile::kMedium);
  const Config large = defaults_for(Profile::kLarge);
  EXPECT_EQ(small.workers, 1u);
  EXPECT_EQ(medium.workers, 0u);
  EXPECT_EQ(large.workers, 0u);
  EXPECT_EQ(small.limits.max_connections, 1024u);
  EXPECT_EQ(medium.limits.max_connections, 10'000u);
  EXPECT_EQ(large.limits.max_connections, 100'000u);
  // As many idle as open: a burst of N concurrent requests leaves N connections to reuse,
  // instead of closing all but a few and reconnecting on the next burst (idle_ttl reaps
  // them once the burst is over).
  EXPECT_EQ(default_pool(Profile::kSmall).max_idle, 64u);
  EXPECT_EQ(default_pool(Profile::kMedium).max_idle, 512u);
  EXPECT_EQ(default_pool(Profile::kLarge).max_idle, 2048u);
  EXPECT_LE(default_pool(Profile::kLarge).max_idle, default_pool(Profile::kLarge).max_total);
}

TEST(Profiles, ProtocolLimitsAndTimeoutsAreTheSameInAll) {
  for (Profile p : {Profile::kSmall, Profile::kMedium, Profile::kLarge}) {
    const Config c = defaults_for(p);
    EXPECT_EQ(c.limits.max_header_bytes, 16u * 1024);
    EXPECT_EQ(c.limits.max_headers, 100u);
    EXPECT_EQ(c.limits.max_target_bytes, 8u * 1024);
    EXPECT_EQ(c.limits.max_body_bytes, 100u * 1024 * 1024);
    EXPECT_EQ(c.timeouts.client_header, 10s);
    EXPECT_EQ(c.timeouts.client_idle, 60s);
    EXPECT_EQ(c.timeouts.client_body, 60s);
    EXPECT_EQ(c.timeouts.upstream_connect, 3s);
    EXPECT_EQ(c.timeouts.upstream_header, 60s);
    EXPECT_EQ(c.timeouts.upstream_body, 60s);
    EXPECT_EQ(c.timeouts.request, 90s);
    EXPECT_EQ(c.timeouts.drain, 15s);
    EXPECT_EQ(default_pool(p).idle_ttl, 4s);
  }
}

TEST(Profiles, FileProfileAppliesEvenWhenWrittenAfterOtherKeys) {
  const Config config = load_ok(std::string(kOneUpstream) + "workers: 4\nprofile: small\n");
  EXPECT_EQ(config.profile, Profile::kSmall);
  EXPECT_EQ(config.workers, 4u);  // explicit beats the profile
  EXPECT_EQ(config.limits.max_connections, 1024u);
  EXPECT_EQ(config.upstreams[0].pool.max_idle, 64u);  // upstream read before profile key
}

TEST(Profiles, EnvironmentProfileChangesDefaultsOfTheFile) {
  const Config config = load_ok(with_upstream("profile: small\n"), {{"RAMJET_PROFILE", "large"}});
  EXPECT_EQ(config.profile, Profile::kLarge);
  EXPECT_EQ(config.limits.max_connections, 100'000u);
  EXPECT_EQ(config.upstreams[0].pool.max_total, default_pool(Profile::kLarge).max_total);
}

TEST(Profiles, FlagProfileWinsOverEnvironmentAndFile) {
  CliOverrides cli;
  cli.profile = "small";
  const Config config =
      load_ok(with_upstream("profile: large\n"), {{"RAMJET_PROFILE", "medium"}}, cli);
  EXPECT_EQ(config.profile, Profile::kSmall);
  EXPECT_EQ(config.workers, 1u);
}

TEST(Profiles, ExplicitValuesSurviveAProfileChange) {
  const Config config =
      load_ok(with_upstream("limits: {max_connections: 77}\n"), {{"RAMJET_PROFILE", "large"}});
  EXPECT_EQ(config.limits.max_connections, 77u);
}

TEST(Profiles, Names) {
  EXPECT_STREQ(to_string(Profile::kSmall), "small");
  EXPECT_STREQ(to_string(Profile::kMedium), "medium");
  EXPECT_STREQ(to_string(Profile::kLarge), "large");
}

}  // namespace
}  // namespace ramjet::config
