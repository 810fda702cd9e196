// Copyright 2026 The gort Authors.
//
// Goroutine stacks.
//
// Layout. Stacks are carved from arenas: one anonymous mmap (MAP_NORESERVE, so nothing is
// committed until touched) of kArenaStacks stacks of stack_size() bytes each. The goroutine's
// callable sits at the top (lowered by a cache "color", see stack_new) and its frames grow down
// from just below it.
// Pages are committed lazily by the kernel on first touch and stay committed while the stack is
// reused: a dead G keeps its stack on a per-P free list (then a global one), so spawning mostly
// reuses warm pages instead of faulting fresh ones in (about 12 us each here).
//
// Protection. Every stack should have a guard page at its low end: a page no access may touch,
// so that running off the stack raises SIGSEGV, which crash.cpp reports as Go's "stack overflow".
// A frame larger than the guard page could step over it, so gort's CMake target compiles every
// consumer with -fstack-clash-protection: frames and alloca()s larger than a page touch their
// pages in order, top down, and the first touch below the stack lands in the guard.
// Two kinds of guard:
//   - lightweight (Linux 6.13+, madvise(MADV_GUARD_INSTALL)): a marker in the page tables, no
//     change to the mapping. Costs no vm.max_map_count mapping, so every stack gets one.
//   - page protection (older kernels, or when the madvise fails): mprotect(PROT_NONE) of the
//     lowest page. Each one splits its arena's mapping, costing two of the kernel's
//     vm.max_map_count mappings (65530 by default), so a million such stacks are impossible: the
//     budget is a quarter of max_map_count (16382 stacks by default).
// Stacks beyond the budget (old kernels only) are unguarded: the stack pointer is checked against
// the low end every time the goroutine switches to the scheduler, and the SIGSEGV handler reports
// a fault just below a goroutine's stack as an overflow. What lies below an unguarded stack is
// usually the top of the neighbouring stack, mapped and writable, so an overflow there is caught
// only late (at the next switch) or not at all (a deep frame that returns before the goroutine
// switches), after it overwrote the neighbour's memory; the reports and docs/scheduler.md say so.
// (A canary word at the low end would catch more, but writing it commits the stack's lowest page:
// 4 KiB more memory per goroutine.) Arenas of unguarded stacks cost one mapping per
// kArenaStacks stacks, so one million goroutines need under 4,000 mappings.
//
// Caches. A dead goroutine's stack goes to its P's LIFO cache of kStackCache stacks (the most
// recently used one, still in cache and committed, goes to the next goroutine that starts); a
// full cache moves half of itself to the global list (sched.free_stacks, under sched.free_lock,
// a leaf lock), and an empty one takes up to half a cache back from it. Stacks are a
// power-of-two size apart, so each new stack's top is lowered by a colour of a few cache lines.
//
// Memory goes back to the OS for stacks freed beyond a bound (see stack_put).
//
// Stacks are unmapped all at once when gort::run returns (stack_free_all).
//
// Rejected: one mapping per stack (two with its guard): hits max_map_count at ~32k goroutines.
// Gaps (holes left unmapped between stacks) as guards: each stack is then a mapping of its own, so
// the limit is only doubled, and any later mmap of the process may fill a hole.
// Growable (copied) stacks as in Go: C++ frames hold raw pointers into the stack.

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include <gort/go.hpp>

#include "sched/env.hpp"
#include "sched/proc.hpp"
#include "sched/runtime.hpp"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#include <sanitizer/lsan_interface.h>
#endif

