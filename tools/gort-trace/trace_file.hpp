// Copyright 2026 The gort Authors.
//
// gort::trace_file: a reader of Go 1.19 execution traces (the files runtime/trace writes, and
// gort's tracer writes in the same format). It is the library half of the gort-trace tool;
// tests of gort's tracer link it to check their traces.
//
// Example:
//   gort::trace_file::trace t = gort::trace_file::parse_file("prog.trace");
//   for (const auto& ev : t.events)
//     if (ev.type == gort::trace_file::ev_go_start) ...
//
// What parse() does, in order (docs/gort-trace.md has the whole format):
//   1. reads the wire format: a 16-byte header, then events of one type byte (the top two bits
//      count the inline arguments) and base-128 arguments; string and stack dictionaries;
//   2. splits the events into per-P batches and merges them into one stream in which every
//      goroutine's transitions happen in the order its sequence numbers say (the runtime's
//      per-P buffers are flushed independently, so file order is not time order), breaking
//      ties by timestamp;
//   3. turns ticks into nanoseconds since the first event, moves syscall exits (and timer
//      unblocks, for old traces) to their pseudo-Ps, removes futile wake-ups as Go's reader
//      does, and
//   4. replays the goroutine and P state machines, linking each event to its partner (start to
//      stop, block to unblock, unblock to start, region start to end ...). A broken invariant
//      (a goroutine started without a create or unblock before it, one goroutine on two Ps at
//      once, a P whose timestamps go backwards) is an error.
// Every failure is a parse_error whose message says what is wrong and where (the byte offset);
// no input makes the reader crash or allocate more than a small multiple of the input's size.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace gort::trace_file {

// Event types of the 1.19 format (runtime/trace.go's traceEv* constants, same numbers).
enum event_type : std::uint8_t {
  ev_none = 0,
  ev_batch = 1,                  // start of a per-P batch [p, ticks]
  ev_frequency = 2,              // ticks per second [frequency]
  ev_stack = 3,                  // stack [id, frames, {pc, func, file, line}...]
  ev_gomaxprocs = 4,             // [procs, stack]
  ev_proc_start = 5,             // [thread]
  ev_proc_stop = 6,              // []
  ev_gc_start = 7,               // [seq, stack]
  ev_gc_done = 8,                // []
  ev_gc_stw_start = 9,           // [kind: 0 mark termination, 1 sweep termination]
  ev_gc_stw_done = 10,           // []
  ev_gc_sweep_start = 11,        // [stack]
  ev_gc_sweep_done = 12,         // [swept, reclaimed]
  ev_go_create = 13,             // [g, new goroutine's stack, stack]
  ev_go_start = 14,              // [g, seq]
  ev_go_end = 15,                // []
  ev_go_stop = 16,               // [stack]
  ev_go_sched = 17,              // [stack]
  ev_go_preempt = 18,            // [stack]
  ev_go_sleep = 19,              // [stack]
  ev_go_block = 20,              // [stack]
  ev_go_unblock = 21,            // [g, seq, stack]
  ev_go_block_send = 22,         // [stack]
  ev_go_block_recv = 23,         // [stack]
  ev_go_block_select = 24,       // [stack]
  ev_go_block_sync = 25,         // [stack]
  ev_go_block_cond = 26,         // [stack]
  ev_go_block_net = 27,          // [stack]
  ev_go_sys_call = 28,           // [stack]
  ev_go_sys_exit = 29,           // [g, seq, real ticks]
  ev_go_sys_block = 30,          // []
  ev_go_waiting = 31,            // [g] blocked when tracing started
  ev_go_in_syscall = 32,         // [g] in a syscall when tracing started
  ev_heap_alloc = 33,            // [bytes]
  ev_heap_goal = 34,             // [bytes]
  ev_timer_goroutine = 35,       // [g] (before 1.14)
  ev_futile_wakeup = 36,         // []
  ev_string = 37,                // string dictionary entry [id, length, bytes]
  ev_go_start_local = 38,        // [g]
  ev_go_unblock_local = 39,      // [g, stack]
  ev_go_sys_exit_local = 40,     // [g, real ticks]
  ev_go_start_label = 41,        // [g, seq, label string]
  ev_go_block_gc = 42,           // [stack]
  ev_gc_mark_assist_start = 43,  // [stack]
  ev_gc_mark_assist_done = 44,   // []
  ev_user_task_create = 45,      // [task, parent task, name string, stack]
  ev_user_task_end = 46,         // [task, stack]
  ev_user_region = 47,           // [task, mode 0 start / 1 end, name string, stack]
  ev_user_log = 48,              // [task, category string, stack] + message bytes
  ev_cpu_sample = 49,            // [real ticks, p, g, stack]
  ev_count = 50,
};

