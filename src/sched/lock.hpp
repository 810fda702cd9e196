// Copyright 2026 The gort Authors.
//
// Runtime locks and notes: the two blocking primitives the scheduler itself uses, both on Linux
// futexes (Go's lock_futex.go). They block OS threads, never goroutines, and are held only for
// short, non-blocking sections. Built on atomics rather than pthread mutexes so that a lock taken
// by a goroutine can be released by the scheduler on the same thread after the goroutine switched
// away (park's unlock function), which sanitizers would flag for a pthread mutex.
//
// Every lock is made with its rank (lockrank.hpp, the one lock-order list); debug builds check
// the order at each acquisition. Without GORT_RUNTIME_CHECKS the rank is not stored and the
// locks are what they would be without it. Each lock type is a clang thread-safety capability
// (thread_safety.hpp), so fields can say which lock guards them.

#pragma once

#include <linux/futex.h>
#include <sched.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <mutex>

#include "sched/lockrank.hpp"
#include "sched/thread_safety.hpp"

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

// ranked is what each runtime lock adds for the rank checks: its rank and the calls that tell
// lockrank.cpp about acquisitions and releases. Without GORT_RUNTIME_CHECKS it is empty and the
// calls are nothing (an empty base: the lock stays its state word, see the static_asserts below).
// The checks key a lock by the address of this base, which is the lock's own.
class ranked {
 protected:
  constexpr explicit ranked(lock_rank rank) noexcept
#if GORT_RUNTIME_CHECKS
      : rank_(rank)
#endif
  {
    (void)rank;
  }
  void rank_acquire() noexcept {
#if GORT_RUNTIME_CHECKS
    lockrank_acquire(rank_, this);
#endif
  }
  void rank_acquired() noexcept {  // taken without waiting (try_lock)
#if GORT_RUNTIME_CHECKS
    lockrank_acquired(rank_, this);
#endif
  }
  void rank_release() noexcept {
#if GORT_RUNTIME_CHECKS
    lockrank_release(rank_, this);
#endif
  }

 private:
#if GORT_RUNTIME_CHECKS
  lock_rank rank_;
#endif
};

// runtime_lock is a mutex for runtime data (Drepper's three-state futex mutex: 0 unlocked,
// 1 locked, 2 locked with waiters). Acquire on lock, release on unlock.
class GORT_CAPABILITY("mutex") runtime_lock : ranked {
 public:
  constexpr explicit runtime_lock(lock_rank rank) noexcept : ranked(rank) {}
  runtime_lock(const runtime_lock&) = delete;
  runtime_lock& operator=(const runtime_lock&) = delete;

  void lock() noexcept GORT_ACQUIRE() {
    rank_acquire();
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
  void unlock() noexcept GORT_RELEASE() {
    rank_release();
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
class GORT_CAPABILITY("mutex") spin_lock : ranked {
 public:
  constexpr explicit spin_lock(lock_rank rank) noexcept : ranked(rank) {}
  spin_lock(const spin_lock&) = delete;
  spin_lock& operator=(const spin_lock&) = delete;

  void lock() noexcept GORT_ACQUIRE() {
    rank_acquire();
    if (state_.exchange(1, std::memory_order_acquire) == 0) return;
    lock_slow();
  }
  bool try_lock() noexcept GORT_TRY_ACQUIRE(true) {
    bool ok = state_.load(std::memory_order_relaxed) == 0 &&
              state_.exchange(1, std::memory_order_acquire) == 0;
    if (ok) rank_acquired();
    return ok;
  }
  void unlock() noexcept GORT_RELEASE() {
    rank_release();
    state_.store(0, std::memory_order_release);
  }

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

// thread_mutex is a std::mutex with a rank, for the locks of the frame core's pools and thread
// registry (src/defer/pool.cpp), which plain threads hold across longer sections (stats()).
class GORT_CAPABILITY("mutex") thread_mutex : ranked {
 public:
  constexpr explicit thread_mutex(lock_rank rank) noexcept : ranked(rank) {}
  thread_mutex(const thread_mutex&) = delete;
  thread_mutex& operator=(const thread_mutex&) = delete;

  void lock() GORT_ACQUIRE() {
    rank_acquire();
    mu_.lock();
  }
  void unlock() GORT_RELEASE() {
    rank_release();
    mu_.unlock();
  }

 private:
  std::mutex mu_;
};

// lock_guard holds a runtime_lock, spin_lock or thread_mutex for a scope (std::lock_guard, but
// seen by the thread-safety analysis).
template <class Lock>
class GORT_SCOPED_CAPABILITY lock_guard {
 public:
  explicit lock_guard(Lock& l) GORT_ACQUIRE(l) : l_(l) { l_.lock(); }
  ~lock_guard() GORT_RELEASE() { l_.unlock(); }
  lock_guard(const lock_guard&) = delete;
  lock_guard& operator=(const lock_guard&) = delete;

 private:
  Lock& l_;
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

#if !GORT_RUNTIME_CHECKS
// Without the checks a rank costs nothing: the locks are their state word alone.
static_assert(sizeof(runtime_lock) == sizeof(std::uint32_t));
static_assert(sizeof(spin_lock) == sizeof(std::uint32_t));
static_assert(sizeof(thread_mutex) == sizeof(std::mutex));
#endif

inline std::int64_t nanotime() noexcept {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

}  // namespace gort::internal
