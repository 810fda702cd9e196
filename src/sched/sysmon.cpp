// Copyright 2026 The gort Authors.
//
// sysmon and blocking calls (Go's sysmon, retake, entersyscall, exitsyscall in proc.go).
//
// Terms.
//   blocking call  gort::blocking(fn): the goroutine keeps its M but marks its P pstatus::syscall
//                  (entersyscall), so that sysmon may hand the P to another M while fn blocks.
//   sysmon         one thread with no P that wakes every 20 us (backing off to 10 ms when there
//                  is nothing to take) and retakes Ps from calls that block too long; it also
//                  prints GORT_DEBUG=schedtrace lines.
//
// Protocol. entersyscall bumps the P's syscalltick and stores pstatus::syscall (seq_cst, then
// wakes sysmon if it sleeps deeply). sysmon sees the same tick twice (the same call, 20 us or
// more old) and CASes the P from syscall to idle, then hands it off (handoffp). exitsyscall
// CASes it back from syscall to running: winning, it goes on with its P; losing (sysmon took it),
// it takes any idle P, or switches to g0 whose exitsyscall0 (proc.cpp) queues the goroutine and
// stops the M. The CAS on the P's status decides who owns the P: there is no lock.
//
// Deviation from Go: sysmon preempts nothing (no safe points in C++ code); it only retakes Ps.
//
// Locks: sched.lock for the idle P list and schedtrace's snapshot; nothing else.

#include <algorithm>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <string>

#include <gort/go.hpp>

#include "netpoll/netpoll.hpp"
#include "pprof/thread_hooks.hpp"
#include "sched/proc.hpp"
#include "sched/runq.hpp"
#include "sched/runtime.hpp"
#include "sched/sched.hpp"
#include "sched/switch.hpp"

