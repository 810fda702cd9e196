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
struct timer_rec {
  std::int64_t when = 0;    // deadline (nanotime); guarded by the heap's lock while queued
  std::int64_t period = 0;  // > 0: re-armed at each firing (tickers)
  // Runs when the timer fires, on a scheduler stack or the outside timer thread: must not block.
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
};

// A min-heap of timers on `when`, one per P (and one for threads outside the runtime).
struct timer_heap {
  runtime_lock lock;
  std::vector<timer_rec*> v;  // guarded by lock
  // Earliest `when` in the heap, 0 when empty: read without the lock by the scheduler to decide
  // whether to look (written under lock, seq_cst: the idle M's last look pairs with timer_add).
  std::atomic<std::int64_t> when0{0};
};

struct p;

// Arms t to fire at `when` on the current P's heap (from a thread outside the runtime: the
// outside timer thread's heap). `from_scheduler`: called on g0 by the M that will look for work
// next, so no other M needs waking.
void timer_add(timer_rec* t, std::int64_t when, bool from_scheduler = false);
bool timer_del(timer_rec* t) noexcept;
// Runs h's timers due at `now`; returns how many fired.
int run_timers(timer_heap* h, std::int64_t now);
// Drops every timer of h (the runtime is ending).
void clear_timers(timer_heap* h) noexcept;
// The earliest timer over every P's heap, 0 when there is none.
std::int64_t earliest_timer() noexcept;
bool outside_timers_pending() noexcept;
long outside_timer_tid() noexcept;

}  // namespace gort::internal
