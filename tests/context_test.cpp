// Copyright 2026 The gort Authors.
//
// The context switch on its own (src/arch): no scheduler, just two contexts on a heap stack.
// Each test checks values that only survive if gort_switch saved and restored the right state.

#include <gtest/gtest.h>

#include <cfenv>
#include <cstdint>
#include <memory>
#include <vector>

#include "arch/context.hpp"

namespace gort::internal {
namespace {

// These tests switch stacks without the scheduler's sanitizer annotations (that is the point:
// the bare switch). TSan tracks a shadow call stack per thread and gets lost when the stack
// changes under it unannounced; the scheduler's suites cover the annotated switch under TSan.
#if defined(__SANITIZE_THREAD__)
#define GORT_SKIP_UNDER_TSAN() GTEST_SKIP() << "bare stack switch without TSan fiber annotations"
#else
#define GORT_SKIP_UNDER_TSAN() (void)0
#endif

struct pair_of_contexts {
  context main_ctx;
  context coro_ctx;
  std::vector<int> trace;
  std::uintptr_t entry_sp_mod16 = 99;
  int rounding_seen = -1;
};

void ping_pong_entry(void* arg) {
  auto* c = static_cast<pair_of_contexts*>(arg);
  // At entry, the ABI wants rsp + 8 aligned to 16 (the call pushed the return address):
  // the address of a 16-aligned local shows whether the compiler could rely on it.
  alignas(16) volatile char probe[16];
  c->entry_sp_mod16 = reinterpret_cast<std::uintptr_t>(&probe[0]) % 16;
  for (int i = 0; i < 3; ++i) {
    c->trace.push_back(100 + i);
    context_switch(&c->coro_ctx, &c->main_ctx);
  }
  c->rounding_seen = std::fegetround();
  std::fesetround(FE_UPWARD);  // this context's own rounding mode
  context_switch(&c->coro_ctx, &c->main_ctx);
  // Never resumed again.
  std::abort();
}

TEST(ContextSwitch, AlternatesBetweenTwoContexts) {
  GORT_SKIP_UNDER_TSAN();
  // Checks: the coroutine and the caller interleave exactly as the switches say, locals of both
  // survive (they live in callee-saved registers or on the two stacks), and the new context
  // starts with an ABI-aligned stack.
  std::vector<unsigned char> stack(64 * 1024);
  pair_of_contexts c;
  c.coro_ctx = make_context(stack.data() + stack.size(), &ping_pong_entry, &c);
  volatile int local = 7;
  for (int i = 0; i < 3; ++i) {
    c.trace.push_back(i);
    context_switch(&c.main_ctx, &c.coro_ctx);
  }
  EXPECT_EQ(local, 7);
  EXPECT_EQ(c.trace, (std::vector<int>{0, 100, 1, 101, 2, 102}));
  EXPECT_EQ(c.entry_sp_mod16, 0u);
}

TEST(ContextSwitch, FloatingPointControlIsPerContext) {
  GORT_SKIP_UNDER_TSAN();
  // Checks: a new context starts in round-to-nearest even when its creator changed the mode
  // (make_context writes the default MXCSR/x87 words), and a mode set inside the context does not
  // leak out to the caller after the switch back.
  std::vector<unsigned char> stack(64 * 1024);
  pair_of_contexts c;
  c.coro_ctx = make_context(stack.data() + stack.size(), &ping_pong_entry, &c);
  for (int i = 0; i < 3; ++i) context_switch(&c.main_ctx, &c.coro_ctx);
  ASSERT_EQ(std::fesetround(FE_DOWNWARD), 0);
  context_switch(&c.main_ctx, &c.coro_ctx);
  EXPECT_EQ(c.rounding_seen, FE_TONEAREST);   // the context had its own (default) mode
  EXPECT_EQ(std::fegetround(), FE_DOWNWARD);  // and its FE_UPWARD did not reach us
  std::fesetround(FE_TONEAREST);
}

TEST(ContextSwitch, ContextStartRunsOnTheNewStackWithoutPreparingIt) {
  GORT_SKIP_UNDER_TSAN();
  // Checks: context_start (the scheduler's way to start a goroutine) runs the function on the
  // given stack (a local's address lies inside it), aligned as at a call, and a plain
  // context_switch then alternates with it like any other context.
  std::vector<unsigned char> stack(64 * 1024);
  pair_of_contexts c;
  static unsigned char* lo;
  static unsigned char* hi;
  lo = stack.data();
  hi = stack.data() + stack.size();
  static bool on_new_stack = false;
  auto entry = [](void* arg) {
    auto* pc = static_cast<pair_of_contexts*>(arg);
    alignas(16) volatile char probe[16];
    auto* at = const_cast<char*>(&probe[0]);
    // The frame address, not a local's: under ASan (detect_stack_use_after_return) locals live on
    // a heap "fake stack".
    auto* frame = static_cast<unsigned char*>(__builtin_frame_address(0));
    on_new_stack = frame >= lo && frame < hi;
    pc->entry_sp_mod16 = reinterpret_cast<std::uintptr_t>(at) % 16;
    for (int i = 0;; ++i) {
      pc->trace.push_back(100 + i);
      context_switch(&pc->coro_ctx, &pc->main_ctx);
    }
  };
  context_start(&c.main_ctx, hi, entry, &c);
  c.trace.push_back(0);
  context_switch(&c.main_ctx, &c.coro_ctx);
  c.trace.push_back(1);
  EXPECT_TRUE(on_new_stack);
  EXPECT_EQ(c.entry_sp_mod16, 0u);
  EXPECT_EQ(c.trace, (std::vector<int>{100, 0, 101, 1}));
}

TEST(ContextSwitch, LayoutMatchesAssembly) {
  // The static_asserts in context.hpp already check each offset at compile time; this checks the
  // frame make_context builds: the return address is gort_start and rbx/r12 carry entry/arg.
  std::vector<unsigned char> stack(4096);
  int token = 0;
  context ctx = make_context(stack.data() + stack.size(), &ping_pong_entry, &token);
  auto* f = static_cast<switch_frame*>(ctx.sp);
  EXPECT_EQ(f->ret, reinterpret_cast<void*>(&gort_start));
  EXPECT_EQ(f->rbx, reinterpret_cast<std::uint64_t>(&ping_pong_entry));
  EXPECT_EQ(f->r12, reinterpret_cast<std::uint64_t>(&token));
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(ctx.sp) % 16, 0u);
}

}  // namespace
}  // namespace gort::internal
