// Copyright 2026 The gort Authors.
//
// States as data: the G and P states (Go's _G* and _P* in runtime2.go), what each one means (who
// owns the stack, where the G or P sits, who may change it), their names in Go's words, and the
// one transition helper per kind: casgstatus for Gs, caspstatus for Ps (try_caspstatus for the
// one transition two threads race for). Internal; runtime.hpp includes it for the enums.
//
// Checks. With GORT_RUNTIME_CHECKS (checks.hpp: on in the Debug, ASan and TSan builds) a helper
// makes its transition with a compare-exchange and a state other than the expected one is a
// runtime bug: `fatal error: casgstatus: goroutine 7 is waiting, expected runnable (to running)`
// (runtime_throw: exit status 2, with a stack). Without the checks (Release) a helper is the
// plain store it replaces: the transitions sit on the park/ready/execute path of every switch.
//
// Transitions (the code that makes each one).
//   G  idle -> dead        allocg: a G just made, before its first use (Go's malg + casgstatus)
//      dead -> idle        new_goroutine: a G from a free list or a slab, being set up
//      idle -> runnable    start_goroutine (Go's newproc)
//      idle -> waiting     start_goroutine_parked (the netpoller's poll_start_when_ready)
//      idle -> dead        discard_goroutine: set up, never started
//      runnable -> running execute
//      running -> runnable gosched_m (yield)
//      running -> waiting  park_m
//      waiting -> runnable ready (Go's goready); park_m when the unlock function says no
//      running -> dead     goexit0
//      running -> syscall  entersyscall
//      syscall -> running  exitsyscall (kept its P, or took an idle one)
//      syscall -> runnable exitsyscall0 (found no P: queued globally, its M stops)
//   P  idle -> running     acquirep (from the idle list, a startm handoff, or at start-up)
//      running -> idle     releasep
//      running -> syscall  entersyscall
//      syscall -> running  exitsyscall, try_caspstatus: the M came back in time
//      syscall -> idle     retake (sysmon), try_caspstatus: the call outlasted a sysmon tick
//      idle -> idle        handoffp, startm at shutdown (a P retake freed; checks it stayed idle)
//
// Ms have no state word: the code tells an M's states apart by where it is and by fields it needs
// anyway. Idle: on sched.midle, asleep on m::park until startm sets m::nextp. Spinning: holds a P
// and looks for work (m::spinning, counted in sched.nmspinning). The poll sleeper: no P, blocked
// in the netpoller's epoll_wait (sched.timer_sleeping, src/time/sleeper.cpp). In a blocking call:
// m::oldp set, m::pp null. Running: m::pp set. Rejected: an mstatus word; keeping it would add a
// store to the schedule loop and to every blocking call for a value nothing reads.
//
// Not in gort: Go's _Gcopystack, _Gpreempted, _Gscan* (no stack copying, preemption or GC) and
// _Pgcstop, _Pdead (no stop-the-world; the P count is fixed while run runs).

#pragma once

#include <atomic>
#include <cstdint>

#include "sched/checks.hpp"

