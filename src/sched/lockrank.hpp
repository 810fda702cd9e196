// Copyright 2026 The gort Authors.
//
// Lock ranks: the one list of the order in which the runtime's locks may be taken (Go's
// runtime/lockrank.go). Every runtime lock is made with its rank (lock.hpp). A thread may take a
// lock only if its rank is above the rank of every lock it holds already: the list below, read
// top to bottom, is the only order in which two locks are ever held together, so no two threads
// can wait for each other. Comments elsewhere point here rather than repeat the list.
//
// The order (each rank: the lock, and what is taken while it is held):
//
//   registry      registry_mu (src/defer/pool.cpp): the thread registry and the exited-threads
//                 totals. stats() holds it while it sums the running runtime's (allg).
//   poll_desc     poll_desc::lock (src/netpoll/netpoll.cpp): one fd's deadlines, closing flag and
//                 deadline timers; a deadline change resets its timer under it (timer_modify).
//                 Waiters are readied after it is dropped.
//   timer_modify  timer_rec::modify_lock (src/time/timer.hpp): a timer's stop, reset or release,
//                 across its remove-then-add (timers).
//   timers        timer_heap::lock: a P's timer heap, or the outside timer thread's. Taken by
//                 arming, stopping and firing; a callback runs after it is dropped.
//   hchan         hchan::lock (src/chan/chan.cpp): a channel. The one rank that nests with
//                 itself: select holds all its channels' locks at once, taken in address order
//                 (Go's sellock, lockRankHchan held twice).
//   sema_root     sem_root::lock (src/sync/sync.cpp): a semtable bucket (sync.mutex, rwmutex,
//                 waitgroup, cond's notify lists).
//   sema          sema::lock_ (src/sched/sema.hpp): the scheduler's own semaphore object.
//   sched         sched.lock: the global run queue, the idle P and M lists, the M list. Taken
//                 by ready (from a thread without a P), wakep, startm, stopm. Holds allg while
//                 checkdead reports.
//   allg          sched.allg_lock: every G, the G slabs.
//   gfree         sched.free_lock: the global lists of dead Gs and free stacks.
//   stack         stack_lock (src/sched/stack.cpp): the stack arenas.
//   global_pool   global_pool_mu (src/defer/pool.cpp): the global defer-chunk pool.
//   poll_cache    the free list of poll descriptors (src/netpoll/netpoll.cpp). A leaf.
//
// Where the order is not forced (two locks never held together, e.g. timers and hchan, or the
// leaves gfree, stack and global_pool) the list still orders them, so that adding a nesting
// later means moving a line here, where it is seen.
//
// The no-ready rule (Go's chan.go: "do not change another G's status while holding this lock").
// A goroutine is never readied while a channel or semaphore lock (hchan, sema_root, sema) is
// held: whoever dequeues a waiter unlocks first and readies after. These are spin locks whose
// waiters spin, so their sections must stay short, and ready may take sched.lock and wake or
// even start an M (wakep); it also keeps them leaves of the order, as the list shows. (Go's own
// reason, stack shrinking, does not apply: gort's stacks never move.) ready() checks it.
//
// Checks. With GORT_RUNTIME_CHECKS (checks.hpp: debug builds) each thread keeps the ranks it
// holds (lockrank.cpp). Taking a lock out of order stops the program with
//   fatal error: lock ordering problem: <held> held while acquiring <new>
// and ready() under a channel or semaphore lock with
//   fatal error: ready of a goroutine while holding lock <held>
// (runtime_throw, which adds the stack). A lock is released on the thread that took it: park's
// unlock function runs on the same M's g0, on the same thread as the goroutine that took the
// lock, right after its switch; and no runtime lock is held across any other switch, so a
// goroutine never moves to another thread holding one (execute checks that the M holds none
// when it runs a goroutine and when the goroutine hands back, park's unlock function included).
// Without the checks, the rank is not even stored: locks are as small and fast as without ranks.
// Internal.

#pragma once

#include <cstdint>

#include "sched/checks.hpp"

namespace gort::internal {

enum class lock_rank : std::uint8_t {
  registry,
  poll_desc,
  timer_modify,
  timers,
  hchan,
  sema_root,
  sema,
  sched,
  allg,
  gfree,
  stack,
  global_pool,
  poll_cache,
};

constexpr const char* lock_rank_name(lock_rank r) noexcept {
  switch (r) {
    case lock_rank::registry:
      return "registry";
    case lock_rank::poll_desc:
      return "poll_desc";
    case lock_rank::timer_modify:
      return "timer_modify";
    case lock_rank::timers:
      return "timers";
    case lock_rank::hchan:
      return "hchan";
    case lock_rank::sema_root:
      return "sema_root";
    case lock_rank::sema:
      return "sema";
    case lock_rank::sched:
      return "sched";
    case lock_rank::allg:
      return "allg";
    case lock_rank::gfree:
      return "gfree";
    case lock_rank::stack:
      return "stack";
    case lock_rank::global_pool:
      return "global_pool";
    case lock_rank::poll_cache:
      return "poll_cache";
  }
  return "?";
}

// Whether several locks of rank r may be held at once (taken in increasing address order).
constexpr bool lock_rank_nests(lock_rank r) noexcept {
  return r == lock_rank::hchan;
}

// Whether holding a lock of rank r forbids readying a goroutine (the no-ready rule above).
constexpr bool lock_rank_forbids_ready(lock_rank r) noexcept {
  return r == lock_rank::hchan || r == lock_rank::sema_root || r == lock_rank::sema;
}

#if GORT_RUNTIME_CHECKS
// The per-thread bookkeeping (lockrank.cpp). Out of line on purpose: each call reads this
// thread's state afresh, also in a function that switched goroutines (and threads) since.
//
// lockrank_acquire checks that `lock` (of rank r) may be taken now, then records it: call before
// taking it. lockrank_acquired records a lock taken without waiting (try_lock), which cannot
// deadlock and is not checked. lockrank_release forgets it: call before dropping it.
void lockrank_acquire(lock_rank r, const void* lock) noexcept;
void lockrank_acquired(lock_rank r, const void* lock) noexcept;
void lockrank_release(lock_rank r, const void* lock) noexcept;
// The no-ready rule: throws if this thread holds a lock whose rank forbids readying.
void lockrank_check_ready() noexcept;
// Throws (naming `what` and the highest lock held) if this thread holds any runtime lock.
void lockrank_check_none_held(const char* what) noexcept;
// How many locks this thread holds (a select's channels count once each): for tests.
int lockrank_held_count() noexcept;
#define GORT_LOCKRANK_CHECK_READY() ::gort::internal::lockrank_check_ready()
#define GORT_LOCKRANK_CHECK_NONE_HELD(what) ::gort::internal::lockrank_check_none_held(what)
#else
#define GORT_LOCKRANK_CHECK_READY() ((void)0)
#define GORT_LOCKRANK_CHECK_NONE_HELD(what) ((void)0)
#endif

}  // namespace gort::internal
