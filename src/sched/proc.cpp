// Copyright 2026 The gort Authors.
//
// The G/M/P scheduler's core: Ps, Ms and the schedule loop (Go's runtime/proc.go, rebuilt for
// C++). The scheduler's other parts, by the file a Go reader would look in:
//   runq.hpp / runq.cpp       run queues (runqput, runqget, runqgrab, runqsteal, global queue,
//                             steal_work)
//   goroutine.cpp             goroutine lifecycle: create, start, park, ready, exit, free lists
//   stack.cpp                 stacks, their per-P cache and colouring
//   switch.hpp                the switch bookkeeping (exception state, FP control words,
//                             sanitizer fibers)
//   checkdead.cpp             deadlock detection
//   sysmon.cpp                sysmon, entersyscall / exitsyscall, retake, schedtrace
//   src/time/sleeper.cpp      the timer sleeper (an idle M that sleeps until the next timer)
//   start.cpp                 gort::run's start-up and shutdown (GORT_* parsing: env.cpp)
//   stats.cpp, api.cpp        the counters; the public functions (yield, goid, maxprocs, sleep)
//   crash.cpp                 fault and crash reports
//
// Terms.
//   G  a goroutine: a stack, a saved context and the frame-core state (defer chain, panics).
//   M  an OS thread. Each M has a g0 context: the thread's own stack, where the scheduler runs.
//      A goroutine switches to its M's g0, which finishes what the goroutine asked for
//      (requeue, park, free) once the goroutine's stack is off the CPU, then picks the next one;
//      the one exception is a park or an exit whose P has a goroutine in runnext, which
//      switches straight to it ("Direct switches" below). g0 never migrates; goroutines do.
//   P  the right to run goroutines (GOMAXPROCS of them): a 256-slot lock-free run queue plus
//      `runnext`, a free list of dead Gs with their stacks, and the defer-chunk pool.
//
// Scheduling (schedule -> find_runnable -> execute). An M holding a P takes, in order: one G
// from the global queue every 61st schedule tick (fairness: a full local queue cannot starve the
// global one), runnext, the local queue, the global queue, then, as a spinning M, steals half of
// a random victim's queue (runnext last, in the final round). Finding nothing, it gives its P
// back and parks on a futex. New work (a G made runnable, a P handed off) wakes an idle M only
// when no M is spinning (wakep), and at most half the busy Ps' worth of Ms spin at once, as in
// Go; a spinning M that finds work wakes another spinner before running it, so a burst of work
// spreads over the Ps without a thundering herd.
//
// Invariants.
//   - A G is on at most one queue; its status says which owner it has (status.hpp: gstatus).
//   - A G's stack is touched by one CPU at a time: a G is made runnable only from g0 or from
//     another thread after its own switch to g0 completed (park's unlock function runs on g0).
//   - nmspinning counts Ms with spinning == true; an M that stops spinning re-checks every run
//     queue before parking (the other side of wakep's "someone is spinning, no need to wake").
//   - A P is idle (on sched.pidle), running (held by an M) or in a blocking call (its M may
//     still come back for it; sysmon may take it away with a CAS on its status). status.hpp
//     documents each G and P state and lists every transition.
//
// Locks: sched.lock guards the global queue and the idle P and M lists; allg_lock the list of
// every G (for stats and crash reports); free_lock the global lists of dead Gs and free stacks
// (exchanged with the Ps in batches). The order of these and every other runtime lock is one
// list, src/sched/lockrank.hpp, checked in debug builds. No lock is held across a context switch,
// except the one park's unlock function drops on g0. Run queues are lock-free (acquire/release
// on head and tail).
//
// Deadlock (checkdead.cpp): when the last M goes idle with no timer pending, nothing queued and
// no M in a blocking call (the timer sleeper counts as busy), no goroutine can ever run again:
// Go's checkdead reports it.
//
// Deviations from Go: no preemption (C++ code cannot be interrupted at safe points), so sysmon
// only takes Ps from long blocking calls; yield() puts the goroutine at the tail of its P's
// queue rather than on the global queue (no lock; with more than 256 runnable goroutines the
// overflowed ones wait longer, see docs/scheduler.md).
//
// Timers and the network (src/time/timers.cpp, src/netpoll/; the sleeper in
// src/time/sleeper.cpp): each P has a timer heap. find_runnable runs its P's due timers first,
// every P's due timers and then the netpoller without blocking (while goroutines wait on it)
// before stealing, and an M that finds nothing sleeps in the netpoller until the earliest
// deadline or a network event (one such sleeper at a time; others park as usual).
//
// Exit. std::exit may be called anywhere while run is running (a goroutine, a blocking call, a
// plain thread): it runs static destructors while the other Ms go on running goroutines, and the
// process ends without run ever returning. So the runtime's own globals are never destroyed
// (sched lives in a never_destroyed, the thread handles on the heap): nothing an M, sysmon or
// the timer thread touches goes away under it. No deferred call runs, as with Go's os.Exit.
//
// Direct switches (one switch instead of two, for a park or an exit with a goroutine in
// runnext: the channel ping-pong and spawn + wait): the outgoing G's park or free must happen
// after its registers are saved, so the g0 half runs on the incoming goroutine's stack right
// after the switch (direct_switch_done), before that goroutine's own code goes on. Yields,
// blocking calls, and every case where find_runnable would do more than take runnext still go
// through g0. docs/floor.md has the numbers.
//
// The g0 halves. A goroutine asks its M's g0 for something by leaving an m::action and
// switching (switch.hpp's switch_to_g0; Go's mcall); execute then runs the named g0 half once
// the goroutine's stack is off the CPU: gosched_m (yield), park_m (park), goexit0 (the goroutine
// returned) and exitsyscall0 (a blocking call ended and found no P).

