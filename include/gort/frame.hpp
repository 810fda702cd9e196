// Copyright 2026 The gort Authors.
//
// gort::func and gort::frame: one Go function activation, with Go's `defer`.
//
// C++ has no compiler hook for `defer`, so a Go function becomes a gort::func whose body receives
// the activation's frame; `f.defer(fn, args...)` is Go's `defer fn(args...)`.
//
// Example:
//
//   auto n = gort::func([&](gort::frame& f) -> int {
//     int fd = open_file();
//     f.defer(close_file, fd);         // fn and arguments copied now, called as close_file(fd)
//     for (int i = 0; i < 3; ++i)
//       f.defer([i] { log(i); });      // accumulates until the *function* ends: logs 2, 1, 0
//     return 1;
//   });
//
//   // Named result (Go: func g() (r int)): deferred calls may change r after the body returned.
//   int r = gort::func<int>([&](gort::frame& f, int& r) {
//     f.defer([&] { r *= 2; });
//     r = 21;
//   });                                // r == 42
//
// Read this before the first use (C++ scoping): deferred calls run after the body has returned,
// so the body's own locals are already destroyed. A deferred call must not refer to a local of
// the body by reference: capture by value, or move the resource into the callable
// (`f.defer([in = std::move(in)]() mutable { in.close(); })`). Variables of the enclosing scope
// (like the named result) stay valid. AddressSanitizer reports the mistake as a
// stack-use-after-scope or stack-use-after-return.
//
// Cost: deferred calls are stored in 32-byte slots. The first 8 slots sit inline in the frame
// (Go's open-coded defers: no allocation, no list); later ones go to 1 KiB chunks of 32 slots
// from a per-thread pool (Go's per-P defer pool, one pool operation per 32 defers). A callable
// with its arguments takes one slot up to 24 bytes, several slots up to 448 bytes, and is
// allocated on the heap beyond that. gort::stats() counts each path.

#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <exception>
#include <functional>
#include <new>
#include <type_traits>
#include <utility>

#if defined(__GLIBCXX__)
#include <cxxabi.h>
#endif

#include <gort/detail/defer_core.hpp>
#include <gort/panic.hpp>

#if !defined(GORT_FRAME_CHECKS)
#if defined(NDEBUG)
#define GORT_FRAME_CHECKS 0
#else
#define GORT_FRAME_CHECKS 1
#endif
#endif

namespace gort {

namespace internal {
struct frame_access;
}

// frame is one activation of a gort::func. Only gort::func creates frames; the body receives a
// reference to its own. Not copyable or movable. Thread safety: a frame belongs to the thread (or
// goroutine) running its function; defer() from another thread is undefined.
class frame : private internal::frame_link {
 public:
  frame(const frame&) = delete;
  frame& operator=(const frame&) = delete;
  // The destructor unlinks the frame; only gort::func's own frames are ever destroyed.
  ~frame() {
    st_->top = parent;
#if GORT_FRAME_CHECKS
    *static_cast<volatile std::uint32_t*>(&magic_) = kDead;
#endif
  }

  // defer registers `fn(args...)` to run when this function ends: after the body returns, when a
  // panic unwinds through it, or when the goroutine calls goexit(). Calls run last-in, first-out.
  // `fn` and `args` are decay-copied (or moved) now, as Go evaluates a deferred call's function
  // value and arguments at the defer statement, and invoked once as
  // std::invoke(std::move(fn), std::move(args)...), so member-function pointers and move-only
  // arguments work. Never blocks. Registering on a frame whose function has finished is a fatal
  // error (checked in debug builds, undefined behaviour otherwise).
  template <class Fn, class... Args>
  void defer(Fn&& fn, Args&&... args) {
    using C = internal::stored_call_t<Fn, Args...>;
    constexpr bool invocable = std::is_invocable_v<std::decay_t<Fn>&&, std::decay_t<Args>&&...>;
    static_assert(invocable,
                  "gort::frame::defer: the deferred callable cannot be invoked with the given "
                  "arguments; it is called later as std::invoke(std::move(fn), "
                  "std::move(args)...) with fn and args decay-copied at the defer statement");
    if constexpr (invocable) {
#if GORT_FRAME_CHECKS
      check_live();
#endif
      if constexpr (sizeof...(Args) == 0 && std::is_same_v<C, std::any (*)()>) {
        // Go: `defer recover()` does not stop a panic, since recover is then not called *by* a
        // deferred function. The same holds for f.defer(gort::recover).
        if (fn == &gort::recover) return defer([] {});
      }
      if constexpr (internal::span_of<C> == 1) {
        if (n_ < cap_) [[likely]] {
          internal::defer_slot* s = cur_ + n_;
          ::new (static_cast<void*>(s->buf))
              C(internal::make_stored_call(std::forward<Fn>(fn), std::forward<Args>(args)...));
          s->run = &internal::defer_ops<C>::run;
          ++n_;
          return;
        }
      }
      defer_slow<C>(std::forward<Fn>(fn), std::forward<Args>(args)...);
    }
  }

