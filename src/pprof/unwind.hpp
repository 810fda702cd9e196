// Copyright 2026 The gort Authors.
//
// walk_stack: the calling thread's return addresses, innermost first, with libunwind. Internal;
// used by the SIGPROF handler (cpu.cpp) and the defer profile (defer_profile.cpp). unwind.cpp
// says why libunwind is loaded with dlopen and not linked.
#pragma once

namespace gort::internal {

// load_unwinder loads libunwind (once; later calls return at once) and says whether it is there.
// Not async-signal-safe: call it before arming anything that calls walk_stack from a signal.
bool load_unwinder();

// walk_stack fills frames[0..n) with the return addresses of the calling thread's stack,
// innermost first (frames[0] is walk_stack's own), and returns n <= max; 0 when libunwind is not
// loaded. Async-signal-safe once load_unwinder returned true.
int walk_stack(void** frames, int max);

}  // namespace gort::internal
