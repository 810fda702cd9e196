// Copyright 2026 The gort Authors.
//
// Program counters to function, file and line, read from the process's own DWARF (elfutils'
// libdw). Used when a profile or a trace is written, never from a signal handler: it allocates,
// locks, and opens files.
//
// Example:
//   std::vector<gort::internal::symbol> frames = gort::internal::symbolize(pc);
//   // frames[0] is the innermost function at pc (an inlined callee when pc is inside one);
//   // frames[i + 1] is the function that frames[i] was inlined into, with the call's file:line.
//
// Return addresses: a pc taken from a stack (not the interrupted instruction) points after the
// call; pass pc - 1 so that the line is the call's, as Go's runtime.CallersFrames does.
//
// Thread safety: every function here may be called from any thread at any time; one mutex guards
// libdw's session and the cache (results are cached per pc, forever: code does not move while
// the process lives, except across dlclose, which gort does not support for profiled code).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace gort::internal {

// One source-level frame at a pc. An unknown field is empty (function, file) or 0 (line).
struct symbol {
  std::string function;  // demangled (abi::__cxa_demangle), e.g. "ns::f(int)"; else the raw name
  std::string file;      // source file as the DWARF line table names it (absolute when known)
  int line = 0;
};

// symbolize returns the frames at `pc`, innermost first (several when pc lies in inlined code);
// never empty: a pc with no symbol gives one symbol with empty function and file. Does not block
// except on the symbolizer's own mutex (the first call reads the binary's debug information).
std::vector<symbol> symbolize(std::uintptr_t pc);

// symbolize (batch) returns symbolize(pcs[i]) for each i, taking the mutex once.
std::vector<std::vector<symbol>> symbolize(std::span<const std::uintptr_t> pcs);

}  // namespace gort::internal
