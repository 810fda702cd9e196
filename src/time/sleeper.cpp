// Copyright 2026 The gort Authors.
//
// The timer sleeper: the glue between the timer heaps (timers.cpp) and the scheduler's idle Ms
// (Go's M blocked in netpoll with a timeout, findrunnable's pollUntil).
//
// Terms.
//   sleeper     the one idle M (holding no P) that sleeps on sched.timer_note until the earliest
//               timer of all Ps. Other idle Ms park on their own notes as usual.
//   poll_until  the sleeper's deadline (INT64_MAX while it computes it).
//
// Protocol. Arming a timer calls wake_for_timer: if a sleeper sleeps past the new deadline it is
// woken to sleep again for the earlier one; with no sleeper, wakep starts an idle P's M, which
// runs the timer when due or becomes the sleeper. timer_sleeping and poll_until are seq_cst: the
// sleeper publishes its deadline, then re-reads the heaps (earliest_timer); an arming thread
// pushes its timer, then reads the deadline; one of the two sees the other.
//
// Invariants. At most one sleeper (timer_sleeping is exchanged to true). The sleeper counts as
// a busy M for checkdead (it is not on the idle list), so a pending timer is never a deadlock.
// On waking, the sleeper takes an idle P and looks for work; with every P busy it gives up, as
// each P runs its own due timers at each schedule (check_timers).
//
// Locks: sched.lock only to take an idle P; the heaps' locks are taken by timers.cpp.

#include <climits>
#include <cstdint>

#include "sched/proc.hpp"
#include "sched/runtime.hpp"
#include "sched/sched.hpp"
#include "time/sleeper.hpp"
#include "time/timer.hpp"

namespace gort::internal {

void wake_for_timer(std::int64_t when) {
  if (sched.timer_sleeping.load(std::memory_order_seq_cst)) {
    if (when < sched.poll_until.load(std::memory_order_seq_cst)) sched.timer_note.wakeup();
    return;
  }
  wakep();  // an idle P's M will find the timer and become the sleeper
}

void wake_for_removed_timer(std::int64_t when) {
  if (sched.timer_sleeping.load(std::memory_order_seq_cst) &&
      when <= sched.poll_until.load(std::memory_order_seq_cst))
    sched.timer_note.wakeup();
}

// timer_sleep: mp (holding no P, with nothing to run) sleeps until the earliest timer, unless
// another M already does. Returns true with a P acquired when mp should look for work again.
bool timer_sleep(m* mp) {
  std::int64_t next = earliest_timer();
  if (next == 0) return false;
  if (sched.timer_sleeping.exchange(true, std::memory_order_seq_cst)) {
    // Another M sleeps for the timers: make it look again if ours comes first.
    if (next < sched.poll_until.load(std::memory_order_seq_cst)) sched.timer_note.wakeup();
    return false;
  }
  sched.poll_until.store(INT64_MAX, std::memory_order_seq_cst);
  sched.timer_note.clear();
  while (!sched.done.load(std::memory_order_acquire)) {
    // Recomputed after every wakeup: whoever woke us armed its timer before waking us.
    next = earliest_timer();
    if (next == 0) break;
    sched.poll_until.store(next, std::memory_order_seq_cst);
    std::int64_t now = nanotime();
    if (next <= now || !sched.timer_note.sleep_for(next - now)) break;
    sched.timer_note.clear();
  }
  sched.timer_sleeping.store(false, std::memory_order_seq_cst);
  if (sched.done.load(std::memory_order_acquire)) return false;
  p* got;
  {
    lock_guard lock(sched.lock);
    got = pidleget_locked();
  }
  if (got == nullptr) return false;  // every P is busy: each runs its own timers when it schedules
  acquirep(mp, got);
  return true;
}

}  // namespace gort::internal
