// Copyright 2026 The gort Authors.
//
// The scheduler's counters (gort::stats' scheduler half; pool.cpp keeps the registry of threads
// and the totals of finished runs).
//
// Each P counts what it does in its own sched_counters, written by the owner only (no atomic
// read-modify-write on the hot paths); readers sum them with relaxed loads, so a snapshot taken
// while the runtime runs is approximate, and exact once run returned (teardown rolls everything
// into the finished totals). Each G counts its frame-core work in its defer_state.
//
// Locks: add_sched_stats holds allg_lock, under which teardown clears `running`: a reader never
// walks Gs or Ps being freed.

#include <cstdint>

#include "sched/proc.hpp"
#include "sched/runtime.hpp"
#include "sched/sched.hpp"

namespace gort::internal {

// live_goroutines counts goroutines started and not finished: each P counts the ones it started
// and the ones that ended on it (a goroutine may end on another P than its creator's).
std::uint64_t live_goroutines() {
  std::uint64_t started = sched.created_external.load(std::memory_order_relaxed);
  std::uint64_t ended = 0;
  for (p* pp : sched.allp) {
    started += pp->count.goroutines_created.get();
    ended += pp->count.goroutines_exited.get();
  }
  return started - ended;
}

void add_p_counters(runtime_stats& s, p* pp) {
#define GORT_ADD(name, meaning) s.name += pp->count.name.get();
  GORT_SCHED_COUNTERS(GORT_ADD)
#undef GORT_ADD
}

void add_sched_stats(runtime_stats& s) {
  lock_guard lock(sched.allg_lock);
  if (!sched.running.load(std::memory_order_acquire)) return;
  for (g* gp : sched.allgs) add_counters(s, gp->st.count);
  for (p* pp : sched.allp) add_p_counters(s, pp);
  s.goroutines_created += sched.created_external.load(std::memory_order_relaxed);
  s.goroutines_live += live_goroutines();
}

}  // namespace gort::internal