namespace gort::internal {

// G states. Values are gort's own (not Go's numbers); only gstatus_name's words are Go's.
enum class gstatus : std::uint32_t {
  // Just allocated, or being set up by new_goroutine. Its creator owns it (no other thread knows
  // it yet); on no queue; no stack yet, or one new_goroutine reserved for a large callable, not
  // running. Changed by its creator only (start_goroutine, discard_goroutine; allocg -> dead).
  idle,
  // Ready to run: on a run queue (a P's runq or runnext, or the global queue), or in the hands
  // of the M that just took it off one. Not running: its stack (if any) is off every CPU.
  // Changed by the M that dequeued it (execute: -> running).
  runnable,
  // Running on an M (m::curg, g::mp) that holds a P; it owns its stack; on no queue. Changed
  // only by itself or its M's g0 once it switched there (-> runnable, waiting, dead, syscall).
  running,
  // Parked (g::waitreason says on what): on the wait queue of a channel, semaphore or timer, on
  // no run queue; its stack off the CPU. Changed by whoever takes it off that wait queue, under
  // the queue's lock (ready: -> runnable), or by park_m when the unlock function says no.
  waiting,
  // Inside gort::blocking on its M (which may have lost its P to sysmon); it owns its stack; on
  // no queue. Changed by itself at exitsyscall (-> running), or by its g0 (exitsyscall0).
  syscall,
  // Finished (or never started): on a P's free list or the global batches, without a stack (it
  // went to the stack cache). Changed by new_goroutine only (-> idle).
  dead,
};

// P states. A P holds no stack; its run queue may hold Gs in every state of the P.
enum class pstatus : std::uint32_t {
  // No M holds it (p::mp null): on sched.pidle (under sched.lock), or in the hands of whoever
  // took it off the list, released it or retook it, on its way to an M (m::nextp) or the list.
  // Changed by that holder (acquirep: -> running).
  idle,
  // Held by an M (p::mp, m::pp), which runs goroutines or its schedule loop with it; on no
  // list. Changed by that M only (releasep: -> idle, entersyscall: -> syscall).
  running,
  // Its M is in a blocking call (m::oldp); on no list. Changed by exactly one of two racers,
  // decided by a CAS (try_caspstatus): the M at exitsyscall (-> running) or sysmon's retake
  // (-> idle, then handoffp).
  syscall,
};

// Go's words for the states ("idle", "runnable", "running", "syscall", "waiting", "dead"), for
// crash reports. Return string literals: safe in a signal handler.
const char* gstatus_name(gstatus s) noexcept;
const char* pstatus_name(pstatus s) noexcept;

// The helpers' fatal reports (status.cpp), out of line: they name the object, the state found,
// the one expected and the target.
[[noreturn]] void casgstatus_failed(std::uint64_t goid, gstatus found, gstatus from, gstatus to);
[[noreturn]] void caspstatus_failed(int pid, pstatus found, pstatus from, pstatus to);

// The order of a checked transition: at least what the plain store had, and acquire when it had
// release (the compare-exchange reads the old state).
constexpr std::memory_order checked_order(std::memory_order order) {
  return order == std::memory_order_release ? std::memory_order_acq_rel : order;
}

// cas_status moves obj->status from `from` to `to` (a store with `order`); with the runtime
// checks, obj found in another state is fatal, reported by failed(obj->id, found, from, to).
template <class Obj, class State, class Id>
inline void cas_status(Obj* obj, State from, State to, std::memory_order order,
                       void (*failed)(Id, State, State, State)) {
#if GORT_RUNTIME_CHECKS
  State old = from;
  if (!obj->status.compare_exchange_strong(old, to, checked_order(order),
                                           std::memory_order_relaxed)) [[unlikely]]
    failed(obj->id, old, from, to);
#else
  (void)from;
  (void)failed;
  obj->status.store(to, order);
#endif
}

// casgstatus moves gp from `from` to `to`. Inline: every park, ready and switch makes one or two.
// (A template only so that this header can come before struct g: G is always g.)
template <class G>
inline void casgstatus(G* gp, gstatus from, gstatus to,
                       std::memory_order order = std::memory_order_release) {
  cas_status(gp, from, to, order, &casgstatus_failed);
}

// caspstatus moves pp from `from` to `to`, for the transitions only the P's holder makes (the
// table above).
template <class P>
inline void caspstatus(P* pp, pstatus from, pstatus to,
                       std::memory_order order = std::memory_order_release) {
  cas_status(pp, from, to, order, &caspstatus_failed);
}

// try_caspstatus is the transition out of pstatus::syscall, which the P's M (exitsyscall) and
// sysmon (retake) race for: a compare-exchange in every build, true for the one that won. The
// loser's P is in another state, which is no bug.
template <class P>
inline bool try_caspstatus(P* pp, pstatus from, pstatus to) {
  return pp->status.compare_exchange_strong(from, to, std::memory_order_acq_rel);
}

}  // namespace gort::internal