 private:
  friend struct internal::frame_access;

  static constexpr std::uint32_t kLive = 0x60a7f4a3u;
  static constexpr std::uint32_t kDead = 0xdeadf4a3u;

  frame() noexcept {
    internal::defer_state* st = internal::cur_defer_state;
    if (st == nullptr) [[unlikely]]
      st = internal::register_thread();
    // A volatile store keeps the compiler from merging st_ and parent into one 16-byte vector
    // store: reloading one half of it later defeats store-to-load forwarding (~12 cycles).
    *static_cast<internal::defer_state* volatile*>(&st_) = st;
    parent = st->top;
    st->top = this;
    // Set after the calls above, so that the compiler still knows them when the body registers
    // its deferred calls and when run_return runs them.
    cur_ = slots_;
    n_ = 0;
    cap_ = internal::kInlineSlots;
    inline_extra_ = 0;
    accounted_ = false;
    moved_ = false;
    uncounted_ = 0;
#if GORT_FRAME_CHECKS
    magic_ = kLive;
#endif
  }

  // defer_slow stores an entry that needs a new chunk, several slots, or the heap.
  template <class C, class Fn, class... Args>
  void defer_slow(Fn&& fn, Args&&... args) {
    constexpr std::uint32_t span = internal::span_of<C> == 0 ? 1 : internal::span_of<C>;
    if (n_ + span > cap_) grow();
    internal::defer_slot* top = cur_ + n_ + span - 1;
    if constexpr (internal::span_of<C> == 0) {
      auto* h = new internal::heap_call<C>{
          internal::make_stored_call(std::forward<Fn>(fn), std::forward<Args>(args)...)};
      std::memcpy(top->buf, &h, sizeof h);
      top->run = &internal::defer_ops<C>::run_heap;
      note_slow_entry(span, true, sizeof *h);
    } else {
      ::new (static_cast<void*>(internal::defer_ops<C>::storage(top)))
          C(internal::make_stored_call(std::forward<Fn>(fn), std::forward<Args>(args)...));
      top->run = &internal::defer_ops<C>::run;
      if constexpr (span > 1) note_slow_entry(span, false, 0);
    }
    n_ = static_cast<std::uint16_t>(n_ + span);
  }

  // run_return runs the deferred calls after the body returned normally. A deferred call that
  // panics leaves the frame consistent (the rest still pending) for drain().
  //
  // The newest call runs before the loop and before anything else touches memory: when the body
  // was inlined, the compiler still knows what that slot holds and calls the deferred function
  // directly, as Go's open-coded exit path does.
  void run_return() {
    std::uint32_t n = n_;
    if (cur_ == slots_) [[likely]] {
      if (n == 0) return;
      // account(), inlined, with the counter update left until the calls ran: the atomic
      // update before the first call would make the compiler forget what the slot holds. A
      // panic on the way counts uncounted_ in drain().
      std::uint16_t entries = static_cast<std::uint16_t>(n - inline_extra_);
      uncounted_ = entries;
      cap_ = 0;
      accounted_ = true;
      --n;
      n_ = static_cast<std::uint16_t>(n);
      slots_[n].run(&slots_[n]);
      // moved_ is still false here unless that call deferred more (the inline slots never grew).
      if (n != 0 || moved_) [[unlikely]]
        run_inline_rest(n);
      st_->count.defers_inline += entries;
      return;
    }
    account();
    run_rest();
  }

