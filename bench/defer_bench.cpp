// Copyright 2026 The gort Authors.
//
// Benchmarks of the frame core, in pairs: each gort case (BM_Gort*) has a manual C++ baseline
// (BM_Manual*) doing the same work without gort, and a Go twin in bench/go/defer_test.go with
// the same name after "Benchmark". tools/bench/report.py reads all three from one run.
//
// Every measured function is noinline, as Go's are (a function with defers is never inlined in
// Go 1.19), and calls a noinline cleanup, so both languages pay one real call per deferred call.
//
// Counters: allocs/op counts operator new calls per iteration (Go's -benchmem allocs/op);
// heap_defers/op and pooled_defers/op come from gort::stats().
//
// The scheduler benchmarks (sched_bench.cpp) are linked into the same binary; its main is here.

#include <benchmark/benchmark.h>

#include <cstdlib>
#include <new>
#include <utility>

#include <gort/gort.hpp>

#include "cases.hpp"

// ---------------------------------------------------------------------------------------------
// Allocation counting (this binary only).

namespace {
thread_local std::uint64_t allocations = 0;
}

void* operator new(std::size_t n) {
  ++allocations;
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void* operator new(std::size_t n, std::align_val_t a) {
  ++allocations;
  if (void* p =
          std::aligned_alloc(static_cast<std::size_t>(a), (n + static_cast<std::size_t>(a) - 1) &
                                                              ~(static_cast<std::size_t>(a) - 1)))
    return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}
void operator delete(void* p, std::align_val_t) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t, std::align_val_t) noexcept {
  std::free(p);
}

