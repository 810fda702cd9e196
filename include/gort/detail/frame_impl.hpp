// Copyright 2026 The gort Authors.
//
// The inline machinery of <gort/frame.hpp>: frame's entry and exit, storing a deferred call, the
// run loop of a normal return, frame_access and gort::func's body. Nothing here is public API;
// see src/defer/frame.cpp for the design and for the out-of-line half (chunks, accounting, the
// exception paths).
//
// These stay members of gort::frame, defined here out of class, rather than moving to a base
// class or a helper struct: the layout and the generated code stay exactly those of the in-class
// definitions (every member definition here is `inline`, as an in-class one is implicitly, so the
// compiler's inlining decisions do not change), and the exception paths in src/defer/frame.cpp
// and the stack-trace trimming in src/sched/crash.cpp keep their frame:: names. A redesign of
// the frame (issue 12) can restructure them freely. Checked when they moved here: the Release
// libgort.a and bench/gort_bench were bit-identical before and after, sizeof(frame) 304 (288
// since issue 12 removed the frame chain, 272 since the depth moved to TLS, 208 with 24-byte
// slots).
// [[gnu::noinline]] sits on the definitions of run_inline_rest and run_rest, not on their
// declarations in the class: GCC warns about an `inline` definition after a noinline declaration.
//
// Included at the end of <gort/frame.hpp>, which it includes in turn, so it also compiles alone.

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
#include <gort/detail/frame_core.hpp>
#include <gort/detail/panic_core.hpp>
#include <gort/frame.hpp>
#include <gort/panic.hpp>

namespace gort {

inline frame::~frame() {
  --internal::cur_depth;
#if GORT_FRAME_CHECKS
  *static_cast<volatile std::uint16_t*>(&magic_) = kDead;
#endif
}

template <class Fn, class... Args>
inline void frame::defer(Fn&& fn, Args&&... args) {
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
        internal::defer_slot* s = cur_ + internal::count_of(n_);
        ::new (static_cast<void*>(s->buf))
            C(internal::make_stored_call(std::forward<Fn>(fn), std::forward<Args>(args)...));
        s->run = &internal::defer_ops<C>::run;
        n_ = internal::as_count(internal::count_of(n_) + 1);
        return;
      }
    } else if constexpr (internal::span_of<C> == 2) {
      // A two-slot entry (17 to 40 bytes): as fast, and counted as one entry through extra_.
      if (internal::count_of(n_) + 2 <= internal::count_of(cap_)) [[likely]] {
        internal::defer_slot* s = cur_ + internal::count_of(n_);
        ::new (static_cast<void*>(s))
            C(internal::make_stored_call(std::forward<Fn>(fn), std::forward<Args>(args)...));
        s[1].run = &internal::defer_ops<C>::run;
        n_ = internal::as_count(internal::count_of(n_) + 2);
        ++extra_;
        return;
      }
    }
    defer_slow<C>(std::forward<Fn>(fn), std::forward<Args>(args)...);
  }
}

inline frame::frame() noexcept {
  // One %fs:-relative increment; it wraps to 0 only on a thread that has not registered yet.
  if (++internal::cur_depth == 0) [[unlikely]]
    internal::register_thread_entering();
  // Set after the calls above, so that the compiler still knows them when the body registers
  // its deferred calls and when run_return runs them.
  cur_ = slots_;
  n_ = internal::as_count(0);
  cap_ = internal::as_count(internal::kInlineSlots);
  accounted_ = false;
  moved_ = false;
  extra_ = 0;
#if GORT_FRAME_CHECKS
  magic_ = kLive;
#endif
}

// defer_slow stores an entry that needs a new chunk, several slots, or the heap.
template <class C, class Fn, class... Args>
inline void frame::defer_slow(Fn&& fn, Args&&... args) {
  constexpr std::uint32_t span = internal::span_of<C> == 0 ? 1 : internal::span_of<C>;
  if (internal::count_of(n_) + span > internal::count_of(cap_)) grow();
  internal::defer_slot* top = cur_ + internal::count_of(n_) + span - 1;
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
    if constexpr (span == 2)
      ++extra_;  // as on the fast path
    else if constexpr (span > 2)
      note_slow_entry(span, false, 0);
  }
  n_ = internal::as_count(internal::count_of(n_) + span);
}