  // run_inline_rest runs the n inline slots left after the peeled first call, unrolled: each
  // step is a constant-offset indirect call, with no loop bookkeeping. Anything unusual (a
  // deferred call that deferred more) falls back to run_rest().
  [[gnu::noinline]] void run_inline_rest(std::uint32_t n) {
    if (moved_ || n >= internal::kInlineSlots) [[unlikely]]
      return run_rest();
    switch (n) {
#define GORT_INLINE_STEP(k)        \
  case (k) + 1:                    \
    n_ = (k);                      \
    slots_[(k)].run(&slots_[(k)]); \
    if (moved_) [[unlikely]]       \
      return run_rest();           \
    [[fallthrough]];
      GORT_INLINE_STEP(6)
      GORT_INLINE_STEP(5)
      GORT_INLINE_STEP(4)
      GORT_INLINE_STEP(3)
      GORT_INLINE_STEP(2)
      GORT_INLINE_STEP(1)
      GORT_INLINE_STEP(0)
#undef GORT_INLINE_STEP
      default:
        break;
    }
  }

  // The loop keeps its position in registers; a deferred call that defers more on this frame
  // (grow() during the run) sets moved_, and the loop restarts from the new top. Reloading the
  // position from memory after every call would chain each iteration behind a store-to-load
  // round trip.
  // Not inlined: the registers its loop needs would otherwise be saved and restored on every
  // call of the function, including the common one-defer return that never enters it.
  [[gnu::noinline]] void run_rest() {
    for (;;) {
      if (moved_) [[unlikely]] {
        moved_ = false;
        count_late();
      }
      internal::defer_slot* cur = cur_;
      std::uint32_t n = n_;
#pragma GCC unroll 4
      while (n != 0) {
        --n;
        n_ = static_cast<std::uint16_t>(n);
        cur[n].run(&cur[n]);
        if (moved_) [[unlikely]]
          break;
      }
      if (moved_) [[unlikely]]
        continue;
      if (cur == slots_) return;
      pop_chunk();
    }
  }

  // run_next runs the newest pending deferred call; false when none is left.
  bool run_next() {
    if (!accounted_) account();
    if (moved_) {
      moved_ = false;
      count_late();
    }
    for (;;) {
      std::uint32_t n = n_;
      if (n == 0) {
        if (cur_ == slots_) return false;
        pop_chunk();
        continue;
      }
      --n;
      n_ = static_cast<std::uint16_t>(n);
      internal::defer_slot* s = cur_ + n;
      s->run(s);
      return true;
    }
  }

  // account adds this frame's entries to the counters, once, when its deferred calls start, and
  // closes the slots: a defer registered by a running deferred call goes to a fresh chunk, above
  // the one that is running.
  void account() {
    accounted_ = true;
    cap_ = 0;
    if (cur_ == slots_)
      st_->count.defers_inline += n_ - inline_extra_;
    else
      account_chunks();
  }

  void grow();                // continue in a new chunk
  void pop_chunk() noexcept;  // the current chunk is done: back to the slots before it
  void account_chunks();
  void count_late();       // counts the entries of chunks taken while the calls ran
  void count_uncounted();  // counts what an interrupted run_return() had not
  std::uint64_t chunk_entries(bool late_only, std::uint32_t* left);
  void note_slow_entry(std::uint32_t span, bool heap, std::size_t heap_bytes);

  // Exception paths (src/defer/frame.cpp). Each runs the pending deferred calls in panic mode;
  // it returns normally when a deferred call recovered (the function then returns normally), and
  // otherwise rethrows the panic towards the parent frame.
  void on_panic(internal::panic_record* p);
  void on_foreign(std::exception_ptr e);
  void on_forced_unwind();
  void drain(internal::panic_record* p);
  bool outermost() const noexcept {
    return parent->parent == nullptr;
  }
  void check_live() const;

