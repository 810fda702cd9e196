// Copyright 2026 The gort Authors.
//
// Runtime locks and notes: the two blocking primitives the scheduler itself uses, both on Linux
// futexes (Go's lock_futex.go). They block OS threads, never goroutines, and are held only for
// short, non-blocking sections. Built on atomics rather than pthread mutexes so that a lock taken
// by a goroutine can be released by the scheduler on the same thread after the goroutine switched
// away (park's unlock function), which sanitizers would flag for a pthread mutex.

#pragma once

#include <linux/futex.h>
#include <sched.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>

namespace gort::internal {

inline long futex_wait(std::atomic<std::uint32_t>* addr, std::uint32_t expected,
                       const struct timespec* timeout) noexcept {
  return syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(addr), FUTEX_WAIT_PRIVATE, expected,
                 timeout, nullptr, 0);
}

inline void futex_wake(std::atomic<std::uint32_t>* addr, int n) noexcept {
  syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(addr), FUTEX_WAKE_PRIVATE, n, nullptr,
          nullptr, 0);
}

// runtime_lock is a mutex for runtime data (Drepper's three-state futex mutex: 0 unlocked,
// 1 locked, 2 locked with waiters). Acquire on lock, release on unlock.
class runtime_lock {
 public:
  void lock() noexcept {
    std::uint32_t c = 0;
    if (state_.compare_exchange_strong(c, 1, std::memory_order_acquire)) return;
    for (int spin = 0; spin < 64; ++spin) {
      __builtin_ia32_pause();
      c = 0;
      if (state_.load(std::memory_order_relaxed) == 0 &&
          state_.compare_exchange_weak(c, 1, std::memory_order_acquire))
        return;
    }
    while (state_.exchange(2, std::memory_order_acquire) != 0) futex_wait(&state_, 2, nullptr);
  }
  void unlock() noexcept {
    if (state_.exchange(0, std::memory_order_release) == 2) futex_wake(&state_, 1);
  }

 private:
  std::atomic<std::uint32_t> state_{0};
};

// spin_lock is a test-and-test-and-set lock whose unlock is a plain release store: one atomic
// read-modify-write per critical section instead of runtime_lock's two (an atomic RMW costs about
// 6 ns on the machines we measure on, a release store nothing). For short critical sections that
// never block: the channel locks. The price is that a waiter cannot sleep on the lock (unlock would
// have to look for sleepers, a StoreLoad), so it spins with pause, then yields its thread, then
// naps in microseconds while the holder is off the CPU.
class spin_lock {
 public:
  void lock() noexcept {
    if (state_.exchange(1, std::memory_order_acquire) == 0) return;
    lock_slow();
  }
  bool try_lock() noexcept {
    return state_.load(std::memory_order_relaxed) == 0 &&
           state_.exchange(1, std::memory_order_acquire) == 0;
  }
  void unlock() noexcept { state_.store(0, std::memory_order_release); }

 private:
  [[gnu::noinline]] void lock_slow() noexcept {
    for (int round = 0;; ++round) {
      while (state_.load(std::memory_order_relaxed) != 0) {
        if (round < 64) {
          __builtin_ia32_pause();
        } else if (round < 128) {
          sched_yield();
        } else {
          struct timespec ts {
            0, 20000
          };
          nanosleep(&ts, nullptr);
        }
        ++round;
      }
      if (state_.exchange(1, std::memory_order_acquire) == 0) return;
    }
  }
  std::atomic<std::uint32_t> state_{0};
};

class lock_guard {
 public:
  explicit lock_guard(runtime_lock& l) noexcept : l_(l) { l_.lock(); }
  ~lock_guard() { l_.unlock(); }
  lock_guard(const lock_guard&) = delete;
  lock_guard& operator=(const lock_guard&) = delete;

 private:
  runtime_lock& l_;
};

// note is a one-shot wakeup (Go's note): sleep blocks until wakeup was called; clear re-arms it.
// One sleeper, any number of wakers.
class note {
 public:
  void clear() noexcept { key_.store(0, std::memory_order_relaxed); }
  void wakeup() noexcept {
    if (key_.exchange(1, std::memory_order_release) == 0) futex_wake(&key_, 1);
  }
  void sleep() noexcept {
    while (key_.load(std::memory_order_acquire) == 0) futex_wait(&key_, 0, nullptr);
  }
  // Returns true when woken, false when `ns` nanoseconds passed first. A deadline past the
  // clock's range (ns near INT64_MAX, a timer that never fires) saturates: it sleeps until woken.
  bool sleep_for(std::int64_t ns) noexcept {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    std::int64_t deadline;
    if (__builtin_add_overflow(now.tv_sec * 1000000000LL + now.tv_nsec, ns, &deadline))
      deadline = INT64_MAX;
    while (key_.load(std::memory_order_acquire) == 0) {
      clock_gettime(CLOCK_MONOTONIC, &now);
      std::int64_t left = deadline - (now.tv_sec * 1000000000LL + now.tv_nsec);
      if (left <= 0) return false;
      struct timespec ts {
        static_cast<time_t>(left / 1000000000LL), static_cast<long>(left % 1000000000LL)
      };
      futex_wait(&key_, 0, &ts);
    }
    return true;
  }
  bool done() const noexcept { return key_.load(std::memory_order_acquire) != 0; }

 private:
  std::atomic<std::uint32_t> key_{0};
};

inline std::int64_t nanotime() noexcept {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

}  // namespace gort::internal
