// Copyright 2026 The gort Authors.
//
// Go's sync package: mutex, rwmutex, waitgroup, once, cond. Each parks the waiting goroutine
// (never its OS thread) on the runtime's semaphore table (src/sync/sync.cpp, Go's sema.go); on a
// thread that is not a goroutine the same calls block the thread. The algorithms are Go's:
// the mutex has a normal mode (woken waiters compete with new arrivals, which usually win) and a
// starvation mode (after a waiter has waited more than 1 ms, ownership is handed directly to the
// oldest waiter). All types are zero-initialised ready to use, and none may be copied or moved.
//
// Example:
//
//   gort::mutex mu;
//   gort::waitgroup wg;
//   int n = 0;
//   for (int i = 0; i < 100; ++i) {
//     wg.add(1);
//     gort::go([&] { std::lock_guard lock(mu); ++n; wg.done(); });
//   }
//   wg.wait();  // n == 100
//
// Misuse as in Go: unlock of an unlocked mutex is a fatal error ("fatal error: sync: unlock of
// unlocked mutex", exit status 2), as are rwmutex's unlock and unlock_shared misuse; a negative
// waitgroup counter panics with "sync: negative WaitGroup counter".

#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <utility>

#include <gort/detail/sync_core.hpp>
#include <gort/detail/wait_reason.hpp>

namespace gort {

// mutex is a mutual exclusion lock (Go's sync.Mutex); it meets Lockable, so std::lock_guard and
// std::unique_lock work. It is not recursive and not tied to a goroutine: any goroutine may
// unlock it.
class mutex {
 public:
  constexpr mutex() noexcept = default;
  mutex(const mutex&) = delete;
  mutex& operator=(const mutex&) = delete;

  // lock blocks (parks) until the mutex is free, then takes it.
  void lock() {
    std::int32_t unlocked = 0;
    if (state_.compare_exchange_strong(unlocked, kLocked, std::memory_order_acquire)) return;
    lock_slow();
  }
  // try_lock takes the mutex if it is free now; never blocks.
  [[nodiscard]] bool try_lock() noexcept {
    std::int32_t old = state_.load(std::memory_order_relaxed);
    if (old & (kLocked | kStarving)) return false;
    return state_.compare_exchange_strong(old, old | kLocked, std::memory_order_acquire);
  }
  // unlock releases the mutex. Fatal error if it is not locked.
  void unlock() {
    std::int32_t now = state_.fetch_sub(kLocked, std::memory_order_release) - kLocked;
    if (now != 0) unlock_slow(now);
  }

 private:
  friend struct mutex_test_access;
  static constexpr std::int32_t kLocked = 1;
  static constexpr std::int32_t kWoken = 2;
  static constexpr std::int32_t kStarving = 4;
  static constexpr std::int32_t kWaiterShift = 3;
  void lock_slow();
  void unlock_slow(std::int32_t now);

  std::atomic<std::int32_t> state_{0};  // kLocked | kWoken | kStarving | waiters << kWaiterShift
  std::atomic<std::uint32_t> sema_{0};
};

// rwmutex is a reader/writer lock (Go's sync.RWMutex): any number of readers or one writer. A
// blocked lock() keeps new readers out, so writers are not starved. Meets SharedLockable.
class rwmutex {
 public:
  constexpr rwmutex() noexcept = default;
  rwmutex(const rwmutex&) = delete;
  rwmutex& operator=(const rwmutex&) = delete;

  // lock_shared blocks while a writer holds or waits for the lock.
  void lock_shared() {
    if (reader_count_.fetch_add(1, std::memory_order_acquire) + 1 < 0)
      internal::semacquire(&reader_sem_, false, internal::wait_reason::sync_rwmutex_rlock);
  }
  // try_lock_shared takes a read lock if no writer holds or waits for the lock; never blocks.
  [[nodiscard]] bool try_lock_shared() noexcept;
  // unlock_shared releases a read lock; fatal error without one.
  void unlock_shared() {
    std::int32_t r = reader_count_.fetch_sub(1, std::memory_order_release) - 1;
    if (r < 0) unlock_shared_slow(r);
  }
  // lock blocks until no reader or writer holds the lock.
  void lock();
  // try_lock takes the write lock if no reader or writer holds it now; never blocks.
  [[nodiscard]] bool try_lock() noexcept;
  // unlock releases the write lock; fatal error if it is not held.
  void unlock();

 private:
  static constexpr std::int32_t kMaxReaders = 1 << 30;
  void unlock_shared_slow(std::int32_t r);

  mutex w_;                                    // held by a writer (pending or active)
  std::atomic<std::uint32_t> writer_sem_{0};   // the writer waits for departing readers
  std::atomic<std::uint32_t> reader_sem_{0};   // readers wait for the writer
  std::atomic<std::int32_t> reader_count_{0};  // readers; minus kMaxReaders while a writer waits
  std::atomic<std::int32_t> reader_wait_{0};   // departing readers the writer still waits for
};

// waitgroup waits for a collection of goroutines to finish (Go's sync.WaitGroup).
class waitgroup {
 public:
  constexpr waitgroup() noexcept = default;
  waitgroup(const waitgroup&) = delete;
  waitgroup& operator=(const waitgroup&) = delete;

  // add adds n (may be negative) to the counter; at zero, every wait() returns. A negative
  // counter panics with "sync: negative WaitGroup counter".
  void add(int n);
  // done is add(-1).
  void done() { add(-1); }
  // wait blocks until the counter is zero.
  void wait();

 private:
  std::atomic<std::uint64_t> state_{0};  // counter << 32 | waiters
  std::atomic<std::uint32_t> sema_{0};
};

// once runs a function once (Go's sync.Once): the first call(f) runs f; the others wait until it
// returned, then return without calling theirs. If f panics, the once counts as done.
class once {
 public:
  constexpr once() noexcept = default;
  once(const once&) = delete;
  once& operator=(const once&) = delete;

  template <class F>
  void call(F&& f) {
    if (done_.load(std::memory_order_acquire) != 0) return;
    std::lock_guard<mutex> lock(m_);
    if (done_.load(std::memory_order_relaxed) != 0) return;
    struct mark {
      std::atomic<std::uint32_t>& done;
      ~mark() { done.store(1, std::memory_order_release); }
    } guard{done_};
    std::forward<F>(f)();
  }

 private:
  std::atomic<std::uint32_t> done_{0};
  mutex m_;
};

// cond is a condition variable (Go's sync.Cond) usable with any lock that has lock()/unlock()
// (gort::mutex, rwmutex, std::unique_lock<gort::mutex>, ...).
class cond {
 public:
  constexpr cond() noexcept = default;
  cond(const cond&) = delete;
  cond& operator=(const cond&) = delete;

  // wait unlocks lk, parks until signal() or broadcast() wakes it, and locks lk again before it
  // returns. As in Go, a woken waiter must re-check its condition.
  template <class Lock>
  void wait(Lock& lk) {
    std::uint32_t t = internal::notify_list_add(&list_);
    lk.unlock();
    internal::notify_list_wait(&list_, t);
    lk.lock();
  }
  // signal wakes the longest-waiting waiter, if any.
  void signal() { internal::notify_list_notify_one(&list_); }
  // broadcast wakes every waiter.
  void broadcast() { internal::notify_list_notify_all(&list_); }

 private:
  internal::notify_list list_;
};

}  // namespace gort
