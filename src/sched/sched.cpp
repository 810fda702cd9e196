// Copyright 2026 The gort Authors.
//
// The G/M/P scheduler (Go's runtime/proc.go, rebuilt for C++).
//
// Terms.
//   G  a goroutine: a stack, a saved context and the frame-core state (defer chain, panics).
//   M  an OS thread. Each M has a g0 context: the thread's own stack, where the scheduler runs.
//      A goroutine never switches to another goroutine directly; it switches to its M's g0,
//      which finishes what the goroutine asked for (requeue, park, free) once the goroutine's
//      stack is off the CPU, then picks the next one. g0 never migrates; goroutines do.
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
//   - A G is on at most one queue; its status says which owner it has (runtime.hpp: gstatus).
//   - A G's stack is touched by one CPU at a time: a G is made runnable only from g0 or from
//     another thread after its own switch to g0 completed (park's unlock function runs on g0).
//   - nmspinning counts Ms with spinning == true; an M that stops spinning re-checks every run
//     queue before parking (the other side of wakep's "someone is spinning, no need to wake").
//   - A P is idle (on sched.pidle), running (held by an M) or in a blocking call (its M may
//     still come back for it; sysmon may take it away with a CAS on its status).
//
// Locks: sched.lock guards the global queue and the idle P and M lists; then
// allg_lock (the list of every G, for stats and crash reports). free_lock (the global lists of
// dead Gs and free stacks, exchanged with the Ps in batches) is a leaf. Channel, semaphore and
// timer-heap locks are taken before sched.lock (ready may take it), never while holding it; a
// timer's own modify_lock comes before its heap's lock (src/time/timers.cpp). None
// is held across a context switch. Run queues are lock-free (acquire/release on head and tail).
//
// Deadlock: when the last M goes idle with no timer pending, nothing queued and no M in a
// blocking call (the timer sleeper counts as busy), no goroutine can ever run again: Go's
// checkdead reports it.
//
// Deviations from Go: no preemption (C++ code cannot be interrupted at safe points), so sysmon
// only takes Ps from long blocking calls; yield() puts the goroutine at the tail of its P's
// queue rather than on the global queue (no lock; with more than 256 runnable goroutines the
// overflowed ones wait longer, see docs/scheduler.md).
//
// Timers (src/time/timers.cpp): each P has a timer heap. find_runnable runs its P's due timers
// first, every P's due timers before stealing, and an M that finds nothing sleeps until the
// earliest deadline (one such timer sleeper at a time; others park as usual).
//
// Exit. std::exit may be called anywhere while run is running (a goroutine, a blocking call, a
// plain thread): it runs static destructors while the other Ms go on running goroutines, and the
// process ends without run ever returning. So the runtime's own globals are never destroyed
// (sched lives in a never_destroyed, the thread handles on the heap): nothing an M, sysmon or
// the timer thread touches goes away under it. No deferred call runs, as with Go's os.Exit.
//
// Rejected: direct goroutine-to-goroutine switches (one switch instead of two). They need the
// outgoing G's requeue to happen after its registers are saved, which means a handshake per
// switch; the g0 hop costs about 5 ns and keeps every state change on a stack nobody else runs.

#include <cxxabi.h>
#include <dirent.h>
#include <pthread.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>
#include <thread>

#include <gort/frame.hpp>
#include <gort/go.hpp>
#include <gort/panic.hpp>

#include "defer/panic_record.hpp"
#include "sched/env.hpp"
#include "sched/runtime.hpp"
#include "sched/sched.hpp"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#include <sanitizer/lsan_interface.h>
#define GORT_ASAN 1
#else
#define GORT_ASAN 0
#endif
#if defined(__SANITIZE_THREAD__)
#include <sanitizer/tsan_interface.h>
#define GORT_TSAN 1
#else
#define GORT_TSAN 0
#endif

