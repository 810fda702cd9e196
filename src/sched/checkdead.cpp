// Copyright 2026 The gort Authors.
//
// Deadlock detection (Go's checkdead in proc.go).
//
// Rule. When the last M goes idle (stopm puts it on the idle list, then calls checkdead_locked)
// and nothing can make a goroutine runnable again, the program is deadlocked: Go prints
// "all goroutines are asleep - deadlock!" (or, when the main goroutine ended by Goexit and no
// goroutine is left, "no goroutines (main called runtime.Goexit) - deadlock!"), then each
// goroutine with its state or wait reason, and exits with status 2.
//
// What can still wake a goroutine, so that no deadlock is reported: an M running or in a
// blocking call (mcount - nmidle > 0; the poll sleeper is not idle), a queued G (global or any
// local queue), a pending timer (a P's heap or the outside timer thread's), a goroutine parked on
// the network (netpoll_waiters: the poller may ready it), or a thread outside the runtime
// (foreign_threads_exist).
//
// Locks: called with sched.lock held; takes allg_lock (ranked after it: src/sched/lockrank.hpp)
// to list the goroutines. The report is written with the locks held and the process exits.

#include <dirent.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "netpoll/netpoll.hpp"
#include "sched/proc.hpp"
#include "sched/runq.hpp"
#include "sched/runtime.hpp"
#include "sched/sched.hpp"
#include "sched/switch.hpp"
#include "time/timer.hpp"

namespace gort::internal {

[[noreturn]] static void report_deadlock(bool none_left) {
  std::string out = none_left && sched.main_goexited.load(std::memory_order_acquire)
                        ? "fatal error: no goroutines (main called runtime.Goexit) - deadlock!\n"
                        : "fatal error: all goroutines are asleep - deadlock!\n";
  {
    lock_guard lock(sched.allg_lock);
    for (g* gp : sched.allgs) {
      gstatus s = gp->status.load(std::memory_order_acquire);
      if (s == gstatus::dead || s == gstatus::idle) continue;
      char buf[160];
      std::snprintf(buf, sizeof buf, "\ngoroutine %llu [%s]:\n",
                    static_cast<unsigned long long>(gp->id),
                    s == gstatus::waiting ? wait_reason_text(gp) : gstatus_name(s));
      out += buf;
    }
  }
  std::fflush(stdout);  // what the program printed comes first, as with Go's unbuffered output
  std::fputs(out.c_str(), stderr);
  std::fflush(stderr);
  std::_Exit(2);
}

// thread_count: the process's number of threads (the kernel's own count, /proc/self/status's
// "Threads:"), or -1 when it cannot be read.
static long thread_count() {
  FILE* f = std::fopen("/proc/self/status", "r");
  if (f == nullptr) return -1;
  long n = -1;
  char line[256];
  while (std::fgets(line, sizeof line, f) != nullptr)
    if (std::sscanf(line, "Threads: %ld", &n) == 1) break;
  std::fclose(f);
  return n;
}

// foreign_threads_exist tells whether the process has threads other than the runtime's (Ms,
// sysmon, each registered in sched.runtime_tids, the thread that called run, and the outside
// timer thread). REQUIRES: sched.lock. Such a thread can wake a parked goroutine (a plain thread
// may release a semaphore or send on a channel), so while one exists a deadlock cannot be proven
// and none is reported: the program waits, as a C++ program would. (Go, built as a C library,
// turns its deadlock check off for the same reason.) TSan runs one background thread of its own,
// which is not counted.
//
// Listing /proc/self/task is not a snapshot: when a thread exits during the listing, the kernel
// can skip a live thread after it (the listing walks by position). A plain thread that was
// skipped while it still had a semaphore to release made a false "all goroutines are asleep".
// So a listing counts only when it names as many threads as the kernel's count, unchanged from
// before to after it; a listing that never settles means threads are coming and going, and one of
// them may still wake a goroutine.
static bool foreign_threads_exist() GORT_REQUIRES(sched.lock) {
  for (int attempt = 0; attempt < 16; ++attempt) {
    long before = thread_count();
    DIR* dir = opendir("/proc/self/task");
    if (dir == nullptr) return false;
    long listed = 0;
    int foreign = 0;
    while (struct dirent* e = readdir(dir)) {
      if (e->d_name[0] == '.') continue;
      ++listed;
      long tid = std::strtol(e->d_name, nullptr, 10);
      if (tid == sched.m0_tid || tid == outside_timer_tid()) continue;
      if (std::find(sched.runtime_tids.begin(), sched.runtime_tids.end(), tid) !=
          sched.runtime_tids.end())
        continue;
      ++foreign;
    }
    closedir(dir);
    if (before >= 0 && (listed != before || thread_count() != before)) continue;
#if GORT_TSAN
    foreign -= 1;
#endif
    return foreign > 0;
  }
  return true;
}

// checkdead_slow_locked is checkdead_locked (proc.hpp) once no M is left running: it reports a
// deadlock unless something can still wake a goroutine.
void checkdead_slow_locked() GORT_REQUIRES(sched.lock) {
  if (sched.runq_size.load(std::memory_order_relaxed) > 0) return;
  if (earliest_timer() != 0 || outside_timers_pending()) return;  // a timer may wake someone
  if (netpoll_waiters() > 0) return;                              // the network may wake someone
  for (p* pp : sched.allp)
    if (!runq_empty(pp)) return;
  if (foreign_threads_exist()) return;  // a thread outside the runtime may still wake one
  report_deadlock(live_goroutines() == 0);
}

}  // namespace gort::internal
