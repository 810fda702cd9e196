// Copyright 2026 The gort Authors.
//
// sema: a counting semaphore that parks goroutines (or sleeps plain threads), as an object: a
// counter plus the runtime's semaphore table (Go's semacquire / semrelease, src/sync/sync.cpp).
// Used by white-box tests and benchmarks of the scheduler. Internal.
//
// release() wakes the oldest waiter; as in Go, a goroutine arriving meanwhile may take the unit
// first, and the woken one then waits again at the front of the queue.
//
// Thread safety: all members may be called from any goroutine or thread.

#pragma once

#include <atomic>
#include <cstdint>

#include <gort/sync.hpp>

namespace gort::internal {

class sema {
 public:
  explicit sema(std::uint32_t initial = 0) : count_(initial) {}
  sema(const sema&) = delete;
  sema& operator=(const sema&) = delete;

  // acquire takes one unit, blocking (parking the goroutine, or sleeping the thread) while
  // there is none. `reason` is the wait reason shown in crash reports.
  void acquire(const char* reason = "semacquire") { semacquire(&count_, false, reason); }

  // try_acquire takes a unit if one is available now.
  bool try_acquire() {
    std::uint32_t v = count_.load(std::memory_order_relaxed);
    while (v != 0)
      if (count_.compare_exchange_weak(v, v - 1, std::memory_order_acquire)) return true;
    return false;
  }

  // release gives one unit, waking the oldest waiter if any.
  void release() { semrelease(&count_, false); }

 private:
  std::atomic<std::uint32_t> count_;
};

}  // namespace gort::internal
