#include "net/task.hpp"

#include <array>
#include <cstdlib>

namespace ramjet::net {
namespace {

// Size classes: 64-byte steps up to 4 KiB, then 1 KiB steps up to 64 KiB (a proxy
// exchange frame holds header arrays, so frames of 10-20 KiB are common).
constexpr std::size_t kSmallStep = 64;
constexpr std::size_t kSmallLimit = 4096;
constexpr std::size_t kLargeStep = 1024;
constexpr std::size_t kLargeLimit = 64 * 1024;
constexpr std::size_t kSmallClasses = kSmallLimit / kSmallStep;
constexpr std::size_t kClasses = kSmallClasses + (kLargeLimit - kSmallLimit) / kLargeStep;
constexpr std::size_t kMaxCachedPerClass = 1024;

struct FreeNode {
  FreeNode* next;
};

struct ThreadFrames {
  std::array<FreeNode*, kClasses> heads{};
  std::array<std::size_t, kClasses> counts{};
  ~ThreadFrames() {
    for (FreeNode* head : heads) {
      while (head != nullptr) {
        FreeNode* next = head->next;
        std::free(head);
        head = next;
      }
    }
  }
};

thread_local ThreadFrames t_frames;

std::size_t class_of(std::size_t size) {
  if (size <= kSmallLimit) {
    return (size + kSmallStep - 1) / kSmallStep - 1;
  }
  return kSmallClasses + (size - kSmallLimit + kLargeStep - 1) / kLargeStep - 1;
}

std::size_t class_size(std::size_t c) {
  if (c < kSmallClasses) {
    return (c + 1) * kSmallStep;
  }
  return kSmallLimit + (c - kSmallClasses + 1) * kLargeStep;
}

}  // namespace

void* FramePool::allocate(std::size_t size) {
  std::size_t c = class_of(size);
  if (c < kClasses) {
    if (FreeNode* node = t_frames.heads[c]; node != nullptr) {
      t_frames.heads[c] = node->next;
      --t_frames.counts[c];
      return node;
    }
    void* p = std::malloc(class_size(c));
    if (p == nullptr) {
      throw std::bad_alloc();
    }
    return p;
  }
  void* p = std::malloc(size);
  if (p == nullptr) {
    throw std::bad_alloc();
  }
  return p;
}

void FramePool::deallocate(void* ptr, std::size_t size) noexcept {
  std::size_t c = class_of(size);
  if (c < kClasses && t_frames.counts[c] < kMaxCachedPerClass) {
    auto* node = static_cast<FreeNode*>(ptr);
    node->next = t_frames.heads[c];
    t_frames.heads[c] = node;
    ++t_frames.counts[c];
    return;
  }
  std::free(ptr);
}

}  // namespace ramjet::net
