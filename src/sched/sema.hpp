// Copyright 2026 The gort Authors.
//
// sema: a counting semaphore object that parks goroutines, for the scheduler's own waits and its
// white-box tests and benchmarks. Internal.
//
// release() hands its unit straight to the oldest waiter (FIFO, no barging), so a woken waiter
// never finds the count taken by someone else and never re-checks. That is cheaper than the sync
// package's semaphores (src/sync/sync.cpp, Go's semtable: the unit goes to the count and a woken
// waiter competes for it, which Go's mutex relies on) by three atomic read-modify-writes per
// wait, which the spawn+wait benchmarks measure. A thread that is not a goroutine may wait too:
// it sleeps on a futex note instead of parking.
//
// Thread safety: all members may be called from any goroutine or thread. lock_ guards count_ and
// the waiter list; it is released by park's unlock function, after the goroutine's switch.

#pragma once

#include <cstdint>
#include <mutex>

#include "sched/lock.hpp"
#include "sched/runtime.hpp"
#include "sched/sched.hpp"

namespace gort::internal {

class sema {
 public:
  explicit sema(std::uint32_t initial = 0) : count_(initial) {}
  sema(const sema&) = delete;
  sema& operator=(const sema&) = delete;

  // acquire takes one unit, blocking (parking the goroutine, or sleeping the thread) while
  // there is none, with wait reason semacquire in crash reports. acquire(label) shows `label`
  // instead (wait_reason::labelled), so that a white-box test can tell its goroutines apart.
  void acquire() { acquire_labelled(wait_reason::semacquire, nullptr); }
  void acquire(const char* label) { acquire_labelled(wait_reason::labelled, label); }

  // try_acquire takes a unit if one is available now.
  bool try_acquire() {
    lock_guard lock(lock_);
    if (count_ == 0) return false;
    --count_;
    return true;
  }

  // release gives one unit: to the oldest waiter if any (made runnable), else to the count.
  void release() {
    lock_.lock();
    waiter* w = head_;
    if (w == nullptr) {
      ++count_;
      lock_.unlock();
      return;
    }
    head_ = w->next;
    if (head_ == nullptr) tail_ = nullptr;
    g* gp = w->gp;
    if (gp == nullptr) {
      w->thread_note.wakeup();  // before unlock: w lives on the sleeper's stack
      lock_.unlock();
      return;
    }
    lock_.unlock();
    ready(gp);
  }

 private:
  // acquire_labelled is both acquires' body.
  void acquire_labelled(wait_reason reason, const char* label) {
    lock_.lock();
    if (count_ > 0) {
      --count_;
      lock_.unlock();
      return;
    }
    waiter w;
    w.gp = current_g();
    if (tail_ != nullptr)
      tail_->next = &w;
    else
      head_ = &w;
    tail_ = &w;
    if (w.gp != nullptr) {
      park_unlocking(reason, label);
    } else {
      lock_.unlock();
      w.thread_note.sleep();
    }
  }

  struct waiter {
    g* gp = nullptr;
    note thread_note;
    waiter* next = nullptr;
  };

  // Not analysed: the lock comes through park's void* (taken by park_unlocking's caller).
  static bool unlock_after_park(g*, void* lock) GORT_NO_THREAD_SAFETY_ANALYSIS {
    static_cast<spin_lock*>(lock)->unlock();
    return true;
  }
  // park_unlocking parks the goroutine; the scheduler drops lock_ on g0 (not analysed: it is
  // dropped there, by unlock_after_park).
  void park_unlocking(wait_reason reason, const char* label)
      GORT_RELEASE(lock_) GORT_NO_THREAD_SAFETY_ANALYSIS {
    park(&unlock_after_park, &lock_, reason, label);
  }

  // Short sections that never block: a plain-store unlock (lock.hpp).
  spin_lock lock_{lock_rank::sema};
  std::uint32_t count_ GORT_GUARDED_BY(lock_);
  waiter* head_ GORT_GUARDED_BY(lock_) = nullptr;
  waiter* tail_ GORT_GUARDED_BY(lock_) = nullptr;
};

}  // namespace gort::internal
