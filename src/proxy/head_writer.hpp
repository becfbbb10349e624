#pragma once
// HeadWriter: appends an HTTP/1.1 message head into a fixed caller-owned buffer without
// allocating. Overflow is sticky: once a write does not fit, ok() is false and the head
// must not be sent (the caller answers 431/502 instead).

#include <charconv>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace ramjet::proxy {

class HeadWriter {
 public:
  HeadWriter(char* data, std::size_t capacity) : data_(data), capacity_(capacity) {}

  HeadWriter& add(std::string_view s) {
    if (size_ + s.size() > capacity_) {
      overflow_ = true;
      return *this;
    }
    if (!s.empty()) {
      std::memcpy(data_ + size_, s.data(), s.size());
    }
    size_ += s.size();
    return *this;
  }
  HeadWriter& add_uint(std::uint64_t v) {
    char buf[24];
    auto r = std::to_chars(buf, buf + sizeof(buf), v);
    return add(std::string_view(buf, static_cast<std::size_t>(r.ptr - buf)));
  }
  // A fixed-point decimal with `decimals` digits after the point: add_fixed(1234, 6) = 0.001234
  // (written right to left in one pass: it runs for every timing header of every response).
  HeadWriter& add_fixed(std::uint64_t value, int decimals) {
    char buf[48];
    char* const end = buf + sizeof(buf);
    char* p = end;
    for (int i = 0; i < decimals && i < 24; ++i) {
      *--p = static_cast<char>('0' + value % 10);
      value /= 10;
    }
    *--p = '.';
    do {
      *--p = static_cast<char>('0' + value % 10);
      value /= 10;
    } while (value != 0);
    return add(std::string_view(p, static_cast<std::size_t>(end - p)));
  }
  HeadWriter& header(std::string_view name, std::string_view value) {
    return add(name).add(": ").add(value).add("\r\n");
  }

  bool ok() const { return !overflow_; }
  std::size_t size() const { return size_; }
  const char* data() const { return data_; }
  std::string_view view() const { return {data_, size_}; }

 private:
  char* data_;
  std::size_t capacity_;
  std::size_t size_ = 0;
  bool overflow_ = false;
};

}  // namespace ramjet::proxy
