// Copyright 2026 The gort Authors.
//
// libunwind, loaded with dlopen(RTLD_LOCAL) instead of linked.
//
// Why. libunwind.so (Debian's libunwind8) also exports the C++ ABI's unwinder, _Unwind_*. Linked
// into a program it comes before libgcc_s in the symbol search order, so every C++ exception --
// every gort panic -- would be unwound by libunwind's _Unwind_RaiseException instead of
// libgcc's, and glibc's pthread_exit, which takes libgcc's _Unwind_ForcedUnwind by dlsym, would
// then run with libstdc++'s personality calling libunwind's _Unwind_GetIP on a libgcc context
// (tests/panic_test.cpp's ThreadCancellationRunsDeferredCalls failed exactly so). Loaded with
// RTLD_LOCAL, its symbols serve only the pointers taken here.
//
// The walk. unw_backtrace is libunwind's fast walk: a per-thread cache of frame shapes, built
// with mmap, safe in a signal handler. Under TSan that cache is a problem: its thread-specific
// destructor runs after TSan has torn down the exiting thread's state and takes a mutex through
// TSan's interceptor, which crashes. Under TSan the walk is the plain unw_step loop (libunwind's
// global cache, no thread-specific data), slower and only used there.

#include "pprof/unwind.hpp"

#include <dlfcn.h>

#define UNW_LOCAL_ONLY
#include <libunwind.h>

#include <atomic>
#include <mutex>

namespace gort::internal {
namespace {

using backtrace_fn = int (*)(void**, int);
using getcontext_fn = int (*)(unw_context_t*);
using init_local_fn = int (*)(unw_cursor_t*, unw_context_t*);
using step_fn = int (*)(unw_cursor_t*);
using get_reg_fn = int (*)(unw_cursor_t*, unw_regnum_t, unw_word_t*);

// Set once by load_unwinder (release), read by walk_stack (acquire; a signal handler may read).
std::atomic<backtrace_fn> backtrace_ptr{nullptr};
getcontext_fn getcontext_ptr = nullptr;
init_local_fn init_local_ptr = nullptr;
step_fn step_ptr = nullptr;
get_reg_fn get_reg_ptr = nullptr;

void load() {
  void* h = dlopen("libunwind.so.8", RTLD_NOW | RTLD_LOCAL);
  if (h == nullptr) h = dlopen("libunwind.so", RTLD_NOW | RTLD_LOCAL);
  if (h == nullptr) return;
  getcontext_ptr = reinterpret_cast<getcontext_fn>(dlsym(h, "_Ux86_64_getcontext"));
  init_local_ptr = reinterpret_cast<init_local_fn>(dlsym(h, "_ULx86_64_init_local"));
  step_ptr = reinterpret_cast<step_fn>(dlsym(h, "_ULx86_64_step"));
  get_reg_ptr = reinterpret_cast<get_reg_fn>(dlsym(h, "_ULx86_64_get_reg"));
  auto bt = reinterpret_cast<backtrace_fn>(dlsym(h, "unw_backtrace"));
  if (bt == nullptr || getcontext_ptr == nullptr || init_local_ptr == nullptr ||
      step_ptr == nullptr || get_reg_ptr == nullptr)
    return;
  // libunwind's one-time set-up (its locks, its allocator) happens now, not in a handler. Under
  // TSan through the unw_step loop: unw_backtrace would give this thread the per-thread cache
  // whose destructor crashes TSan at thread exit (the header comment; a defer-profile sample on
  // a plain thread that then exited hit exactly that).
  backtrace_ptr.store(bt, std::memory_order_release);
  void* warm[4];
  (void)walk_stack(warm, 4);
}

}  // namespace

bool load_unwinder() {
  static std::once_flag once;
  std::call_once(once, load);
  return backtrace_ptr.load(std::memory_order_acquire) != nullptr;
}

int walk_stack(void** frames, int max) {
  backtrace_fn bt = backtrace_ptr.load(std::memory_order_acquire);
  if (bt == nullptr) return 0;
#if defined(__SANITIZE_THREAD__)
  (void)bt;
  unw_context_t ctx;
  unw_cursor_t cursor;
  if (getcontext_ptr(&ctx) != 0 || init_local_ptr(&cursor, &ctx) != 0) return 0;
  int n = 0;
  while (n < max) {
    unw_word_t ip = 0;
    if (get_reg_ptr(&cursor, UNW_REG_IP, &ip) != 0 || ip == 0) break;
    frames[n++] = reinterpret_cast<void*>(ip);
    if (step_ptr(&cursor) <= 0) break;
  }
  return n;
#else
  return bt(frames, max);
#endif
}

}  // namespace gort::internal
