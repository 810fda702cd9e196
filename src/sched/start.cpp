// Copyright 2026 The gort Authors.
//
// gort::run's start-up and shutdown (Go's schedinit, procresize at start-up, and main's exit).
//
// Start-up (run_prepare, then run_main on the calling thread, which becomes M0): the number of
// Ps from gort::run's argument, else GORT_MAXPROCS, else the hardware's threads (env.cpp parses
// GORT_* variables; docs/env.md has the table); GORT_DEBUG=schedtrace; every P made and put on
// the idle list; M0 takes P0, starts the main goroutine and sysmon, waits until sysmon has
// registered as a runtime thread (checkdead must know every runtime thread) and runs the
// schedule loop (proc.cpp's m_loop).
//
// Shutdown: the main goroutine's end sets sched.done (proc.cpp's goexit0) and wakes the idle Ms,
// the timer sleeper and sysmon. M0 leaves its loop, joins sysmon and every M (each finishes the
// goroutine it runs: there is no preemption, and sees `done` at its next scheduling point), and
// teardown frees the Gs, Ps, Ms and stacks, rolling their counters into the finished totals.
// std::exit inside run never gets here (see proc.cpp: the runtime's globals are never destroyed).
//
// Locks: sched.lock while the Ms' threads are collected; allg_lock while the Gs are freed (stats
// readers take it and check sched.running under it).

#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <new>
#include <thread>
#include <vector>

#include <gort/frame.hpp>
#include <gort/go.hpp>

#include "netpoll/netpoll.hpp"
#include "pprof/thread_hooks.hpp"
#include "sched/env.hpp"
#include "sched/proc.hpp"
#include "sched/runtime.hpp"
#include "sched/sched.hpp"
#include "sched/switch.hpp"
#include "time/sleeper.hpp"

#if GORT_ASAN
#include <sanitizer/lsan_interface.h>
#endif

