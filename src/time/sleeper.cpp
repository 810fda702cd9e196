// Copyright 2026 The gort Authors.
//
// The poll sleeper: the one place an idle M sleeps with work pending, until the earliest timer or
// until the netpoller reports a goroutine ready (Go's findrunnable blocking in netpoll with
// pollUntil). It absorbed the timer sleeper that used to sleep on a futex: timers and the network
// now share one wait, epoll_wait (src/netpoll/, netpoll_epoll.cpp), broken by an eventfd
// (netpoll_break, Go's netpollBreak).
//
// Terms.
//   sleeper     the one idle M (holding no P, with nothing to run) blocked in netpoll until the
//               earliest timer of all Ps, or without a deadline when only the network can wake
//               someone (netpoll_waiters > 0). Other idle Ms park on their own notes as usual.
//   poll_until  the sleeper's deadline (INT64_MAX while it computes it, or with no timer).
//
// Protocol. Arming a timer calls wake_for_timer: if a sleeper sleeps past the new deadline it is
// woken (netpoll_break) to sleep again for the earlier one; with no sleeper, wakep starts an idle
// P's M, which runs the timer when due or becomes the sleeper. timer_sleeping and poll_until are
// seq_cst: the sleeper publishes its deadline, then re-reads the heaps (earliest_timer); an arming
// thread pushes its timer, then reads the deadline; one of the two sees the other. The break is
// sticky (an eventfd, drained by the next wait), so a break sent before the sleeper blocks is not
// lost. A goroutine that parks on the network raises netpoll_waiters on g0 before its M looks for
// work again, so the last M to go idle sees it and becomes the sleeper.
//
// Invariants. At most one sleeper (timer_sleeping is exchanged to true). The sleeper counts as
// a busy M for checkdead (it is not on the idle list), so a pending timer or a goroutine parked
// on the network is never a deadlock. On waking with goroutines from the poller, the sleeper
// takes an idle P and runs them (or, with every P busy, queues them globally); on waking for a
// timer it takes an idle P and looks for work; with every P busy it gives up, as each P runs its
// own due timers at each schedule (check_timers).
//
// Locks: sched.lock only to take an idle P and to queue goroutines globally; the heaps' locks
// are taken by timers.cpp.

#include <climits>
#include <cstdint>

#include "netpoll/netpoll.hpp"
#include "sched/proc.hpp"
#include "sched/runtime.hpp"
#include "sched/sched.hpp"
#include "time/sleeper.hpp"
#include "time/timer.hpp"

namespace gort::internal {

void wake_for_timer(std::int64_t when) {
  if (sched.timer_sleeping.load(std::memory_order_seq_cst)) {
    if (when < sched.poll_until.load(std::memory_order_seq_cst)) netpoll_break();
    return;
  }
  wakep();  // an idle P's M will find the timer and become the sleeper
}

void wake_for_removed_timer(std::int64_t when) {
  if (sched.timer_sleeping.load(std::memory_order_seq_cst) &&
      when <= sched.poll_until.load(std::memory_order_seq_cst))
    netpoll_break();
}

void wake_sleeper() {
  netpoll_break();
}

// poll_sleep: mp (holding no P, with nothing to run) sleeps in the netpoller until the earliest
// timer or a network event, unless another M already does or nothing could wake anyone. Returns
// true with a P acquired when mp should look for work again, with *polled the goroutines the
// netpoller readied (still waiting: the caller runs the first and queues the others).
bool poll_sleep(m* mp, g** polled) {
  std::int64_t next = earliest_timer();
  if (next == 0 && netpoll_waiters() <= 0) return false;
  if (sched.timer_sleeping.exchange(true, std::memory_order_seq_cst)) {
    // Another M sleeps: make it look again if our timer comes first.
    if (next != 0 && next < sched.poll_until.load(std::memory_order_seq_cst)) netpoll_break();
    return false;
  }
  sched.poll_until.store(INT64_MAX, std::memory_order_seq_cst);
  g* list = nullptr;
  while (!sched.done.load(std::memory_order_acquire)) {
    // Recomputed after every wakeup: whoever woke us armed its timer before waking us.
    next = earliest_timer();
    if (next == 0 && netpoll_waiters() <= 0) break;
    sched.poll_until.store(next == 0 ? INT64_MAX : next, std::memory_order_seq_cst);
    std::int64_t now = nanotime();
    if (next != 0 && next <= now) break;
    list = netpoll(next == 0 ? -1 : next - now);
    if (list != nullptr) break;
  }
  // A break sent to this sleeper that no wait consumed (it left for a due timer, or without a
  // blocking wait): forget it while still the sleeper, so that it cannot be meant for the next.
  netpoll_drain_break();
  sched.timer_sleeping.store(false, std::memory_order_seq_cst);
  if (sched.done.load(std::memory_order_acquire)) return false;  // list: abandoned with the run
  p* got;
  {
    lock_guard lock(sched.lock);
    got = pidleget_locked();
    if (got == nullptr && list != nullptr) {
      // Every P is busy: queue them globally; the Ps take them from there.
      inject_glist_locked(list);
      return false;
    }
  }
  if (got == nullptr) return false;  // every P is busy: each runs its own timers when it schedules
  acquirep(mp, got);
  *polled = list;
  return true;
}

}  // namespace gort::internal
