// Copyright 2026 The gort Authors.
//
// Goroutine lifecycle (Go's newproc, gopark, goready, goexit in proc.go): a G is allocated (or
// reused from a free list), started, parked and readied any number of times, and freed when its
// function returns.
//
// Terms (every G state and transition: status.hpp).
//   dead -> idle       new_goroutine: a G from a free list or a new slab (made dead), set up.
//   idle -> runnable   start_goroutine: on the creator's P in runnext (Go's newproc), or from a
//                      thread without a P on the global queue (ready_external).
//   idle -> waiting    start_goroutine_parked: started parked, on a wait queue its creator chose
//                      (the netpoller: an idle HTTP connection's next request, see docs/http.md).
//   running -> waiting park: the goroutine half; proc.cpp's park_m is the g0 half.
//   waiting -> runnable ready: on the caller's P in runnext (Go's goready), or globally.
//   running -> dead    g_main returns (goexit1); proc.cpp's goexit0 frees the G with gfput.
//
// Invariants.
//   - A G is allocated once (allocg, in slabs of 64, registered in sched.allgs) and never
//     freed while the run lasts: a dead G waits on a free list (per P, then global batches)
//     for the next goroutine. The dead G at the head of a P's list keeps its stack (Go's gfput
//     keeps every one), so spawning one at a time reuses G and stack together; the others' go
//     to the stack cache. A G that starts without a stack takes its P's cached one, else the
//     head dead G's, before a new one is mapped (stack.cpp).
//   - A G in a run queue holds no stack until it first runs when its callable fits in the G
//     (fn_buf): memory is bounded by the goroutines started, not those created. The one
//     exception is a reused G made while its P has nothing else queued: it keeps the stack it
//     had (it runs next, on warm pages, without a trip through the stack cache).
//   - Goroutine ids increase per P and are unique: each P takes kGoidBatch at a time.
//
// Locks: sched.allg_lock guards allgs and the slab list (and the shared slab of threads without
// a P); sched.free_lock guards the global G and stack lists (a leaf). A P's own lists are the
// owner's alone.

#include <algorithm>
#include <cstdint>
#include <new>

#include <gort/frame.hpp>
#include <gort/go.hpp>
#include <gort/panic.hpp>

#include "defer/panic_record.hpp"
#include "pprof/labels.hpp"
#include "sched/proc.hpp"
#include "sched/runq.hpp"
#include "sched/runtime.hpp"
#include "sched/sched.hpp"
#include "sched/switch.hpp"

