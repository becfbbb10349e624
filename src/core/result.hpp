#pragma once
// Result<T>: a value or an Error, for the data plane where errors are values (STYLE #3).
// Error carries a static message (no allocation to build it) plus an optional owned
// detail string used only off the hot path (config loading, CLI).

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace ramjet::core {

struct Error {
  const char* message = "";  // static storage; never freed
  std::string detail;        // optional, owned; empty on the data plane

  std::string to_string() const {
    return detail.empty() ? std::string(message) : std::string(message) + ": " + detail;
  }
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}         // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::move(error)) {}     // NOLINT(google-explicit-constructor)

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & {
    assert(ok());
    return std::get<0>(v_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(v_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(v_));
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const {
    assert(!ok());
    return std::get<1>(v_);
  }

 private:
  std::variant<T, Error> v_;
};

}  // namespace ramjet::core
