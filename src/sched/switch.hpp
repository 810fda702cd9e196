// Copyright 2026 The gort Authors.
//
// The switch bookkeeping: everything that must follow a goroutine on and off its M besides its
// registers (src/arch/ saves those). Internal; every function here is inline because it runs on
// every context switch (proc.cpp's execute and the goroutine halves of park, yield, exit and
// exitsyscall), and the two switches of one hop cost about 5 ns together.
//
// Terms.
//   g0 side: execute (proc.cpp) calls run_on_g0_to_g(mp, gp), which switches to gp and returns
//   once gp has switched back. Goroutine side: switch_to_g0(gp, act) leaves a request `act` for
//   g0 and returns when gp is scheduled again, possibly on another M.
//
// What follows the goroutine:
//   - the frame core's state: cur_defer_state points at gp->st while gp runs, at the thread's
//     own state on g0; cur_depth holds gp's frame depth while gp runs (switch_depth_in/out);
//   - libstdc++'s per-thread exception state (the caught-exception stack and the uncaught count):
//     a goroutine may switch inside a catch block or during unwinding (folly's fibers do the
//     same);
//   - the FP control words (MXCSR, x87 CW): per goroutine, reloaded only when the next goroutine
//     saved others than the hardware holds, which is almost never;
//   - the sanitizers' view of the stack: ASan's fiber switch annotations (and its fake stack),
//     TSan's fibers (one per live goroutine: TSan counts fibers as threads, at most 8128 alive).
//
// Invariants. Only the M's own thread touches m::eh_globals, fp_hw, fp_init and the g0 sanitizer
// fields. A G's fields here are touched only by the M running it, or by g0 of the M it switched
// away from (under the happens-before the run queues give when it moves to another M).

#pragma once

#include <gort/detail/defer_core.hpp>

#include "sched/runtime.hpp"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
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

namespace gort::internal {

// libstdc++'s per-thread exception state (unwind-cxx.h).
struct eh_globals {
  void* caught;
  unsigned int uncaught;
};
// libstdc++'s __cxa_get_globals under another C++ name (the symbol is the same): <cxxabi.h>
// declares it with another return type (clang rejects the clash) and __attribute__((const)), and
// this thread's globals must not be reused across a switch that may change threads.
extern "C" eh_globals* gort_cxa_get_globals() noexcept __asm__("__cxa_get_globals");

// switch_init_thread records the calling thread's switch state in mp (at M start, on g0).
inline void switch_init_thread(m* mp) {
  mp->eh_globals = gort_cxa_get_globals();
#if GORT_TSAN
  mp->g0_tsan_fiber = __tsan_get_current_fiber();
#endif
}

// direct_switch_done finishes, on the goroutine now running on mp, what the goroutine that
// switched straight to it asked for (proc.cpp: the g0 half of its park or exit, with its stack
// now off the CPU).
void direct_switch_done(m* mp);

// switch_resumed runs in a goroutine each time it gets the CPU back (after its switch call
// returns, or first thing when it starts): it tells ASan which stack it left (g0's, recorded;
// another goroutine's, dropped) and finishes a direct switch that brought it here.
inline void switch_resumed(g* gp, void* fake_stack) {
  m* now = gp->mp;
#if GORT_ASAN
  const void* bottom = nullptr;
  std::size_t size = 0;
  __sanitizer_finish_switch_fiber(fake_stack, &bottom, &size);
  if (now->direct_prev == nullptr) {
    now->g0_stack_bottom = bottom;
    now->g0_stack_size = size;
  }
#else
  (void)fake_stack;
#endif
  if (now->direct_prev != nullptr) direct_switch_done(now);
}

// switch_to_g0 suspends the running goroutine and resumes its M's scheduler, which performs
// `act` (see execute in proc.cpp). Returns when the goroutine is scheduled again, maybe on
// another M: read the M from gp->mp afterwards, never from a value computed before. Not inlined:
// the callers' registers are saved by the call, and one copy keeps the sanitizer dance in one
// place.
[[gnu::noinline]] inline void switch_to_g0(g* gp, m::action act) {
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
  switch_resumed(gp, gp->asan_fake_stack);
}

// switch_started is the first thing a new goroutine does on its own stack (g_main).
inline void switch_started(g* gp) {
  switch_resumed(gp, nullptr);
}

// switch_depth_in and switch_depth_out move the running code's frame depth (cur_depth, a TLS
// word so that a frame's entry and exit are one %fs:-relative add each) between the thread and
// the goroutine: in loads gp's saved depth and returns the thread's own, out saves gp's and puts
// the thread's back. Two loads and two stores per hop.
inline std::uint32_t switch_depth_in(g* gp) noexcept {
  std::uint32_t own = cur_depth;
  cur_depth = gp->st.depth;
  return own;
}
inline void switch_depth_out(g* gp, std::uint32_t own) noexcept {
  gp->st.depth = cur_depth;
  cur_depth = own;
}

// run_on_g0_to_g switches from mp's g0 to gp (starting it at entry when it is fresh) and returns
// once a goroutine switched back to g0, with the thread's own state restored. That goroutine is
// returned: gp, or the last of a chain of direct switches that started with gp (mp->curg).
inline g* run_on_g0_to_g(m* mp, g* gp, void (*entry)(void*)) {
  defer_state* own = cur_defer_state;
  cur_defer_state = &gp->st;
  std::uint32_t own_depth = switch_depth_in(gp);
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
    context_start(&mp->g0, gp->ctx.sp, entry, gp);
  } else {
    fp_control want = saved_fp_control(gp->ctx);
    if (!(want == mp->fp_hw)) [[unlikely]] {
      load_fp_control(want);
      mp->fp_hw = want;
    }
    context_switch_from_g0(&mp->g0, &gp->ctx);
  }
  gp = mp->curg;  // the goroutine that switched back (gp, or one gp switched to directly)
  // gp saved its FP control words in its frame when it switched back, and left them loaded.
  mp->fp_hw = saved_fp_control(gp->ctx);
#if GORT_ASAN
  __sanitizer_finish_switch_fiber(mp->g0_fake_stack, nullptr, nullptr);
#endif
  gp->eh_caught = eh->caught;
  gp->eh_uncaught = eh->uncaught;
  *eh = g0_eh;
  switch_depth_out(gp, own_depth);
  cur_defer_state = own;
  return gp;
}

