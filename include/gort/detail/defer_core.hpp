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
#include <cstring>
#include <exception>
#include <functional>
#include <new>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>

#include <gort/detail/fatal.hpp>
#include <gort/stats.hpp>

namespace gort {
class frame;
}  // namespace gort

namespace gort::internal {

// Number of inline defer slots in every frame: Go open-codes at most 8 defers per function.
// Eight one-slot entries (callables of up to 16 bytes) or four two-slot ones (up to 40 bytes).
inline constexpr std::uint32_t kInlineSlots = 8;
// Slots in one pooled chunk (Go's _defer records, batched: one pool operation per chunk).
inline constexpr std::uint32_t kChunkSlots = 32;
// Bytes of callable + arguments in a one-slot entry: a function pointer with one or two int
// arguments, a lambda capturing two references, a member-function pointer alone. A two-slot
// entry holds 40 (a lambda capturing three references, a member-function pointer with its
// object).
inline constexpr std::size_t kSlotBytes = 16;
// The largest callable + arguments stored in slots (19 of them); larger ones go to the heap.
inline constexpr std::size_t kMaxSlottedBytes = 448;

// ---------------------------------------------------------------------------------------------
// Slots. A deferred call is an entry of one or more consecutive 24-byte slots: the callable
// with its arguments from the start of the entry's lowest slot, and the thunk that runs it in
// the last 8 bytes of its top slot, so that a k-slot entry holds 24k - 8 bytes of callable. A
// heap entry is one slot holding a pointer to a heap_call. Slots are filled upwards and run
// downwards (LIFO): the run loop calls the top slot's thunk, which sets the `run` word of each
// slot below the top to skip_slot once the callable is gone (or copied out), so the loop pops
// them one by one.

struct defer_slot;
using defer_thunk = void (*)(defer_slot* top);

// The thunk of a slot below an entry's top once the entry ran (one function for all entries,
// so that the run loop can recognise it).
void skip_slot(defer_slot*) noexcept;

// A frame's slot positions (at most kChunkSlots): one byte, so that the run loop sets one with a
// single byte store, and an enum rather than a std::uint8_t, which as a character type would
// alias every store the body makes (the compiler would then reload it after each one). No int,
// pointer or other store a deferred call's arguments make can alias it.
enum class slot_count : std::uint8_t {};
constexpr std::uint32_t count_of(slot_count c) noexcept {
  return static_cast<std::uint32_t>(c);
}
constexpr slot_count as_count(std::uint32_t n) noexcept {
  return static_cast<slot_count>(n);
}

struct defer_slot {
  alignas(8) unsigned char buf[kSlotBytes];
  defer_thunk run;
};
static_assert(sizeof(defer_slot) == kSlotBytes + sizeof(defer_thunk));

// An overflow block of slots, taken from the pool when a frame's inline slots are full and
// returned after its deferred calls ran. Records where the frame was filling before it.
struct defer_chunk {
  defer_chunk* next_free = nullptr;  // pool link
  defer_slot* prev_cur = nullptr;    // the frame's slot array before this chunk
  std::uint32_t prev_n = 0;          // slots used in prev_cur
  std::uint32_t prev_extra = 0;      // the frame's extra_ for prev_cur (see frame)
  bool late = false;                 // taken while the frame's calls ran: counted when reached
  defer_slot slots[kChunkSlots];
};

inline defer_chunk* chunk_of(defer_slot* slots) noexcept {
  return reinterpret_cast<defer_chunk*>(reinterpret_cast<unsigned char*>(slots) -
                                        offsetof(defer_chunk, slots));
}

// ---------------------------------------------------------------------------------------------
// Counters. Each thread or goroutine writes only its own block, with a relaxed load and store
// (a plain add, no locked instruction); gort::stats() reads the blocks of live threads with
// relaxed loads and adds the totals of threads that exited. Snapshots are not atomic as a whole.

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__SANITIZE_THREAD__)
#if defined(__has_feature)
#if !__has_feature(thread_sanitizer)
#define GORT_COUNTER_ASM_ADD 1
#endif
#else
#define GORT_COUNTER_ASM_ADD 1
#endif
#endif

