#pragma once
// Mutex and MutexLock: std::mutex with Clang thread-safety annotations, so that every member
// a shard lock protects is declared RAMJET_GUARDED_BY(mutex_) and clang (-Wthread-safety,
// enabled for src/cache in its CMakeLists.txt) proves it is only touched under that lock.
// Under GCC the annotations expand to nothing and these are plain std::mutex wrappers.
//
// Threading: a Mutex is the lock of one shard (store.hpp, collapse.hpp); nothing in the cache
// ever holds two of them at once, so there is no lock order to respect.
// Move these to core/ when a second module wants them; the macros are #ifndef-guarded so a
// shared definition with the same meaning can replace them.

#include <mutex>

#if defined(__clang__)
#define RAMJET_TSA(x) __attribute__((x))
#else
#define RAMJET_TSA(x)
#endif

#ifndef RAMJET_CAPABILITY
#define RAMJET_CAPABILITY(x) RAMJET_TSA(capability(x))
#endif
#ifndef RAMJET_SCOPED_CAPABILITY
#define RAMJET_SCOPED_CAPABILITY RAMJET_TSA(scoped_lockable)
#endif
#ifndef RAMJET_GUARDED_BY
#define RAMJET_GUARDED_BY(x) RAMJET_TSA(guarded_by(x))
#endif
#ifndef RAMJET_PT_GUARDED_BY
#define RAMJET_PT_GUARDED_BY(x) RAMJET_TSA(pt_guarded_by(x))
#endif
#ifndef RAMJET_ACQUIRE
#define RAMJET_ACQUIRE(...) RAMJET_TSA(acquire_capability(__VA_ARGS__))
#endif
#ifndef RAMJET_RELEASE
#define RAMJET_RELEASE(...) RAMJET_TSA(release_capability(__VA_ARGS__))
#endif
#ifndef RAMJET_REQUIRES
#define RAMJET_REQUIRES(...) RAMJET_TSA(requires_capability(__VA_ARGS__))
#endif
#ifndef RAMJET_EXCLUDES
#define RAMJET_EXCLUDES(...) RAMJET_TSA(locks_excluded(__VA_ARGS__))
#endif

namespace ramjet::cache {

class RAMJET_CAPABILITY("mutex") Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void lock() RAMJET_ACQUIRE() { mutex_.lock(); }
  void unlock() RAMJET_RELEASE() { mutex_.unlock(); }

 private:
  std::mutex mutex_;
};

// Holds a Mutex for the lifetime of the scope.
class RAMJET_SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex& mutex) RAMJET_ACQUIRE(mutex) : mutex_(mutex) { mutex_.lock(); }
  ~MutexLock() RAMJET_RELEASE() { mutex_.unlock(); }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

 private:
  Mutex& mutex_;
};

}  // namespace ramjet::cache
