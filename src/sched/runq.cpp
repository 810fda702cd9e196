// Copyright 2026 The gort Authors.
//
// Run queues (Go's runqput / runqget / runqgrab / runqsteal in proc.go). The owner's fast paths
// (runqput, runqget, runq_empty, the global queue's put and pop) are inline in runq.hpp; this
// file has the slow and the cross-P halves.
//
// Terms.
//   local queue  a P's ring of kRunqSize G pointers (runq_head, runq_tail) plus `runnext`, a G
//                readied by the running one that runs next and inherits the time slice.
//   global queue sched.runq_ring, a growable FIFO ring under sched.lock, for Gs readied by
//                threads without a P, Gs whose P gave up, and the overflow of full local queues.
//
// Invariants.
//   - Only the owner P's M pushes (writes a slot, then store-releases tail); the owner and
//     thieves pop by CAS on head (acquire-release), so a slot is read before the CAS that claims
//     it, and a thief whose CAS fails drops what it read.
//   - A full local queue moves half of itself, plus the new G, to the global queue in one batch
//     (runqputslow): a burst of spawns costs one sched.lock per 128 Gs.
//   - A thief takes half of a victim's queue (runqgrab), and its runnext only in the last round
//     of stealing and only when the victim is not about to run it (runnext_steal).
//   - With one P nothing can be stolen, so runnext is read and written with plain loads and
//     stores by the owner (runq.hpp).
//
// Locks: sched.lock guards the global queue; runq_size is also read without it as a hint.
// The local queues take no lock.

#include <time.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <numeric>

#include "sched/runq.hpp"

namespace gort::internal {

// runqputslow moves half of pp's full local queue, plus gp, to the global queue.
bool runqputslow(p* pp, g* gp, std::uint32_t head, std::uint32_t tail) {
  g* batch[kRunqSize / 2 + 1];
  std::uint32_t n = (tail - head) / 2;
  for (std::uint32_t i = 0; i < n; ++i)
    batch[i] = pp->runq[(head + i) % kRunqSize].load(std::memory_order_relaxed);
  if (!pp->runq_head.compare_exchange_strong(head, head + n, std::memory_order_acq_rel))
    return false;
  batch[n] = gp;
  lock_guard lock(sched.lock);
  for (std::uint32_t i = 0; i <= n; ++i) globrunqput_locked(batch[i]);
  return true;
}

// runnext_steal takes victim's runnext G into batch[batch_head] when the victim is not getting to
// it. A G in runnext was readied by the running G, which usually blocks soon and lets its P run it
// (a channel ping-pong readies one G per operation, and stealing it would split the pair across
// Ps): give the victim a moment, as Go does (3 us asked; the kernel's timer slack makes it more),
// and steal only if the victim switched to no goroutine meanwhile. If it did switch, it is
// scheduling its own work: watch a little longer (napping, so its cache lines are read rarely)
// rather than parking and being woken again by its next ready(), then give up.
static std::uint32_t runnext_steal(p* victim, std::atomic<g*>* batch, std::uint32_t batch_head) {
  for (int naps = 0;;) {
    g* next = victim->runnext.load(std::memory_order_acquire);
    if (next == nullptr) return 0;
    if (victim->status.load(std::memory_order_relaxed) == pstatus::running) {
      std::uint64_t switches = victim->count.context_switches.get();
      struct timespec ts {
        0, 3000
      };
      nanosleep(&ts, nullptr);
      if (victim->count.context_switches.get() != switches) {
        if (++naps < 16 && !sched.done.load(std::memory_order_relaxed)) continue;
        return 0;
      }
    }
    if (victim->runnext.compare_exchange_strong(next, nullptr, std::memory_order_acq_rel)) {
      batch[batch_head % kRunqSize].store(next, std::memory_order_relaxed);
      return 1;
    }
  }
}

// runqgrab copies half of victim's queue into batch[batch_head...] (a ring of kRunqSize) and
// returns how many; with steal_runnext, an otherwise empty victim gives up its runnext.
static std::uint32_t runqgrab(p* victim, std::atomic<g*>* batch, std::uint32_t batch_head,
                              bool steal_runnext) {
  for (;;) {
    std::uint32_t head = victim->runq_head.load(std::memory_order_acquire);
    std::uint32_t tail = victim->runq_tail.load(std::memory_order_acquire);
    std::uint32_t n = tail - head;
    n = n - n / 2;
    if (n == 0) {
      if (steal_runnext) return runnext_steal(victim, batch, batch_head);
      return 0;
    }
    if (n > kRunqSize / 2) continue;  // head and tail read at different times
    for (std::uint32_t i = 0; i < n; ++i) {
      g* gp = victim->runq[(head + i) % kRunqSize].load(std::memory_order_relaxed);
      batch[(batch_head + i) % kRunqSize].store(gp, std::memory_order_relaxed);
    }
    if (victim->runq_head.compare_exchange_strong(head, head + n, std::memory_order_acq_rel))
      return n;
  }
}

// runqsteal moves half of victim's queue to pp's and returns one of the Gs to run.
g* runqsteal(p* pp, p* victim, bool steal_runnext) {
  std::uint32_t tail = pp->runq_tail.load(std::memory_order_relaxed);
  std::uint32_t n = runqgrab(victim, pp->runq, tail, steal_runnext);
  if (n == 0) return nullptr;
  ++pp->count.steals;
  pp->count.stolen_goroutines += n;
  --n;
  g* gp = pp->runq[(tail + n) % kRunqSize].load(std::memory_order_relaxed);
  if (n != 0) pp->runq_tail.store(tail + n, std::memory_order_release);
  return gp;
}

// globrunqget takes a G from the global queue and moves up to `max` more (0: a fair share) to
// pp's local queue. REQUIRES: sched.lock.
g* globrunqget_locked(p* pp, int max) {
  int size = sched.runq_size.load(std::memory_order_relaxed);
  if (size == 0) return nullptr;
  int n = std::min(size, size / sched.procs + 1);
  if (max > 0 && n > max) n = max;
  n = std::min<int>(n, kRunqSize / 2);
  pp->count.global_runq_gets += static_cast<std::uint64_t>(n);
  g* gp = globrunqpop_locked();
  for (int i = 1; i < n; ++i) runqput(pp, globrunqpop_locked(), false);
  return gp;
}

// steal_work is a spinning M's search: four rounds over the other Ps in random order (Go's
// stealWork), taking runnext only in the last. Here, beside runqsteal, so that the loop over
// the victims inlines it.
g* steal_work(m* mp) {
  int n = sched.procs;
  for (int round = 0; round < 4; ++round) {
    bool last = round == 3;
    // Random victim order: a random start and a stride coprime with n (Go's randomOrder).
    std::uint32_t r = fastrand(mp);
    int start = static_cast<int>(r % static_cast<std::uint32_t>(n));
    int stride = 1;
    if (n > 1) {
      stride = 1 + static_cast<int>((r >> 16) % static_cast<std::uint32_t>(n - 1));
      while (std::__gcd(stride, n) != 1) stride = stride % (n - 1) + 1;
    }
    for (int i = 0, k = start; i < n; ++i, k = (k + stride) % n) {
      if (sched.done.load(std::memory_order_relaxed)) return nullptr;
      p* victim = sched.allp[static_cast<std::size_t>(k)];
      if (victim == mp->pp) continue;
      if (g* gp = runqsteal(mp->pp, victim, last)) return gp;
    }
  }
  return nullptr;
}

}  // namespace gort::internal
