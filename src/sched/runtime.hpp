// Copyright 2026 The gort Authors.
//
// The scheduler's data: G (goroutine), M (OS thread), P (processor: the right to run Go code,
// with its run queue and caches) and the global `sched`. Internal; see proc.cpp for the design
// and the protocols, and the field comments for who may touch what. The G and P states, what
// each means and the helpers every change of state goes through (casgstatus, caspstatus) are in
// status.hpp.

#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <gort/detail/defer_core.hpp>
#include <gort/detail/wait_reason.hpp>
#include <gort/stats.hpp>

#include "arch/context.hpp"
#include "sched/lock.hpp"
#include "sched/status.hpp"
#include "time/timer.hpp"
#include "trace/trace.hpp"

namespace gort::internal {

struct m;
struct p;
struct label_set;  // src/pprof/labels.hpp

// Stack of a goroutine: [lo, hi), with a guard page just below lo when `guarded`, otherwise the
// saved stack pointer is checked against lo at every switch (see stack.cpp).
struct stack_span {
  unsigned char* lo = nullptr;
  unsigned char* hi = nullptr;
  bool guarded = false;
  std::size_t bytes = 0;  // the whole stack as configured, guard included (the limit reports print)
};

inline constexpr std::size_t kGFnBuf = 64;  // bytes of a goroutine's callable kept in its G

struct alignas(64) g {
  context ctx;  // saved registers while not running
  // Its state (status.hpp), changed by casgstatus only.
  std::atomic<gstatus> status{gstatus::idle};
  std::uint64_t id = 0;    // goroutine id, set at each start (never reused)
  g* schedlink = nullptr;  // link in the G free lists
  m* mp = nullptr;         // M running it (running or syscall)
  stack_span stack;
  void (*entry)(void*) = nullptr;  // goroutine function, and its callable (in fn_buf or on
  void* arg = nullptr;             // the stack)
  bool fresh = false;              // not started yet: ctx is empty, start with context_start
  wait_reason waitreason = wait_reason::zero;  // why it is parked (crash reports, traces)
  alignas(16) unsigned char fn_buf[kGFnBuf];   // small callables live here, not on the stack
  const char* wait_label = nullptr;            // waitreason's text when it is labelled
  timer_rec sleep_timer;                       // gort::sleep's timer (embedded: never freed)
  defer_state st;                              // frame core state: defer chain, panics, counters
  void* eh_caught = nullptr;                   // C++ exception globals saved while switched out
  unsigned int eh_uncaught = 0;
  void* asan_fake_stack = nullptr;  // ASan's fake-stack handle while switched out
  void* tsan_fiber = nullptr;       // TSan fiber
  bool is_main = false;
  // Profiler labels (src/pprof/labels.hpp): a retained, immutable set or nullptr. Replaced only
  // by the thread running the G (with_labels) or by g0 once the G left the CPU; read by that
  // thread's SIGPROF handler, hence atomic (relaxed: same thread).
  std::atomic<label_set*> labels{nullptr};
  g_trace trace;  // the execution tracer's state (src/trace/trace.hpp)
};

inline constexpr std::uint32_t kRunqSize = 256;
inline constexpr int kStackCache = 32;
inline constexpr int kGfreeBatch = 64;  // dead Gs a P keeps before handing them over

struct g;
// A linked list (through g::schedlink) of dead Gs moved between a P and the global list whole.
struct gfree_batch {
  g* head;
  int n;
};
inline constexpr std::uint64_t kGoidBatch = 16;

// A P's block: one counter per entry of GORT_SCHED_COUNTERS (include/gort/stats.hpp), plus the
// goroutines that ended on it (goroutines_live is created minus exited).
struct sched_counters {
#define GORT_COUNTER_FIELD(name, meaning) counter name;
  GORT_SCHED_COUNTERS(GORT_COUNTER_FIELD)
#undef GORT_COUNTER_FIELD
  counter goroutines_exited;
};

struct p {
  int id = 0;
  // Its state (status.hpp), changed by caspstatus (try_caspstatus) only.
  std::atomic<pstatus> status{pstatus::idle};
  m* mp = nullptr;              // M holding it (running), or the M in a blocking call (syscall)
  p* link = nullptr;            // idle list, guarded by sched.lock
  std::uint32_t schedtick = 0;  // schedule() calls; owner only
  // Bumped at each blocking call; sysmon compares it to what it saw last time to know whether
  // the same call is still running. Written by the owner, read by sysmon: atomic, relaxed.
  std::atomic<std::uint32_t> syscalltick{0};
  std::uint32_t sysmon_tick = 0;  // sysmon only
  // The goroutine of the blocking call while syscall: written by entersyscall before the status
  // store, read by whoever wins the status CAS after it (the tracer names it in its events).
  g* syscallg = nullptr;
  std::int64_t sysmon_when = 0;  // sysmon only
  // The runnext goroutine and context-switch count sysmon saw at its last tick (sysmon only):
  // the same pair twice means runnext stayed put behind a goroutine that keeps the P
  // (wake_stale_runnext).
  g* sysmon_next = nullptr;
  std::uint64_t sysmon_switches = 0;

