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

// runtime_stats is a snapshot of the runtime's counters. Each counter is exact for the threads
// that finished updating it; the snapshot as a whole is not taken atomically.
struct runtime_stats {
  // Deferred calls registered, by the path they took (SPEC.md part 1).
  std::uint64_t defers_inline = 0;       // stored in the frame's inline slots (Go: open-coded)
  std::uint64_t defers_pooled = 0;       // stored in a chunk from the defer pool (Go: deferproc)
  std::uint64_t defers_heap = 0;         // callable + arguments over 448 bytes: heap-allocated
  std::uint64_t defer_heap_bytes = 0;    // bytes allocated for defers_heap
  std::uint64_t defer_pool_hits = 0;     // chunks (32 slots each) taken from a pool
  std::uint64_t defer_pool_misses = 0;   // chunks that had to be allocated
  std::uint64_t defer_pool_refills = 0;  // batches moved from the global pool to a local one
  std::uint64_t defer_pool_spills = 0;   // batches moved from a local pool to the global one
  std::uint64_t panics = 0;              // panics started (gort::panic, runtime panics, and C++
                                         // exceptions that entered a frame)
  std::uint64_t recovers = 0;            // recover() calls that stopped a panic
  std::uint64_t goexits = 0;             // goexit() calls

  // Scheduler (SPEC.md part 3), summed over every gort::run so far.
  std::uint64_t goroutines_created = 0;  // gort::go calls, and each run's main goroutine
  std::uint64_t goroutines_live = 0;     // goroutines started and not finished (this run)
  std::uint64_t context_switches = 0;    // switches from the scheduler into a goroutine
  std::uint64_t runnext_hits = 0;        // goroutines run from a P's runnext slot
  std::uint64_t steals = 0;              // work-stealing attempts that took goroutines
  std::uint64_t stolen_goroutines = 0;   // goroutines moved by those steals
  std::uint64_t global_runq_gets = 0;    // goroutines taken from the global run queue
  std::uint64_t syscall_handoffs = 0;    // Ps taken by sysmon from a long gort::blocking call

  friend runtime_stats operator-(runtime_stats a, const runtime_stats& b) noexcept;
};

// stats returns the counters. Takes a short lock on the thread registry; never blocks on
// goroutines.
runtime_stats stats();

}  // namespace gort
