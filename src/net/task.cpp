#include "net/task.hpp"

#include <array>
#include <cstdlib>

namespace ramjet::net {
namespace {

constexpr std::size_t kStep = 64;
constexpr std::size_t kClasses = 64;  // up to 4 KiB
constexpr std::size_t kMaxCachedPerClass = 4096;

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

std::size_t class_of(std::size_t size) { return (size + kStep - 1) / kStep - 1; }

}  // namespace

void* FramePool::allocate(std::size_t size) {
  std::size_t c = class_of(size);
  if (c < kClasses) {
    if (FreeNode* node = t_frames.heads[c]; node != nullptr) {
      t_frames.heads[c] = node->next;
      --t_frames.counts[c];
      return node;
    }
    void* p = std::malloc((c + 1) * kStep);
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
