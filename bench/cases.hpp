// Copyright 2026 The gort Authors.
//
// The measured functions shared by the Google Benchmark binary (defer_bench.cpp) and the
// callgrind driver (callgrind_driver.cpp), so that timings and instruction counts are taken on
// the same code. Every function is noinline, as Go's are (Go 1.19 never inlines a function with
// a defer), and calls a noinline cleanup, so both languages pay one real call per deferred call.
// Each binary includes this header from exactly one translation unit.

#pragma once

#include <cstddef>
#include <utility>

#include <gort/gort.hpp>

#define GORT_BENCH_NOINLINE __attribute__((noinline))

// External linkage, so that stores to it are never dead.
extern int gort_bench_sink;
int gort_bench_sink;

namespace gort_bench {

GORT_BENCH_NOINLINE void cleanup() {
  asm volatile("");
}
GORT_BENCH_NOINLINE void cleanup_i(int i) {
  gort_bench_sink = i;
}

// N defers written out one after another in one function (no loop).
template <std::size_t... I>
GORT_BENCH_NOINLINE void manual_n(std::index_sequence<I...>) {
  (((void)I, cleanup()), ...);
}
template <std::size_t... I>
GORT_BENCH_NOINLINE void gort_n(std::index_sequence<I...>) {
  gort::func([](gort::frame& f) { (((void)I, f.defer(cleanup)), ...); });
}

// The same with a deferred call that has one argument (Go's `defer cleanupI(k)`): a callable
// of 16 bytes, which takes two 16-byte slots.
template <std::size_t... I>
GORT_BENCH_NOINLINE void manual_n_arg(std::index_sequence<I...>) {
  (cleanup_i(static_cast<int>(sizeof...(I) - 1 - I)), ...);
}
template <std::size_t... I>
GORT_BENCH_NOINLINE void gort_n_arg(std::index_sequence<I...>) {
  gort::func([](gort::frame& f) { (f.defer(cleanup_i, static_cast<int>(I)), ...); });
}

// n defers of the same argument-less call registered in a loop (Go's `defer cleanup()` in a
// loop), and the n calls made by hand. The main loop pair of the report.
GORT_BENCH_NOINLINE void manual_loop_plain(int n) {
  for (int i = 0; i < n; ++i) cleanup();
}
GORT_BENCH_NOINLINE void gort_loop_plain(int n) {
  gort::func([n](gort::frame& f) {
    for (int i = 0; i < n; ++i) f.defer(cleanup);
  });
}

// n defers registered in a loop, each with the loop variable as its argument (Go's
// `defer cleanupI(i)`, which allocates a closure per defer in Go 1.19), and the same calls made
// by hand in reverse order.
GORT_BENCH_NOINLINE void manual_loop(int n) {
  int pending[128];
  for (int i = 0; i < n; ++i) pending[i] = i;
  for (int i = n - 1; i >= 0; --i) cleanup_i(pending[i]);
}
GORT_BENCH_NOINLINE void gort_loop(int n) {
  gort::func([n](gort::frame& f) {
    for (int i = 0; i < n; ++i) f.defer(cleanup_i, i);
  });
}

// Panic + recover, the panic raised `depth` calls below the recovering function, and its C++
// throw/catch twin (defer_bench's BM_GortPanicRecover and BM_ManualThrowCatch, the callgrind
// driver's gort-panic/N and manual-throw/N).
GORT_BENCH_NOINLINE void dive_panic(int depth) {
  if (depth <= 1) gort::panic(depth);
  dive_panic(depth - 1);
  asm volatile("");  // no tail call: every level is a real frame
}
GORT_BENCH_NOINLINE int gort_panic_recover(int depth) {
  return gort::func<int>([depth](gort::frame& f, int& r) {
    f.defer([&r] {
      if (gort::recover().has_value()) r = 1;
    });
    dive_panic(depth);
  });
}
GORT_BENCH_NOINLINE void dive_throw(int depth) {
  if (depth <= 1) throw depth;
  dive_throw(depth - 1);
  asm volatile("");
}
GORT_BENCH_NOINLINE int manual_throw_catch(int depth) {
  try {
    dive_throw(depth);
  } catch (int) {
    return 1;
  }
  return 0;
}

}  // namespace gort_bench
