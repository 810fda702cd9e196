// Copyright 2026 The gort Authors.
//
// The scheduler's side of the timers (sleeper.cpp has the design). Internal. check_timers is
// inline: the schedule loop calls it on every pass, and it is one relaxed load when the P has
// no timer.

#pragma once

#include <atomic>
#include <cstdint>
#include <vector>

#include "sched/runtime.hpp"
#include "time/timer.hpp"

namespace gort::internal {

// check_timers runs pp's due timers (Go's checkTimers): one relaxed load when it has none.
inline void check_timers(p* pp) {
  std::int64_t w = pp->timers.when0.load(std::memory_order_relaxed);
  if (w == 0) return;
  std::int64_t now = nanotime();
  if (now >= w) run_timers(&pp->timers, now);
}

// run_all_due_timers runs the due timers of every P (an idle P's, or a busy one's whose M is
// deep in a goroutine). Returns whether any fired. Inline: an M whose queues are empty calls it
// on every pass, and it is one relaxed load per P when no timer is armed.
inline bool run_all_due_timers() {
  std::int64_t now = 0;
  int fired = 0;
  for (p* pp : sched.allp) {
    std::int64_t w = pp->timers.when0.load(std::memory_order_relaxed);
    if (w == 0) continue;
    if (now == 0) now = nanotime();
    if (now >= w) fired += run_timers(&pp->timers, now);
  }
  return fired > 0;
}

// poll_sleep: mp (holding no P, with nothing to run) sleeps in the netpoller until the earliest
// timer or a network event, unless another M already does. Returns true with a P acquired when mp
// should look for work again, and in *polled the goroutines the netpoller readied, for the caller
// to run (sleeper.cpp).
bool poll_sleep(m* mp, g** polled);
// wake_sleeper wakes the sleeping M (shutdown).
void wake_sleeper();

}  // namespace gort::internal
