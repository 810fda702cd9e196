// Copyright 2026 The gort Authors.
//
// The two ways the runtime ends the program on purpose, as Go's runtime has them. Internal.
//
//   fatal          the program misused gort in a way Go reports as `fatal error: ...` rather than
//                  as a panic (unlock of an unlocked mutex, gort::go outside gort::run, a bad
//                  GORT_* setting). Go's runtime.fatal: not recoverable, and not gort's fault.
//   runtime_throw  a runtime invariant broke: a bug in gort (a goroutine in the wrong state, a
//                  lock taken out of rank order). Go's runtime.throw. Prints the message and the
//                  stack that found it.
//
// Both print `fatal error: <message>` on stderr (stdout flushed first) and exit with status 2,
// without running deferred calls, destructors or atexit handlers. Defined in src/sched/crash.cpp.

#pragma once

namespace gort::internal {

[[noreturn]] void fatal(const char* message) noexcept;
[[noreturn]] void runtime_throw(const char* message) noexcept;

}  // namespace gort::internal
