// Copyright 2026 The gort Authors.
//
// walk_stack: the calling thread's return addresses, innermost first, with libunwind. Internal;
// used by the SIGPROF handler (cpu.cpp) and the defer profile (defer_profile.cpp).
//
// unw_backtrace is libunwind's fast walk: a per-thread cache of frame shapes, built with mmap,
// safe in a signal handler. Under TSan that cache is the problem: its thread-specific destructor
// runs after TSan has torn down the exiting thread's state and takes a mutex through TSan's
// interceptor, which crashes. Under TSan the walk is therefore the plain unw_step loop (the
// global cache, no thread-specific data), slower and only used there.
#pragma once

#define UNW_LOCAL_ONLY
#include <libunwind.h>

namespace gort::internal {

inline int walk_stack(void** frames, int max) {
#if defined(__SANITIZE_THREAD__)
  unw_context_t ctx;
  unw_cursor_t cursor;
  if (unw_getcontext(&ctx) != 0 || unw_init_local(&cursor, &ctx) != 0) return 0;
  int n = 0;
  while (n < max) {
    unw_word_t ip = 0;
    if (unw_get_reg(&cursor, UNW_REG_IP, &ip) != 0 || ip == 0) break;
    frames[n++] = reinterpret_cast<void*>(ip);
    if (unw_step(&cursor) <= 0) break;
  }
  return n;
#else
  return unw_backtrace(frames, max);
#endif
}

}  // namespace gort::internal