class counter {
 public:
  void operator++() noexcept { *this += 1; }
  void operator+=(std::uint64_t n) noexcept {
#if defined(GORT_COUNTER_ASM_ADD)
    // The owner's relaxed load + store as the one instruction x86-64 has for it: a non-locked
    // add to memory, which readers on other threads see whole (an aligned 8-byte store). Written
    // in asm because compilers emit a load, an add and a store for an atomic's relaxed
    // load-then-store, and because the asm names the counter as its only operand, the compiler
    // keeps everything else it knows across it (what a frame's slots hold, say). TSan builds
    // take the portable path, which TSan sees.
    asm("addq %1, %0" : "+m"(v_) : "er"(n));
#else
    v_.store(v_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
#endif
  }
  std::uint64_t get() const noexcept {
    return v_.load(std::memory_order_relaxed);
  }

 private:
  std::atomic<std::uint64_t> v_{0};
};

// The frame core's block: one counter per entry of GORT_FRAME_COUNTERS (include/gort/stats.hpp).
struct counters {
#define GORT_COUNTER_FIELD(name, meaning) counter name;
  GORT_FRAME_COUNTERS(GORT_COUNTER_FIELD)
#undef GORT_COUNTER_FIELD
};

struct panic_record;

// A free list of defer chunks (Go's p.deferpool): a P's while a goroutine runs on it, else the
// thread's own.
struct defer_pool {
  defer_chunk* head = nullptr;
  std::uint32_t len = 0;
};

// State of the code running nested frames: how many are live, the panics in progress and the
// counters. Each goroutine has one (in its G); a plain thread has its own (`thread_defer_state`).
// Constant-initialized and trivially destructible, so a thread's is a plain TLS block.
//
// Frames are not linked: frames of one goroutine (or thread) nest strictly on its stack, so a
// frame is named by its depth (1 for the outermost), which is the running code's depth while it
// is the innermost. That depth lives in the thread's own TLS block (`cur_depth`, below) while the
// code runs, so entering and leaving a frame is one `%fs:`-relative increment and decrement;
// `depth` here holds a goroutine's depth while it is switched out (the scheduler saves and
// restores it at every switch). Everything that needs to know which frame is which (recover,
// outermost, the stale-panic pruning) compares depths.
struct defer_state {
  std::uint32_t depth = 0;        // a switched-out goroutine's cur_depth (see switch.hpp)
  panic_record* panic = nullptr;  // panics in progress, newest first (Go's g._panic)
  void* spare_panic = nullptr;    // storage of the last freed panic record, reused by the next
  defer_pool pool;                // a plain thread's chunk pool (goroutines use their P's)
  bool is_goroutine = false;      // a goroutine's state: goexit ends the goroutine
  counters count;
};

// GORT_TLS_HOT: the TLS model of the two words a frame's normal path touches (cur_depth and
// cur_defer_state). libgort is a static library linked into executables (PIE or not), where
// local-exec is valid: an access is then one `%fs:offset` operand, with no offset to load and no
// register to keep it in across the body's calls. Code built for a shared object (-fPIC without
// -fPIE) keeps the initial-exec model.
#if defined(__GNUC__) && defined(__x86_64__) && !(defined(__PIC__) && !defined(__PIE__))
#define GORT_TLS_HOT [[gnu::tls_model("local-exec")]]
#else
#define GORT_TLS_HOT
#endif

// The thread's own state, used when it is not running a goroutine.
extern constinit thread_local defer_state thread_defer_state;
// The state of what runs on this thread now: &thread_defer_state, the current goroutine's, or
// nullptr before the thread's first frame (see register_thread()). The scheduler rewrites it at
// every switch. Code that may switch goroutines (and so threads) in between must read it again;
// a pointer read once stays right when the goroutine moves to another thread. A frame does not
// keep it: its normal path reads it once, when it counts its inline entries.
GORT_TLS_HOT extern constinit thread_local defer_state* cur_defer_state;
// The chunk pool to use: the P's while the thread holds one, else nullptr (then
// thread_defer_state.pool).
extern constinit thread_local defer_pool* cur_defer_pool;
// The innermost live frame's depth of what runs on this thread now (0: no frame). The scheduler
// loads a goroutine's saved depth (defer_state::depth) into it when the goroutine starts running
// on the thread and saves it back when it switches out (switch_depth_in/out in
// src/sched/switch.hpp). kDepthUnregistered until the thread registers (register_thread()):
// the first frame's increment then wraps it to 0, which the frame's entry tests for free (the
// flags of the increment), so entry needs no load of cur_defer_state and no null check.
inline constexpr std::uint32_t kDepthUnregistered = 0xffffffffu;
GORT_TLS_HOT extern constinit thread_local std::uint32_t cur_depth;

// Slow paths, defined in src/defer/. register_thread registers the thread (its counters join
// gort::stats()) and makes its own state current; a kDepthUnregistered cur_depth becomes 0.
defer_state* register_thread();
// The first frame of an unregistered thread: registers it; cur_depth becomes 1.
void register_thread_entering();
inline defer_state& current_state() {
  defer_state* s = cur_defer_state;
  return s != nullptr ? *s : *register_thread();
}
// The state of the code running a live frame: the entry of the thread's first frame registered
// it, so cur_defer_state is set. Read it again after anything that may switch goroutines; the
// pointer itself stays right when the goroutine then moves to another thread.
inline defer_state& framed_state() noexcept {
  return *cur_defer_state;
}
defer_chunk* pool_get();  // a chunk from the local pool, the global pool, or new
void pool_put(defer_chunk* c) noexcept;
void pool_give_back(defer_pool& pl) noexcept;  // moves a pool's chunks to the global pool

inline constexpr std::uint32_t kLocalPoolCap = 32;  // chunks (32 KiB of slots)

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
using stored_call_t = std::conditional_t<sizeof...(Args) == 0, std::decay_t<Fn>,
                                         bound_call<std::decay_t<Fn>, std::decay_t<Args>...>>;

template <class Fn, class... Args>
decltype(auto) make_stored_call(Fn&& fn, Args&&... args) {
  if constexpr (sizeof...(Args) == 0)
    return std::forward<Fn>(fn);
  else
    return stored_call_t<Fn, Args...>{std::forward<Fn>(fn), {std::forward<Args>(args)...}};
}

// How many slots a stored call of type C takes; 0 means it goes to the heap.
template <class C>
inline constexpr std::uint32_t span_of =
    (sizeof(C) <= kMaxSlottedBytes && alignof(C) <= 8)
        ? static_cast<std::uint32_t>((sizeof(C) + sizeof(defer_thunk) + sizeof(defer_slot) - 1) /
                                     sizeof(defer_slot))
        : 0;
static_assert(kMaxSlottedBytes + sizeof(defer_thunk) <= kChunkSlots * sizeof(defer_slot));

template <class C>
struct heap_call {
  C call;
};

// Thunks: each runs the call, then destroys it (even when the call panics). A deferred call
// always runs exactly once, so there is no destroy-without-run path.
template <class C>
struct defer_ops {
  static constexpr std::uint32_t span = span_of<C>;

