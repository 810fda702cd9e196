// Copyright 2026 The gort Authors.
//
// cfi_backtrace: the tracer's stack walk on a goroutine's stack, from per-return-address unwind
// rules that libdw computes once from the DWARF CFI (.eh_frame) and a table caches. Internal;
// used by capture_stack (trace.cpp). stack.cpp's header comment has the design. The walk is
// inline (always) so that the function calling it is the first frame walked: one frame less per
// stack than a call, and no call.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace gort::internal {

namespace cfi {

// A rule: how to find the caller of the frame at one return address.
enum : std::uint8_t {
  kBaseRbp = 1,      // CFA = %rbp + cfa_off (else %rsp + cfa_off)
  kRbpSaved = 2,     // the caller's %rbp is at CFA + rbp_off * 8 (else %rbp is unchanged)
  kEnd = 4,          // the outermost frame recorded (g_main) or one without a caller
  kUnsupported = 8,  // a rule this walk cannot apply
};

struct rule {
  std::int32_t cfa_off = 0;
  std::uint8_t flags = kUnsupported;
  std::int8_t ra_off = 0;   // the return address is at CFA + ra_off * 8 (ra_off < 0)
  std::int8_t rbp_off = 0;  // kRbpSaved: the caller's %rbp is at CFA + rbp_off * 8 (< 0)
  std::int8_t low = 0;      // the lower of the two: CFA + low * 8 is the lowest slot read
};

inline constexpr std::size_t kTableSize = 8192;
inline constexpr int kProbes = 16;

// The cache, by return address. r is written before pc (release) and never again; a reader that
// sees pc (acquire) reads r.
struct entry {
  std::atomic<std::uintptr_t> pc{0};
  rule r;
};
extern entry table[kTableSize];

inline std::size_t slot_of(std::uintptr_t pc) {
  return static_cast<std::size_t>((pc * 0x9e3779b97f4a7c15ull) >> 51) & (kTableSize - 1);
}

// fill computes pc's rule with libdw and caches it (a mutex; not async-signal-safe).
[[gnu::noinline]] rule fill(std::uintptr_t pc);

[[gnu::always_inline]] inline rule rule_at(std::uintptr_t pc) {
  std::size_t i = slot_of(pc);
  for (int probe = 0; probe < kProbes; ++probe, i = (i + 1) & (kTableSize - 1)) {
    std::uintptr_t k = table[i].pc.load(std::memory_order_acquire);
    if (k == pc) [[likely]]
      return table[i].r;
    if (k == 0) break;
  }
  return fill(pc);
}

}  // namespace cfi

// cfi_backtrace fills pcs[0..n) with the return addresses of the stack of the function it is
// inlined into, innermost first (the first `skip` left out: with skip 0, pcs[0] is that
// function's own return address), and returns n <= max. Every address it reads must lie in
// [lo, hi) (the goroutine's stack). The walk ends at `max` or at g_main, every goroutine's first
// frame, which it leaves out with the trampoline below it, as Go leaves out runtime.goexit (or
// at a frame whose caller is undefined). Returns -1 when the walk would leave [lo, hi) or some
// frame has no rule the walk can apply (a CFA or register given by a DWARF expression, a signal
// frame, code without CFI, a full table): the caller then uses another unwinder. Not
// async-signal-safe (a pc seen for the first time takes a mutex and calls libdw).
[[gnu::always_inline]] inline int cfi_backtrace(std::uintptr_t* pcs, int max, int skip,
                                                std::uintptr_t lo, std::uintptr_t hi) {
  using namespace cfi;
  std::uintptr_t pc, sp, bp;
  // One asm statement, so that the three agree. pc is the address after the leaq; the rule
  // looked up is the one at pc - 1, inside the leaq: its function's row at this point.
  asm volatile(
      "leaq 0(%%rip), %0\n\t"
      "movq %%rsp, %1\n\t"
      "movq %%rbp, %2"
      : "=r"(pc), "=r"(sp), "=r"(bp));
  if (sp < lo || sp >= hi) return -1;
  int n = 0;
  for (;;) {
    rule r = rule_at(pc);
    if (r.flags & (kEnd | kUnsupported)) [[unlikely]] {
      if (r.flags & kUnsupported) return -1;
      return n > 0 ? n - 1 : 0;  // the outermost frame is not recorded
    }
    std::uintptr_t cfa = ((r.flags & kBaseRbp) ? bp : sp) + static_cast<std::intptr_t>(r.cfa_off);
    // The slots read lie in [CFA + low * 8, CFA), which must lie in [sp, hi): the CFA goes up
    // and the walk stays on the stack.
    if (cfa + static_cast<std::intptr_t>(r.low) * 8 < sp || cfa > hi) [[unlikely]]
      return -1;
    if (r.flags & kRbpSaved)
      bp =
          *reinterpret_cast<const std::uintptr_t*>(cfa + static_cast<std::intptr_t>(r.rbp_off) * 8);
    pc = *reinterpret_cast<const std::uintptr_t*>(cfa + static_cast<std::intptr_t>(r.ra_off) * 8);
    sp = cfa;
    if (pc == 0) [[unlikely]]
      return n;
    if (skip > 0) {
      --skip;
      continue;
    }
    if (n == max) return n;
    pcs[n++] = pc;
  }
}

// cfi_unwinder_init reads the process's module list for cfi_backtrace now (trace::start with
// stacks calls it), so that the first stack does not pay for it. Idempotent.
void cfi_unwinder_init();

}  // namespace gort::internal