// run_return runs the deferred calls after the body returned normally. A deferred call that
// panics leaves the frame consistent (the rest still pending) for drain().
//
// The newest call runs before the loop and before anything else touches memory: when the body
// was inlined, the compiler still knows what that slot holds and calls the deferred function
// directly, as Go's open-coded exit path does.
inline void frame::run_return() {
#if defined(__GNUC__) && !defined(__clang__) && defined(__OPTIMIZE__)
  // Inline only where the compiler still knows the frame's state (a body inlined into func that
  // made no call the frame could have been touched through): then the peeled call below is
  // direct and the rest folds away. Elsewhere (a body that called out, a loop) the inline copy
  // would only cost registers in every gort::func, which the unwinder pays for on each panic
  // (two CFI rules per saved register) and the prologue on each call.
  if (!__builtin_constant_p(n_) || !__builtin_constant_p(cur_ == slots_)) return run_return_out();
#endif
  run_return_in();
}

[[gnu::noinline]] inline void frame::run_return_out() {
  run_return_in();
}

inline void frame::run_return_in() {
  std::uint32_t n = internal::count_of(n_);
  if (cur_ == slots_) [[likely]] {
    if (n == 0) return;
    // account(), inlined. The counter update is one add that the compiler knows touches nothing
    // else (defer_core.hpp), so it still knows what the newest slot holds.
    cap_ = internal::as_count(0);
    accounted_ = true;
    internal::framed_state().count.defers_inline += n - extra_;
    --n;
    n_ = internal::as_count(n);
    slots_[n].run(&slots_[n]);
    // moved_ is still false here unless that call deferred more (the inline slots never grew).
    // A lone two-slot entry leaves only its lower slot, which is done.
    if (n != 0 || moved_) [[unlikely]] {
      if (n == 1 && slots_[0].run == &internal::skip_slot && !moved_) return;
      run_inline_rest(n);
    }
    return;
  }
  account();
  run_rest();
}

// run_inline_rest runs the n inline slots left after the peeled first call, unrolled: each
// step is a constant-offset indirect call, with no loop bookkeeping. Anything unusual (a
// deferred call that deferred more) falls back to run_rest().
[[gnu::noinline]] inline void frame::run_inline_rest(std::uint32_t n) {
  if (moved_ || n >= internal::kInlineSlots) [[unlikely]]
    return run_rest();
  switch (n) {
#define GORT_INLINE_STEP(k)        \
  case (k) + 1:                    \
    n_ = internal::as_count(k);    \
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
[[gnu::noinline]] inline void frame::run_rest() {
  for (;;) {
    if (moved_) [[unlikely]] {
      moved_ = false;
      count_late();
      cap_ = internal::as_count(0);  // see run_next
    }
    internal::defer_slot* cur = cur_;
    std::uint32_t n = internal::count_of(n_);
#pragma GCC unroll 4
    while (n != 0) {
      --n;
      n_ = internal::as_count(n);
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
inline bool frame::run_next() {
  if (!accounted_) account();
  if (moved_) {
    moved_ = false;
    count_late();
    // Close the chunk taken while the calls ran, as account() closed the frame's slots: a
    // deferred call run from it that defers more must take a fresh chunk (and set moved_), or
    // the loop, which keeps its position in a register, would step over the new call.
    cap_ = internal::as_count(0);
  }
  for (;;) {
    std::uint32_t n = internal::count_of(n_);
    if (n == 0) {
      if (cur_ == slots_) return false;
      pop_chunk();
      continue;
    }
    --n;
    n_ = internal::as_count(n);
    internal::defer_slot* s = cur_ + n;
    s->run(s);
    return true;
  }
}

// account adds this frame's entries to the counters, once, when its deferred calls start, and
// closes the slots: a defer registered by a running deferred call goes to a fresh chunk, above
// the one that is running.
inline void frame::account() {
  accounted_ = true;
  cap_ = internal::as_count(0);
  if (cur_ == slots_)
    internal::framed_state().count.defers_inline += internal::count_of(n_) - extra_;
  else
    account_chunks();
}

inline bool frame::outermost() const noexcept {
  return internal::cur_depth == 1;
}

namespace internal {

inline frame frame_access::make() noexcept {
  return frame();
}

template <class Run>
GORT_NO_SANITIZE_NULL inline void frame_access::guarded(frame& f, Run&& run) {
  try {
    run();
    f.run_return();
  }
#if defined(__GLIBCXX__)
  // First: a gort panic arrives as a forced unwind (src/defer/panic.cpp), and the personality
  // tries the clauses in order (a panic_signal clause costs it a type walk that fails).
  catch (abi::__forced_unwind& u) {
    f.on_forced(&u);  // a gort panic, or thread cancellation
  }
#endif
  catch (panic_signal& s) {
    f.on_panic(s.record());  // thrown as a normal exception: goexit, std::rethrow_exception
  } catch (...) {
    f.on_foreign();  // takes std::current_exception() itself: no temporary in every caller
  }
}

}  // namespace internal

// Not `inline`, as it never was: the compiler decides alone whether func's body goes into its
// caller.
template <class R, class Body>
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
