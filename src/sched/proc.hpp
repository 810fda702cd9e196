// Copyright 2026 The gort Authors.
//
// What the scheduler's files share among themselves (proc.cpp, goroutine.cpp, stack.cpp,
// checkdead.cpp, sysmon.cpp, start.cpp, stats.cpp, api.cpp and src/time/sleeper.cpp). Internal;
// the rest of the runtime uses sched.hpp. The P and M list operations are inline: the schedule
// loop and exitsyscall use them on every pass. Design and locking: proc.cpp.

#pragma once

#include <cstdint>
#include <thread>
#include <vector>

#include <gort/detail/defer_core.hpp>

#include "sched/runtime.hpp"
#include "sched/sched.hpp"

namespace gort::internal {

// acquirep attaches pp to mp and makes pp's defer pool the thread's.
inline void acquirep(m* mp, p* pp) {
  mp->pp = pp;
  pp->mp = mp;
  caspstatus(pp, pstatus::idle, pstatus::running);
  cur_defer_pool = &pp->deferpool;
  if (tracing()) [[unlikely]]
    trace_proc_start(pp);
}

// releasep detaches mp's P and returns it (idle, on no list yet).
inline p* releasep(m* mp) {
  p* pp = mp->pp;
  if (tracing()) [[unlikely]]
    trace_proc_stop(pp);
  pp->mp = nullptr;
  caspstatus(pp, pstatus::running, pstatus::idle);
  mp->pp = nullptr;
  cur_defer_pool = nullptr;
  return pp;
}

// The idle P and M lists. REQUIRES: sched.lock.
inline void pidleput_locked(p* pp) GORT_REQUIRES(sched.lock) {
  pp->link = sched.pidle;
  sched.pidle = pp;
  sched.npidle.fetch_add(1, std::memory_order_seq_cst);
}

inline p* pidleget_locked() GORT_REQUIRES(sched.lock) {
  p* pp = sched.pidle;
  if (pp != nullptr) {
    sched.pidle = pp->link;
    sched.npidle.fetch_sub(1, std::memory_order_seq_cst);
  }
  return pp;
}

inline m* mget_locked() GORT_REQUIRES(sched.lock) {
  m* mp = sched.midle;
  if (mp != nullptr) {
    sched.midle = mp->link;
    --sched.nmidle;
  }
  return mp;
}

// proc.cpp: Ms and the schedule loop.
// The Ms' threads, joined at shutdown.
std::vector<std::thread>& m_threads() GORT_REQUIRES(sched.lock);
void name_runtime_thread(std::thread& t, const char* name);
void register_runtime_thread();
void init_m_thread(m* mp);
void m_loop(m* mp);  // the schedule loop of one M, until the runtime shuts down
void handoffp(p* pp);

// goroutine.cpp: the lifecycle.
void g_main(void* arg);  // every goroutine's first frame
// exit_direct switches the ending goroutine gp straight to its P's runnext goroutine when the
// schedule loop would run that one next (proc.cpp's "Direct switches"; park does the same for a
// park, goroutine.cpp). Returns false, having done nothing, when it would not (the caller
// switches to g0); otherwise never returns.
bool exit_direct(g* gp);
void gfput(p* pp, g* gp);  // frees a dead G, with its stack, to pp's lists

// stack.cpp: stacks and their caches.
void attach_stack(p* pp, g* gp);  // gives gp a stack (it has none until it first runs)

// ensure_stack gives gp a stack if it has none; a G reused from the head of a free list may have
// its last one (gfput keeps it, as Go's does). Under ASan attach_stack also clears the redzones
// the previous goroutine left on a reused stack.
inline void ensure_stack(p* pp, g* gp) {
#if defined(__SANITIZE_ADDRESS__)
  attach_stack(pp, gp);
#else
  if (gp->stack.lo == nullptr) attach_stack(pp, gp);
#endif
}

// take_runnext_direct returns pp's runnext goroutine, made mp's curg and ready to switch to, when
// the schedule loop would run it next (for a direct switch, proc.cpp); else nullptr, with nothing
// changed. It would: find_runnable's steps before runnext do nothing (not shutting down, no
// timer on this P, not the 61st tick with goroutines queued globally; tracing off, which
// execute's event needs), and runnext is taken as runqget takes it (the time slice inherited).
inline g* take_runnext_direct(m* mp, p* pp) {
  if (tracing() || sched.done.load(std::memory_order_acquire) ||
      pp->timers.when0.load(std::memory_order_relaxed) != 0 ||
      (pp->schedtick % 61 == 0 && sched.runq_size.load(std::memory_order_relaxed) > 0))
    return nullptr;
  g* next = pp->runnext.load(std::memory_order_relaxed);
  if (next == nullptr) return nullptr;
  if (sched.procs == 1)
    pp->runnext.store(nullptr, std::memory_order_relaxed);
  else if (!pp->runnext.compare_exchange_strong(next, nullptr, std::memory_order_acq_rel))
    return nullptr;
  ++pp->count.runnext_hits;
  // execute's half, for a goroutine that inherits the time slice.
  if (next->ctx.sp == nullptr) [[unlikely]] {
    ensure_stack(pp, next);
    next->ctx.sp = next->stack.hi;
  }
  ++pp->count.context_switches;
  casgstatus(next, gstatus::runnable, gstatus::running);
  next->mp = mp;
  mp->curg = next;
  return next;
}
stack_span stack_get(p* pp);
void stack_put(p* pp, stack_span s);
void free_stacks_push_locked(stack_span s) GORT_REQUIRES(sched.free_lock);

// checkdead.cpp: deadlock detection. checkdead_locked reports a deadlock when no M is left to
// run anything and nothing can wake one; its first test is inline, as every M going idle makes
// it under sched.lock. REQUIRES: sched.lock, with the calling M on the idle list.
void checkdead_slow_locked() GORT_REQUIRES(sched.lock);
inline void checkdead_locked() GORT_REQUIRES(sched.lock) {
  if (sched.done.load(std::memory_order_acquire)) return;
  if (sched.mcount - sched.nmidle > 0) return;  // an M is running or in a blocking call
  checkdead_slow_locked();
}

// sysmon.cpp.
void sysmon_loop();

// start.cpp: start-up.
int resolve_procs(int procs);  // the number of Ps for gort::run(procs)

// stats.cpp.
std::uint64_t live_goroutines();  // goroutines started and not finished

}  // namespace gort::internal
