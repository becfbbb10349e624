#pragma once
// BufferPool: one worker's recycled fixed-size byte buffers for connection reads and
// body relays. A connection takes a buffer when bytes arrive and gives it back when it
// goes idle, so idle keep-alive connections hold none. Not thread-safe: one per worker.
// The pool keeps at most `max_cached` free buffers; beyond that, released ones are freed.

#include <cstddef>
#include <cstdlib>
#include <new>
#include <utility>
#include <vector>

namespace ramjet::proxy {

class BufferPool;

// A pooled buffer; returns itself to its pool when destroyed.
class Buffer {
 public:
  Buffer() = default;
  Buffer(Buffer&& o) noexcept
      : pool_(std::exchange(o.pool_, nullptr)),
        data_(std::exchange(o.data_, nullptr)),
        size_(std::exchange(o.size_, 0)) {}
  Buffer& operator=(Buffer&& o) noexcept {
    if (this != &o) {
      release();
      pool_ = std::exchange(o.pool_, nullptr);
      data_ = std::exchange(o.data_, nullptr);
      size_ = std::exchange(o.size_, 0);
    }
    return *this;
  }
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  ~Buffer() { release(); }

  char* data() const { return data_; }
  std::size_t capacity() const { return size_; }
  explicit operator bool() const { return data_ != nullptr; }
  inline void release();

 private:
  friend class BufferPool;
  Buffer(BufferPool* pool, char* data, std::size_t size) : pool_(pool), data_(data), size_(size) {}
  BufferPool* pool_ = nullptr;
  char* data_ = nullptr;
  std::size_t size_ = 0;
};

class BufferPool {
 public:
  BufferPool(std::size_t buffer_size, std::size_t max_cached)
      : buffer_size_(buffer_size), max_cached_(max_cached) {}
  ~BufferPool() {
    for (char* p : free_) {
      std::free(p);
    }
  }
  BufferPool(const BufferPool&) = delete;
  BufferPool& operator=(const BufferPool&) = delete;

  Buffer acquire() {
    char* p = nullptr;
    if (!free_.empty()) {
      p = free_.back();
      free_.pop_back();
    } else {
      p = static_cast<char*>(std::malloc(buffer_size_));
      if (p == nullptr) {
        throw std::bad_alloc();
      }
    }
    ++in_use_;
    return Buffer(this, p, buffer_size_);
  }

  std::size_t buffer_size() const { return buffer_size_; }
  std::size_t in_use() const { return in_use_; }
  std::size_t cached() const { return free_.size(); }

 private:
  friend class Buffer;
  void give_back(char* p) {
    --in_use_;
    if (free_.size() < max_cached_) {
      free_.push_back(p);
    } else {
      std::free(p);
    }
  }
  std::size_t buffer_size_;
  std::size_t max_cached_;
  std::size_t in_use_ = 0;
  std::vector<char*> free_;
};

inline void Buffer::release() {
  if (data_ != nullptr) {
    pool_->give_back(data_);
    data_ = nullptr;
    pool_ = nullptr;
    size_ = 0;
  }
}

}  // namespace ramjet::proxy