// describe: the event type's name as Go spells it ("GoStart"), its argument names (after the
// timestamp, without the stack) and whether its last argument is a stack id.
struct event_description {
  const char* name;
  int min_version;  // 1007 = Go 1.7
  bool has_stack;
  int nargs;
  const char* arg_names[3];
  int nsargs;
  const char* sarg_names[2];
};
const event_description& describe(std::uint8_t type);

// Pseudo-Ps, as in Go's reader: events that happen on no real P.
inline constexpr std::int64_t fake_p = 1000000;
inline constexpr std::int64_t timer_p = fake_p + 1;    // timer unblocks (old traces)
inline constexpr std::int64_t netpoll_p = fake_p + 2;  // network unblocks
inline constexpr std::int64_t syscall_p = fake_p + 3;  // syscall exits
inline constexpr std::int64_t gc_p = fake_p + 4;       // GC start/done
inline constexpr std::int64_t profile_p = fake_p + 5;  // CPU samples
// The runtime's buffer of events written without a P (traceGlobProc) comes as P -1.

inline constexpr std::uint32_t no_link = 0xffffffffu;  // traces hold < 2^32 events

struct frame {
  std::uint64_t pc = 0;
  std::string_view fn;
  std::string_view file;
  std::uint64_t line = 0;
};

struct event {
  std::uint64_t off = 0;  // byte offset of the event in the file
  std::int64_t ts = 0;    // nanoseconds since the trace's first event
  std::int64_t p = 0;     // P the event happened on (or a pseudo-P above)
  std::uint64_t g = 0;    // goroutine the event happened on (0: none)
  std::uint64_t stack_id = 0;
  std::uint64_t args[3] = {0, 0, 0};  // describe(type).arg_names
  std::string_view sargs[2];          // describe(type).sarg_names (task/region name, log)
  // link: index in trace::events of the partner event, or no_link:
  //   GoCreate -> first GoStart; GoStart -> the GoEnd/GoStop/block/GoSched/GoSysBlock that
  //   ended the run; block -> GoUnblock; GoUnblock, GoSched, GoPreempt, GoSysExit -> next
  //   GoStart; blocking GoSysCall -> GoSysExit; GCStart -> GCDone; GCSTWStart -> GCSTWDone;
  //   GCSweepStart -> GCSweepDone; GCMarkAssistStart -> GCMarkAssistDone; UserTaskCreate ->
  //   UserTaskEnd; UserRegion start -> its end (or the goroutine's GoEnd).
  std::uint32_t link = no_link;
  std::uint8_t type = ev_none;
};

struct trace {
  int version = 0;  // 1019 for Go 1.19
  std::int64_t ticks_per_sec = 0;
  std::vector<event> events;  // time-ordered
  std::unordered_map<std::uint64_t, std::vector<frame>> stacks;
  std::unordered_map<std::uint64_t, std::string_view> strings;
  std::size_t futile_removed = 0;  // events dropped as parts of futile wake-ups
  // Storage the string_views above point into.
  std::deque<std::string> text;

  // stack: the frames of a stack id (empty for 0 or an unknown id).
  std::span<const frame> stack(std::uint64_t id) const;
  // duration: the last event's timestamp (the first is 0).
  std::int64_t duration() const { return events.empty() ? 0 : events.back().ts; }
  // count: how many events of the type the trace holds, after parse() (the *Local variants
  // count as their plain events, futile wake-ups are gone when parse_options said so).
  std::size_t count(std::uint8_t type) const;
  // logs: the UserLog events of a category (sargs[0]), in time order; sargs[1] is the message.
  std::vector<const event*> logs(std::string_view category) const;
};

// parse_error: what is wrong with the input and where; what() is the whole message, as the
// tool prints it after "gort-trace: <file>: ".
class parse_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct parse_options {
  // remove_futile: drop futile wake-ups (block, unblock, start around an EvFutileWakeup), as
  // Go's reader and `go tool trace` do.
  bool remove_futile = true;
};

// parse: the trace in data. Throws parse_error.
trace parse(std::span<const std::uint8_t> data, const parse_options& options = {});
// parse_file: reads the file and parses it. Throws parse_error (also when the file cannot be
// read: the message then says why).
trace parse_file(const std::string& path, const parse_options& options = {});

// is_block: the events that park a running goroutine (GoBlock*, GoSleep).
bool is_block(std::uint8_t type);
// block_reason: the reason a blocking event stands for, as Go's tools name it ("chan receive",
// "sleep", "sync" ...); "syscall" for GoSysBlock.
std::string_view block_reason(std::uint8_t type);

}  // namespace gort::trace_file
