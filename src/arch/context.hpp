// Copyright 2026 The gort Authors.
//
// The platform seam for context switching: one suspended context is a saved stack pointer.
//
//   context_switch(&from, &to)               suspend the caller into `from`, resume `to`
//   context_start(&from, top, entry, arg)    suspend the caller, run entry(arg) on a new stack
//   make_context(stack_hi, entry, arg)       prepare a new context that calls entry(arg) when
//                                            first switched to (writes its frame to the stack)
//
// Only x86-64 is implemented (switch_x86_64.S); other targets stop at the #error below. The
// sanitizer annotations live with the scheduler (src/sched/switch.hpp), not here.

#pragma once

#include <cstddef>
#include <cstdint>

#if defined(__x86_64__)
#include "arch/switch_x86_64_layout.h"
#else
#error "gort: no context switch for this CPU yet (only x86-64 is implemented; see src/arch/)"
#endif

extern "C" {
void gort_switch(void** save_sp, void* load_sp);
void gort_switch_to_g0(void** save_sp, void* g0_sp);
void gort_switch_from_g0(void** save_sp, void* load_sp);
void gort_switch_fresh(void** save_sp, void* stack_top, void (*fn)(void*), void* arg);
void gort_switch_fresh_fp(void** save_sp, void* stack_top, void (*fn)(void*), void* arg,
                          const void* want_fp);
void gort_start();
void gort_start_fresh();
}

namespace gort::internal {

struct context {
  void* sp = nullptr;
};

// The frame gort_switch leaves on a suspended stack; the assembly uses the offsets of
// switch_x86_64_layout.h, which must match this struct.
struct switch_frame {
  std::uint32_t mxcsr;
  std::uint16_t fpucw;
  std::uint16_t pad;
  std::uint64_t r15, r14, r13, r12, rbx, rbp;
  void* ret;
};
static_assert(offsetof(switch_frame, mxcsr) == GORT_SF_MXCSR);
static_assert(offsetof(switch_frame, fpucw) == GORT_SF_FPUCW);
static_assert(offsetof(switch_frame, r15) == GORT_SF_R15);
static_assert(offsetof(switch_frame, r14) == GORT_SF_R14);
static_assert(offsetof(switch_frame, r13) == GORT_SF_R13);
static_assert(offsetof(switch_frame, r12) == GORT_SF_R12);
static_assert(offsetof(switch_frame, rbx) == GORT_SF_RBX);
static_assert(offsetof(switch_frame, rbp) == GORT_SF_RBP);
static_assert(offsetof(switch_frame, ret) == GORT_SF_RET);
static_assert(sizeof(switch_frame) == GORT_SF_SIZE);

inline void context_switch(context* from, const context* to) {
  gort_switch(&from->sp, to->sp);
}

// The scheduler's pair (see switch_x86_64.S): a goroutine switching to its M's g0 saves its FP
// control words and leaves them loaded; g0 switching to a goroutine saves and restores no FP
// state (the caller loads the goroutine's words first when the hardware holds others, with
// load_fp_control, comparing against what it knows the hardware holds).
inline void context_switch_to_g0(context* from, const context* g0) {
  gort_switch_to_g0(&from->sp, g0->sp);
}
inline void context_switch_from_g0(context* g0, const context* to) {
  gort_switch_from_g0(&g0->sp, to->sp);
}

// fp_control is a context's MXCSR and x87 control word.
struct fp_control {
  std::uint32_t mxcsr = 0;
  std::uint16_t fpucw = 0;
  bool operator==(const fp_control&) const = default;
};

// saved_fp_control returns the FP control words saved in a suspended context's frame.
inline fp_control saved_fp_control(const context& c) {
  const auto* f = static_cast<const switch_frame*>(c.sp);
  return {f->mxcsr, f->fpucw};
}

// read_fp_control / load_fp_control read and set the hardware's FP control words.
inline fp_control read_fp_control() {
  fp_control v;
  asm volatile("stmxcsr %0\n\tfnstcw %1" : "=m"(v.mxcsr), "=m"(v.fpucw));
  return v;
}
inline void load_fp_control(const fp_control& v) {
  asm volatile("ldmxcsr %0\n\tfldcw %1" : : "m"(v.mxcsr), "m"(v.fpucw));
}

// context_start suspends the caller into `from` and runs fn(arg) on a new stack whose top is
// stack_top (aligned down to 16 bytes here). fn must never return; it leaves by switching away.
inline void context_start(context* from, void* stack_top, void (*fn)(void*), void* arg) {
  auto top = reinterpret_cast<std::uintptr_t>(stack_top) & ~std::uintptr_t{15};
  gort_switch_fresh(&from->sp, reinterpret_cast<void*>(top), fn, arg);
}

// context_start_fp is context_start with the FP control words set to `want` for the new
// context (loaded only where they differ from the caller's, which are saved in `from` first).
inline void context_start_fp(context* from, void* stack_top, void (*fn)(void*), void* arg,
                             const fp_control& want) {
  static_assert(offsetof(fp_control, mxcsr) == 0 && offsetof(fp_control, fpucw) == 4);
  auto top = reinterpret_cast<std::uintptr_t>(stack_top) & ~std::uintptr_t{15};
  gort_switch_fresh_fp(&from->sp, reinterpret_cast<void*>(top), fn, arg, &want);
}

// make_context lays out, just below stack_hi, a switch_frame whose return address is gort_start
// with rbx = entry and r12 = arg, so that the first switch into it calls entry(arg) on this
// stack, with the stack aligned as the ABI wants at a call. The FP control words are the
// defaults (all exceptions masked, round to nearest, 64-bit x87 precision).
inline context make_context(void* stack_hi, void (*entry)(void*), void* arg) {
  auto top = reinterpret_cast<std::uintptr_t>(stack_hi) & ~std::uintptr_t{15};
  // After gort_switch's `ret` pops the frame, rsp == top, which is 16-byte aligned at
  // gort_start's `call` as the ABI requires. The 16 bytes above stay zero (a null return address
  // for debuggers).
  top -= 16;
  auto* f = reinterpret_cast<switch_frame*>(top - sizeof(switch_frame));
  *f = switch_frame{};
  f->mxcsr = 0x1F80;
  f->fpucw = 0x037F;
  f->rbx = reinterpret_cast<std::uint64_t>(entry);
  f->r12 = reinterpret_cast<std::uint64_t>(arg);
  f->ret = reinterpret_cast<void*>(&gort_start);
  *reinterpret_cast<std::uint64_t*>(top) = 0;
  return context{f};
}

}  // namespace gort::internal
