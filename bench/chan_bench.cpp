// Copyright 2026 The gort Authors.
//
// Channel, select, sync and timer benchmarks (SPEC.md part 4), each at P = 1 and P = 2 (the
// benchmark's argument): the benchmark boots gort::run(main, P) and times a loop on the main
// goroutine, as the scheduler benchmarks (sched_bench.cpp) do. Their Go twins are in
// bench/go/chan_test.go, same name after "Benchmark" with /P1 and /P2 for the argument
// (BM_GortChanPingPong/1 <-> BenchmarkChanPingPong/P1). The C++ baselines (BM_Std*, BM_Thread*)
// use std::mutex and std::thread with no runtime. They are linked into gort_bench, so
// tools/bench/run.sh runs them in the same rounds as the other benchmarks, alternating with
// `go test -bench`.
//
//   ChanPingPong       two goroutines bounce a value over two unbuffered channels; per round trip.
//   ChanBuffered       a producer goroutine sends ints on a channel of capacity 128, the main
//                      goroutine receives them; per element.
//   Select2, Select4   a producer sends ints round-robin on 2 (4) channels of capacity 128, the
//                      main goroutine receives them with a select over all of them; per select.
//   MutexUncontended   lock + unlock on one goroutine (baseline: std::mutex on one thread).
//   MutexContended     4 goroutines incrementing a shared counter under one mutex; per lock
//                      (baseline: 4 threads and a std::mutex).
//   WaitGroupCycle     add(8), start 8 goroutines that call done, wait; per cycle.
//   Timers10k          10,000 goroutines each sleeping 1 ms (gort::sleep), waited for with a
//                      waitgroup; per batch of 10,000.
//   After10k           the same with gort::after(1 ms).recv(). Both time batches after a first
//                      untimed one (fresh goroutine stacks are faulted in once per gort::run).
//   AtomicRmw1/2       the hardware floor: one atomic exchange; a CAS plus a fetch_sub.
//   ThreadPingPong     baseline of ChanPingPong: two std::threads taking turns through a
//                      std::mutex and a std::condition_variable; per round trip.
//
// Times are wall-clock (UseRealTime); CPU time is the process's. Counters per op come from
// gort::stats(), for the whole gort::run after its warm-up (the timer batches have one).

#include <benchmark/benchmark.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

#include <gort/gort.hpp>

#include "sched_counters.hpp"