  // Local run queue: a ring of kRunqSize. head is advanced by the owner and by thieves (CAS,
  // acquire-release), tail only by the owner (store-release after writing the slot). Slots are
  // atomics only so that a thief's speculative read of a slot the owner is rewriting is not a
  // data race; its CAS on head then fails and the value is dropped.
  std::atomic<std::uint32_t> runq_head{0};
  std::atomic<std::uint32_t> runq_tail{0};
  std::atomic<g*> runq[kRunqSize];
  // runnext: a goroutine readied by the running one, run next in place of the queue's head
  // (it inherits the time slice). Exchanged by owner and thieves.
  std::atomic<g*> runnext{nullptr};

  std::uint64_t goid_next = 0;  // cached goroutine ids [goid_next, goid_end); owner only
  std::uint64_t goid_end = 0;
  g* gfree = nullptr;  // dead Gs (the head may keep the stack it ran on); owner only
  int gfree_n = 0;
  g* g_slab_next = nullptr;  // Gs never used yet, in this P's share of a slab; owner only
  int g_slab_left = 0;
  stack_span stack_cache[kStackCache];  // free stacks, most recently used last; owner only
  int nstack = 0;
  defer_pool deferpool;  // Go's p.deferpool; owner only
  timer_heap timers;     // timers armed by goroutines running on this P (own lock)
  sched_counters count;  // written by the owner only
};

struct m {
  int id = 0;
  context g0;                     // the scheduler's context on this thread's own stack
  g* curg = nullptr;              // goroutine running, or in a blocking call
  p* pp = nullptr;                // attached P
  p* nextp = nullptr;             // P handed over by startm, taken after the wakeup
  p* oldp = nullptr;              // P released by entersyscall, retried first at exitsyscall
  m* link = nullptr;              // idle list, guarded by sched.lock
  bool spinning = false;          // looking for work with a P (counted in sched.nmspinning)
  note park;                      // idle Ms sleep here
  std::uint32_t rand = 0;         // fastrand state
  std::uint32_t syscalltick = 0;  // its P's syscalltick at entersyscall (the tracer's wait)
  // What curg asked for when it switched to g0 (done on g0, after its stack is off-CPU).
  enum class action : std::uint8_t { none, yield, park, exit, exitsyscall } act = action::none;
  bool (*unlockf)(g*, void*) = nullptr;
  void* unlock_arg = nullptr;
  void* eh_globals = nullptr;  // this thread's __cxa_eh_globals
  // FP control words: what the hardware holds now (a goroutine's stay loaded when it switches to
  // g0; execute() reloads only when the next goroutine saved others) and what this thread
  // started with (a new goroutine starts with those). g0 only.
  fp_control fp_hw;
  fp_control fp_init;
  void* g0_fake_stack = nullptr;
  const void* g0_stack_bottom = nullptr;
  std::size_t g0_stack_size = 0;
  void* g0_tsan_fiber = nullptr;
  void* altstack = nullptr;  // signal stack (stack overflow reports)
};

// The global scheduler state. Its locks' order: src/sched/lockrank.hpp.
struct sched_t {
  runtime_lock lock{lock_rank::sched};
  // Global run queue (FIFO): a growable ring of G pointers, guarded by lock (a ring rather than
  // a list through the Gs, so that moving a batch never touches the Gs' own cache lines);
  // runq_size is also read without the lock as a hint.
  std::vector<g*> runq_ring GORT_GUARDED_BY(lock);
  std::size_t runq_first GORT_GUARDED_BY(lock) = 0;
  std::atomic<std::int32_t> runq_size{0};
  p* pidle GORT_GUARDED_BY(lock) = nullptr;
  std::atomic<std::int32_t> npidle{0};  // written under lock, read anywhere
  m* midle GORT_GUARDED_BY(lock) = nullptr;
  int nmidle GORT_GUARDED_BY(lock) = 0;
  int mcount GORT_GUARDED_BY(lock) = 0;
  std::atomic<std::int32_t> nmspinning{0};
  // The global free lists of Gs and stacks, under their own lock (Go's sched.gFree.lock): Ps
  // exchange batches through them, and keeping them off sched.lock keeps that traffic from
  // contending with the run queue and the idle lists.
  runtime_lock free_lock{lock_rank::gfree};
  std::vector<gfree_batch> gfree_batches GORT_GUARDED_BY(free_lock);  // dead Gs, in batches
  std::vector<stack_span> free_stacks GORT_GUARDED_BY(free_lock);
  std::atomic<int> nfree_stacks{0};  // its size, written under free_lock; a hint without it
  std::atomic<int> ngfree{0};        // batches in gfree_batches, written under free_lock; a hint
  std::vector<p*> allp;              // fixed while running
  std::vector<m*> allm GORT_GUARDED_BY(lock);
  std::atomic<bool> main_goexited{false};  // the main goroutine ended by goexit
  std::atomic<bool> done{false};           // main goroutine returned
  std::atomic<bool> running{false};
  int procs = 0;
  long m0_tid = 0;                                       // thread id of the thread that called run
  std::vector<long> runtime_tids GORT_GUARDED_BY(lock);  // thread ids of Ms and sysmon
  std::atomic<std::uint32_t> helpers_started{0};         // sysmon registered (futex)
  std::atomic<std::uint64_t> goid_gen{0};
  std::atomic<std::uint64_t> created_external{0};  // goroutines started from threads with no P
  std::int64_t start_time = 0;
  fp_control fp_init;  // FP control words of the thread that called run: each M's and each new
                       // goroutine's (set before any M starts)