namespace gort {
namespace internal {

namespace {

constexpr std::size_t kArenaStacks = 256;
constexpr std::size_t kDefaultStack = 256 * 1024;
constexpr std::size_t kMinStack = 16 * 1024;
// At most 1 GiB: Go's limit for one goroutine's stack on 64-bit systems (maxstacksize in
// runtime/proc.go, 10^9 bytes) rounded to a power of two. An arena of 256 such stacks reserves
// 256 GiB of address space (not memory), 1/512 of the 47-bit user address space.
constexpr std::size_t kMaxStack = std::size_t{1} << 30;
constexpr env_setting kStackSizeEnv{"GORT_STACK_SIZE", nullptr, env_kind::size, kMinStack,
                                    kMaxStack};

std::atomic<std::size_t> configured_size{0};

struct arena {
  unsigned char* base;
  std::size_t bytes;
};

runtime_lock stack_lock{lock_rank::stack};
std::vector<arena>& arenas() GORT_REQUIRES(stack_lock) {
  static auto* v = new std::vector<arena>;
  return *v;
}
// The next free stack in the newest arena, how many are left there, and their size.
unsigned char* cursor GORT_GUARDED_BY(stack_lock) = nullptr;
std::size_t left_in_arena GORT_GUARDED_BY(stack_lock) = 0;
std::size_t arena_stack_size GORT_GUARDED_BY(stack_lock) = 0;
long guard_budget GORT_GUARDED_BY(stack_lock) = -1;  // -1: not computed yet
// Whether madvise(MADV_GUARD_INSTALL) works here; cleared at its first failure.
bool lightweight_guards GORT_GUARDED_BY(stack_lock) = true;
// Test hook (stack_force_old_kernel_guards_for_testing): behave as on a kernel without lightweight
// guards, with this page-protection budget.
long forced_budget GORT_GUARDED_BY(stack_lock) = -1;

constexpr int kMadvGuardInstall = 102;  // MADV_GUARD_INSTALL, Linux 6.13

std::size_t page_size() {
  static const std::size_t p = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  return p;
}

long compute_guard_budget() GORT_REQUIRES(stack_lock) {
  if (forced_budget >= 0) return forced_budget;
  long max_maps = 65530;
  if (FILE* f = std::fopen("/proc/sys/vm/max_map_count", "r")) {
    if (std::fscanf(f, "%ld", &max_maps) != 1) max_maps = 65530;
    std::fclose(f);
  }
  return max_maps / 4;
}

#if defined(__SANITIZE_ADDRESS__)
constexpr int kMadvGuardRemove = 103;  // MADV_GUARD_REMOVE, Linux 6.13

// Set once the guards are lifted; guarded by stack_lock. Other Ms keep running goroutines while
// std::exit runs the atexit handlers, and a stack allocated after the lift must not get a new
// marker either (it gets a page-protection guard, which LeakSanitizer skips).
bool guards_lifted GORT_GUARDED_BY(stack_lock) = false;

// At exit (an atexit handler registered after LeakSanitizer's, so it runs before the leak check
// reads the stacks as root regions): removes every lightweight guard. The process is ending; an
// overflow now would go unreported, as it would after exit in any case.
void lift_guards_for_leak_check() {
  lock_guard lock(stack_lock);
  guards_lifted = true;
  for (const arena& a : arenas()) madvise(a.base, a.bytes, kMadvGuardRemove);
}
#endif

}  // namespace

stack_span stack_alloc(std::size_t size) {
  const std::size_t page = page_size();
  lock_guard lock(stack_lock);
  if (guard_budget < 0) guard_budget = compute_guard_budget();
  if (left_in_arena == 0 || arena_stack_size != size) {
    std::size_t bytes = size * kArenaStacks;
    void* mem = mmap(nullptr, bytes, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (mem == MAP_FAILED) fatal("out of memory: cannot map goroutine stacks");
    arenas().push_back(arena{static_cast<unsigned char*>(mem), bytes});
#if defined(__SANITIZE_ADDRESS__)
    // LeakSanitizer scans thread stacks, not goroutine stacks: without this, memory a parked
    // goroutine still holds would be reported as leaked when the process exits inside run
    // (std::exit). It skips pages that /proc/self/maps shows unreadable (mprotect guards) but not
    // MADV_GUARD_INSTALL markers, which fault when read: those are lifted before its check.
    __lsan_register_root_region(mem, bytes);
    static const bool lift_at_exit = (std::atexit(&lift_guards_for_leak_check), true);
    (void)lift_at_exit;
#endif
    cursor = static_cast<unsigned char*>(mem);
    left_in_arena = kArenaStacks;
    arena_stack_size = size;
  }
  stack_span s;
  s.lo = cursor;
  s.hi = cursor + size;
  cursor += size;
  --left_in_arena;
  s.bytes = size;
#if defined(__SANITIZE_ADDRESS__)
  const bool lifted = guards_lifted;
#else
  constexpr bool lifted = false;
#endif
  if (!lifted && lightweight_guards && forced_budget < 0 &&
      madvise(s.lo, page, kMadvGuardInstall) == 0) {
    s.lo += page;
    s.guarded = true;
    return s;
  }
  lightweight_guards = false;  // older kernel (EINVAL), or a mapping it refuses (mlockall)
  if (guard_budget > 0 && mprotect(s.lo, page, PROT_NONE) == 0) {
    --guard_budget;
    s.lo += page;
    s.guarded = true;
  }
  return s;
}

void stack_force_old_kernel_guards_for_testing(long budget) noexcept {
  lock_guard lock(stack_lock);
  forced_budget = budget;
  lightweight_guards = budget < 0;
  guard_budget = -1;
}

void prefault_stack_top(const stack_span& s) noexcept {
  // Commit the page the goroutine's first frames will use with one system call instead of a
  // page fault (a fault is a trap, and traps are slow on virtual machines). Best effort: older
  // kernels lack MADV_POPULATE_WRITE and the fault then happens as usual.
  const std::size_t page = page_size();
  auto top = reinterpret_cast<std::uintptr_t>(s.hi) - 1;
  auto* first = reinterpret_cast<void*>(top & ~(page - 1));
  madvise(first, page, 23 /* MADV_POPULATE_WRITE, Linux 5.14 */);
}

bool stack_sp_ok(const stack_span& s, const void* sp) noexcept {
  // The switch frame sits at sp; the deepest frame was at least that low.
  return static_cast<const unsigned char*>(sp) >= s.lo + 256;
}

void stack_free_all() noexcept {
  lock_guard lock(stack_lock);
  for (const arena& a : arenas()) {
#if defined(__SANITIZE_ADDRESS__)
    // Frames of abandoned goroutines leave poisoned redzones: clear them, or a later mapping at
    // the same address would inherit the poison.
    mprotect(a.base, a.bytes, PROT_READ | PROT_WRITE);
    __asan_unpoison_memory_region(a.base, a.bytes);
    __lsan_unregister_root_region(a.base, a.bytes);
#endif
    munmap(a.base, a.bytes);
  }
  arenas().clear();
  cursor = nullptr;
  left_in_arena = 0;
  guard_budget = -1;
  lightweight_guards = forced_budget < 0;
}

// ---------------------------------------------------------------------------------------------
// The stack cache (the goroutines' side: see goroutine.cpp and execute in proc.cpp).

// stack_new maps a new stack for a goroutine.
static stack_span stack_new(std::size_t size) {
  stack_span s = stack_alloc(size);
  // Stacks are a power-of-two size apart, so their tops would all map to the same cache sets and
  // evict each other when many goroutines start at once: each stack's top is lowered by a
  // "color" of a few cache lines (the entry's callable and first frame live there).
  // A colour is a multiple of 128 bytes within the first half of a page, on one of the top
  // eight pages: a goroutine that parks with a shallow stack (a connection's reader: a 1 KiB
  // buffer and a few frames) then touches one page, not two, and the tops still spread over
  // 32 KiB of cache sets. (Colours of every 128 bytes up to 32 KiB made a third of such stacks
  // straddle a page boundary: 5.5 KiB per parked goroutine instead of 4.) The pages above the
  // top are never touched.
  static std::atomic<std::uint32_t> color{0};
  constexpr std::size_t kStep = 128;
  const std::size_t page = page_size();
  const std::size_t in_page = page / 2 / kStep;                         // 16 with 4 KiB pages
  const std::size_t pages = std::min<std::size_t>(8, size / 8 / page);  // 0 for tiny stacks
  std::size_t offset = 0;
  if (pages > 0) {
    std::uint32_t c = color.fetch_add(1, std::memory_order_relaxed);
    offset = (c % in_page) * kStep + (c / in_page % pages) * page;
  }
  s.hi -= offset;
  prefault_stack_top(s);
  return s;
}

// Free stacks: a LIFO cache per P (the most recently used stack, still in cache and committed,
// goes to the next goroutine that starts), overflowing to a global list.
void free_stacks_push_locked(stack_span s) {
  sched.free_stacks.push_back(s);
  sched.nfree_stacks.store(static_cast<int>(sched.free_stacks.size()), std::memory_order_relaxed);
}

static bool free_stacks_pop_locked(stack_span* s) GORT_REQUIRES(sched.free_lock) {
  if (sched.free_stacks.empty()) return false;
  *s = sched.free_stacks.back();
  sched.free_stacks.pop_back();
  sched.nfree_stacks.store(static_cast<int>(sched.free_stacks.size()), std::memory_order_relaxed);
  return true;
}

// Giving memory back. Free stacks on the P caches and the first kStackKeepCommitted of the global
// list keep their pages (the next goroutines reuse them warm); stacks that go to a global list
// already that long have their pages returned to the OS (MADV_DONTNEED: the range stays mapped,
// reads as zeros and faults in again on reuse). So a burst of goroutines that end does not pin a
// page or two per goroutine that ever ran beyond the bound. The bound is high because the list
// is LIFO: the stacks released are the next ones reused, and a program whose waves of goroutines
// outgrow the bound pays a page fault per stack reuse. Measured (Release, P = 2, alternating):
// skynet 1M (about 18k stacks in use at its peak) took 420-580 ms with a bound of 4096 against
// 306-327 ms with none. At 65536 no wave of skynet reaches it; ten thousand idle HTTP connections
// (whose goroutines end while the connection waits) keep their stacks' pages in the list.
// Releasing the cold end of the list from sysmon (Go's scavenger returns memory in the
// background) would allow a low bound without that cost: not done.
constexpr int kStackKeepCommitted = 1 << 16;

static void release_stack_pages(const stack_span& s) noexcept {
  const std::size_t page = page_size();
  auto hi = (reinterpret_cast<std::uintptr_t>(s.hi) + page - 1) & ~(page - 1);
  madvise(s.lo, hi - reinterpret_cast<std::uintptr_t>(s.lo), MADV_DONTNEED);
}

static bool global_stacks_full() noexcept {
  return sched.nfree_stacks.load(std::memory_order_relaxed) >= kStackKeepCommitted;
}

void stack_put(p* pp, stack_span s) {
  if (pp != nullptr) {
    if (pp->nstack == kStackCache) {
      // The system calls happen before the lock: these stacks are still this P's alone.
      if (global_stacks_full())
        for (int i = 0; i < kStackCache / 2; ++i) release_stack_pages(pp->stack_cache[i]);
      lock_guard lock(sched.free_lock);
      for (int i = 0; i < kStackCache / 2; ++i) free_stacks_push_locked(pp->stack_cache[i]);
      std::copy(pp->stack_cache + kStackCache / 2, pp->stack_cache + kStackCache, pp->stack_cache);
      pp->nstack = kStackCache - kStackCache / 2;
    }
    pp->stack_cache[pp->nstack++] = s;
    return;
  }
  if (global_stacks_full()) release_stack_pages(s);
  lock_guard lock(sched.free_lock);
  free_stacks_push_locked(s);
}

stack_span stack_get(p* pp) {
  stack_span s;
  if (pp != nullptr) {
    if (pp->nstack == 0 && sched.nfree_stacks.load(std::memory_order_relaxed) > 0) {
      lock_guard lock(sched.free_lock);
      while (pp->nstack < kStackCache / 2 && free_stacks_pop_locked(&s))
        pp->stack_cache[pp->nstack++] = s;
    }
    if (pp->nstack > 0) return pp->stack_cache[--pp->nstack];
  } else {
    lock_guard lock(sched.free_lock);
    if (free_stacks_pop_locked(&s)) return s;
  }
  return stack_new(stack_size());
}

// attach_stack gives gp a stack (it has none until it first runs, see new_goroutine) unless it
// kept one from its last life (gfput). With the P's cache empty, the stack of the dead G at the
// head of the P's free list is taken before a new one is mapped: that G keeps its stack (gfput),
// and a G started without one must not grow the number of stacks while one lies unused there.
void attach_stack(p* pp, g* gp) {
  if (gp->stack.lo == nullptr) {
    g* dead = pp != nullptr && pp->nstack == 0 ? pp->gfree : nullptr;
    if (dead != nullptr && dead->stack.lo != nullptr) {
      gp->stack = dead->stack;
      dead->stack = stack_span{};
    } else {
      gp->stack = stack_get(pp);
    }
  }
#if defined(__SANITIZE_ADDRESS__)
  // Frames of the previous goroutine on this stack never returned (it switched away for good):
  // clear their poisoned redzones.
  __asan_unpoison_memory_region(gp->stack.lo,
                                static_cast<std::size_t>(gp->stack.hi - gp->stack.lo));
#endif
}

}  // namespace internal

std::size_t stack_size() {
  std::size_t s = internal::configured_size.load(std::memory_order_relaxed);
  if (s != 0) return s;
  s = static_cast<std::size_t>(
      internal::env_number(internal::kStackSizeEnv, internal::kDefaultStack));
  set_stack_size(s);
  return internal::configured_size.load(std::memory_order_relaxed);
}

void set_stack_size(std::size_t bytes) {
  std::size_t page = internal::page_size();
  bytes = std::clamp(bytes, internal::kMinStack, internal::kMaxStack);
  bytes = (bytes + page - 1) / page * page;
  internal::configured_size.store(bytes, std::memory_order_relaxed);
}

}  // namespace gort
