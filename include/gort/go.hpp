// Copyright 2026 The gort Authors.
//
// Goroutines: gort::run boots the runtime (Ps, Ms, sysmon) and runs its argument as goroutine 1;
// gort::go starts more. Goroutines are stackful coroutines scheduled cooperatively on GOMAXPROCS
// OS threads by Go's G/M/P scheduler (see src/sched/proc.cpp and docs/scheduler.md): they
// switch at yield(), sleep(), blocking operations, and when they end.
//
// Example:
//
//   int main() {
//     return gort::run([] {
//       std::atomic<int> n{0};
//       for (int i = 0; i < 10; ++i) gort::go([&n](int k) { n += k; }, i);
//       while (n.load() != 45) gort::yield();
//       std::printf("goroutine %llu saw %d\n", (unsigned long long)gort::goid(), n.load());
//     });
//   }
//
// Deviations from Go, forced by C++ (docs/scheduler.md): no preemption (a goroutine that loops
// without yielding keeps its P); stacks have a fixed size (GORT_STACK_SIZE, default 256 KiB)
// instead of growing; a panic's stack trace is printed from the outermost gort::func it left.
//
// Stack overflow: each stack has a guard page below it, and running into it prints Go's
// `fatal error: stack overflow` report (exit status 2). A frame or alloca() larger than a page
// would step over the guard into another goroutine's stack unless the code was compiled with
// -fstack-clash-protection: linking the gort::gort CMake target adds it to your target's compile
// options; code built any other way (a library compiled separately, another build system) must
// add it itself. On Linux before 6.13, stacks past the first max_map_count / 4 have no guard page
// and an overflow there is caught late or not at all (docs/scheduler.md, "Stacks").
//
// Hardware faults in a goroutine (a nil dereference, an integer division by zero, a bad address)
// print Go's report (`panic: runtime error: invalid memory address or nil pointer dereference`,
// `[signal SIGSEGV: ...]`, the goroutine and its stack) and exit with status 2; unlike Go's, that
// panic cannot be recovered and no deferred call runs.

#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <new>
#include <type_traits>
#include <utility>

#include <gort/detail/defer_core.hpp>
#include <gort/detail/duration.hpp>
#include <gort/detail/go_core.hpp>

namespace gort {

// run boots the runtime with `procs` Ps (0: the GORT_MAXPROCS environment variable, else the
// number of CPUs), runs `main` as goroutine 1 and returns 0 once it returns. Other goroutines
// still alive then are abandoned, as Go abandons them when main returns: they never resume and
// their destructors do not run. Blocks the calling thread, which becomes the runtime's first M.
// A bad GORT_MAXPROCS (not an integer from 1 to 1024, docs/env.md) is a fatal error (exit
// status 2); a negative `procs` too. May be called again after it returned; calling it inside a
// running gort::run is a fatal error.
template <class Main>
int run(Main&& main, int procs = 0) {
  using C = std::decay_t<Main>;
  static_assert(std::is_invocable_v<C&&>, "gort::run: main must be callable with no arguments");
  internal::run_prepare(procs);
  internal::g* gp = internal::spawn<C>([&]() -> C { return C(std::forward<Main>(main)); });
  return internal::run_main(gp);
}

// go starts a goroutine that runs std::invoke(fn, args...). `fn` and `args` are decay-copied (or
// moved) now, as Go evaluates a go statement's function value and arguments, and live on the new
// goroutine's stack. Never blocks. Outside gort::run it is a fatal error; from a thread that is
// not a goroutine (while gort::run is running) the goroutine goes to the global run queue.
// Limit: the decayed function and arguments together may take at most stack_size() / 4 bytes
// (64 KiB with the default 256 KiB stacks), the rest of the stack being for the goroutine's
// frames; a larger callable is the fatal error `gort::go: the goroutine's function and arguments
// are too large` (Go copies a go statement's arguments to the new stack too, and caps them far
// lower). Pass large data by pointer or in a container that allocates.
template <class Fn, class... Args>
void go(Fn&& fn, Args&&... args) {
  using C = internal::stored_call_t<Fn, Args...>;
  static_assert(std::is_invocable_v<std::decay_t<Fn>&&, std::decay_t<Args>&&...>,
                "gort::go: the function cannot be invoked with the given arguments; it is called "
                "as std::invoke(std::move(fn), std::move(args)...) with decay-copies of both");
  internal::g* gp = internal::spawn<C>([&]() -> C {
    return internal::make_stored_call(std::forward<Fn>(fn), std::forward<Args>(args)...);
  });
  internal::start_goroutine(gp);
}

// yield (Go's runtime.Gosched) lets other goroutines run; the caller goes to the back of its P's
// run queue and resumes later, possibly on another thread. Outside a goroutine it yields the
// thread (std::this_thread::yield).
void yield();

// goid returns the current goroutine's id (1 for run's main goroutine), or 0 on a thread that is
// not running a goroutine.
std::uint64_t goid() noexcept;

// maxprocs returns the number of Ps of the running runtime, or the number gort::run(main) would
// use now when none is running.
int maxprocs();

// sleep parks the goroutine for at least `d` (d <= 0 returns at once, as Go's time.Sleep).
// Outside a goroutine it sleeps the thread. A duration too long to represent (up to
// nanoseconds::max(), or hours::max() and the like, clamped rather than overflowing) sleeps
// forever; as in Go, a program whose goroutines all sleep so is not reported as deadlocked.
void sleep(std::chrono::nanoseconds d);
template <internal::coarse_duration D>
void sleep(D d) {
  sleep(internal::saturated_ns(d));
}

// blocking runs fn() (a blocking system or C call) and returns its result. While fn runs, the
// goroutine's P can be handed to another thread (Go's entersyscall / handoffp: sysmon takes it
// when the call lasts more than about 20 us), so the other goroutines keep running. fn must not
// call back into the scheduler (yield, sleep, channel operations). Outside a goroutine it just
// calls fn().
template <class Fn>
decltype(auto) blocking(Fn&& fn) {
  if (!internal::on_goroutine()) return std::invoke(std::forward<Fn>(fn));
  internal::entersyscall();
  struct leave {
    ~leave() { internal::exitsyscall(); }
  } guard;
  return std::invoke(std::forward<Fn>(fn));
}

// stack_size returns the size of goroutine stacks: GORT_STACK_SIZE (bytes, with an optional k, m
// or g suffix; 16 KiB to 1 GiB; anything else is a fatal error, docs/env.md), else 256 KiB.
// set_stack_size changes it for stacks allocated from now on (between runs; stacks already made
// keep their size), clamped to the same range and rounded up to whole pages.
std::size_t stack_size();
void set_stack_size(std::size_t bytes);

}  // namespace gort