  // n_ and cap_ are 16-bit on purpose: no int stored by a deferred call's arguments can alias
  // them, so the compiler keeps them in registers while the body registers defers in a loop.
  internal::defer_state* st_;   // the goroutine's (or thread's) state: moves with the goroutine
  internal::defer_slot* cur_;   // slot array being filled: slots_ or the newest chunk's
  std::uint16_t n_;             // slots used in cur_
  std::uint16_t cap_;           // slots usable in cur_ (0 while the deferred calls run)
  std::uint16_t inline_extra_;  // slots of slots_ that are not one-slot entries (stats)
  bool accounted_;              // entries counted in stats (done when the calls start)
  bool moved_;                  // grow() ran since run_rest() last looked
  std::uint16_t uncounted_;     // entries run_return() will count when its calls return
  std::uint32_t magic_;         // kLive while the function runs (checked in debug builds)
  // 16-byte aligned: the compiler stores a slot's thunk and callable with one 16-byte store,
  // which must not straddle a cache line (the thunk then reloads the callable half of it).
  alignas(16) internal::defer_slot slots_[internal::kInlineSlots];
};

namespace internal {

// UBSan flags the catch of abi::__forced_unwind (which has no C++ object) as a null reference
// binding; the handler never reads it.
#if defined(__GNUC__)
#define GORT_NO_SANITIZE_NULL __attribute__((no_sanitize("null")))
#else
#define GORT_NO_SANITIZE_NULL
#endif

struct frame_access {
  static frame make() noexcept { return frame(); }
  template <class Run>
  GORT_NO_SANITIZE_NULL static void guarded(frame& f, Run&& run) {
    try {
      run();
      f.run_return();
    } catch (panic_signal& s) {
      f.on_panic(s.record());
    }
#if defined(__GLIBCXX__)
    catch (abi::__forced_unwind&) {
      f.on_forced_unwind();  // thread cancellation: run the deferred calls as goexit does
      throw;
    }
#endif
    catch (...) {
      f.on_foreign(std::current_exception());
    }
  }
};

[[noreturn]] void fatal_no_value_after_recover();

template <class T>
T recovered_result() {
  if constexpr (std::is_default_constructible_v<T> && !std::is_reference_v<T>)
    return T{};
  else
    fatal_no_value_after_recover();
}

template <class R, class Body>
struct func_result {
  using type = R;
};
template <class Body>
struct func_result<void, Body> {
  using type = std::invoke_result_t<Body&, frame&>;
};

}  // namespace internal

// func runs `body` as one Go function activation and returns what it returns.
//
// With R = void, `body` is invocable as T(gort::frame&) and func returns T. With R given, `body`
// is invocable as void(gort::frame&, R&): R is the named result, value-initialized, that
// deferred calls may read and change after the body returned or recovered; func returns its
// final value. If a deferred call recovers a panic, func returns normally: the named result, or a
// value-initialized T (a T that is not default-constructible then is a fatal error).
template <class R = void, class Body>
auto func(Body&& body) -> typename internal::func_result<R, Body>::type {
  if constexpr (std::is_void_v<R>) {
    static_assert(std::is_invocable_v<Body&, frame&>,
                  "gort::func: the body must be invocable as body(gort::frame&); with a named "
                  "result R, use gort::func<R>(body) with body(gort::frame&, R&)");
    using T = std::invoke_result_t<Body&, frame&>;
    frame f = internal::frame_access::make();
    if constexpr (std::is_void_v<T>) {
      internal::frame_access::guarded(f, [&] { body(f); });
    } else {
      // The result is built inside the guarded region, then moved out; a recovered panic leaves
      // a value-initialized one.
      alignas(T) unsigned char
          space[sizeof(std::conditional_t<std::is_reference_v<T>, std::remove_reference_t<T>*, T>)];
      bool have = false;
      if constexpr (std::is_reference_v<T>) {
        internal::frame_access::guarded(f, [&] {
          ::new (static_cast<void*>(space)) std::remove_reference_t<T>*(&body(f));
          have = true;
        });
        if (!have) return internal::recovered_result<T>();
        return static_cast<T>(
            **std::launder(reinterpret_cast<std::remove_reference_t<T>**>(space)));
      } else {
        struct holder {
          unsigned char* space;
          bool* have;
          ~holder() {
            if (*have) std::launder(reinterpret_cast<T*>(space))->~T();
          }
        } cleanup{space, &have};
        internal::frame_access::guarded(f, [&] {
          ::new (static_cast<void*>(space)) T(body(f));
          have = true;
        });
        if (!have) return internal::recovered_result<T>();
        return std::move(*std::launder(reinterpret_cast<T*>(space)));
      }
    }
  } else {
    static_assert(std::is_invocable_v<Body&, frame&, R&>,
                  "gort::func<R>: the body must be invocable as body(gort::frame&, R&), where R& "
                  "is the named result");
    R result{};
    {
      frame f = internal::frame_access::make();
      internal::frame_access::guarded(f, [&] { body(f, result); });
    }
    return result;
  }
}

}  // namespace gort
