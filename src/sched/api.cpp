// Copyright 2026 The gort Authors.
//
// The scheduler's public functions (include/gort/go.hpp): yield, goid,
// maxprocs and sleep. Each works on a plain thread too (yield and sleep fall back to the
// thread's, goid is 0). Internal machinery: goroutine.cpp (park, ready), switch.hpp
// (switch_to_g0), src/time/ (the sleep timer).
//
// gort::sleep parks with its timer embedded in the G (never allocated, never freed): the timer
// is armed by park's unlock function, on g0 once the goroutine is parked, so it cannot fire
// (and ready the goroutine) before the goroutine is off its stack.

#include <chrono>
#include <cstdint>
#include <thread>

#include <gort/go.hpp>

#include "sched/proc.hpp"
#include "sched/runtime.hpp"
#include "sched/sched.hpp"
#include "sched/switch.hpp"
#include "time/timer.hpp"

namespace gort {

// yield_traced: yield's switch with tracing on, out of line (see park_traced, goroutine.cpp).
[[gnu::noinline]] static void yield_traced(internal::g* gp) {
  internal::trace_capture_stack(gp);
  internal::trace_go_yield(gp);
  internal::switch_to_g0(gp, internal::m::action::yield);
}

void yield() {
  internal::g* gp = internal::current_g();
  if (gp == nullptr) return std::this_thread::yield();
  if (internal::tracing()) [[unlikely]]
    return yield_traced(gp);
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
      nullptr, internal::wait_reason::sleep);
}

}  // namespace gort