namespace gort {
namespace internal {

constinit never_destroyed<sched_t> sched_storage;
constinit thread_local m* tls_m = nullptr;

namespace {

// libstdc++'s per-thread exception state (unwind-cxx.h): the caught-exception stack and the
// uncaught count. A goroutine that switches inside a catch block or during unwinding must take
// it along, so every switch saves and restores it (folly's fibers do the same).
struct eh_globals {
  void* caught;
  unsigned int uncaught;
};
extern "C" eh_globals* __cxa_get_globals() noexcept;

// The Ms' threads and sysmon's, joined when run shuts down. Never destroyed: std::exit may run
// static destructors while these threads still run (a std::thread still joinable when destroyed
// calls std::terminate).
std::vector<std::thread>& m_threads() {  // guarded by sched.lock
  static auto* v = new std::vector<std::thread>;
  return *v;
}
std::thread& sysmon_thread() {  // run_main only
  static auto* t = new std::thread;
  return *t;
}

std::uint32_t fastrand(m* mp) {
  // xorshift32; per M, no synchronization needed.
  std::uint32_t x = mp->rand;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  mp->rand = x;
  return x;
}

}  // namespace

const char* gstatus_name(gstatus s) noexcept {
  switch (s) {
    case gstatus::idle:
      return "idle";
    case gstatus::runnable:
      return "runnable";
    case gstatus::running:
      return "running";
    case gstatus::waiting:
      return "waiting";
    case gstatus::syscall:
      return "syscall";
    case gstatus::dead:
      return "dead";
  }
  return "?";
}

// casgstatus moves gp from `from` to `to`; in debug builds a G found in another state is a fatal
// runtime bug, reported with both state names.
void casgstatus(g* gp, gstatus from, gstatus to) {
#if GORT_FRAME_CHECKS
  gstatus old = from;
  if (!gp->status.compare_exchange_strong(old, to, std::memory_order_acq_rel)) {
    char buf[160];
    std::snprintf(buf, sizeof buf, "casgstatus: goroutine %llu is %s, expected %s (to %s)",
                  static_cast<unsigned long long>(gp->id), gstatus_name(old), gstatus_name(from),
                  gstatus_name(to));
    fatal(buf);
  }
#else
  (void)from;
  gp->status.store(to, std::memory_order_release);
#endif
}

bool on_goroutine() noexcept {
  m* mp = tls_m;
  return mp != nullptr && mp->curg != nullptr;
}

// ---------------------------------------------------------------------------------------------
// Run queues.

static bool runq_empty(p* pp) {
  // A P's queue is empty when head == tail and runnext is nil; read tail, then runnext, then head
  // again so that a G moving from runnext to the queue is not missed (Go's runqempty).
  for (;;) {
    std::uint32_t head = pp->runq_head.load(std::memory_order_acquire);
    std::uint32_t tail = pp->runq_tail.load(std::memory_order_acquire);
    g* next = pp->runnext.load(std::memory_order_acquire);
    if (pp->runq_tail.load(std::memory_order_acquire) == tail) return head == tail && !next;
  }
}

static void globrunqput_locked(g* gp) {
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

static g* globrunqpop_locked() {
  g* gp = sched.runq_ring[sched.runq_first];
  sched.runq_first = (sched.runq_first + 1) % sched.runq_ring.size();
  sched.runq_size.fetch_sub(1, std::memory_order_relaxed);
  return gp;
}

// runqputslow moves half of pp's full local queue, plus gp, to the global queue.
static bool runqputslow(p* pp, g* gp, std::uint32_t head, std::uint32_t tail) {
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

// runqput puts gp on pp's local queue (owner only). With next, gp goes to runnext and the G it
// displaces goes to the tail.
void runqput(p* pp, g* gp, bool next) {
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
static g* runqget(p* pp, bool* inherit) {
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
static g* runqsteal(p* pp, p* victim, bool steal_runnext) {
  std::uint32_t tail = pp->runq_tail.load(std::memory_order_relaxed);
  std::uint32_t n = runqgrab(victim, pp->runq, tail, steal_runnext);
  if (n == 0) return nullptr;
  ++pp->count.steals;
  pp->count.stolen += n;
  --n;
  g* gp = pp->runq[(tail + n) % kRunqSize].load(std::memory_order_relaxed);
  if (n != 0) pp->runq_tail.store(tail + n, std::memory_order_release);
  return gp;
}

// globrunqget takes a G from the global queue and moves up to `max` more (0: a fair share) to
// pp's local queue. REQUIRES: sched.lock.
static g* globrunqget_locked(p* pp, int max) {
  int size = sched.runq_size.load(std::memory_order_relaxed);
  if (size == 0) return nullptr;
  int n = std::min(size, size / sched.procs + 1);
  if (max > 0 && n > max) n = max;
  n = std::min<int>(n, kRunqSize / 2);
  pp->count.global_gets += static_cast<std::uint64_t>(n);
  g* gp = globrunqpop_locked();
  for (int i = 1; i < n; ++i) runqput(pp, globrunqpop_locked(), false);
  return gp;
}

// ---------------------------------------------------------------------------------------------
// Ps and Ms.

static void acquirep(m* mp, p* pp) {
  mp->pp = pp;
  pp->mp = mp;
  pp->status.store(pstatus::running, std::memory_order_release);
  tls_pool = &pp->deferpool;
}

static p* releasep(m* mp) {
  p* pp = mp->pp;
  pp->mp = nullptr;
  pp->status.store(pstatus::idle, std::memory_order_release);
  mp->pp = nullptr;
  tls_pool = nullptr;
  return pp;
}

static void pidleput_locked(p* pp) {
  pp->link = sched.pidle;
  sched.pidle = pp;
  sched.npidle.fetch_add(1, std::memory_order_seq_cst);
}

static p* pidleget_locked() {
  p* pp = sched.pidle;
  if (pp != nullptr) {
    sched.pidle = pp->link;
    sched.npidle.fetch_sub(1, std::memory_order_seq_cst);
  }
  return pp;
}

static m* mget_locked() {
  m* mp = sched.midle;
  if (mp != nullptr) {
    sched.midle = mp->link;
    --sched.nmidle;
  }
  return mp;
}

// name_runtime_thread names a thread the runtime created ("gort-m3", "gort-sysmon"), for
// debuggers and top. (Names are not how the runtime recognises its threads: a thread a goroutine
// starts inherits its M's name.)
static void name_runtime_thread(std::thread& t, const char* name) {
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
        pp->status.store(pstatus::idle, std::memory_order_release);
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
  // gets this barrier from its amd64 atomic store (XCHG).
  std::atomic_thread_fence(std::memory_order_seq_cst);
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
static void handoffp(p* pp) {
  pp->mp = nullptr;
  if (!runq_empty(pp) || sched.runq_size.load(std::memory_order_relaxed) > 0)
    return startm(pp, false);
  std::int32_t zero = 0;
  if (sched.nmspinning.load() + sched.npidle.load() == 0 &&
      sched.nmspinning.compare_exchange_strong(zero, 1))
    return startm(pp, true);
  lock_guard lock(sched.lock);
  pp->status.store(pstatus::idle, std::memory_order_release);
  pidleput_locked(pp);
}

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
                    s == gstatus::waiting ? gp->wait_reason : gstatus_name(s));
      out += buf;
    }
  }
  std::fflush(stdout);  // what the program printed comes first, as with Go's unbuffered output
  std::fputs(out.c_str(), stderr);
  std::fflush(stderr);
  std::_Exit(2);
}

// foreign_threads_exist tells whether the process has threads other than the runtime's (Ms,
// sysmon, each registered in sched.runtime_tids, the thread that called run, and the outside
// timer thread). REQUIRES: sched.lock. Such a thread
// can wake a parked goroutine (a plain thread may release a semaphore or send on a channel), so
// while one exists a deadlock cannot be proven and none is reported: the program waits, as a
// C++ program would. (Go, built as a C library, turns its deadlock check off for the same reason.)
// TSan runs one background thread of its own, which is not counted.
static bool foreign_threads_exist() {
  int foreign = 0;
  DIR* dir = opendir("/proc/self/task");
  if (dir == nullptr) return false;
  while (struct dirent* e = readdir(dir)) {
    if (e->d_name[0] == '.') continue;
    long tid = std::strtol(e->d_name, nullptr, 10);
    if (tid == sched.m0_tid || tid == outside_timer_tid()) continue;
    if (std::find(sched.runtime_tids.begin(), sched.runtime_tids.end(), tid) !=
        sched.runtime_tids.end())
      continue;
    ++foreign;
  }
  closedir(dir);
#if GORT_TSAN
  foreign -= 1;
#endif
  return foreign > 0;
}

// live_goroutines counts goroutines started and not finished: each P counts the ones it started
// and the ones that ended on it (a goroutine may end on another P than its creator's).
static std::uint64_t live_goroutines() {
  std::uint64_t started = sched.created_external.load(std::memory_order_relaxed);
  std::uint64_t ended = 0;
  for (p* pp : sched.allp) {
    started += pp->count.goroutines_created.get();
    ended += pp->count.goroutines_exited.get();
  }
  return started - ended;
}

// checkdead reports a deadlock when no M is left to run anything and nothing can wake one.
// REQUIRES: sched.lock, with the calling M already on the idle list.
static void checkdead_locked() {
  if (sched.done.load(std::memory_order_acquire)) return;
  if (sched.mcount - sched.nmidle > 0) return;  // an M is running or in a blocking call
  if (sched.runq_size.load(std::memory_order_relaxed) > 0) return;
  if (earliest_timer() != 0 || outside_timers_pending()) return;  // a timer may wake someone
  for (p* pp : sched.allp)
    if (!runq_empty(pp)) return;
  if (foreign_threads_exist()) return;  // a thread outside the runtime may still wake one
  report_deadlock(live_goroutines() == 0);
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
// Switching.

// switch_to_g0 suspends the running goroutine and resumes its M's scheduler, which performs
// `act` (see execute). Returns when the goroutine is scheduled again, maybe on another M: read
// the M from gp->mp afterwards, never from a value computed before.
[[gnu::noinline]] static void switch_to_g0(g* gp, m::action act) {
  m* mp = gp->mp;
  mp->act = act;
#if GORT_ASAN
  __sanitizer_start_switch_fiber(act == m::action::exit ? nullptr : &gp->asan_fake_stack,
                                 mp->g0_stack_bottom, mp->g0_stack_size);
#endif
#if GORT_TSAN
  __tsan_switch_to_fiber(mp->g0_tsan_fiber, 0);
#endif
  context_switch_to_g0(&gp->ctx, &mp->g0);
#if GORT_ASAN
  m* now = gp->mp;
  __sanitizer_finish_switch_fiber(gp->asan_fake_stack, &now->g0_stack_bottom, &now->g0_stack_size);
#endif
}

[[noreturn]] static void goexit0(g* gp);

static void g_main(void* arg) {
  g* gp = static_cast<g*>(arg);
#if GORT_ASAN
  m* mp = gp->mp;
  __sanitizer_finish_switch_fiber(nullptr, &mp->g0_stack_bottom, &mp->g0_stack_size);
#endif
  // Only goroutine_exit is caught here. Any other exception finds no handler at all (gort_start
  // ends the stack for the unwinder), so std::terminate runs with the throwing stack intact and
  // the crash handler prints it (crash.cpp).
  try {
    gp->entry(gp->arg);
  } catch (goroutine_exit&) {
    // Go: goexit on the main goroutine ends it without ending the program; the others go on,
    // and when none is left the program dies of a deadlock (see checkdead_locked).
    if (gp->is_main) {
      gp->is_main = false;
      sched.main_goexited.store(true, std::memory_order_release);
    }
  }
  goexit0(gp);
}

[[noreturn]] static void goexit0(g* gp) {
  switch_to_g0(gp, m::action::exit);
  fatal("a dead goroutine was resumed");
}

static void gfput(p* pp, g* gp);
static void attach_stack(p* pp, g* gp);

// execute runs gp on mp until gp switches back, then does what gp asked for. On g0.
static void execute(m* mp, g* gp, bool inherit) {
  p* pp = mp->pp;
  if (gp->ctx.sp == nullptr) [[unlikely]] {  // first run of a goroutine created without a stack
    attach_stack(pp, gp);
    gp->ctx.sp = gp->stack.hi;
  }
  if (!inherit) ++pp->schedtick;
  ++pp->count.context_switches;
  casgstatus(gp, gstatus::runnable, gstatus::running);
  gp->mp = mp;
  mp->curg = gp;
  thread_state* own = tls_cur;
  tls_cur = &gp->st;
  auto* eh = static_cast<eh_globals*>(mp->eh_globals);
  eh_globals g0_eh = *eh;
  eh->caught = gp->eh_caught;
  eh->uncaught = gp->eh_uncaught;
#if GORT_ASAN
  __sanitizer_start_switch_fiber(&mp->g0_fake_stack, gp->stack.lo,
                                 static_cast<std::size_t>(gp->stack.hi - gp->stack.lo));
#endif
#if GORT_TSAN
  __tsan_switch_to_fiber(gp->tsan_fiber, 0);
#endif
  // FP control words are per goroutine: load gp's (or, for a new goroutine, the thread's initial
  // ones) only when the hardware holds others, which is almost never.
  if (gp->fresh) [[unlikely]] {
    gp->fresh = false;
    if (!(mp->fp_hw == mp->fp_init)) {
      load_fp_control(mp->fp_init);
      mp->fp_hw = mp->fp_init;
    }
    context_start(&mp->g0, gp->ctx.sp, &g_main, gp);
  } else {
    fp_control want = saved_fp_control(gp->ctx);
    if (!(want == mp->fp_hw)) [[unlikely]] {
      load_fp_control(want);
      mp->fp_hw = want;
    }
    context_switch_from_g0(&mp->g0, &gp->ctx);
  }
  // gp saved its FP control words in its frame when it switched back, and left them loaded.
  mp->fp_hw = saved_fp_control(gp->ctx);
#if GORT_ASAN
  __sanitizer_finish_switch_fiber(mp->g0_fake_stack, nullptr, nullptr);
#endif
  gp->eh_caught = eh->caught;
  gp->eh_uncaught = eh->uncaught;
  *eh = g0_eh;
  tls_cur = own;
  mp->curg = nullptr;
  if (!gp->stack.guarded && !stack_sp_ok(gp->stack, gp->ctx.sp)) fatal_unguarded_stack_overflow(gp);

  m::action act = mp->act;
  mp->act = m::action::none;
  switch (act) {
    case m::action::yield:
      // Tail of the local queue, no lock (Go's Gosched uses the global queue; measured in S3,
      // that gives a shorter latency tail when more than 256 goroutines are runnable, but costs
      // a lock per yield and collapsed throughput at P=2 to Go's level).
      casgstatus(gp, gstatus::running, gstatus::runnable);
      runqput(mp->pp, gp, false);
      break;
    case m::action::park: {
      casgstatus(gp, gstatus::running, gstatus::waiting);
      bool (*unlockf)(g*, void*) = mp->unlockf;
      void* arg = mp->unlock_arg;
      mp->unlockf = nullptr;
      mp->unlock_arg = nullptr;
      if (unlockf != nullptr && !unlockf(gp, arg)) {
        casgstatus(gp, gstatus::waiting, gstatus::runnable);
        runqput(mp->pp, gp, true);
      }
      break;
    }
    case m::action::exit: {
      casgstatus(gp, gstatus::running, gstatus::dead);
      bool main = gp->is_main;
      ++mp->pp->count.goroutines_exited;
#if GORT_TSAN
      // TSan counts fibers as threads (at most 8128 alive): keep one per live goroutine.
      __tsan_destroy_fiber(gp->tsan_fiber);
      gp->tsan_fiber = nullptr;
#endif
      gfput(mp->pp, gp);
      if (main) {
        sched.done.store(true, std::memory_order_release);
        // Wake every idle M so that each sees `done` and leaves.
        lock_guard lock(sched.lock);
        while (m* idle = mget_locked()) idle->park.wakeup();
        sched.timer_note.wakeup();
        sched.sysmon_note.wakeup();
      }
      break;
    }
    case m::action::exitsyscall: {
      // gp came back from a blocking call and found no P: queue it, stop this M.
      casgstatus(gp, gstatus::syscall, gstatus::runnable);
      lock_guard lock(sched.lock);
      if (p* np = pidleget_locked()) {
        acquirep(mp, np);
        runqput(np, gp, true);
      } else {
        globrunqput_locked(gp);
      }
      break;
    }
    case m::action::none:
      fatal("goroutine switched to the scheduler without a request");
  }
}

// ---------------------------------------------------------------------------------------------
// Finding work.

static g* steal_work(m* mp) {
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

static void check_timers(p* pp);
static bool run_all_due_timers();
static bool timer_sleep(m* mp);

// find_runnable returns the next G for mp (which holds a P), parking mp while there is none.
// Returns nullptr when the runtime is shutting down, or when mp lost its P while parked.
static g* find_runnable(m* mp, bool* inherit) {
  for (;;) {
    if (sched.done.load(std::memory_order_acquire)) return nullptr;
    p* pp = mp->pp;
    *inherit = false;
    check_timers(pp);
    if (pp->schedtick % 61 == 0 && sched.runq_size.load(std::memory_order_relaxed) > 0) {
      lock_guard lock(sched.lock);
      if (g* gp = globrunqget_locked(pp, 1)) return gp;
    }
    if (g* gp = runqget(pp, inherit)) return gp;
    if (sched.runq_size.load(std::memory_order_relaxed) > 0) {
      lock_guard lock(sched.lock);
      if (g* gp = globrunqget_locked(pp, 0)) return gp;
    }
    if (run_all_due_timers()) continue;
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
    if (timer_sleep(mp)) continue;
    stopm(mp);
    if (mp->pp == nullptr) return nullptr;
  }
}

static void m_loop(m* mp) {
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

static void init_m_thread(m* mp) {
  tls_m = mp;
  // A thread starts with its creator's FP control words, and an M may be created by a thread
  // running a goroutine that changed them: every M starts from the words of the thread that
  // called run, which new goroutines start with.
  mp->fp_init = mp->fp_hw = sched.fp_init;
  load_fp_control(sched.fp_init);
  mp->eh_globals = __cxa_get_globals();
#if GORT_TSAN
  mp->g0_tsan_fiber = __tsan_get_current_fiber();
#endif
  install_altstack(mp);
}

// register_runtime_thread records the calling thread as the runtime's. An M registers before it
// can ever be idle, so checkdead (which needs every M idle) never sees an M unregistered; run
// waits for sysmon to register before it schedules anything.
static void register_runtime_thread() {
  long tid = static_cast<long>(syscall(SYS_gettid));
  lock_guard lock(sched.lock);
  sched.runtime_tids.push_back(tid);
}

static void mstart(m* mp) {
  register_runtime_thread();
  init_m_thread(mp);
  m_loop(mp);
  free_altstack(mp);
  tls_m = nullptr;
  // Chunks taken while this thread ran a blocking call (no P) sit in its own pool.
  pool_give_back(tls.pool);
}

// ---------------------------------------------------------------------------------------------
// Goroutines.

// stack_new maps a new stack for a goroutine.
static stack_span stack_new(std::size_t size) {
  stack_span s = stack_alloc(size);
  // Stacks are a power-of-two size apart, so their tops would all map to the same cache sets and
  // evict each other when many goroutines start at once: each stack's top is lowered by a
  // "color" of a few cache lines (the entry's callable and first frame live there).
  static std::atomic<std::uint32_t> color{0};
  constexpr std::size_t kStep = 128;
  std::size_t colors = std::min<std::size_t>(256, size / 8 / kStep);
  std::size_t offset =
      colors == 0 ? 0 : (color.fetch_add(1, std::memory_order_relaxed) % colors) * kStep;
  s.hi -= offset;
  prefault_stack_top(s);
  return s;
}

// Free stacks: a LIFO cache per P (the most recently used stack, still in cache and committed,
// goes to the next goroutine that starts), overflowing to a global list.
static void free_stacks_push_locked(stack_span s) {
  sched.free_stacks.push_back(s);
  sched.nfree_stacks.store(static_cast<int>(sched.free_stacks.size()), std::memory_order_relaxed);
}

static bool free_stacks_pop_locked(stack_span* s) {
  if (sched.free_stacks.empty()) return false;
  *s = sched.free_stacks.back();
  sched.free_stacks.pop_back();
  sched.nfree_stacks.store(static_cast<int>(sched.free_stacks.size()), std::memory_order_relaxed);
  return true;
}

static void stack_put(p* pp, stack_span s) {
  if (pp != nullptr) {
    if (pp->nstack == kStackCache) {
      lock_guard lock(sched.free_lock);
      for (int i = 0; i < kStackCache / 2; ++i) free_stacks_push_locked(pp->stack_cache[i]);
      std::copy(pp->stack_cache + kStackCache / 2, pp->stack_cache + kStackCache, pp->stack_cache);
      pp->nstack = kStackCache - kStackCache / 2;
    }
    pp->stack_cache[pp->nstack++] = s;
    return;
  }
  lock_guard lock(sched.free_lock);
  free_stacks_push_locked(s);
}

static stack_span stack_get(p* pp) {
  stack_span s;
  if (pp != nullptr) {
    if (pp->nstack == 0 && sched.nfree_stacks.load(std::memory_order_relaxed) > 0) {
      lock_guard lock(sched.free_lock);
      while (pp->nstack < kStackCache / 2 && free_stacks_pop_locked(&s))
        pp->stack_cache[pp->nstack++] = s;
    }
    if (pp->nstack > 0) return pp->stack_cache[--pp->nstack];
  } else {
    lock_guard lock(sched.free_lock);
    if (free_stacks_pop_locked(&s)) return s;
  }
  return stack_new(stack_size());
}

// attach_stack gives gp a stack (it has none until it first runs, see new_goroutine).
static void attach_stack(p* pp, g* gp) {
  gp->stack = stack_get(pp);
#if GORT_ASAN
  // Frames of the previous goroutine on this stack never returned (it switched away for good):
  // clear their poisoned redzones.
  __asan_unpoison_memory_region(gp->stack.lo,
                                static_cast<std::size_t>(gp->stack.hi - gp->stack.lo));
#endif
}

// allocg returns a G never used before. Gs are made 64 at a time in a slab (densely: run queues
// and free lists touch them in bursts), registered in allgs with one lock for the whole slab; a
// P keeps the slab's remaining Gs for itself, so two Ps spawning at once do not contend.
static g* allocg(p* pp) {
  if (pp != nullptr && pp->g_slab_left > 0) {
    --pp->g_slab_left;
    return pp->g_slab_next++;
  }
  constexpr int kSlab = 64;
  if (pp == nullptr) {
    lock_guard lock(sched.allg_lock);
    if (sched.g_slab_left > 0) {
      --sched.g_slab_left;
      return sched.g_slab_next++;
    }
  }
  void* mem = ::operator new (sizeof(g) * kSlab, std::align_val_t{alignof(g)});
  g* slab = static_cast<g*>(mem);
  for (int i = 0; i < kSlab; ++i) {
    g* gp = ::new (static_cast<void*>(slab + i)) g;
    gp->st.is_goroutine = true;
  }
  {
    lock_guard lock(sched.allg_lock);
    sched.g_slabs.push_back(mem);
    for (int i = 0; i < kSlab; ++i) sched.allgs.push_back(slab + i);
    if (pp == nullptr) {
      sched.g_slab_next = slab + 1;
      sched.g_slab_left = kSlab - 1;
    }
  }
  if (pp != nullptr) {
    pp->g_slab_next = slab + 1;
    pp->g_slab_left = kSlab - 1;
  }
  return slab;
}

// gfput frees a dead G: its stack to the stack cache, the G to the P's free list. A P's list
// moves to the global one whole, as one batch, once it holds kGfreeBatch Gs: nothing walks cold Gs
// under the lock (a P that spawns and a P where goroutines end exchange Gs through it).
static void gfput(p* pp, g* gp) {
  stack_put(pp, gp->stack);
  gp->stack = stack_span{};
  gp->schedlink = pp->gfree;
  pp->gfree = gp;
  if (++pp->gfree_n < kGfreeBatch) return;
  lock_guard lock(sched.free_lock);
  sched.gfree_batches.push_back({pp->gfree, pp->gfree_n});
  sched.ngfree.store(static_cast<int>(sched.gfree_batches.size()), std::memory_order_relaxed);
  pp->gfree = nullptr;
  pp->gfree_n = 0;
}

// gfget takes a dead G: from the P's list, refilled with one global batch when empty.
static g* gfget(p* pp) {
  if (pp != nullptr && pp->gfree == nullptr && sched.ngfree.load(std::memory_order_relaxed) > 0) {
    lock_guard lock(sched.free_lock);
    if (!sched.gfree_batches.empty()) {
      gfree_batch b = sched.gfree_batches.back();
      sched.gfree_batches.pop_back();
      sched.ngfree.store(static_cast<int>(sched.gfree_batches.size()), std::memory_order_relaxed);
      pp->gfree = b.head;
      pp->gfree_n = b.n;
    }
  }
  if (pp != nullptr && pp->gfree != nullptr) {
    g* gp = pp->gfree;
    pp->gfree = gp->schedlink;
    --pp->gfree_n;
    return gp;
  }
  if (pp == nullptr) {
    lock_guard lock(sched.free_lock);
    if (!sched.gfree_batches.empty()) {
      gfree_batch& b = sched.gfree_batches.back();
      g* gp = b.head;
      b.head = gp->schedlink;
      if (--b.n == 0) sched.gfree_batches.pop_back();
      sched.ngfree.store(static_cast<int>(sched.gfree_batches.size()), std::memory_order_relaxed);
      return gp;
    }
  }
  return nullptr;
}

g* new_goroutine(void (*entry)(void*), std::size_t size, std::size_t align, void** storage) {
  if (!sched.running.load(std::memory_order_acquire)) fatal("gort::go called outside gort::run");
  m* mp = tls_m;
  p* pp = mp != nullptr ? mp->pp : nullptr;
  std::size_t ssize = stack_size();
  if (size > ssize / 4) fatal("gort::go: the goroutine's function and arguments are too large");
  g* gp = gfget(pp);
  if (gp == nullptr) gp = allocg(pp);
  // The callable goes in the G when it fits, and the goroutine gets its stack only when it first
  // runs (execute): a goroutine waiting in a run queue holds no stack, which bounds memory by
  // the goroutines started rather than the goroutines created (skynet queues tens of thousands).
  // A larger callable lives at the top of a stack taken now. Either way the stack itself is first
  // touched when the goroutine starts, on the CPU that runs it.
  if (size <= kGFnBuf && align <= 16) {
    *storage = gp->fn_buf;
    gp->ctx.sp = nullptr;
  } else {
    attach_stack(pp, gp);
    auto top = reinterpret_cast<std::uintptr_t>(gp->stack.hi) - size;
    top &= ~(static_cast<std::uintptr_t>(std::max<std::size_t>(align, 16)) - 1);
    *storage = reinterpret_cast<void*>(top);
    gp->ctx.sp = *storage;
  }
  gp->fresh = true;  // ctx.sp holds the top of the stack to start on (see execute)
  gp->entry = entry;
  gp->arg = *storage;
  gp->schedlink = nullptr;
  gp->mp = nullptr;
  gp->wait_reason = "";
  gp->is_main = false;
  gp->eh_caught = nullptr;
  gp->eh_uncaught = 0;
  gp->asan_fake_stack = nullptr;
#if GORT_TSAN
  if (gp->tsan_fiber == nullptr) gp->tsan_fiber = __tsan_create_fiber(0);
#endif
  gp->st.top = &gp->st.root;
  gp->st.root.parent = nullptr;
  gp->st.panic = nullptr;
  gp->status.store(gstatus::idle, std::memory_order_relaxed);
  return gp;
}

void discard_goroutine(g* gp) noexcept {
  casgstatus(gp, gstatus::idle, gstatus::dead);
  lock_guard lock(sched.free_lock);
  if (gp->stack.lo != nullptr) free_stacks_push_locked(gp->stack);
  gp->stack = stack_span{};
  gp->schedlink = nullptr;
  sched.gfree_batches.push_back({gp, 1});
  sched.ngfree.store(static_cast<int>(sched.gfree_batches.size()), std::memory_order_relaxed);
}

// ready_external makes gp runnable from a thread that holds no P (the outside timer thread, a plain
// thread): global queue, then wake an M for it if a P is idle.
static void ready_external(g* gp) {
  {
    lock_guard lock(sched.lock);
    globrunqput_locked(gp);
  }
  wakep();
}

void start_goroutine(g* gp) {
  casgstatus(gp, gstatus::idle, gstatus::runnable);
  m* mp = tls_m;
  p* pp = mp != nullptr ? mp->pp : nullptr;
  if (pp == nullptr) {
    gp->id = sched.goid_gen.fetch_add(1, std::memory_order_relaxed) + 1;
    sched.created_external.fetch_add(1, std::memory_order_relaxed);
    return ready_external(gp);
  }
  // Ids come from the P's cache, refilled 16 at a time (Go's goidcache): no shared atomic per
  // spawn. Ids still increase per P, and are unique.
  if (pp->goid_next == pp->goid_end) {
    pp->goid_next = sched.goid_gen.fetch_add(kGoidBatch, std::memory_order_relaxed) + 1;
    pp->goid_end = pp->goid_next + kGoidBatch;
  }
  gp->id = pp->goid_next++;
  ++pp->count.goroutines_created;
  runqput(pp, gp, true);         // Go's newproc: the new goroutine runs next
  if (sched.procs > 1) wakep();  // with one P, held by the caller, no P can be idle
}

void ready(g* gp) {
  casgstatus(gp, gstatus::waiting, gstatus::runnable);
  m* mp = tls_m;
  p* pp = mp != nullptr ? mp->pp : nullptr;
  if (pp == nullptr) return ready_external(gp);
  runqput(pp, gp, true);
  if (sched.procs > 1) wakep();
}

void park(bool (*unlockf)(g*, void*), void* arg, const char* reason) {
  g* gp = current_g();
  if (gp == nullptr) fatal("park called outside a goroutine");
  m* mp = gp->mp;
  gp->wait_reason = reason;
  mp->unlockf = unlockf;
  mp->unlock_arg = arg;
  switch_to_g0(gp, m::action::park);
}

// ---------------------------------------------------------------------------------------------
// Timers (the heaps are in src/time/timers.cpp).

void wake_for_timer(std::int64_t when) {
  if (sched.timer_sleeping.load(std::memory_order_seq_cst)) {
    if (when < sched.poll_until.load(std::memory_order_seq_cst)) sched.timer_note.wakeup();
    return;
  }
  wakep();  // an idle P's M will find the timer and become the sleeper
}

void wake_for_removed_timer(std::int64_t when) {
  if (sched.timer_sleeping.load(std::memory_order_seq_cst) &&
      when <= sched.poll_until.load(std::memory_order_seq_cst))
    sched.timer_note.wakeup();
}

// check_timers runs pp's due timers (Go's checkTimers): one relaxed load when it has none.
static void check_timers(p* pp) {
  std::int64_t w = pp->timers.when0.load(std::memory_order_relaxed);
  if (w == 0) return;
  std::int64_t now = nanotime();
  if (now >= w) run_timers(&pp->timers, now);
}

// run_all_due_timers runs the due timers of every P (an idle P's, or a busy one's whose M is
// deep in a goroutine). Returns whether any fired.
static bool run_all_due_timers() {
  std::int64_t now = 0;
  int fired = 0;
  for (p* pp : sched.allp) {
    std::int64_t w = pp->timers.when0.load(std::memory_order_relaxed);
    if (w == 0) continue;
    if (now == 0) now = nanotime();
    if (now >= w) fired += run_timers(&pp->timers, now);
  }
  return fired > 0;
}

// timer_sleep: mp (holding no P, with nothing to run) sleeps until the earliest timer, unless
// another M already does. Returns true with a P acquired when mp should look for work again.
static bool timer_sleep(m* mp) {
  std::int64_t next = earliest_timer();
  if (next == 0) return false;
  if (sched.timer_sleeping.exchange(true, std::memory_order_seq_cst)) {
    // Another M sleeps for the timers: make it look again if ours comes first.
    if (next < sched.poll_until.load(std::memory_order_seq_cst)) sched.timer_note.wakeup();
    return false;
  }
  sched.poll_until.store(INT64_MAX, std::memory_order_seq_cst);
  sched.timer_note.clear();
  while (!sched.done.load(std::memory_order_acquire)) {
    // Recomputed after every wakeup: whoever woke us armed its timer before waking us.
    next = earliest_timer();
    if (next == 0) break;
    sched.poll_until.store(next, std::memory_order_seq_cst);
    std::int64_t now = nanotime();
    if (next <= now || !sched.timer_note.sleep_for(next - now)) break;
    sched.timer_note.clear();
  }
  sched.timer_sleeping.store(false, std::memory_order_seq_cst);
  if (sched.done.load(std::memory_order_acquire)) return false;
  p* got;
  {
    lock_guard lock(sched.lock);
    got = pidleget_locked();
  }
  if (got == nullptr) return false;  // every P is busy: each runs its own timers when it schedules
  acquirep(mp, got);
  return true;
}

// ---------------------------------------------------------------------------------------------
// sysmon: takes Ps from long blocking calls and prints schedtrace.

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
    pstatus expected = pstatus::syscall;
    if (pp->status.compare_exchange_strong(expected, pstatus::idle, std::memory_order_acq_rel)) {
      ++pp->count.handoffs;  // the owner is away: sysmon is the only writer now
      handoffp(pp);
      took = true;
    }
  }
  return took;
}

static void sysmon_loop() {
  register_runtime_thread();
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
    if (retake(now))
      idle = 0;
    else
      ++idle;
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
}

// ---------------------------------------------------------------------------------------------
// Blocking calls (Go's entersyscall / exitsyscall).

void entersyscall() {
  g* gp = current_g();
  m* mp = gp->mp;
  p* pp = mp->pp;
  casgstatus(gp, gstatus::running, gstatus::syscall);
  pp->syscalltick.fetch_add(1, std::memory_order_relaxed);
  mp->oldp = pp;
  mp->pp = nullptr;
  tls_pool = nullptr;
  pp->status.store(pstatus::syscall, std::memory_order_seq_cst);
  if (sched.sysmon_idle.load(std::memory_order_seq_cst)) sched.sysmon_note.wakeup();
}

void exitsyscall() {
  g* gp = current_g();
  m* mp = gp->mp;
  p* pp = mp->oldp;
  mp->oldp = nullptr;
  pstatus expected = pstatus::syscall;
  if (pp->status.compare_exchange_strong(expected, pstatus::running, std::memory_order_acq_rel)) {
    mp->pp = pp;
    tls_pool = &pp->deferpool;
    casgstatus(gp, gstatus::syscall, gstatus::running);
    return;
  }
  // sysmon gave the P away: take any idle P, else queue the goroutine and stop this M.
  p* np;
  {
    lock_guard lock(sched.lock);
    np = pidleget_locked();
  }
  if (np != nullptr) {
    acquirep(mp, np);
    casgstatus(gp, gstatus::syscall, gstatus::running);
    return;
  }
  switch_to_g0(gp, m::action::exitsyscall);
}

// ---------------------------------------------------------------------------------------------
// Boot and shutdown.

// The environment (src/sched/env.cpp has the rule, docs/env.md the table).
constexpr int kMaxProcs = 1024;
constexpr env_setting kMaxprocsEnv{"GORT_MAXPROCS", nullptr, env_kind::integer, 1, kMaxProcs};
constexpr env_setting kSchedtraceEnv{"GORT_DEBUG", "schedtrace", env_kind::integer, 0, INT_MAX};

static int resolve_procs(int procs) {
  if (procs < 0) fatal("gort::run: procs must be >= 0");
  if (procs > 0) return std::min(procs, kMaxProcs);
  if (std::uint64_t v = env_number(kMaxprocsEnv, 0); v != 0) return static_cast<int>(v);
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(std::min<unsigned>(n, kMaxProcs));
}

static void parse_debug() {
  // 0 (Go's default) prints no SCHED lines.
  sched.schedtrace_ms = static_cast<std::int64_t>(env_number(kSchedtraceEnv, 0));
}

int run_prepare(int procs) {
  if (sched.running.load(std::memory_order_acquire))
    fatal("gort::run called while gort::run is already running");
  int n = resolve_procs(procs);
  parse_debug();
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
  return n;
}

static void teardown() {
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
#if GORT_TSAN
      if (gp->tsan_fiber != nullptr) __tsan_destroy_fiber(gp->tsan_fiber);
#endif
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
  m* m0 = new m;
  m0->rand = 0x2545f491u;
  {
    lock_guard lock(sched.lock);
    sched.allm.push_back(m0);
    sched.mcount = 1;
    acquirep(m0, pidleget_locked());
  }
  init_m_thread(m0);
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
  sched.timer_note.wakeup();
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
  free_altstack(m0);
  load_fp_control(sched.fp_init);  // the caller's FP control words, not its last goroutine's
  tls_m = nullptr;
  tls_pool = nullptr;
  teardown();
  return 0;
}

// ---------------------------------------------------------------------------------------------
// Stats.

void add_p_counters(runtime_stats& s, p* pp) {
  s.goroutines_created += pp->count.goroutines_created.get();
  s.context_switches += pp->count.context_switches.get();
  s.runnext_hits += pp->count.runnext_hits.get();
  s.steals += pp->count.steals.get();
  s.stolen_goroutines += pp->count.stolen.get();
  s.global_runq_gets += pp->count.global_gets.get();
  s.syscall_handoffs += pp->count.handoffs.get();
}

void add_sched_stats(runtime_stats& s) {
  lock_guard lock(sched.allg_lock);
  if (!sched.running.load(std::memory_order_acquire)) return;
  for (g* gp : sched.allgs) add_counters(s, gp->st.count);
  for (p* pp : sched.allp) add_p_counters(s, pp);
  s.goroutines_created += sched.created_external.load(std::memory_order_relaxed);
  s.goroutines_live += live_goroutines();
}

void clear_goroutine_state(g* gp) noexcept {
  clear_panics(gp->st);
  ::operator delete(gp->st.spare_panic);
  gp->st.spare_panic = nullptr;
}

}  // namespace internal

// ---------------------------------------------------------------------------------------------
// Public API.

void yield() {
  internal::g* gp = internal::current_g();
  if (gp == nullptr) return std::this_thread::yield();
  internal::switch_to_g0(gp, internal::m::action::yield);
}

std::uint64_t goid() noexcept {
  internal::g* gp = internal::current_g();
  return gp != nullptr ? gp->id : 0;
}

int maxprocs() {
  if (internal::sched.running.load(std::memory_order_acquire)) return internal::sched.procs;
  return internal::resolve_procs(0);
}

void sleep(std::chrono::nanoseconds d) {
  if (d.count() <= 0) return;
  internal::g* gp = internal::current_g();
  if (gp == nullptr) return std::this_thread::sleep_for(d);
  internal::timer_rec* t = &gp->sleep_timer;
  t->embedded = true;
  t->arg = gp;
  t->fn = [](internal::timer_rec* t, std::int64_t) {
    internal::ready(static_cast<internal::g*>(t->arg));
  };
  t->when = internal::when_after(d.count());  // INT64_MAX (never) if it would overflow
  // Armed on g0 once the goroutine is parked, so the timer cannot fire before it is.
  internal::park(
      [](internal::g* gp, void*) {
        internal::timer_add(&gp->sleep_timer, gp->sleep_timer.when, true);
        return true;
      },
      nullptr, "sleep");
}

}  // namespace gort