namespace gort::internal {

// goexit1 ends the running goroutine: its M's g0 frees it (proc.cpp's goexit0).
[[noreturn]] static void goexit1(g* gp) {
  if (!tracing()) exit_direct(gp);  // returns only when its P has nothing to run next
  switch_to_g0(gp, m::action::exit);
  runtime_throw("a dead goroutine was resumed");
}

void g_main(void* arg) {
  g* gp = static_cast<g*>(arg);
  switch_started(gp);
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
  goexit1(gp);
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
    casgstatus(gp, gstatus::idle, gstatus::dead, std::memory_order_relaxed);  // as a free G
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

// gfput frees a dead G to the P's free list, with its stack (Go's gfput keeps a standard-size
// stack on the G): the next goroutine made from it starts on the same warm stack, without a
// trip through the stack cache (spawn + exit one at a time: no stack_put, no stack_get). A P's
// list moves to the global one whole, as one batch, once it holds kGfreeBatch Gs: nothing walks
// cold Gs under the lock (a P that spawns and a P where goroutines end exchange Gs through it).
void gfput(p* pp, g* gp) {
  // Only the head of the list keeps a stack: the one the next spawn takes. The one before goes
  // to the stack cache, where a goroutine starting without a stack finds it, so the number of
  // stacks stays what it was with every dead G's stack in the cache (one more per P at most).
  if (g* head = pp->gfree; head != nullptr && head->stack.lo != nullptr) {
    stack_put(pp, head->stack);
    head->stack = stack_span{};
  }
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
  // A callable that fits in the G (64 bytes) is never too large for the smallest stack (16 KiB).
  if (size > kGFnBuf && size > stack_size() / 4)
    fatal("gort::go: the goroutine's function and arguments are too large");
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
    // A reused G keeps its stack (gfput) when the goroutine will run next. With goroutines
    // already queued, which start first, the stack goes to the P's cache for them: a queued
    // goroutine holds no stack, as a new G does not (skynet queues tens of thousands).
    if (gp->stack.lo != nullptr && pp != nullptr &&
        (pp->runq_head.load(std::memory_order_relaxed) !=
             pp->runq_tail.load(std::memory_order_relaxed) ||
         sched.runq_size.load(std::memory_order_relaxed) > 0)) {
      stack_put(pp, gp->stack);
      gp->stack = stack_span{};
    }
  } else {
    ensure_stack(pp, gp);
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
  gp->waitreason = wait_reason::zero;
  gp->wait_label = nullptr;
  gp->is_main = false;
  gp->labels.store(labels_for_new_goroutine(), std::memory_order_relaxed);  // Go's newproc
  gp->trace.gen.store(0, std::memory_order_relaxed);  // not described in any trace yet
  switch_g_created(gp);
  gp->st.depth = 0;
  gp->st.panic = nullptr;
  casgstatus(gp, gstatus::dead, gstatus::idle, std::memory_order_relaxed);
  return gp;
}

void discard_goroutine(g* gp) noexcept {
  casgstatus(gp, gstatus::idle, gstatus::dead);
  drop_goroutine_labels(gp);
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

// put_next_and_wake puts gp in pp's runnext, the old runnext (if any) at the tail of the queue,
// and wakes an idle P's M for the work (Go's runqput(pp, gp, true) then wakep, in newproc and
// ready). With more than one P the runnext exchange is a seq_cst read-modify-write, which is the
// StoreLoad barrier wakep needs: wakep's own fence is paid only when a G went to the ring.
static void put_next_and_wake(p* pp, g* gp) {
  if (sched.procs == 1) return runqput(pp, gp, true);  // no P can be idle
  g* old = pp->runnext.exchange(gp, std::memory_order_seq_cst);
  if (old == nullptr) return wakep_ordered();
  runqput(pp, old, false);
  wakep();
}

// new_goid gives gp its id and counts it as created: from pp's cache, refilled 16 at a time
// (Go's goidcache: no shared atomic per spawn; ids still increase per P, and are unique), or from
// the shared counter on a thread without a P.
static void new_goid(p* pp, g* gp) {
  if (pp == nullptr) {
    gp->id = sched.goid_gen.fetch_add(1, std::memory_order_relaxed) + 1;
    sched.created_external.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  if (pp->goid_next == pp->goid_end) {
    pp->goid_next = sched.goid_gen.fetch_add(kGoidBatch, std::memory_order_relaxed) + 1;
    pp->goid_end = pp->goid_next + kGoidBatch;
  }
  gp->id = pp->goid_next++;
  ++pp->count.goroutines_created;
}

void start_goroutine(g* gp) {
  casgstatus(gp, gstatus::idle, gstatus::runnable);
  m* mp = tls_m;
  p* pp = mp != nullptr ? mp->pp : nullptr;
  new_goid(pp, gp);
  if (pp == nullptr) {
    if (tracing()) [[unlikely]]
      trace_go_create(nullptr, nullptr, gp);
    return ready_external(gp);
  }
  if (tracing()) [[unlikely]]
    trace_go_create(pp, mp->curg, gp);
  put_next_and_wake(pp, gp);  // Go's newproc: the new goroutine runs next
}

void start_goroutine_parked(g* gp, wait_reason reason) {
  m* mp = tls_m;
  new_goid(mp != nullptr ? mp->pp : nullptr, gp);
  gp->waitreason = reason;
  casgstatus(gp, gstatus::idle, gstatus::waiting);
}

void ready(g* gp) {
  GORT_LOCKRANK_CHECK_READY();  // never under a channel or semaphore lock (lockrank.hpp)
  casgstatus(gp, gstatus::waiting, gstatus::runnable);
  m* mp = tls_m;
  p* pp = mp != nullptr ? mp->pp : nullptr;
  if (tracing()) [[unlikely]]
    trace_go_unpark(pp, pp != nullptr ? mp->curg : nullptr, gp);
  if (pp == nullptr) return ready_external(gp);
  put_next_and_wake(pp, gp);
}

void inject_glist_locked(g* list) {
  while (g* gp = list) {
    list = gp->schedlink;
    gp->schedlink = nullptr;
    casgstatus(gp, gstatus::waiting, gstatus::runnable);
    if (tracing()) [[unlikely]]
      trace_go_unpark(nullptr, nullptr, gp);  // the global stream (no P's stream is ours here)
    globrunqput_locked(gp);
  }
}

void inject_glist(p* pp, g* list) {
  if (list == nullptr) return;
  if (pp == nullptr) {
    {
      lock_guard lock(sched.lock);
      inject_glist_locked(list);
    }
    wakep();
    return;
  }
  while (g* gp = list) {
    list = gp->schedlink;
    gp->schedlink = nullptr;
    casgstatus(gp, gstatus::waiting, gstatus::runnable);
    if (tracing()) [[unlikely]]
      trace_go_unpark(pp, nullptr, gp);  // Go's injectglist: traceGoUnblock from the polling P
    runqput(pp, gp, false);
  }
  if (sched.procs > 1) wakep();
}

// park_traced: park's switch with tracing on, out of line so that park itself needs no stack
// frame for the call (tracing off costs its flag test and branch only).
[[gnu::noinline]] static void park_traced(g* gp, wait_reason reason) {
  trace_capture_stack(gp);
  trace_go_parking(gp, reason);
  switch_to_g0(gp, m::action::park);
}

void park(bool (*unlockf)(g*, void*), void* arg, wait_reason reason, const char* label) {
  g* gp = current_g();
  if (gp == nullptr) runtime_throw("park called outside a goroutine");
  m* mp = gp->mp;
  gp->waitreason = reason;
  gp->wait_label = label;
  mp->unlockf = unlockf;
  mp->unlock_arg = arg;
  if (tracing()) [[unlikely]]
    return park_traced(gp, reason);
  // Its P's runnext goroutine next, straight from here (proc.cpp's "Direct switches"), when the
  // schedule loop would run that one; else through g0.
  if (g* next = take_runnext_direct(mp, mp->pp)) {
    mp->direct_prev = gp;
    mp->direct_act = m::action::park;
    return switch_g_to_g(mp, gp, next, &g_main);
  }
  switch_to_g0(gp, m::action::park);
}

void clear_goroutine_state(g* gp) noexcept {
  drop_goroutine_labels(gp);
  clear_panics(gp->st);
  ::operator delete(gp->st.spare_panic);
  gp->st.spare_panic = nullptr;
}

}  // namespace gort::internal
