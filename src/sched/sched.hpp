// Copyright 2026 The gort Authors.
//
// The scheduler's internal interface for the rest of the runtime (channels, sync, timers, the
// netpoller) and for white-box tests: park a goroutine, ready it again. The G and P states and
// their transition helpers (casgstatus, caspstatus) are in status.hpp, included with
// runtime.hpp. Internal.

#pragma once

#include <gort/frame.hpp>

#include "sched/runtime.hpp"

namespace gort::internal {

// park suspends the current goroutine with `reason` (shown in crash reports; `label` is the text
// of wait_reason::labelled). Once its stack is off the CPU, the scheduler calls unlockf(gp, arg)
// on its own stack: typically it releases the lock that protects the wait queue gp was put on.
// If unlockf returns false the goroutine is made runnable again at once. Returns when someone
// calls ready(gp). REQUIRES: on a goroutine.
void park(bool (*unlockf)(g*, void*), void* arg, wait_reason reason, const char* label = nullptr);
// For white-box tests only (the runtime names a wait_reason): parks with wait_reason::labelled.
inline void park(bool (*unlockf)(g*, void*), void* arg, const char* label) {
  park(unlockf, arg, wait_reason::labelled, label);
}

// wait_reason_text is what a report prints for parked gp.
inline const char* wait_reason_text(const g* gp) noexcept {
  return gp->waitreason == wait_reason::labelled ? gp->wait_label
                                                 : wait_reason_string(gp->waitreason);
}

// ready makes a parked goroutine runnable: on the caller's P (in runnext, so it runs next, as
// Go's goready does) or, from a thread without a P, on the global queue. Wakes an idle P's M.
void ready(g* gp);

// start_goroutine_parked starts gp, a goroutine from new_goroutine, parked (idle -> waiting,
// with `reason`) instead of runnable: it first runs when someone readies it, and holds no stack
// until then when its callable fits in the G. The caller must already have put it where its
// waker finds it, or do so before anything else can see it (the netpoller's
// poll_start_when_ready). Not traced here: the tracer describes it at its unblock.
void start_goroutine_parked(g* gp, wait_reason reason);

// wakep starts a spinning M when a P is idle and nobody is spinning yet (proc.cpp).
void wakep();
// wakep_ordered is wakep without its StoreLoad fence, for a caller whose work was published by a
// seq_cst read-modify-write (ready's runnext exchange).
void wakep_ordered();
// wake_for_timer makes sure some M will run a timer armed for `when`: the timer sleeper if it
// sleeps past it, else an idle P's M.
void wake_for_timer(std::int64_t when);
// wake_for_removed_timer wakes the timer sleeper if it sleeps for a timer at `when` just removed.
void wake_for_removed_timer(std::int64_t when);
void add_p_counters(runtime_stats& s, p* pp);
// inject_glist makes runnable the goroutines of `list` (linked through g::schedlink, each
// gstatus::waiting: the netpoller's), on pp's local queue (pp: the caller's own P) or, with
// pp == nullptr, on the global queue; then wakes an idle P's M for them (Go's injectglist).
void inject_glist(p* pp, g* list);
// inject_glist_locked queues them globally. REQUIRES: sched.lock; the caller wakes Ms after.
void inject_glist_locked(g* list) GORT_REQUIRES(sched.lock);
void clear_goroutine_state(g* gp) noexcept;

}  // namespace gort::internal
