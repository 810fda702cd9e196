// Copyright 2026 The gort Authors.
//
// What gort-trace computes from a parsed trace (trace_file.hpp) and how it writes it out: the
// summary (text and JSON), the Perfetto/Chrome trace-event JSON, the SVG timeline and the
// event dump in `go tool trace -d`'s line format. docs/gort-trace.md describes each output.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "trace_file.hpp"

namespace gort::trace_file {

// Latency from runnable to running, by what made the goroutine runnable.
struct latency_stats {
  std::vector<std::int64_t> samples;        // ns, sorted once summarize() returns
  std::int64_t percentile(double q) const;  // nearest rank; 0 when empty
  std::int64_t max() const { return samples.empty() ? 0 : samples.back(); }
  double mean() const;
};

// The reasons a goroutine waits, in a fixed order: block_reason()'s names for the blocking
// events, and GoWaiting's. (Syscalls are a state of their own.)
inline constexpr std::size_t n_wait_reasons = 10;
inline constexpr std::string_view wait_reasons[n_wait_reasons] = {
    "sleep", "blocked",   "chan send", "chan receive", "select",
    "sync",  "sync.Cond", "network",   "GC assist",    "waiting (since trace start)"};
// wait_reason_index: the index in wait_reasons of a blocking event type, or n_wait_reasons.
std::size_t wait_reason_index(std::uint8_t type);

// Time in each state (ns). blocked is the sum of blocked_by.
struct state_times {
  std::int64_t running = 0, runnable = 0, syscall = 0, blocked = 0;
  std::array<std::int64_t, n_wait_reasons> blocked_by{};
  // blocked_for: the time blocked for a reason named as in wait_reasons (0 for other names).
  std::int64_t blocked_for(std::string_view reason) const;
  void add(const state_times& o);
};

struct goroutine_stats : state_times {
  std::uint64_t g = 0;
  std::string_view name;          // entry function (top frame of the create's new stack), or ""
  bool created_in_trace = false;  // created by a goroutine (not listed at trace start)
  std::int64_t created = -1, ended = -1;  // ns, -1 when outside the trace
  std::uint64_t starts = 0;
  std::map<std::string, std::int64_t, std::less<>> defers;  // gort.defer totals (key -> sum)
};

// Goroutines grouped by entry function, as `go tool trace`'s goroutine analysis groups them.
struct group_stats : state_times {
  std::string_view name;
  std::uint64_t count = 0, starts = 0;
};

struct proc_stats {
  std::int64_t p = 0;
  std::int64_t busy = 0;  // ns running goroutines
  std::uint64_t runs = 0;
};

struct reason_stats {
  std::string reason;
  std::uint64_t count = 0;
  std::int64_t total = 0;  // ns
};

struct summary {
  std::int64_t duration = 0;  // ns
  std::size_t events = 0;
  std::map<std::string, std::uint64_t> event_counts;
  std::vector<proc_stats> procs;  // real Ps, by id
  // Keys: "all", "wakeup" (unblock), "create", "yield" (GoSched), "preempt", "syscall".
  std::map<std::string, latency_stats> latency;
  std::vector<goroutine_stats> goroutines;  // by id
  std::vector<group_stats> groups;          // by running time, largest first
  std::vector<reason_stats> block_reasons;  // by total time, largest first
  std::uint64_t gc_count = 0, stw_count = 0;
  std::int64_t gc_time = 0, stw_time = 0;
  std::uint64_t tasks = 0, cpu_samples = 0, syscalls = 0;
  std::map<std::string, std::pair<std::uint64_t, std::int64_t>> regions;  // name -> count, ns
  std::map<std::string, std::uint64_t> log_categories;                    // category -> count
  std::uint64_t defer_records = 0;                                        // gort.defer logs seen
  std::map<std::string, std::int64_t, std::less<>> defers;  // totals over all goroutines
  std::vector<std::string> defer_errors;  // gort.defer messages that did not parse
};

// summarize: the summary of t. It refers to t's strings: keep t alive while using it.
summary summarize(const trace& t);
// The summary as text or JSON; at most max_goroutines goroutines are listed one by one (by id;
// the groups cover them all).
void write_summary_text(std::ostream& out, const summary& s, std::size_t max_goroutines = 40);
void write_summary_json(std::ostream& out, const summary& s, std::size_t max_goroutines = 1000);

// Perfetto / Chrome trace-event JSON: a track per P with a slice per goroutine run, flow
// arrows from each unblock to the start it caused, GC and STW slices, user regions as slices
// and user logs as instants on per-goroutine tracks. Only what overlaps [from, to] (ns; to < 0
// means the end) is written.
void write_perfetto(std::ostream& out, const trace& t, std::int64_t from = 0, std::int64_t to = -1);

// SVG: the per-P timeline of [from, to] (ns; to < 0 means the end) and the histogram of the
// scheduler latency.
void write_svg(std::ostream& out, const trace& t, const summary& s, std::int64_t from,
               std::int64_t to);

// The events, one a line, in `go tool trace -d`'s format ("ts Name p=P g=G off=O arg=v ...").
void write_dump(std::ostream& out, const trace& t);

// format_ns: a duration for people, in ns, us, ms or s: with fixed decimals per unit ("12.5us",
// "3.25ms", "1.500s": the summary's columns) or three significant digits ("12.5us", "1.5s": the
// SVG's labels).
enum class ns_style { fixed, significant };
std::string format_ns(std::int64_t ns, ns_style style);

// goroutine_name: the entry function of g's create stack, or "".
std::string_view goroutine_name(const trace& t, std::uint64_t new_stack_id);

}  // namespace gort::trace_file