  runtime_lock allg_lock{lock_rank::allg};
  std::vector<g*> allgs GORT_GUARDED_BY(allg_lock);       // every G allocated in this run
  std::vector<void*> g_slabs GORT_GUARDED_BY(allg_lock);  // where the Gs live (64 per slab)
  // Unused Gs of the newest slab, for threads without a P.
  g* g_slab_next GORT_GUARDED_BY(allg_lock) = nullptr;
  int g_slab_left GORT_GUARDED_BY(allg_lock) = 0;

  // The sleeper: at most one idle M sleeps in the netpoller until the earliest timer of all Ps or
  // a network event (Go's M blocked in netpoll; src/time/sleeper.cpp). timer_sleeping says one
  // does; poll_until is its deadline (INT64_MAX while it is computing it, or with no timer);
  // netpoll_break wakes it (an earlier timer was armed, or shutdown).
  std::atomic<bool> timer_sleeping{false};
  std::atomic<std::int64_t> poll_until{0};

  note sysmon_note;  // wakes sysmon from its idle sleep
  std::atomic<bool> sysmon_idle{false};
  std::int64_t schedtrace_ms = 0;
};

// never_destroyed holds a T that is constant-initialized and never destroyed: std::exit runs
// static destructors while other threads may still run goroutines (an exit in a goroutine, or in
// main with goroutines still busy), and the runtime's globals must outlive every such thread.
template <class T>
union never_destroyed {
  T value;
  constexpr never_destroyed() : value() {}
  ~never_destroyed() {}
};

// The scheduler state lives in sched_storage (proc.cpp) and is reached as `sched`; the reference
// is a constant, so it compiles to direct accesses.
extern never_destroyed<sched_t> sched_storage;
inline constexpr sched_t& sched = sched_storage.value;
extern constinit thread_local m* tls_m;  // the M this thread is, or nullptr

// stack.cpp, shared with goroutine.cpp, proc.cpp and crash.cpp (the stack cache: proc.hpp).
stack_span stack_alloc(std::size_t size);
void stack_free_all() noexcept;
bool stack_sp_ok(const stack_span& s, const void* sp) noexcept;
void prefault_stack_top(const stack_span& s) noexcept;
// Test hook: from the next stack on, guard stacks as on a kernel without MADV_GUARD_INSTALL, with
// `budget` page-protected stacks before they go unguarded (budget < 0: back to normal). Stays in
// force across runs; call it before gort::run.
void stack_force_old_kernel_guards_for_testing(long budget) noexcept;

void install_crash_handlers();
// The switch to the scheduler found gp's saved stack pointer below its unguarded stack: prints Go's
// stack overflow report (saying the overflow was caught late) and exits with status 2.
[[noreturn]] void fatal_unguarded_stack_overflow(const g* gp) noexcept;
void install_altstack(m* mp);
void free_altstack(m* mp) noexcept;

// current_g returns the goroutine running on this thread, or nullptr (g0, or a plain thread).
// Read it again after anything that may switch: the goroutine may have moved to another thread.
inline g* current_g() noexcept {
  m* mp = tls_m;
  return mp != nullptr ? mp->curg : nullptr;
}

// Stats plumbing (pool.cpp keeps the registry of threads and the totals of finished ones).
void add_counters(runtime_stats& s, const counters& c);
void retire_counters(const runtime_stats& s);  // adds s to the finished totals
void add_sched_stats(runtime_stats& s);        // adds the running runtime's Gs and Ps

}  // namespace gort::internal