// switch_g_to_g switches from the running goroutine gp straight to next (runnable, already made
// mp's curg by the caller), without passing through g0: gp's exception state, frame depth and
// defer state are saved and next's made current, as g0 would in between; FP control words are
// compared and loaded by the switch itself (a fresh next starts with the thread's initial ones,
// as from g0). Returns when gp runs again, on whatever M. The caller has set mp->direct_prev
// (and direct_act), which next finishes on its own stack (switch_resumed).
[[gnu::noinline]] inline void switch_g_to_g(m* mp, g* gp, g* next, void (*entry)(void*)) {
  auto* eh = static_cast<eh_globals*>(mp->eh_globals);
  gp->eh_caught = eh->caught;
  gp->eh_uncaught = eh->uncaught;
  eh->caught = next->eh_caught;
  eh->uncaught = next->eh_uncaught;
  gp->st.depth = cur_depth;
  cur_depth = next->st.depth;
  cur_defer_state = &next->st;
#if GORT_ASAN
  __sanitizer_start_switch_fiber(mp->direct_act == m::action::exit ? nullptr : &gp->asan_fake_stack,
                                 next->stack.lo,
                                 static_cast<std::size_t>(next->stack.hi - next->stack.lo));
#endif
#if GORT_TSAN
  __tsan_switch_to_fiber(next->tsan_fiber, 0);
#endif
  if (next->fresh) [[unlikely]] {
    next->fresh = false;
    context_start_fp(&gp->ctx, next->ctx.sp, entry, next, mp->fp_init);
  } else {
    context_switch(&gp->ctx, &next->ctx);
  }
  switch_resumed(gp, gp->asan_fake_stack);
}

// switch_g_created and switch_g_dead make and drop a goroutine's TSan fiber (one per live
// goroutine: TSan counts fibers as threads, at most 8128 alive).
inline void switch_g_created(g* gp) {
  gp->eh_caught = nullptr;
  gp->eh_uncaught = 0;
  gp->asan_fake_stack = nullptr;
#if GORT_TSAN
  if (gp->tsan_fiber == nullptr) gp->tsan_fiber = __tsan_create_fiber(0);
#endif
}
inline void switch_g_dead(g* gp) {
#if GORT_TSAN
  __tsan_destroy_fiber(gp->tsan_fiber);
  gp->tsan_fiber = nullptr;
#else
  (void)gp;
#endif
}
// switch_g_freed drops whatever switch state a G still holds when the run ends (teardown).
inline void switch_g_freed(g* gp) {
#if GORT_TSAN
  if (gp->tsan_fiber != nullptr) __tsan_destroy_fiber(gp->tsan_fiber);
#else
  (void)gp;
#endif
}

}  // namespace gort::internal