namespace gort::internal {

namespace {

// sysmon's thread, joined when run shuts down. Never destroyed (see m_threads in proc.cpp).
std::thread& sysmon_thread() {  // run_main only
  static auto* t = new std::thread;
  return *t;
}

}  // namespace

// The environment (src/sched/env.cpp has the rule, docs/env.md the table).
constexpr int kMaxProcs = 1024;
constexpr env_setting kMaxprocsEnv{"GORT_MAXPROCS", nullptr, env_kind::integer, 1, kMaxProcs};
constexpr env_setting kSchedtraceEnv{"GORT_DEBUG", "schedtrace", env_kind::integer, 0, INT_MAX};
// GORT_DEBUG=trace=<path> is text (env_text); tracestacks=1 adds stacks to that trace.
constexpr const char* kTraceKey = "trace";
constexpr env_setting kTracestacksEnv{"GORT_DEBUG", "tracestacks", env_kind::integer, 0, 1};

int resolve_procs(int procs) {
  if (procs < 0) fatal("gort::run: procs must be >= 0");
  if (procs > 0) return std::min(procs, kMaxProcs);
  if (std::uint64_t v = env_number(kMaxprocsEnv, 0); v != 0) return static_cast<int>(v);
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(std::min<unsigned>(n, kMaxProcs));
}

struct debug_trace {
  std::optional<std::string> path;
  bool stacks = false;
};

static debug_trace parse_debug() {
  // 0 (Go's default) prints no SCHED lines.
  sched.schedtrace_ms = static_cast<std::int64_t>(env_number(kSchedtraceEnv, 0));
  return {env_text("GORT_DEBUG", kTraceKey), env_number(kTracestacksEnv, 0) == 1};
}

// Not analysed: no other thread of the runtime runs yet, so its fields need no lock.
int run_prepare(int procs) GORT_NO_THREAD_SAFETY_ANALYSIS {
  if (sched.running.load(std::memory_order_acquire))
    fatal("gort::run called while gort::run is already running");
  int n = resolve_procs(procs);
  debug_trace dt = parse_debug();
  sched.procs = n;
  sched.done.store(false);
  sched.goid_gen.store(0);
  sched.main_goexited.store(false);
  sched.start_time = nanotime();
  sched.fp_init = read_fp_control();
  for (int i = 0; i < n; ++i) {
    p* pp = new p;
    pp->id = i;
    for (auto& slot : pp->runq) slot.store(nullptr, std::memory_order_relaxed);
    sched.allp.push_back(pp);
  }
  // Every P starts idle; run_main takes P0 for M0.
  for (int i = n - 1; i >= 0; --i) pidleput_locked(sched.allp[static_cast<std::size_t>(i)]);
  install_crash_handlers();
  sched.running.store(true, std::memory_order_release);
  trace_run_started(n, dt.path, dt.stacks);
  return n;
}

// Not analysed: every other thread of the runtime has ended, so its fields need no lock.
static void teardown() GORT_NO_THREAD_SAFETY_ANALYSIS {
  // Every M has left its loop and sysmon has stopped. Pending timers die with the run (first: the
  // sleep timers among them live in the Gs).
  for (p* pp : sched.allp) clear_timers(&pp->timers);
  runtime_stats totals;
  {
    lock_guard lock(sched.allg_lock);
    sched.running.store(false, std::memory_order_release);
    for (g* gp : sched.allgs) {
      add_counters(totals, gp->st.count);
      clear_goroutine_state(gp);
      switch_g_freed(gp);
      gp->~g();
    }
    sched.allgs.clear();
    sched.allgs.shrink_to_fit();
    for (void* slab : sched.g_slabs) ::operator delete (slab, std::align_val_t{alignof(g)});
    sched.g_slabs.clear();
    sched.g_slab_next = nullptr;
    sched.g_slab_left = 0;
  }
  totals.goroutines_created += sched.created_external.exchange(0);
  for (p* pp : sched.allp) {
    add_p_counters(totals, pp);
    pool_give_back(pp->deferpool);
    delete pp;
  }
  retire_counters(totals);
  sched.allp.clear();
  for (m* mp : sched.allm) delete mp;
  sched.allm.clear();
  sched.runq_ring.clear();
  sched.runq_first = 0;
  sched.runtime_tids.clear();
  sched.runq_size.store(0);
  sched.pidle = nullptr;
  sched.npidle.store(0);
  sched.midle = nullptr;
  sched.nmidle = 0;
  sched.mcount = 0;
  sched.nmspinning.store(0);
  sched.gfree_batches.clear();
  sched.ngfree.store(0);
  sched.free_stacks.clear();
  sched.nfree_stacks.store(0);
  sched.timer_sleeping.store(false);
  sched.poll_until.store(0);
  netpoll_forget_waiters();
  stack_free_all();
}

#if GORT_ASAN
// caller_frames is the part of the calling thread's stack above run_main: the frames of run's
// caller (main()'s locals, say). While this thread runs a goroutine, ASan tells LeakSanitizer
// that the goroutine's stack is the thread's, so at an exit inside run those frames would not be
// scanned and what they hold would be reported as leaked: they are a root region during run.
// (Locals that ASan moved to a fake stack, with detect_stack_use_after_return, stay invisible:
// docs/scheduler.md.)
struct caller_frames {
  void* lo = nullptr;
  std::size_t size = 0;
  caller_frames() {
    pthread_attr_t attr;
    if (pthread_getattr_np(pthread_self(), &attr) != 0) return;
    void* addr = nullptr;
    std::size_t bytes = 0;
    if (pthread_attr_getstack(&attr, &addr, &bytes) == 0) {
      auto* here = static_cast<unsigned char*>(__builtin_frame_address(0));
      auto* top = static_cast<unsigned char*>(addr) + bytes;
      if (here > static_cast<unsigned char*>(addr) && here < top) {
        lo = here;
        size = static_cast<std::size_t>(top - here);
        __lsan_register_root_region(lo, size);
      }
    }
    pthread_attr_destroy(&attr);
  }
  ~caller_frames() {
    if (lo != nullptr) __lsan_unregister_root_region(lo, size);
  }
  caller_frames(const caller_frames&) = delete;
  caller_frames& operator=(const caller_frames&) = delete;
};
#endif

int run_main(g* main_g) {
  if (tls_m != nullptr) fatal("gort::run called from inside a goroutine");
#if GORT_ASAN
  caller_frames caller;
#endif
  main_g->is_main = true;
  sched.m0_tid = static_cast<long>(syscall(SYS_gettid));
  profile_run_start();  // GORT_DEBUG=cpuprofile=<path> (src/pprof/cpu.cpp)
  m* m0 = new m;
  m0->rand = 0x2545f491u;
  {
    lock_guard lock(sched.lock);
    sched.allm.push_back(m0);
    sched.mcount = 1;
    acquirep(m0, pidleget_locked());
  }
  init_m_thread(m0);
  netpoll_init();  // the sleeper's epoll, before any M can sleep in it (a failure is retried)
  start_goroutine(main_g);
  sched.helpers_started.store(0);
  sysmon_thread() = std::thread(sysmon_loop);
  name_runtime_thread(sysmon_thread(), "gort-sysmon");
  // Wait until it registered as the runtime's (see register_runtime_thread).
  for (std::uint32_t n; (n = sched.helpers_started.load(std::memory_order_acquire)) < 1;)
    futex_wait(&sched.helpers_started, n, nullptr);
  m_loop(m0);

  // Shutdown: wake whoever still sleeps; Ms finish the goroutine they are running (there is no
  // preemption), see `done` at their next scheduling point and exit.
  wake_sleeper();
  sched.sysmon_note.wakeup();
  sysmon_thread().join();
  for (;;) {
    std::vector<std::thread> threads;
    {
      lock_guard lock(sched.lock);
      threads.swap(m_threads());
      while (m* idle = mget_locked()) idle->park.wakeup();
    }
    if (threads.empty()) break;
    for (auto& t : threads) t.join();
  }
  profile_thread_exit();
  profile_run_end();  // writes the GORT_DEBUG=cpuprofile profile
  free_altstack(m0);
  load_fp_control(sched.fp_init);  // the caller's FP control words, not its last goroutine's
  tls_m = nullptr;
  cur_defer_pool = nullptr;
  std::uint64_t last_goid = sched.goid_gen.load();
  teardown();
  trace_run_ended(last_goid);
  return 0;
}

}  // namespace gort::internal
