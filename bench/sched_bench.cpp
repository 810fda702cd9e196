// Copyright 2026 The gort Authors.
//
// Scheduler benchmarks (SPEC.md part 3), each at P = 1 and P = 2 (the benchmark's argument):
// the benchmark boots gort::run(main, P) and times a loop on the main goroutine. Their Go twins
// are in bench/go/sched_test.go, same name after "Benchmark" with /P1 and /P2 for the argument
// (BM_GortSpawnWait/1 <-> BenchmarkSpawnWait/P1), and set runtime.GOMAXPROCS(P) the same way.
// They are linked into gort_bench, so tools/bench/run.sh runs them in the same rounds as the
// defer benchmarks, alternating with `go test -bench`.
//
//   SpawnWait   go a goroutine that signals completion, wait for it; one at a time.
//   SpawnBatch  go 1000 goroutines, wait for all; the time is per goroutine.
//   Yield       one goroutine calling yield in a loop (nothing else to run).
//   YieldPair   two goroutines calling yield; counter ns/yield is the elapsed time over the
//               yields of both, i.e. the cost of one switch from one to the other at P = 1.
//
// Times are wall-clock (UseRealTime): the main goroutine may move between OS threads, so the
// CPU clock of the thread that started the timer means nothing. CPU time is the process's (every
// M, spinning ones included). Counters per op come from gort::stats(), for the whole gort::run.
//
// Waiting uses gort::waitgroup, the twin of the sync.WaitGroup Go's side waits on: wait parks
// the goroutine; nothing spins. Nothing on a timed path uses gort::internal.

#include <benchmark/benchmark.h>

#include <atomic>
#include <chrono>
#include <cstdint>

#include <gort/gort.hpp>

#include "sched_counters.hpp"

namespace {

// Runs body(state) as the main goroutine of a runtime with state.range(0) Ps, and reports the
// scheduler's counters per iteration.
template <class Body>
void in_runtime(benchmark::State& state, Body body) {
  gort::runtime_stats before = gort::stats();
  gort::run([&] { body(state); }, static_cast<int>(state.range(0)));
  gort_bench::report_sched_counters(state, gort::stats() - before);
}

void BM_GortSpawnWait(benchmark::State& state) {
  in_runtime(state, [](benchmark::State& s) {
    gort::waitgroup wg;
    for (auto _ : s) {
      wg.add(1);
      gort::go([&wg] { wg.done(); });
      wg.wait();
    }
  });
}

// A batch's goroutines call done on one waitgroup; the main goroutine waits for the batch (as
// Go's twin does with sync.WaitGroup).
constexpr int kBatch = 1000;

void BM_GortSpawnBatch(benchmark::State& state) {
  in_runtime(state, [](benchmark::State& s) {
    gort::waitgroup wg;
    while (s.KeepRunningBatch(kBatch)) {
      wg.add(kBatch);
      for (int i = 0; i < kBatch; ++i) gort::go([&wg] { wg.done(); });
      wg.wait();
    }
  });
}

void BM_GortYield(benchmark::State& state) {
  in_runtime(state, [](benchmark::State& s) {
    for (auto _ : s) gort::yield();
  });
}

void BM_GortYieldPair(benchmark::State& state) {
  in_runtime(state, [](benchmark::State& s) {
    std::atomic<bool> stop{false};
    std::atomic<std::uint64_t> partner_yields{0};  // written by the partner only
    gort::waitgroup partner_done;
    partner_done.add(1);
    gort::go([&] {
      std::uint64_t n = 0;
      while (!stop.load(std::memory_order_relaxed)) {
        gort::yield();
        partner_yields.store(++n, std::memory_order_relaxed);
      }
      partner_done.done();
    });
    gort::yield();  // the partner starts and is runnable from now on
    std::uint64_t mine = 0;
    std::uint64_t theirs0 = partner_yields.load(std::memory_order_relaxed);
    auto t0 = std::chrono::steady_clock::now();
    for (auto _ : s) {
      gort::yield();
      ++mine;
    }
    auto t1 = std::chrono::steady_clock::now();
    std::uint64_t theirs = partner_yields.load(std::memory_order_relaxed) - theirs0;
    stop.store(true, std::memory_order_relaxed);
    partner_done.wait();
    double ns = std::chrono::duration<double, std::nano>(t1 - t0).count();
    s.counters["ns/yield"] = ns / double(mine + theirs);
    s.counters["partner_yields/op"] = double(theirs) / double(mine);
  });
}

#define GORT_SCHED_BENCH(fn) BENCHMARK(fn)->Arg(1)->Arg(2)->UseRealTime()->MeasureProcessCPUTime()

GORT_SCHED_BENCH(BM_GortSpawnWait);
GORT_SCHED_BENCH(BM_GortSpawnBatch);
GORT_SCHED_BENCH(BM_GortYield);
GORT_SCHED_BENCH(BM_GortYieldPair);

}  // namespace
