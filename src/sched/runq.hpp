// Copyright 2026 The gort Authors.
//
// Run queues: the hot half, inline (Go's runqput, runqget, runqempty, globrunqput). The rest,
// the overflow to the global queue and the stealing, is in runq.cpp, which has the design.
// Internal. Inline because the schedule loop, ready and start_goroutine (proc.cpp,
// goroutine.cpp) call these on every handoff: one call per channel operation matters there.

#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "sched/runtime.hpp"

namespace gort::internal {

// fastrand is a per-M xorshift32 (no synchronization needed).
inline std::uint32_t fastrand(m* mp) {
  std::uint32_t x = mp->rand;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  mp->rand = x;
  return x;
}

// runqputslow moves half of pp's full local queue, plus gp, to the global queue (runq.cpp).
bool runqputslow(p* pp, g* gp, std::uint32_t head, std::uint32_t tail);
// runqsteal moves half of victim's queue to pp's and returns one of the Gs to run; with
// steal_runnext, an otherwise empty victim gives up its runnext (runq.cpp).
g* runqsteal(p* pp, p* victim, bool steal_runnext);
// steal_work looks for work on the other Ps for spinning mp (runq.cpp).
g* steal_work(m* mp);
// globrunqget_locked takes a G from the global queue and moves up to `max` more (0: a fair
// share) to pp's local queue. REQUIRES: sched.lock.
g* globrunqget_locked(p* pp, int max) GORT_REQUIRES(sched.lock);

inline bool runq_empty(p* pp) {
  // A P's queue is empty when head == tail and runnext is nil; read tail, then runnext, then head
  // again so that a G moving from runnext to the queue is not missed (Go's runqempty).
  for (;;) {
    std::uint32_t head = pp->runq_head.load(std::memory_order_acquire);
    std::uint32_t tail = pp->runq_tail.load(std::memory_order_acquire);
    g* next = pp->runnext.load(std::memory_order_acquire);
    if (pp->runq_tail.load(std::memory_order_acquire) == tail) return head == tail && !next;
  }
}

// REQUIRES: sched.lock (both).
inline void globrunqput_locked(g* gp) GORT_REQUIRES(sched.lock) {
  std::vector<g*>& ring = sched.runq_ring;
  auto size = static_cast<std::size_t>(sched.runq_size.load(std::memory_order_relaxed));
  if (size == ring.size()) {
    // Full: double it, oldest first.
    std::vector<g*> bigger(std::max<std::size_t>(2 * size, 256));
    for (std::size_t i = 0; i < size; ++i) bigger[i] = ring[(sched.runq_first + i) % size];
    ring.swap(bigger);
    sched.runq_first = 0;
  }
  ring[(sched.runq_first + size) % ring.size()] = gp;
  // seq_cst: pairs with the post-spinning recheck in find_runnable (see wakep).
  sched.runq_size.fetch_add(1, std::memory_order_seq_cst);
}

inline g* globrunqpop_locked() GORT_REQUIRES(sched.lock) {
  g* gp = sched.runq_ring[sched.runq_first];
  sched.runq_first = (sched.runq_first + 1) % sched.runq_ring.size();
  sched.runq_size.fetch_sub(1, std::memory_order_relaxed);
  return gp;
}

// runqput puts gp on pp's local queue (owner only). With next, gp goes to runnext and the G it
// displaces goes to the tail.
inline void runqput(p* pp, g* gp, bool next) {
  if (next) {
    if (sched.procs == 1) {
      // One P: nobody can steal, so only the owner touches runnext and plain loads and stores
      // do (two fewer atomic read-modify-writes per channel handoff, about 12 ns here).
      g* old = pp->runnext.load(std::memory_order_relaxed);
      pp->runnext.store(gp, std::memory_order_relaxed);
      gp = old;
    } else {
      gp = pp->runnext.exchange(gp, std::memory_order_acq_rel);
    }
    if (gp == nullptr) return;
  }
  for (;;) {
    std::uint32_t head = pp->runq_head.load(std::memory_order_acquire);
    std::uint32_t tail = pp->runq_tail.load(std::memory_order_relaxed);
    if (tail - head < kRunqSize) {
      pp->runq[tail % kRunqSize].store(gp, std::memory_order_relaxed);
      pp->runq_tail.store(tail + 1, std::memory_order_release);
      return;
    }
    if (runqputslow(pp, gp, head, tail)) return;
  }
}

// runqget takes a G from pp's local queue (owner only); *inherit is set when it came from
// runnext (it then runs in the current time slice).
inline g* runqget(p* pp, bool* inherit) {
  g* next = pp->runnext.load(std::memory_order_relaxed);
  if (next != nullptr &&
      (sched.procs == 1
           ? (pp->runnext.store(nullptr, std::memory_order_relaxed), true)
           : pp->runnext.compare_exchange_strong(next, nullptr, std::memory_order_acq_rel))) {
    *inherit = true;
    ++pp->count.runnext_hits;
    return next;
  }
  *inherit = false;
  for (;;) {
    std::uint32_t head = pp->runq_head.load(std::memory_order_acquire);
    std::uint32_t tail = pp->runq_tail.load(std::memory_order_relaxed);
    if (tail == head) return nullptr;
    g* gp = pp->runq[head % kRunqSize].load(std::memory_order_relaxed);
    if (pp->runq_head.compare_exchange_weak(head, head + 1, std::memory_order_acq_rel)) return gp;
  }
}

}  // namespace gort::internal