namespace {

struct op_counters {
  std::uint64_t allocs0 = allocations;
  gort::runtime_stats stats0 = gort::stats();
  void finish(benchmark::State& state) {
    gort::runtime_stats d = gort::stats() - stats0;
    auto per_op = benchmark::Counter::kAvgIterations;
    state.counters["allocs/op"] = benchmark::Counter(double(allocations - allocs0), per_op);
    state.counters["heap_defers/op"] = benchmark::Counter(double(d.defers_heap), per_op);
    state.counters["pooled_defers/op"] = benchmark::Counter(double(d.defers_pooled), per_op);
  }
};

#define NOINLINE GORT_BENCH_NOINLINE
using namespace gort_bench;

NOINLINE void use(int x) {
  gort_bench_sink = x;
}

// ---------------------------------------------------------------------------------------------
// S0: no defer / one defer / a defer whose closure captures locals.

NOINLINE void manual_call() {
  cleanup();
}
NOINLINE void gort_one_defer() {
  gort::func([](gort::frame& f) { f.defer(cleanup); });
}

NOINLINE void manual_closure(int n) {
  int x = n;
  int y = n + 1;
  ++x;
  use(x + y);
}
NOINLINE void gort_closure_defer(int n) {
  int x = n;  // captured by reference: the closure sees x's final value, as in Go
  int y = n + 1;
  gort::func([&](gort::frame& f) {
    f.defer([&] { use(x + y); });
    ++x;
  });
}

template <class Fn>
void run(benchmark::State& state, Fn fn) {
  op_counters c;
  for (auto _ : state) fn();
  c.finish(state);
}

void BM_ManualCall(benchmark::State& s) {
  run(s, manual_call);
}
void BM_GortDefer(benchmark::State& s) {
  run(s, gort_one_defer);
}
void BM_ManualClosure(benchmark::State& s) {
  run(s, [] { manual_closure(7); });
}
void BM_GortDeferClosure(benchmark::State& s) {
  run(s, [] { gort_closure_defer(7); });
}
BENCHMARK(BM_ManualCall);
BENCHMARK(BM_GortDefer);
BENCHMARK(BM_ManualClosure);
BENCHMARK(BM_GortDeferClosure);

// ---------------------------------------------------------------------------------------------
// S1: N defers written out one after another in one function (no loop).

template <std::size_t N>
void BM_ManualDeferN(benchmark::State& s) {
  run(s, [] { manual_n(std::make_index_sequence<N>()); });
}
template <std::size_t N>
void BM_GortDeferN(benchmark::State& s) {
  run(s, [] { gort_n(std::make_index_sequence<N>()); });
}
#define GORT_BENCH_N(N)                                       \
  BENCHMARK(BM_ManualDeferN<N>)->Name("BM_ManualDeferN/" #N); \
  BENCHMARK(BM_GortDeferN<N>)->Name("BM_GortDeferN/" #N);
GORT_BENCH_N(1)
GORT_BENCH_N(3)
GORT_BENCH_N(8)
GORT_BENCH_N(10)
GORT_BENCH_N(50)

// S1: defers registered in a loop, n per call (Go: heap-allocated defers from the P's pool).
// LoopDeferPlain defers an argument-less call (the main pair); LoopDefer defers a call with the
// loop variable as its argument (its own row: Go allocates an argument closure per defer).

// Runs fn(n) with n the benchmark's argument.
template <void (*fn)(int)>
void run_sized(benchmark::State& s) {
  int n = static_cast<int>(s.range(0));
  run(s, [n] { fn(n); });
}

void BM_ManualLoopDefer(benchmark::State& s) {
  run_sized<manual_loop>(s);
}
void BM_GortLoopDefer(benchmark::State& s) {
  run_sized<gort_loop>(s);
}
void BM_ManualLoopDeferPlain(benchmark::State& s) {
  run_sized<manual_loop_plain>(s);
}
void BM_GortLoopDeferPlain(benchmark::State& s) {
  run_sized<gort_loop_plain>(s);
}
BENCHMARK(BM_ManualLoopDeferPlain)->Arg(1)->Arg(10)->Arg(100);
BENCHMARK(BM_GortLoopDeferPlain)->Arg(1)->Arg(10)->Arg(100);
BENCHMARK(BM_ManualLoopDefer)->Arg(1)->Arg(10)->Arg(100);
BENCHMARK(BM_GortLoopDefer)->Arg(1)->Arg(10)->Arg(100);

// ---------------------------------------------------------------------------------------------
// S4: closures deferred in a loop, capturing the loop variable by reference or by value, and a
// 256-byte capture (Go allocates such a closure on the heap; gort spreads it over 9 slots).

struct big {
  long words[32];  // 256 bytes
};
NOINLINE void use_big(const big& b) {
  gort_bench_sink = static_cast<int>(b.words[0]);
}

NOINLINE void gort_capture_by_reference(int n) {
  int i = 0;  // one variable for every iteration: each call sees its final value (Go < 1.22)
  gort::func([&](gort::frame& f) {
    for (i = 0; i < n; ++i) f.defer([&i] { use(i); });
  });
}
NOINLINE void gort_capture_by_value(int n) {
  gort::func([n](gort::frame& f) {
    for (int i = 0; i < n; ++i) f.defer([i] { use(i); });
  });
}
NOINLINE void gort_capture_big(int n) {
  gort::func([n](gort::frame& f) {
    big b{};
    for (int i = 0; i < n; ++i) {
      b.words[0] = i;
      f.defer([b] { use_big(b); });
    }
  });
}
void BM_GortCaptureByReference(benchmark::State& s) {
  run_sized<gort_capture_by_reference>(s);
}
void BM_GortCaptureByValue(benchmark::State& s) {
  run_sized<gort_capture_by_value>(s);
}
void BM_GortCaptureBig(benchmark::State& s) {
  run_sized<gort_capture_big>(s);
}
BENCHMARK(BM_GortCaptureByReference)->Arg(3)->Arg(100);
BENCHMARK(BM_GortCaptureByValue)->Arg(3)->Arg(100);
BENCHMARK(BM_GortCaptureBig)->Arg(3)->Arg(100);

// ---------------------------------------------------------------------------------------------
// Panic + recover, the panic raised `depth` calls below the recovering function.

// (dive_panic, gort_panic_recover, dive_throw, manual_throw_catch: cases.hpp)

void BM_GortPanicRecover(benchmark::State& s) {
  int depth = static_cast<int>(s.range(0));
  run(s, [depth] { benchmark::DoNotOptimize(gort_panic_recover(depth)); });
}
void BM_ManualThrowCatch(benchmark::State& s) {
  int depth = static_cast<int>(s.range(0));
  run(s, [depth] { benchmark::DoNotOptimize(manual_throw_catch(depth)); });
}
BENCHMARK(BM_GortPanicRecover)->Arg(1)->Arg(10);

// Panic with five pending deferred calls, the first registered one recovering: plain function
// calls, and closures capturing arguments.
NOINLINE int gort_panic_five_defers() {
  return gort::func<int>([](gort::frame& f, int& r) {
    f.defer([&r] {
      if (gort::recover().has_value()) r = 1;
    });
    for (int i = 0; i < 4; ++i) f.defer(cleanup);
    dive_panic(1);
  });
}
NOINLINE int gort_panic_five_closures(int a, int b, int c, int d) {
  return gort::func<int>([=](gort::frame& f, int& r) {
    f.defer([&r] {
      if (gort::recover().has_value()) r = 1;
    });
    f.defer([a] { use(a); });
    f.defer([b] { use(b); });
    f.defer([c] { use(c); });
    f.defer([d] { use(d); });
    dive_panic(1);
  });
}
void BM_GortPanicDefers5(benchmark::State& s) {
  run(s, [] { benchmark::DoNotOptimize(gort_panic_five_defers()); });
}
void BM_GortPanicClosures5(benchmark::State& s) {
  int i = 0;
  run(s, [&i] {
    benchmark::DoNotOptimize(gort_panic_five_closures(i, i + 1, i + 2, i + 3));
    ++i;
  });
}
BENCHMARK(BM_GortPanicDefers5);
BENCHMARK(BM_GortPanicClosures5);
BENCHMARK(BM_ManualThrowCatch)->Arg(1)->Arg(10);

}  // namespace

BENCHMARK_MAIN();