namespace gort::internal {

// schedtrace prints one GORT_DEBUG=schedtrace line (Go's schedtrace(false)) to stderr.
static void schedtrace() {
  std::string line;
  char buf[256];
  lock_guard lock(sched.lock);
  std::snprintf(buf, sizeof buf,
                "SCHED %lldms: gomaxprocs=%d idleprocs=%d threads=%d spinningthreads=%d "
                "idlethreads=%d runqueue=%d [",
                static_cast<long long>((nanotime() - sched.start_time) / 1000000), sched.procs,
                sched.npidle.load(), sched.mcount + 2, sched.nmspinning.load(), sched.nmidle,
                sched.runq_size.load());
  line = buf;
  for (std::size_t i = 0; i < sched.allp.size(); ++i) {
    p* pp = sched.allp[i];
    std::uint32_t n = pp->runq_tail.load() - pp->runq_head.load();
    if (pp->runnext.load() != nullptr) ++n;
    std::snprintf(buf, sizeof buf, "%s%u", i == 0 ? "" : " ", n);
    line += buf;
  }
  line += "]\n";
  std::fputs(line.c_str(), stderr);
}

// retake hands off every P whose blocking call outlasted one sysmon tick (unless nothing waits
// for it). Returns whether it took any.
static bool retake(std::int64_t now) {
  bool took = false;
  for (p* pp : sched.allp) {
    if (pp->status.load(std::memory_order_acquire) != pstatus::syscall) continue;
    std::uint32_t t = pp->syscalltick.load(std::memory_order_relaxed);
    if (pp->sysmon_tick != t) {
      pp->sysmon_tick = t;
      pp->sysmon_when = now;
      continue;
    }
    // Same call as last time (20 us or more ago). Leave the P alone when it has nothing queued,
    // others are looking for work anyway, and the call is younger than 10 ms.
    if (runq_empty(pp) && sched.nmspinning.load() + sched.npidle.load() > 0 &&
        pp->sysmon_when + 10000000 > now)
      continue;
    if (try_caspstatus(pp, pstatus::syscall, pstatus::idle)) {
      ++pp->count.syscall_handoffs;  // the owner is away: sysmon is the only writer now
      if (tracing()) [[unlikely]]
        trace_go_sysblock_retake(pp, pp->syscallg);
      // Tells a tracing exitsyscall that lost the P that this P's events are written (Go bumps
      // syscalltick here too). sysmon's own "same call" test sees a new tick at the next call.
      pp->syscalltick.fetch_add(1, std::memory_order_release);
      handoffp(pp);
      took = true;
    }
  }
  return took;
}

// wake_stale_runnext wakes a spinning M (which steals runnext last) for a goroutine that sat in
// the runnext of a running P for a whole sysmon tick while that P ran the same goroutine (no
// context switch). Without it, such a goroutine waited for its readier to block or yield: the
// readier's wakep may have found an M spinning that was already giving up, and a giving-up M's
// last look does not count runnext (it would keep an M spinning against a ping-pong pair; see
// find_runnable), so nobody stole it. Go has no such gap: its last look counts runnext, and
// sysmon preempts the readier after 10 ms. Returns whether it woke one.
static bool wake_stale_runnext() {
  bool woke = false;
  for (p* pp : sched.allp) {
    g* next = nullptr;
    std::uint64_t switches = 0;
    if (pp->status.load(std::memory_order_acquire) == pstatus::running) {
      next = pp->runnext.load(std::memory_order_acquire);
      switches = pp->count.context_switches.get();
    }
    bool stale = next != nullptr && next == pp->sysmon_next && switches == pp->sysmon_switches;
    pp->sysmon_next = next;
    pp->sysmon_switches = switches;
    if (stale && !woke && sched.npidle.load(std::memory_order_seq_cst) > 0 &&
        sched.nmspinning.load(std::memory_order_seq_cst) == 0) {
      wakep_ordered();  // the runnext store is long visible: no fence needed before the look
      woke = true;
    }
  }
  return woke;
}

// sysmon_loop is the sysmon thread: retake, schedtrace, and sleep (deeply while every P is idle).
void sysmon_loop() {
  register_runtime_thread();
  profile_thread_start();  // sampled on its own CPU clock while a CPU profile runs
  sched.helpers_started.fetch_add(1, std::memory_order_release);
  futex_wake(&sched.helpers_started, 1);
  std::int64_t delay_us = 20;
  int idle = 0;
  std::int64_t next_trace =
      sched.schedtrace_ms > 0 ? sched.start_time + sched.schedtrace_ms * 1000000 : INT64_MAX;
  while (!sched.done.load(std::memory_order_acquire)) {
    std::int64_t now = nanotime();
    if (now >= next_trace) {
      schedtrace();
      next_trace += sched.schedtrace_ms * 1000000;
    }
    bool busy = retake(now);
    if (wake_stale_runnext()) busy = true;  // both run every tick
    if (busy)
      idle = 0;
    else
      ++idle;
    // Poll the network if nobody has for 10 ms (every M busy in long-running goroutines): the
    // goroutines it readies go to the global queue (Go's sysmon).
    if (std::int64_t last = netpoll_last(); netpoll_waiters() > 0 && last != 0 &&
                                            last + 10000000 < now &&
                                            netpoll_claim_poll(last, now)) {
      if (g* list = netpoll(0)) {
        inject_glist(nullptr, list);
        idle = 0;
      }
    }
    delay_us = idle > 50 ? std::min<std::int64_t>(delay_us * 2, 10000) : 20;
    std::int64_t sleep_ns = delay_us * 1000;
    // Deep sleep while every P is idle: nothing to retake until a goroutine runs again.
    sched.sysmon_note.clear();
    if (sched.done.load(std::memory_order_acquire))
      break;  // the shutdown's wakeup may have come before the clear
    sched.sysmon_idle.store(true, std::memory_order_seq_cst);
    if (sched.npidle.load(std::memory_order_seq_cst) == sched.procs) {
      if (next_trace == INT64_MAX)
        sched.sysmon_note.sleep();
      else
        sched.sysmon_note.sleep_for(std::max<std::int64_t>(next_trace - nanotime(), 0));
      idle = 0;
    } else {
      sched.sysmon_note.sleep_for(
          std::min(sleep_ns, std::max<std::int64_t>(next_trace - nanotime(), 0)));
    }
    sched.sysmon_idle.store(false, std::memory_order_seq_cst);
  }
  profile_thread_exit();
}

// ---------------------------------------------------------------------------------------------
// Blocking calls (Go's entersyscall / exitsyscall).

void entersyscall() {
  g* gp = current_g();
  m* mp = gp->mp;
  p* pp = mp->pp;
  if (tracing()) [[unlikely]]
    trace_go_syscall(pp, gp);
  casgstatus(gp, gstatus::running, gstatus::syscall);
  mp->syscalltick = pp->syscalltick.fetch_add(1, std::memory_order_relaxed) + 1;
  pp->syscallg = gp;
  mp->oldp = pp;
  mp->pp = nullptr;
  cur_defer_pool = nullptr;
  caspstatus(pp, pstatus::running, pstatus::syscall, std::memory_order_seq_cst);
  if (sched.sysmon_idle.load(std::memory_order_seq_cst)) sched.sysmon_note.wakeup();
}

void exitsyscall() {
  g* gp = current_g();
  m* mp = gp->mp;
  p* pp = mp->oldp;
  mp->oldp = nullptr;
  if (try_caspstatus(pp, pstatus::syscall, pstatus::running)) {
    mp->pp = pp;
    cur_defer_pool = &pp->deferpool;
    if (pp->syscalltick.load(std::memory_order_relaxed) != mp->syscalltick) [[unlikely]] {
      // sysmon retook the P and another goroutine entered a blocking call on it since (Go's
      // exitsyscallfast_reacquired): that call now has no P, and its M waits for the tick.
      if (tracing()) [[unlikely]]
        trace_go_sysexit_reacquired(pp, pp->syscallg, gp);
      pp->syscalltick.fetch_add(1, std::memory_order_release);
    }
    casgstatus(gp, gstatus::syscall, gstatus::running);
    return;
  }
  // sysmon retook the P. A tracing M waits until sysmon's GoSysBlock for it is written.
  if (tracing()) [[unlikely]]
    trace_wait_sysblock(pp->syscalltick, mp->syscalltick);
  // sysmon gave the P away: take any idle P, else queue the goroutine and stop this M.
  p* np;
  {
    lock_guard lock(sched.lock);
    np = pidleget_locked();
  }
  if (np != nullptr) {
    acquirep(mp, np);
    if (tracing()) [[unlikely]]
      trace_go_sysexit(np, gp, true);
    casgstatus(gp, gstatus::syscall, gstatus::running);
    return;
  }
  switch_to_g0(gp, m::action::exitsyscall);
}

}  // namespace gort::internal
