// Copyright 2026 The gort Authors.
//
// gort::stats(): the runtime's counters, summed over every thread, goroutine and P.
//
// Example:
//
//   gort::runtime_stats before = gort::stats();
//   work();
//   gort::runtime_stats d = gort::stats() - before;
//   std::printf("%llu deferred calls went to the heap\n", (unsigned long long)d.defers_heap);

#pragma once

#include <cstdint>

namespace gort {

// The counter list, written once. Each entry is X(name, meaning); runtime_stats gets one
// std::uint64_t field per entry, and the runtime derives everything else from the same list: the
// blocks the goroutines, threads and Ps count in, the roll-up into the totals of finished runs,
// and operator-.
//
// Frame core (SPEC.md part 1): counted by the goroutine or plain thread that does the work.
#define GORT_FRAME_COUNTERS(X)                                                                   \
  X(defers_inline, "deferred calls stored in the frame's inline slots (Go: open-coded)")         \
  X(defers_pooled, "deferred calls stored in a chunk from the defer pool (Go: deferproc)")       \
  X(defers_heap, "deferred calls whose callable and arguments exceed 448 bytes: on the heap")    \
  X(defer_heap_bytes, "bytes allocated for defers_heap")                                         \
  X(defer_pool_hits, "chunks (32 slots each) taken from a pool")                                 \
  X(defer_pool_misses, "chunks allocated because the local and global pools were empty")         \
  X(defer_pool_refills, "batches moved from the global pool to a local one")                     \
  X(defer_pool_spills, "batches moved from a local pool to the global one")                      \
  X(panics, "panics started (gort::panic, runtime panics, C++ exceptions that entered a frame)") \
  X(recovers, "recover() calls that stopped a panic")                                            \
  X(goexits, "goexit() calls")
//
// Scheduler (SPEC.md part 3): counted by each P, summed over every gort::run so far.
#define GORT_SCHED_COUNTERS(X)                                           \
  X(goroutines_created, "gort::go calls, and each run's main goroutine") \
  X(context_switches, "switches from the scheduler into a goroutine")    \
  X(runnext_hits, "goroutines run from a P's runnext slot")              \
  X(steals, "work-stealing attempts that took goroutines")               \
  X(stolen_goroutines, "goroutines moved by those steals")               \
  X(global_runq_gets, "goroutines taken from the global run queue")      \
  X(syscall_handoffs, "Ps taken by sysmon from a long gort::blocking call")

// runtime_stats is a snapshot of the runtime's counters. Each counter is exact for the threads
// that finished updating it; the snapshot as a whole is not taken atomically.
struct runtime_stats {
#define GORT_STATS_FIELD(name, meaning) std::uint64_t name = 0;
  GORT_FRAME_COUNTERS(GORT_STATS_FIELD)
  GORT_SCHED_COUNTERS(GORT_STATS_FIELD)
#undef GORT_STATS_FIELD
  // Not a counter but a gauge: goroutines started and not finished (this run).
  std::uint64_t goroutines_live = 0;

  // Field by field; for the gauge, the change between the two snapshots.
  friend runtime_stats operator-(runtime_stats a, const runtime_stats& b) noexcept;
};

// stats returns the counters. Takes a short lock on the thread registry; never blocks on
// goroutines.
runtime_stats stats();

}  // namespace gort
