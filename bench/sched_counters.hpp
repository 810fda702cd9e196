// Copyright 2026 The gort Authors.
//
// The scheduler's counters per benchmark iteration, as the channel and scheduler benchmarks
// (chan_bench.cpp, sched_bench.cpp) report them and tools/bench/report.py reads them:
// switches/op, runnext/op, steals/op.
#pragma once

#include <benchmark/benchmark.h>

#include <gort/gort.hpp>

namespace gort_bench {

// report_sched_counters: d (gort::stats() after minus before) per iteration of state.
inline void report_sched_counters(benchmark::State& state, const gort::runtime_stats& d) {
  auto per_op = benchmark::Counter::kAvgIterations;
  state.counters["switches/op"] = benchmark::Counter(double(d.context_switches), per_op);
  state.counters["runnext/op"] = benchmark::Counter(double(d.runnext_hits), per_op);
  state.counters["steals/op"] = benchmark::Counter(double(d.steals), per_op);
}

}  // namespace gort_bench