#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <thread>
#include <utility>

#include <gort/frame.hpp>
#include <gort/go.hpp>

#include "arch/fence.hpp"
#include "netpoll/netpoll.hpp"
#include "pprof/labels.hpp"
#include "pprof/thread_hooks.hpp"
#include "sched/proc.hpp"
#include "sched/runq.hpp"
#include "sched/runtime.hpp"
#include "sched/sched.hpp"
#include "sched/switch.hpp"
#include "time/sleeper.hpp"
#include "time/timer.hpp"

namespace gort {
namespace internal {

constinit never_destroyed<sched_t> sched_storage;
constinit thread_local m* tls_m = nullptr;

// The Ms' threads, joined when run shuts down. Never destroyed: std::exit may run static
// destructors while these threads still run (a std::thread still joinable when destroyed calls
// std::terminate).
std::vector<std::thread>& m_threads() GORT_REQUIRES(sched.lock) {
  static auto* v = new std::vector<std::thread>;
  return *v;
}

bool on_goroutine() noexcept {
  m* mp = tls_m;
  return mp != nullptr && mp->curg != nullptr;
}

// ---------------------------------------------------------------------------------------------
// Ms and Ps.

// name_runtime_thread names a thread the runtime created ("gort-m3", "gort-sysmon"), for
// debuggers and top. (Names are not how the runtime recognises its threads: a thread a goroutine
// starts inherits its M's name.)
void name_runtime_thread(std::thread& t, const char* name) {
  pthread_setname_np(t.native_handle(), name);
}

static void mstart(m* mp);

// newm starts an OS thread for a new M that will take pp. REQUIRES: not holding sched.lock.
static void newm(p* pp, bool spinning) {
  m* mp = new m;
  mp->nextp = pp;
  mp->spinning = spinning;
  lock_guard lock(sched.lock);
  mp->id = static_cast<int>(sched.allm.size());
  mp->rand = 0x9e3779b9u * static_cast<std::uint32_t>(mp->id + 1);
  sched.allm.push_back(mp);
  ++sched.mcount;
  m_threads().emplace_back(mstart, mp);
  char name[16];
  std::snprintf(name, sizeof name, "gort-m%d", mp->id);
  name_runtime_thread(m_threads().back(), name);
}

// startm runs pp (or an idle P when null) on an idle M, or a new one. With spinning, the caller
// already counted the M in nmspinning; when no P is free that count is given back.
static void startm(p* pp, bool spinning) {
  m* mp;
  {
    lock_guard lock(sched.lock);
    if (sched.done.load(std::memory_order_acquire)) {
      // Shutting down: no new M may start; a P handed over goes back to the idle list.
      if (pp != nullptr) {
        caspstatus(pp, pstatus::idle, pstatus::idle);  // handoffp's P, retaken by sysmon
        pidleput_locked(pp);
      }
      if (spinning) sched.nmspinning.fetch_sub(1, std::memory_order_seq_cst);
      return;
    }
    if (pp == nullptr) {
      pp = pidleget_locked();
      if (pp == nullptr) {
        if (spinning) sched.nmspinning.fetch_sub(1, std::memory_order_seq_cst);
        return;
      }
    }
    sched.m_starts.fetch_add(1, std::memory_order_relaxed);
    mp = mget_locked();
    if (mp != nullptr) {
      mp->spinning = spinning;
      mp->nextp = pp;
    }
  }
  if (mp == nullptr) return newm(pp, spinning);
  mp->park.wakeup();
}

// wakep starts a spinning M when a P is idle and nobody is spinning yet.
void wakep() {
  // The caller just queued work with a plain (release) store. A spinning M that is about to
  // park decrements nmspinning and then re-reads the queues; we must not read nmspinning (or
  // npidle) before our queue store is visible, or both sides miss each other (StoreLoad). Go
  // gets this barrier from its amd64 atomic store (XCHG). Not std::atomic_thread_fence: see
  // arch/fence.hpp.
  store_load_fence();
  wakep_ordered();
}

// wakep_ordered is wakep for a caller whose last store of new work was a seq_cst
// read-modify-write (a locked instruction on x86-64: the StoreLoad barrier already).
void wakep_ordered() {
  if (sched.npidle.load(std::memory_order_seq_cst) == 0) return;
  std::int32_t zero = 0;
  if (sched.nmspinning.load(std::memory_order_seq_cst) != 0 ||
      !sched.nmspinning.compare_exchange_strong(zero, 1, std::memory_order_seq_cst))
    return;
  startm(nullptr, true);
}

static void resetspinning(m* mp) {
  mp->spinning = false;
  sched.nmspinning.fetch_sub(1, std::memory_order_seq_cst);
  wakep();  // the work this M found may be the first of a burst
}

// handoffp gives away a P whose M is gone into a blocking call (or has none).
void handoffp(p* pp) {
  pp->mp = nullptr;
  if (!runq_empty(pp) || sched.runq_size.load(std::memory_order_relaxed) > 0)
    return startm(pp, false);
  std::int32_t zero = 0;
  if (sched.nmspinning.load() + sched.npidle.load() == 0 &&
      sched.nmspinning.compare_exchange_strong(zero, 1))
    return startm(pp, true);
  lock_guard lock(sched.lock);
  caspstatus(pp, pstatus::idle, pstatus::idle);  // retake made it idle
  pidleput_locked(pp);
}

// stopm parks mp (holding no P) until startm hands it one, or the runtime shuts down.
static void stopm(m* mp) {
  {
    lock_guard lock(sched.lock);
    if (sched.done.load(std::memory_order_acquire)) return;
    mp->link = sched.midle;
    sched.midle = mp;
    ++sched.nmidle;
    checkdead_locked();
  }
  mp->park.sleep();
  mp->park.clear();
  if (mp->nextp != nullptr) {
    acquirep(mp, mp->nextp);
    mp->nextp = nullptr;
  }
}

// ---------------------------------------------------------------------------------------------
// The g0 halves of what a goroutine asks for (Go's gosched_m, park_m, goexit0, exitsyscall0).
// Each runs on mp's g0 after gp switched to it, with gp's stack off the CPU.

// gosched_m requeues a goroutine that yielded: at the tail of the local queue, no lock (Go's
// Gosched uses the global queue; measured in S3, that gives a shorter latency tail when more
// than 256 goroutines are runnable, but costs a lock per yield and collapsed throughput at P=2
// to Go's level).
static void gosched_m(m* mp, g* gp) {
  // GoSched was written by yield, on gp's stack (trace_go_yield).
  casgstatus(gp, gstatus::running, gstatus::runnable);
  runqput(mp->pp, gp, false);
}

// park_m parks gp, then runs its unlock function (typically releasing the lock of the wait
// queue gp is on); if that returns false gp runs again at once.
[[gnu::always_inline]] static inline void park_m(m* mp, g* gp) {
  // The block event was written by park, on gp's stack (trace_go_parking).
  casgstatus(gp, gstatus::running, gstatus::waiting);
  bool (*unlockf)(g*, void*) = mp->unlockf;
  void* arg = mp->unlock_arg;
  mp->unlockf = nullptr;
  mp->unlock_arg = nullptr;
  if (unlockf != nullptr && !unlockf(gp, arg)) {
    if (tracing()) [[unlikely]]
      trace_go_unpark(mp->pp, nullptr, gp);
    casgstatus(gp, gstatus::waiting, gstatus::runnable);
    runqput(mp->pp, gp, true);
  }
  GORT_LOCKRANK_CHECK_NONE_HELD("a parked goroutine left the scheduler");
}

// goexit0 frees a goroutine that finished; the main goroutine's end shuts the runtime down.
static void goexit0(m* mp, g* gp) {
  if (tracing()) [[unlikely]]
    trace_go_end(mp->pp, gp);
  casgstatus(gp, gstatus::running, gstatus::dead);
  bool main = gp->is_main;
  ++mp->pp->count.goroutines_exited;
  switch_g_dead(gp);
  drop_goroutine_labels(gp);
  gfput(mp->pp, gp);
  if (main) {
    sched.done.store(true, std::memory_order_release);
    // Wake every idle M so that each sees `done` and leaves.
    lock_guard lock(sched.lock);
    while (m* idle = mget_locked()) idle->park.wakeup();
    wake_sleeper();
    sched.sysmon_note.wakeup();
  }
}

// exitsyscall0: gp came back from a blocking call and found no P (sysmon.cpp's exitsyscall):
// take an idle P and run gp next on it, else queue gp globally; this M then finds no P and stops.
static void exitsyscall0(m* mp, g* gp) {
  if (tracing()) [[unlikely]]
    trace_go_sysexit(nullptr, gp, false);  // the global stream: this M holds no P
  casgstatus(gp, gstatus::syscall, gstatus::runnable);
  lock_guard lock(sched.lock);
  if (p* np = pidleget_locked()) {
    acquirep(mp, np);
    runqput(np, gp, true);
  } else {
    globrunqput_locked(gp);
  }
}

// find_runnable went past its first look at the local queue since the tracer's last GoStart on
// this thread (its M): set on the slow paths only, cleared by execute when tracing, so that the
// untraced fast path has no code for it. That GoStart then reads the clock; otherwise a
// GoStartLocal takes the time of the slice end this M just wrote (trace.cpp's clock::follow).
static thread_local bool tls_found_slowly = true;

// execute runs gp on mp until gp switches back, then does what gp asked for. On g0.
static void execute(m* mp, g* gp, bool inherit) {
  p* pp = mp->pp;
  if (gp->ctx.sp == nullptr) [[unlikely]] {  // first run of a goroutine whose callable is in its G
    ensure_stack(pp, gp);                    // kept from its last life, or taken now
    gp->ctx.sp = gp->stack.hi;
  }
  if (!inherit) ++pp->schedtick;
  ++pp->count.context_switches;
  casgstatus(gp, gstatus::runnable, gstatus::running);
  gp->mp = mp;
  mp->curg = gp;
  if (tracing()) [[unlikely]]
    trace_go_start(pp, gp, !std::exchange(tls_found_slowly, false));
  GORT_LOCKRANK_CHECK_NONE_HELD("running a goroutine");
  gp = run_on_g0_to_g(mp, gp, &g_main);  // gp, or the last goroutine of a direct-switch chain
  mp->curg = nullptr;
  if (!gp->stack.guarded && !stack_sp_ok(gp->stack, gp->ctx.sp)) fatal_unguarded_stack_overflow(gp);

  m::action act = mp->act;
  mp->act = m::action::none;
  // Only park hands a lock to g0 (its unlock function drops it, park_m checks): lockrank.hpp.
  if (act != m::action::park)
    GORT_LOCKRANK_CHECK_NONE_HELD("a goroutine switched to the scheduler");
  switch (act) {
    case m::action::yield:
      return gosched_m(mp, gp);
    case m::action::park:
      return park_m(mp, gp);
    case m::action::exit:
      return goexit0(mp, gp);
    case m::action::exitsyscall:
      return exitsyscall0(mp, gp);
    case m::action::none:
      break;
  }
  runtime_throw("goroutine switched to the scheduler without a request");
}

// ---------------------------------------------------------------------------------------------
// Direct switches: a goroutine that parks (or ends) while its P's runnext holds a goroutine
// switches straight to that one, without the hop through g0 and the schedule loop. The decision
// is the one find_runnable would take on g0 right after park_m: it is taken here only when
// find_runnable's steps before runnext would do nothing (not shutting down, no timer on this P,
// not the 61st tick with goroutines queued globally, tracing off) and then takes runnext as
// runqget does (inheriting the time slice: schedtick unchanged). execute's bookkeeping is done
// before the switch, and the g0 half (park_m, goexit0) after it, on the next goroutine's stack
// (direct_switch_done), once the switch has saved the old goroutine's registers: the unlock
// function that lets a waker ready it still runs only when its stack is off the CPU.

bool exit_direct(g* gp) {
  if (gp->is_main) return false;  // its end shuts the runtime down: goexit0 on g0
  m* mp = gp->mp;
  g* next = take_runnext_direct(mp, mp->pp);
  if (next == nullptr) return false;
  mp->direct_prev = gp;
  mp->direct_act = m::action::exit;
  switch_g_to_g(mp, gp, next, &g_main);
  runtime_throw("a dead goroutine was resumed");
}

void direct_switch_done(m* mp) {
  g* gp = mp->direct_prev;
  m::action act = mp->direct_act;
  mp->direct_prev = nullptr;
  mp->direct_act = m::action::none;
  if (!gp->stack.guarded && !stack_sp_ok(gp->stack, gp->ctx.sp)) fatal_unguarded_stack_overflow(gp);
  if (act == m::action::park) return park_m(mp, gp);
  goexit0(mp, gp);
}

// ---------------------------------------------------------------------------------------------
// Finding work.

// take_polled makes the goroutines the netpoller returned runnable: the first to run now on pp's
// M, the others queued on pp (waking an M for them).
static g* take_polled(p* pp, g* list) {
  g* gp = list;
  list = gp->schedlink;
  gp->schedlink = nullptr;
  casgstatus(gp, gstatus::waiting, gstatus::runnable);
  if (tracing()) [[unlikely]]
    trace_go_unpark(pp, nullptr, gp);  // Go's findrunnable: traceGoUnblock(gp, 0)
  inject_glist(pp, list);
  return gp;
}

// find_runnable returns the next G for mp (which holds a P), parking mp while there is none.
// Returns nullptr when the runtime is shutting down, or when mp lost its P while parked.
static g* find_runnable(m* mp, bool* inherit) {
  for (;;) {
    if (sched.done.load(std::memory_order_acquire)) return nullptr;
    p* pp = mp->pp;
    *inherit = false;
    check_timers(pp);
    if (pp->schedtick % 61 == 0 && sched.runq_size.load(std::memory_order_relaxed) > 0) {
      tls_found_slowly = true;
      lock_guard lock(sched.lock);
      if (g* gp = globrunqget_locked(pp, 1)) return gp;
    }
    if (g* gp = runqget(pp, inherit)) return gp;
    // Past the first look: the tracer's next GoStart on this M reads the clock (found_slowly).
    tls_found_slowly = true;
    if (sched.runq_size.load(std::memory_order_relaxed) > 0) {
      lock_guard lock(sched.lock);
      if (g* gp = globrunqget_locked(pp, 0)) return gp;
    }
    if (run_all_due_timers()) continue;
    // The network, without blocking, before stealing (Go's findrunnable): only while goroutines
    // wait on it and no M is blocked in the poller (which gets the events itself).
    if (netpoll_waiters() > 0 && netpoll_last() != 0) {
      if (g* list = netpoll(0)) return take_polled(pp, list);
    }
    // Steal, if not too many Ms are at it already (at most half the busy Ps).
    int busy = sched.procs - sched.npidle.load(std::memory_order_seq_cst);
    if (mp->spinning || 2 * sched.nmspinning.load(std::memory_order_seq_cst) < busy) {
      if (!mp->spinning) {
        mp->spinning = true;
        sched.nmspinning.fetch_add(1, std::memory_order_seq_cst);
      }
      if (g* gp = steal_work(mp)) return gp;
    }
    // Nothing: give the P back.
    {
      lock_guard lock(sched.lock);
      if (sched.done.load(std::memory_order_acquire)) return nullptr;
      if (g* gp = globrunqget_locked(pp, 0)) return gp;
      releasep(mp);
      pidleput_locked(pp);
    }
    if (mp->spinning) {
      // Stop spinning, then look once more: work queued between our last look and the
      // decrement found nmspinning > 0 and woke nobody.
      mp->spinning = false;
      sched.nmspinning.fetch_sub(1, std::memory_order_seq_cst);
      bool global = sched.runq_size.load(std::memory_order_seq_cst) > 0;
      for (p* other : sched.allp) {
        // runnext alone does not count: its P's M runs it next (it is a goroutine just readied
        // by the running one), and counting it kept an M spinning against a ping-pong pair,
        // pulling the pair's cache lines across cores on every exchange.
        if (!global && other->runq_head.load(std::memory_order_seq_cst) ==
                           other->runq_tail.load(std::memory_order_seq_cst))
          continue;
        p* got;
        {
          lock_guard lock(sched.lock);
          got = pidleget_locked();
        }
        if (got != nullptr) {
          acquirep(mp, got);
          mp->spinning = true;
          sched.nmspinning.fetch_add(1, std::memory_order_seq_cst);
        }
        break;
      }
      if (mp->pp != nullptr) continue;
    }
    g* polled = nullptr;
    if (poll_sleep(mp, &polled)) {
      if (polled == nullptr) continue;  // a timer's wakeup: look again
      // This M runs the first goroutine itself and wakes Ms only for the rest (Go's findrunnable
      // after its blocking netpoll). A wakep here for the first one started a spinning M at
      // every wakeup of the sleeper, which found nothing and became the next sleeper: with one
      // connection ping-ponging at P>1, every message woke a thread (docs/net.md).
      g* gp = take_polled(mp->pp, polled);
      // The sleeper was also sleeping for the timers of every P: with one pending on another P
      // (which may be idle, with no M to run it), let another M take that role as before (it
      // runs the timer when due, or becomes the sleeper).
      if (timers_pending_except(mp->pp)) wakep();
      return gp;
    }
    stopm(mp);
    if (mp->pp == nullptr) return nullptr;
  }
}

void m_loop(m* mp) {
  for (;;) {
    if (sched.done.load(std::memory_order_acquire)) break;
    if (mp->pp == nullptr) {
      if (mp->nextp != nullptr) {
        acquirep(mp, mp->nextp);
        mp->nextp = nullptr;
      } else {
        stopm(mp);
      }
      continue;
    }
    bool inherit = false;
    g* gp = find_runnable(mp, &inherit);
    if (gp == nullptr) continue;
    if (mp->spinning) resetspinning(mp);
    execute(mp, gp, inherit);
  }
  if (mp->pp != nullptr) {
    lock_guard lock(sched.lock);
    pidleput_locked(releasep(mp));
  }
}

void init_m_thread(m* mp) {
  tls_m = mp;
  // A thread starts with its creator's FP control words, and an M may be created by a thread
  // running a goroutine that changed them: every M starts from the words of the thread that
  // called run, which new goroutines start with.
  mp->fp_init = mp->fp_hw = sched.fp_init;
  load_fp_control(sched.fp_init);
  switch_init_thread(mp);
  install_altstack(mp);
  profile_thread_start();  // its CPU timer, while a CPU profile runs (src/pprof/cpu.cpp)
}

// register_runtime_thread records the calling thread as the runtime's. An M registers before it
// can ever be idle, so checkdead (which needs every M idle) never sees an M unregistered; run
// waits for sysmon to register before it schedules anything.
void register_runtime_thread() {
  long tid = static_cast<long>(syscall(SYS_gettid));
  lock_guard lock(sched.lock);
  sched.runtime_tids.push_back(tid);
}

static void mstart(m* mp) {
  register_runtime_thread();
  init_m_thread(mp);
  m_loop(mp);
  profile_thread_exit();
  free_altstack(mp);
  tls_m = nullptr;
  // Chunks taken while this thread ran a blocking call (no P) sit in its own pool.
  pool_give_back(thread_defer_state.pool);
}

}  // namespace internal
}  // namespace gort
