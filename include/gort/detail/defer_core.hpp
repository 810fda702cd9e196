// Copyright 2026 The gort Authors.
//
// Internal pieces of the frame core that templates in <gort/frame.hpp> need inline: the per-thread
// (later per-G) state, the defer record layouts and the thunks that run a stored deferred call.
// Nothing here is public API; see src/defer/frame.cpp for the design.

#pragma once

#include <any>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <new>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>

namespace gort {
class frame;
}  // namespace gort

namespace gort::internal {

// Number of inline defer slots in every frame: Go open-codes at most 8 defers per function.
inline constexpr std::uint32_t kInlineDefers = 8;
// Bytes of callable + arguments an inline slot holds (three pointers: a lambda capturing three
// references, a function pointer and two arguments, a member-function pointer and an object).
inline constexpr std::size_t kInlineBytes = 24;
// Bytes of callable + arguments a pooled record holds; larger ones go to the heap.
inline constexpr std::size_t kRecordBytes = 48;

// ---------------------------------------------------------------------------------------------
// Defer records (the chained path, Go's _defer linked on the goroutine).

struct defer_record {
  defer_record* next;                // LIFO link in a frame's chain, or in a free list
  void (*run)(defer_record* self);   // runs the stored call, destroys it, releases the record
};

// A record from the pool: fixed size so that one free list serves every callable type.
struct pooled_record : defer_record {
  alignas(16) unsigned char buf[kRecordBytes];
};
static_assert(sizeof(pooled_record) == 64, "a pooled record is one cache line");

// A record for a callable too large for a pooled record: allocated exactly, counted in stats.
template <class C>
struct heap_record : defer_record {
  C call;
  template <class... A>
  explicit heap_record(A&&... a) : call(std::forward<A>(a)...) {}
};

// One inline slot of a frame (the open-coded analogue): no allocation, no link.
struct inline_slot {
  void (*run)(void* storage);
  alignas(8) unsigned char buf[kInlineBytes];
};

// ---------------------------------------------------------------------------------------------
// Counters. Each thread (later each P) writes only its own block, with a relaxed load and store
// (a plain add, no locked instruction); gort::stats() reads the blocks of live threads with
// relaxed loads and adds the totals of threads that exited. Snapshots are not atomic as a whole.

class counter {
 public:
  void operator++() noexcept { *this += 1; }
  void operator+=(std::uint64_t n) noexcept {
    v_.store(v_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  std::uint64_t get() const noexcept { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> v_{0};
};

struct counters {
  counter defers_inline;
  counter defers_pooled;
  counter defers_heap;
  counter heap_bytes;
  counter pool_misses;   // records allocated because the local and global pools were empty
  counter pool_refills;  // batches taken from the global pool
  counter pool_spills;   // batches handed back to the global pool
  counter frames;        // gort::func activations that ran at least one deferred call
  counter panics;
  counter recovers;
  counter goexits;
};

struct panic_record;

// The link every frame starts with; a thread's (or goroutine's) root sentinel is a bare link.
struct frame_link {
  frame_link* parent;
};

// State of the code running on this thread: the innermost frame, the panics in progress, the
// local defer-record pool and the counters. Constant-initialized and trivially destructible so
// that access compiles to a plain %fs-relative load (no TLS wrapper call). `top == nullptr` means
// the thread has not registered yet (see register_thread()).
struct thread_state {
  frame_link* top = nullptr;     // innermost live frame, &root when none; nullptr: unregistered
  panic_record* panic = nullptr;  // panics in progress, newest first (Go's g._panic)
  defer_record* pool = nullptr;   // local free list of pooled records (Go's p.deferpool)
  std::uint32_t pool_len = 0;
  std::uint32_t reserved = 0;
  frame_link root{nullptr};  // sentinel parent of the outermost frame (root.parent == nullptr)
  counters count;
};

extern constinit thread_local thread_state tls;

// Slow paths, defined in src/defer/.
frame_link* register_thread();
defer_record* pool_refill();      // local pool empty: refill from the global pool or allocate
void pool_spill();                // local pool over its cap: hand half to the global pool
[[noreturn]] void fatal(const char* message);

inline constexpr std::uint32_t kLocalPoolCap = 64;

inline defer_record* pool_get() {
  thread_state& ts = tls;
  defer_record* r = ts.pool;
  if (r != nullptr) [[likely]] {
    ts.pool = r->next;
    --ts.pool_len;
    return r;
  }
  return pool_refill();
}

inline void pool_put(defer_record* r) noexcept {
  thread_state& ts = tls;
  r->next = ts.pool;
  ts.pool = r;
  if (++ts.pool_len > kLocalPoolCap) [[unlikely]]
    pool_spill();
}

// ---------------------------------------------------------------------------------------------
// Stored calls.

// A function value bound to its arguments, evaluated (decay-copied) at the defer statement and
// invoked later exactly once as std::invoke(std::move(fn), std::move(args)...).
template <class F, class... A>
struct bound_call {
  F fn;
  std::tuple<A...> args;
  void operator()() {
    std::apply([this](A&... a) { std::invoke(std::move(fn), std::move(a)...); }, args);
  }
};

template <class Fn, class... Args>
using stored_call_t =
    std::conditional_t<sizeof...(Args) == 0, std::decay_t<Fn>,
                       bound_call<std::decay_t<Fn>, std::decay_t<Args>...>>;

template <class Fn, class... Args>
decltype(auto) make_stored_call(Fn&& fn, Args&&... args) {
  if constexpr (sizeof...(Args) == 0)
    return std::forward<Fn>(fn);
  else
    return stored_call_t<Fn, Args...>{std::forward<Fn>(fn), {std::forward<Args>(args)...}};
}

template <class C>
inline constexpr bool fits_inline = sizeof(C) <= kInlineBytes && alignof(C) <= 8;
template <class C>
inline constexpr bool fits_record = sizeof(C) <= kRecordBytes && alignof(C) <= 16;

// Thunks: each runs the call, then destroys it (even when the call panics) and releases the
// storage. A deferred call always runs exactly once, so there is no destroy-without-run path.
template <class C>
struct defer_ops {
  static void run_inline(void* storage) {
    C* c = std::launder(reinterpret_cast<C*>(storage));
    if constexpr (std::is_trivially_destructible_v<C>) {
      std::invoke(std::move(*c));
    } else {
      struct destroy {
        C* c;
        ~destroy() { c->~C(); }
      } guard{c};
      std::invoke(std::move(*c));
    }
  }
  static void run_pooled(defer_record* r) {
    C* c = std::launder(reinterpret_cast<C*>(static_cast<pooled_record*>(r)->buf));
    struct release {
      defer_record* r;
      C* c;
      ~release() {
        c->~C();
        pool_put(r);
      }
    } guard{r, c};
    std::invoke(std::move(*c));
  }
  static void run_heap(defer_record* r) {
    auto* h = static_cast<heap_record<C>*>(r);
    struct release {
      heap_record<C>* h;
      ~release() { delete h; }
    } guard{h};
    std::invoke(std::move(h->call));
  }
};

}  // namespace gort::internal