namespace {

// Runs warm_up() then body(state) as the main goroutine of a runtime with state.range(0) Ps, and
// reports the scheduler's counters per iteration (counted from the end of the warm-up).
void no_warm_up() {}

template <class Body, class WarmUp = void (*)()>
void in_runtime(benchmark::State& state, Body body, WarmUp warm_up = no_warm_up) {
  gort::runtime_stats before;
  gort::run(
      [&] {
        warm_up();
        before = gort::stats();
        body(state);
      },
      static_cast<int>(state.range(0)));
  gort_bench::report_sched_counters(state, gort::stats() - before);
}

void BM_GortChanPingPong(benchmark::State& state) {
  in_runtime(state, [](benchmark::State& s) {
    auto ping = gort::make_chan<int>();
    auto pong = gort::make_chan<int>();
    gort::waitgroup wg;
    wg.add(1);
    gort::go([ping, pong, &wg] {
      for (int v : ping) pong.send(v);
      wg.done();
    });
    int i = 0;
    for (auto _ : s) {
      ping.send(i++);
      benchmark::DoNotOptimize(pong.recv());
    }
    ping.close();
    wg.wait();
  });
}

constexpr std::size_t kBuffer = 128;

void BM_GortChanBuffered(benchmark::State& state) {
  in_runtime(state, [](benchmark::State& s) {
    auto c = gort::make_chan<int>(kBuffer);
    auto n = static_cast<std::int64_t>(s.max_iterations);
    gort::go([c, n] {
      for (std::int64_t i = 0; i < n; ++i) c.send(static_cast<int>(i));
    });
    for (auto _ : s) benchmark::DoNotOptimize(c.recv());
  });
}

// Sends n ints on chans in turn.
void produce_round_robin(std::vector<gort::chan<int>> chans, std::int64_t n) {
  std::size_t k = chans.size();
  for (std::int64_t i = 0; i < n; ++i) chans[static_cast<std::size_t>(i) % k].send(int(i));
}

void BM_GortSelect2(benchmark::State& state) {
  in_runtime(state, [](benchmark::State& s) {
    auto c0 = gort::make_chan<int>(kBuffer);
    auto c1 = gort::make_chan<int>(kBuffer);
    gort::go(produce_round_robin, std::vector{c0, c1}, static_cast<std::int64_t>(s.max_iterations));
    for (auto _ : s) benchmark::DoNotOptimize(gort::select(gort::recv(c0), gort::recv(c1)));
  });
}

void BM_GortSelect4(benchmark::State& state) {
  in_runtime(state, [](benchmark::State& s) {
    auto c0 = gort::make_chan<int>(kBuffer);
    auto c1 = gort::make_chan<int>(kBuffer);
    auto c2 = gort::make_chan<int>(kBuffer);
    auto c3 = gort::make_chan<int>(kBuffer);
    gort::go(produce_round_robin, std::vector{c0, c1, c2, c3},
             static_cast<std::int64_t>(s.max_iterations));
    for (auto _ : s) {
      benchmark::DoNotOptimize(
          gort::select(gort::recv(c0), gort::recv(c1), gort::recv(c2), gort::recv(c3)));
    }
  });
}

void BM_GortMutexUncontended(benchmark::State& state) {
  in_runtime(state, [](benchmark::State& s) {
    gort::mutex mu;
    for (auto _ : s) {
      mu.lock();
      mu.unlock();
    }
  });
}

void BM_StdMutexUncontended(benchmark::State& state) {
  std::mutex mu;
  for (auto _ : state) {
    mu.lock();
    mu.unlock();
  }
}

// The floor under any lock: atomic read-modify-writes on a line this core owns. An uncontended
// lock+unlock needs two (a CAS to take it, an RMW to release it and learn whether anyone waits);
// a buffered channel operation needs one (its spin lock's unlock is a plain store).
void BM_AtomicRmw1(benchmark::State& state) {
  std::atomic<std::uint32_t> a{0};
  for (auto _ : state) benchmark::DoNotOptimize(a.exchange(1, std::memory_order_acquire));
}

void BM_AtomicRmw2(benchmark::State& state) {
  std::atomic<std::int32_t> a{0};
  for (auto _ : state) {
    std::int32_t zero = 0;
    benchmark::DoNotOptimize(a.compare_exchange_strong(zero, 1, std::memory_order_acquire));
    benchmark::DoNotOptimize(a.fetch_sub(1, std::memory_order_release));
  }
}

constexpr int kContenders = 4;

// The share of n locks that contender w of kContenders takes.
std::int64_t share(std::int64_t n, int w) {
  return n / kContenders + (w < n % kContenders ? 1 : 0);
}

void BM_GortMutexContended(benchmark::State& state) {
  in_runtime(state, [](benchmark::State& s) {
    gort::mutex mu;
    gort::waitgroup wg;
    std::int64_t counter = 0;
    auto n = static_cast<std::int64_t>(s.max_iterations);
    while (s.KeepRunningBatch(s.max_iterations)) {
      for (int w = 0; w < kContenders; ++w) {
        wg.add(1);
        gort::go([&, m = share(n, w)] {
          for (std::int64_t i = 0; i < m; ++i) {
            mu.lock();
            ++counter;
            mu.unlock();
          }
          wg.done();
        });
      }
      wg.wait();
    }
    if (counter != n) s.SkipWithError("the counter missed increments");
  });
}

void BM_StdMutexContended(benchmark::State& state) {
  std::mutex mu;
  std::int64_t counter = 0;
  auto n = static_cast<std::int64_t>(state.max_iterations);
  while (state.KeepRunningBatch(state.max_iterations)) {
    std::vector<std::thread> threads;
    for (int w = 0; w < kContenders; ++w) {
      threads.emplace_back([&, m = share(n, w)] {
        for (std::int64_t i = 0; i < m; ++i) {
          std::lock_guard lock(mu);
          ++counter;
        }
      });
    }
    for (auto& t : threads) t.join();
  }
  if (counter != n) state.SkipWithError("the counter missed increments");
}

constexpr int kWaitGroupSize = 8;

void BM_GortWaitGroupCycle(benchmark::State& state) {
  in_runtime(state, [](benchmark::State& s) {
    gort::waitgroup wg;
    for (auto _ : s) {
      wg.add(kWaitGroupSize);
      for (int j = 0; j < kWaitGroupSize; ++j) gort::go(&gort::waitgroup::done, &wg);
      wg.wait();
    }
  });
}

constexpr int kTimers = 10000;

// One batch: kTimers goroutines each running wait(), waited for with a waitgroup.
template <class Wait>
void timer_batch(Wait wait) {
  gort::waitgroup wg;
  wg.add(kTimers);
  for (int j = 0; j < kTimers; ++j) {
    gort::go([&wg, wait] {
      wait();
      wg.done();
    });
  }
  wg.wait();
}

// The first batch of a gort::run faults in 10,000 fresh goroutine stacks (stacks are unmapped
// when gort::run returns), which costs far more than the timers; it runs before the timed loop,
// as Go's benchmark ramp-up warms Go's runtime before the run it reports.
template <class Wait>
void timers_10k(benchmark::State& state, Wait wait) {
  auto batch = [wait] { timer_batch(wait); };
  auto timed = [batch](benchmark::State& s) {
    for (auto _ : s) batch();
  };
  in_runtime(state, timed, batch);
}

void BM_GortTimers10k(benchmark::State& state) {
  timers_10k(state, [] { gort::sleep(std::chrono::milliseconds(1)); });
}

void BM_GortAfter10k(benchmark::State& state) {
  timers_10k(state, [] { gort::after(std::chrono::milliseconds(1)).recv(); });
}

void BM_ThreadPingPong(benchmark::State& state) {
  std::mutex mu;
  std::condition_variable cv;
  int turn = 0;  // 0: the benchmark thread's, 1: the partner's, 2: the partner stops
  std::thread partner([&] {
    std::unique_lock lock(mu);
    for (;;) {
      cv.wait(lock, [&] { return turn != 0; });
      if (turn == 2) return;
      turn = 0;
      cv.notify_one();
    }
  });
  for (auto _ : state) {
    std::unique_lock lock(mu);
    turn = 1;
    cv.notify_one();
    cv.wait(lock, [&] { return turn == 0; });
  }
  {
    std::lock_guard lock(mu);
    turn = 2;
  }
  cv.notify_one();
  partner.join();
}

#define GORT_CHAN_BENCH(fn) BENCHMARK(fn)->Arg(1)->Arg(2)->UseRealTime()->MeasureProcessCPUTime()

GORT_CHAN_BENCH(BM_GortChanPingPong);
BENCHMARK(BM_ThreadPingPong)->UseRealTime()->MeasureProcessCPUTime();
GORT_CHAN_BENCH(BM_GortChanBuffered);
GORT_CHAN_BENCH(BM_GortSelect2);
GORT_CHAN_BENCH(BM_GortSelect4);
GORT_CHAN_BENCH(BM_GortMutexUncontended);
BENCHMARK(BM_StdMutexUncontended);
BENCHMARK(BM_AtomicRmw1);
BENCHMARK(BM_AtomicRmw2);
GORT_CHAN_BENCH(BM_GortMutexContended);
BENCHMARK(BM_StdMutexContended)->UseRealTime()->MeasureProcessCPUTime();
GORT_CHAN_BENCH(BM_GortWaitGroupCycle);
GORT_CHAN_BENCH(BM_GortTimers10k);
GORT_CHAN_BENCH(BM_GortAfter10k);

}  // namespace
