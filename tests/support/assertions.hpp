#pragma once
// Assertion helpers shared by the integration tests.

#include <gtest/gtest.h>

#include <string>

#include "support/http_client.hpp"

// Declares `var` as an HttpClient connected to 127.0.0.1:`port`, or fails the test.
#define ASSERT_CONNECT(var, port)                                           \
  auto var##_connected = ::ramjet::testing::HttpClient::connect(port);      \
  ASSERT_TRUE(var##_connected.ok()) << var##_connected.error().to_string(); \
  ::ramjet::testing::HttpClient& var = var##_connected.value()

namespace ramjet::testing {

// Status, completeness, the start of the body and every header: for assertion messages.
inline std::string describe(const HttpResponse& r) {
  std::string text = "status " + std::to_string(r.status) + (r.complete ? "" : " incomplete: ");
  text += r.error + "\n" + r.body.substr(0, 300);
  for (const auto& [name, value] : r.headers) {
    text += "\n" + name + ": " + value;
  }
  return text;
}

}  // namespace ramjet::testing
