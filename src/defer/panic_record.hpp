// Copyright 2026 The gort Authors.
//
// The panic record (Go's _panic) and the operations on a thread's panic list. Internal.

#pragma once

#include <any>
#include <cstdint>
#include <exception>

#include <gort/detail/defer_core.hpp>
#include <gort/detail/panic_core.hpp>

namespace gort::internal {

// Where a panic is between its start and its end. Transitions:
//   panic()/goexit()/a C++ exception entering a frame --> in_flight or processing
//   in_flight  --frame catches it-->             processing (the frame runs its deferred calls)
//   processing --frame done, not recovered-->    in_flight (rethrown towards the parent frame)
//   processing --recovered, or outermost frame--> detached (off the list)
//   in_flight  --swallowed by a catch block-->   detached
enum class panic_state : std::uint8_t { in_flight, processing, detached };

struct panic_record {
  panic_record* link = nullptr;  // older panic (Go's _panic.link); valid while on_list
  std::any value;                // what recover() returns
  describe_fn describe = nullptr;
  std::exception_ptr foreign;  // set when a C++ exception became this panic
  // The depth of the frame that is running a deferred call on this panic's behalf, else 0.
  // recover() works only when this is the innermost frame (Go compares the caller's argp).
  std::uint32_t defer_depth = 0;
  // While in flight: the depth of the frame expected to catch it next (0: none, the panic leaves
  // the outermost frame). A frame of smaller depth is an outer one; see prune_stale().
  std::uint32_t target = 0;
  std::uint32_t refs = 0;  // live panic_signal objects that carry this record
  panic_state state = panic_state::in_flight;
  bool on_list = false;
  bool recovered = false;
  bool aborted = false;  // a newer panic started in a deferred call this panic was running
  bool goexit = false;   // a goexit() in progress, not a panic
};

// Allocates and frees records, keeping one spare per thread (a panic is rarely nested).
panic_record* alloc_panic();
void free_panic(panic_record* p) noexcept;

// Pushes `p` on the thread's panic list (newest first).
void push_panic(defer_state& ts, panic_record* p);
// Unlinks `p` (anywhere in the list) and frees it once no signal refers to it.
void remove_panic(defer_state& ts, panic_record* p);
// Removes panics that were swallowed by a catch block while in flight. `at` is the depth of the
// frame now handling something; a record in flight towards `at` or towards a frame outside it
// cannot still be flying, unless a C++ unwind is in progress (`unwinding`, then only records aimed
// at frames outside `at` are stale). `keep` is never removed.
void prune_stale(defer_state& ts, std::uint32_t at, panic_record* keep, bool unwinding);
// Removes every record (the panic left the outermost frame).
void clear_panics(defer_state& ts);
// The record for C++ exception `e` entering frame `at`: the one already on the list for the same
// exception object, else a new panic.
panic_record* adopt_foreign(defer_state& ts, std::uint32_t at, std::exception_ptr e);
// Makes the caught record `p` the live one in frame `at` (pushing it back if it had left the
// list) and prunes stale records.
void adopt_signal(defer_state& ts, std::uint32_t at, panic_record* p);

// Throws `p` on towards the parent frame: a fresh panic_signal, or the original C++ exception.
[[noreturn]] void rethrow_panic(panic_record* p);
// The panic leaves the outermost frame of a plain thread: a gort::panic_error, or the original
// C++ exception when the newest panic is one.
[[noreturn]] void escape_outermost(defer_state& ts, panic_record* p);

}  // namespace gort::internal
