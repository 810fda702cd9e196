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
// Cost: deferred calls are stored in 24-byte slots. The first 8 slots sit inline in the frame
// (Go's open-coded defers: no allocation, no list); later ones go to 768-byte chunks of 32 slots
// from a per-thread pool (Go's per-P defer pool, one pool operation per chunk). A callable
// with its arguments takes one slot up to 16 bytes (a function pointer with an argument, a
// lambda capturing two references), two up to 40 bytes (so the frame holds 8 or 4 of them),
// more slots up to 448 bytes, and is allocated on the heap beyond that. gort::stats() counts
// each path.

#pragma once

#include <cstddef>
#include <cstdint>
#include <exception>

#include <gort/detail/defer_core.hpp>
#include <gort/detail/frame_core.hpp>
#include <gort/panic.hpp>

namespace gort {

// frame is one activation of a gort::func. Only gort::func creates frames; the body receives a
// reference to its own. Not copyable or movable. Thread safety: a frame belongs to the thread (or
// goroutine) running its function; defer() from another thread is undefined.
class frame {
 public:
  frame(const frame&) = delete;
  frame& operator=(const frame&) = delete;
  // The destructor leaves the frame; only gort::func's own frames are ever destroyed.
  ~frame();

  // defer registers `fn(args...)` to run when this function ends: after the body returns, when a
  // panic unwinds through it, or when the goroutine calls goexit(). Calls run last-in, first-out.
  // `fn` and `args` are decay-copied (or moved) now, as Go evaluates a deferred call's function
  // value and arguments at the defer statement, and invoked once as
  // std::invoke(std::move(fn), std::move(args)...), so member-function pointers and move-only
  // arguments work. Never blocks. Registering on a frame whose function has finished is a fatal
  // error (checked in debug builds, undefined behaviour otherwise).
  template <class Fn, class... Args>
  void defer(Fn&& fn, Args&&... args);

 private:
  // The machinery. Members, not a separate class, because the normal path needs the frame's
  // fields in registers and the exception paths and stack traces name frame:: (src/sched/crash.cpp
  // trims frames by that name). Defined inline in detail/frame_impl.hpp (the normal path: entry,
  // storing a deferred call, the run loop) and in src/defer/ (chunks, accounting, exceptions).
  friend struct internal::frame_access;

  static constexpr std::uint16_t kLive = 0xf4a3u;
  static constexpr std::uint16_t kDead = 0xdeadu;

  frame() noexcept;

  // Storing a deferred call: defer_slow takes an entry that needs a new chunk, several slots or
  // the heap; grow continues in a new chunk; note_slow_entry counts such an entry.
  template <class C, class Fn, class... Args>
  void defer_slow(Fn&& fn, Args&&... args);
  void grow();
  void note_slow_entry(std::uint32_t span, bool heap, std::size_t heap_bytes);

  // The run loop (detail/frame_impl.hpp): run_return after a normal return, run_next one call at
  // a time for the exception paths; pop_chunk goes back to the slots before a finished chunk.
  void run_return();
  void run_return_in();
  void run_return_out();                  // never inlined: see run_return
  void run_inline_rest(std::uint32_t n);  // these two never inlined: see their definitions
  void run_rest();
  bool run_next();
  void pop_chunk() noexcept;

  // Accounting: entries reach the counters once, when the frame's calls start.
  void account();
  void account_chunks();
  void count_late();  // counts the entries of chunks taken while the calls ran
  std::uint64_t chunk_entries(bool late_only, std::uint32_t* left);

  // Exception paths (src/defer/frame.cpp). Each runs the pending deferred calls in panic mode;
  // it returns normally when a deferred call recovered (the function then returns normally), and
  // otherwise rethrows the panic towards the parent frame.
  void on_panic(internal::panic_record* p);
  void on_foreign();  // the current exception
  void on_forced_unwind();
  void on_forced(void* caught);  // a forced unwind caught as &u: a gort panic, or cancellation
  void drain(internal::panic_record* p);
  bool outermost() const noexcept;
  void check_live() const;

  // n_ and cap_ are slot_counts on purpose (see defer_core.hpp): no int stored by a deferred
  // call's arguments can alias them, so the compiler keeps them in registers while the body
  // registers defers in a loop.
  // 16 bytes of bookkeeping. The four one-byte fields the normal path writes sit together, so
  // that the compiler merges their stores (entry, and the start of the calls) into one 4-byte
  // store each.
  internal::defer_slot* cur_;  // slot array being filled: slots_ or the newest chunk's
  internal::slot_count n_;     // slots used in cur_
  internal::slot_count cap_;   // slots usable in cur_ (0 while the deferred calls run)
  bool accounted_;             // entries counted in stats (done when the calls start)
  bool moved_;                 // grow() ran since run_rest() last looked
  std::uint8_t extra_;   // slots of cur_ not counted as entries by account() (stats; see grow)
  std::uint16_t magic_;  // kLive while the function runs (checked in debug builds)
  // 16-byte aligned, so that the 16-byte stores of callables in even slots are aligned (odd
  // slots start 8 bytes off; 24-byte slots: see docs/defer.md, third pass).
  alignas(16) internal::defer_slot slots_[internal::kInlineSlots];
};

// func runs `body` as one Go function activation and returns what it returns.
//
// With R = void, `body` is invocable as T(gort::frame&) and func returns T. With R given, `body`
// is invocable as void(gort::frame&, R&): R is the named result, value-initialized, that
// deferred calls may read and change after the body returned or recovered; func returns its
// final value. If a deferred call recovers a panic, func returns normally: the named result, or a
// value-initialized T (a T that is not default-constructible then is a fatal error).
template <class R = void, class Body>
auto func(Body&& body) -> typename internal::func_result<R, Body>::type;

}  // namespace gort

// The definitions of the above: the inline machinery.
#include <gort/detail/frame_impl.hpp>
