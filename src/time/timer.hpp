// Copyright 2026 The gort Authors.
//
// Timers: records and the heaps that hold them (see timers.cpp for the design). Internal.

#pragma once

#include <atomic>
#include <cstdint>
#include <vector>

#include "sched/lock.hpp"

namespace gort::internal {

struct hchan;
struct timer_heap;

// One timer (Go's runtime timer). Owned by reference count: the user's handle (gort::timer,
// gort::ticker) holds one, the heap holds one while the timer is queued, and a firing holds one
// until its callback returns. A goroutine's sleep timer lives in its G and is never freed.
//
// Thread safety: stop, reset and dropping the handle may run on any goroutine or thread at once,
// and at the same time as the timer fires on another P. `modify_lock` serialises them; firing
// (run_timers) takes only the heap's lock. modify_lock ranks before the heaps' locks
// (src/sched/lockrank.hpp).
struct timer_rec {
  // Deadline (nanotime; INT64_MAX: never) and period (> 0: re-armed at each firing, tickers).
  // Both are written under the lock of the heap the timer is being pushed on (timer_add) or is
  // queued on (run_timers re-arms a ticker), and read under that lock (run_timers, stop and reset):
  // while the timer is on no heap only the holder of modify_lock touches them.
  std::int64_t when = 0;
  std::int64_t period = 0;
  // Runs when the timer fires, on a scheduler stack or the outside timer thread: must not block.
  // fn, run, arg, free_arg and c are set when the record is made and never change (a sleep
  // timer's fn and arg are set by its goroutine while the timer is on no heap).
  void (*fn)(timer_rec* t, std::int64_t now) = nullptr;
  void (*run)(void*) = nullptr;  // after_func: the function and its callable
  void* arg = nullptr;
  void (*free_arg)(void*) = nullptr;  // called when the record dies
  hchan* c = nullptr;                 // channel timers: the channel (one reference)
  // The heap it is queued on, or nullptr. Written under that heap's lock; read first without it
  // (acquire) to know which lock to take, then checked again under it.
  std::atomic<timer_heap*> heap{nullptr};
  std::int32_t idx = -1;     // position in heap->v; guarded by the heap's lock
  std::atomic<int> refs{1};  // see above
  bool embedded = false;     // lives in a G: not counted, never freed
  // Firings whose callback is running (a send, a goroutine start; several when reset moved the
  // timer to another P meanwhile). Raised by run_timers under the heap's lock before it takes the
  // timer off (or moves it in) the heap, lowered (release) once the callback returned; stop and
  // reset wait (acquire) for 0 after taking the timer off its heap, so that nothing is sent after
  // they return. Not counted for embedded (sleep) timers.
  std::atomic<int> firing{0};
  // Held by stop, reset and the handle's release for their whole remove-then-add, so that two
  // of them cannot interleave (two resets would add the record twice). A spin lock: one atomic
  // exchange and a store when uncontended, and the section never blocks for long (a heap lock).
  spin_lock modify_lock{lock_rank::timer_modify};
};

// when_after is the deadline `delay` ns from now (Go's when()): now for delay <= 0, and
// INT64_MAX, a deadline never reached, when now + delay would overflow.
inline std::int64_t when_after(std::int64_t delay) noexcept {
  std::int64_t now = nanotime();
  if (delay <= 0) return now;
  std::int64_t when;
  if (__builtin_add_overflow(now, delay, &when)) return INT64_MAX;
  return when;
}

// A min-heap of timers on `when`, one per P (and one for threads outside the runtime).
struct timer_heap {
  runtime_lock lock{lock_rank::timers};
  std::vector<timer_rec*> v GORT_GUARDED_BY(lock);
  // Earliest `when` in the heap, 0 when empty: read without the lock by the scheduler to decide
  // whether to look (written under lock, seq_cst: the idle M's last look pairs with timer_add).
  std::atomic<std::int64_t> when0{0};
};

struct p;

// Arms t, which is on no heap, to fire at `when` on the current P's heap (from a thread outside
// the runtime: the outside timer thread's heap). `from_scheduler`: called on g0 by the M that
// will look for work next, so no other M needs waking. REQUIRES: t->modify_lock, or t not yet
// shared (a new timer; a sleep timer, which only its goroutine arms).
void timer_add(timer_rec* t, std::int64_t when, bool from_scheduler = false);
// Runs h's timers due at `now`; returns how many fired.
int run_timers(timer_heap* h, std::int64_t now);
// Drops every timer of h (the runtime is ending).
void clear_timers(timer_heap* h) noexcept;
// The earliest timer over every P's heap, 0 when there is none.
std::int64_t earliest_timer() noexcept;
// Whether a P other than own has a timer pending (own's M runs its own at each schedule).
bool timers_pending_except(const p* own) noexcept;
bool outside_timers_pending() noexcept;
long outside_timer_tid() noexcept;

}  // namespace gort::internal
