// Copyright 2026 The gort Authors.
//
// The execution tracer's hooks for the scheduler (Go's traceGoCreate, traceGoPark, ... in
// runtime/trace.go). Internal. Every hook site is written
//
//   if (tracing()) [[unlikely]] trace_go_parking(gp, reason);
//
// so that tracing off costs one load of a global flag and one predictable branch; the hooks are
// out of line in trace.cpp, whose header comment is the tracer's design. docs/trace.md maps each
// of gort's scheduler events to Go 1.19's trace events.

#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>

#include <gort/detail/wait_reason.hpp>

namespace gort::internal {

struct g;
struct p;

// A goroutine's trace state, embedded in its G (runtime.hpp). Written by whoever owns the G's
// scheduling state at the time (its M while it runs or is in a blocking call; the M that starts
// it; the one that readies it; sysmon after retaking its P), which the scheduler already
// serializes; the fields are relaxed atomics only so that TSan sees them as what they are.
struct alignas(64) g_trace {  // one cache line of the G
  // The trace generation in which this goroutine was last described (GoCreate and its state):
  // a goroutine that existed before the trace started is described lazily, at its first event.
  std::atomic<std::uint32_t> gen{0};
  // The id of the P (or kTraceGlobalP) whose stream got its last sequenced event: a later event
  // on the same stream can use the short "Local" form (Go's g.tracelastp).
  std::atomic<std::int32_t> lastp{0};
  std::atomic<std::uint64_t> seq{0};  // Go's g.traceseq
  // The innermost trace::task of this goroutine (0: none), for regions and logs.
  std::uint64_t task = 0;
  // The defer counters as last reported in a gort.defer log (low 32 bits; deltas wrap safely).
  std::uint32_t defer_seen[6] = {};
  // Their sum at that report (heap bytes excluded: they change only with heap; low 32 bits): a
  // block or an end where it did not move costs one compare, not six.
  std::uint32_t defer_sig = 0;
  // The trace generation in which defer_seen was last brought up to date. A G's counters do not
  // move while it is dead, so a G that ended in this trace (its GoEnd compared them) and is
  // reused needs no new reading at GoCreate: that reading was a cache miss per spawn.
  std::uint32_t defer_gen = 0;
  // With stacks on: the stack id taken on the goroutine's own stack where it parks or yields (the
  // event itself is written on g0, which cannot walk the goroutine's stack).
  std::uint64_t stack = 0;
};

// The global switch. Read relaxed at every hook site; trace.cpp's start/stop protocol makes the
// relaxed read enough (see its "Stopping" paragraph).
extern std::atomic<bool> trace_enabled;
[[gnu::always_inline]] inline bool tracing() noexcept {
  return trace_enabled.load(std::memory_order_relaxed);
}

// The hooks. `pp` is the P whose stream gets the event (nullptr: the global stream, for threads
// that hold no P); `cur` the goroutine running on that P when it is not the event's subject.
void trace_proc_start(p* pp);                  // acquirep, after the P is ours
void trace_proc_stop(p* pp);                   // releasep, before the P is given up
void trace_go_create(p* pp, g* cur, g* newg);  // start_goroutine, before newg is queued
// execute, before the switch. `follows`: the scheduler found gp in pp's local queue at its first
// look, right after the slice end this M wrote on pp's stream (trace.cpp's clock::follow).
void trace_go_start(p* pp, g* gp, bool follows);
void trace_go_end(p* pp, g* gp);             // goexit0
void trace_go_unpark(p* pp, g* cur, g* gp);  // ready, before gp is queued
void trace_go_syscall(p* pp, g* gp);         // entersyscall, before the P is released
// sysmon took pp from gp's blocking call: GoSysBlock and ProcStop on pp's stream.
void trace_go_sysblock_retake(p* pp, g* gp);
// exitsyscall won back its P, but sysmon had retaken it and another goroutine, `other`, entered
// a blocking call on it since: that call is now blocked and gp's is over (Go's
// exitsyscallfast_reacquired).
void trace_go_sysexit_reacquired(p* pp, g* other, g* gp);
// gp's blocking call is over after its P was retaken: GoSysExit on pp's stream (nullptr: the
// global one), and with `start` a GoStart on pp (gp goes on running there).
void trace_go_sysexit(p* pp, g* gp, bool start);
// The M of a blocking call whose P sysmon retook waits here until sysmon has written that P's
// GoSysBlock (tick is the P's syscalltick at entersyscall), so that GoSysExit comes after it.
void trace_wait_sysblock(const std::atomic<std::uint32_t>& tick, std::uint32_t seen);

// trace_capture_stack records where gp parks or yields (park, yield; on gp's own stack).
void trace_capture_stack(g* gp);
// yield and park, on gp's own stack before it switches to g0, after trace_capture_stack: GoSched
// / the block event on its P's stream, so before gosched_m's requeue and park_m's unlock
// function. Written here rather than in the g0 halves so that tracing off costs one branch per
// yield or park, not two.
void trace_go_yield(g* gp);
void trace_go_parking(g* gp, wait_reason why);

// gort::run's start and end: GORT_DEBUG=trace / tracestacks, GOMAXPROCS, and goroutine ids that
// stay unique in a trace that spans several runs.
// path: GORT_DEBUG=trace's (nullopt: none), stacks: tracestacks=1.
void trace_run_started(int procs, const std::optional<std::string>& path, bool stacks);
void trace_run_ended(std::uint64_t last_goid);

// trace_defer_counts reads a goroutine's frame counters for the gort.defer logs: inline,
// pooled, heap, heap bytes, panics, recovers. The one place that knows where they live.
void trace_defer_counts(const g* gp, std::uint64_t out[6]) noexcept;
void prefetch_defer_counts(const g* gp) noexcept;  // the cache lines trace_defer_counts reads

}  // namespace gort::internal
