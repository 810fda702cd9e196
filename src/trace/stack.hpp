// Copyright 2026 The gort Authors.
//
// cfi_backtrace: the tracer's stack walk on a goroutine's stack, from per-return-address unwind
// rules that libdw computes once from the DWARF CFI (.eh_frame) and a table caches. Internal;
// used by capture_stack (trace.cpp). stack.cpp's header comment has the design.
#pragma once

#include <cstdint>

namespace gort::internal {

// cfi_backtrace fills pcs[0..n) with the return addresses of the calling code's stack, innermost
// first (the first `skip` left out: with skip 0, pcs[0] lies in cfi_backtrace's caller), and
// returns n <= max. Every address it reads
// must lie in [lo, hi) (the goroutine's stack); the walk ends at a frame whose caller is
// undefined (gort_start_fresh, the goroutine's trampoline, whose own address is not recorded),
// at `max`, or where the stack would leave [lo, hi). Returns -1 when some frame has no rule the
// walk can apply (a CFA expression, a signal frame, code without CFI, a full table): the caller
// then uses another unwinder. Not async-signal-safe (a new pc takes a mutex and calls libdw).
int cfi_backtrace(std::uintptr_t* pcs, int max, int skip, std::uintptr_t lo, std::uintptr_t hi);

// cfi_unwinder_init reads the process's module list for cfi_backtrace now (trace::start with
// stacks calls it), so that the first stack does not pay for it. Idempotent.
void cfi_unwinder_init();

}  // namespace gort::internal
