// Copyright 2026 The gort Authors.
//
// store_load_fence: the full barrier (StoreLoad) wakep needs between queueing work and reading
// the idle and spinning counts. Internal.
//
// std::atomic_thread_fence(seq_cst) compiles, with GCC on x86-64, to `lock orq $0, (%rsp)`: a
// locked read-modify-write of the word at the top of the stack. In a function that returns right
// after (wakep, tail-called from ready), that word is the return address, and the `ret` has to
// wait for the locked write to it. Measured here: ChanPingPong/2 and WaitGroupCycle/2 4-5%
// slower when wakep went out of line. Linux's smp_mb() has the same fix: the locked no-op lands
// below the stack pointer (in the red zone: or-ing 0 changes no byte, so live red-zone data
// stays intact), where nothing is about to be loaded. Under TSan, which sees neither inline
// assembly nor fences (GCC warns that it does not support atomic_thread_fence), the same locked
// no-op is a seq_cst read-modify-write of a thread-local word: a full barrier on x86-64, and to
// TSan an atomic on a private variable.

#pragma once

#include <atomic>

namespace gort::internal {

inline void store_load_fence() noexcept {
#if defined(__x86_64__) && !defined(__SANITIZE_THREAD__)
  asm volatile("lock orl $0, -8(%%rsp)" ::: "memory", "cc");
#elif defined(__x86_64__)  // under TSan
  static constinit thread_local std::atomic<int> word{0};
  word.fetch_or(0, std::memory_order_seq_cst);
#else
  std::atomic_thread_fence(std::memory_order_seq_cst);
#endif
}

}  // namespace gort::internal