  static C* storage(defer_slot* top) noexcept {
    return std::launder(reinterpret_cast<C*>((top - (span - 1))->buf));
  }

  // Inlined where the slot's content is known (run_return's peeled first call): the deferred
  // function is then called directly.
  [[gnu::always_inline]] static void run(defer_slot* top) {
    C* c = storage(top);
    if constexpr (std::is_trivially_destructible_v<C> && span == 1) {
      std::invoke(std::move(*c));
    } else if constexpr (std::is_trivially_destructible_v<C> &&
                         std::is_trivially_copy_constructible_v<C> && span == 2 &&
                         sizeof(C) <= 24) {
      // Copied out first (a trivial copy of at most three words, into registers), so that the
      // slot below can be marked before the call and the call is a tail call, as in a one-slot
      // thunk.
      C copy(*c);
      (top - 1)->run = &skip_slot;
      std::invoke(std::move(copy));
    } else {
      struct destroy {
        defer_slot* top;
        C* c;
        ~destroy() {
          c->~C();
          // The slots below the top held the callable; the frame pops them one by one next.
          for (std::uint32_t i = 1; i < span; ++i) (top - i)->run = &skip_slot;
        }
      } guard{top, c};
      std::invoke(std::move(*c));
    }
  }

  static void run_heap(defer_slot* top) {
    heap_call<C>* h;
    std::memcpy(&h, top->buf, sizeof h);
    struct release {
      heap_call<C>* h;
      ~release() { delete h; }
    } guard{h};
    std::invoke(std::move(h->call));
  }
};

}  // namespace gort::internal
