// Copyright 2026 The gort Authors.
//
// The frame core: how gort::func runs deferred calls on the paths where something unwinds.
//
// Terms (Go's, see runtime/panic.go):
//   frame     one activation of a gort::func. Lives on the stack of the code that called func;
//             not linked to other frames: frames nest, so defer_state::depth names the innermost.
//   defer     a deferred call. The first 8 small ones sit in the frame's inline slots (Go's
//             open-coded defers); later or larger ones are records chained newest-first.
//   panic     a panic_record on the thread's panic list (newest first), carried between frames by
//             a C++ exception: a panic_signal, or the user's own exception object.
//   goexit    a panic_record with goexit set: runs defers like a panic, recover() ignores it.
//
// Flow. gort::func runs the body inside one try block (frame_access::guarded). The normal path
// runs the deferred calls inline (frame::run_return, no call into this file). Anything that
// unwinds into the frame's handlers comes here: on_panic (a gort panic or goexit), on_foreign (a
// C++ exception), on_forced_unwind (thread cancellation). They all end in drain(), Go's gopanic
// loop for one frame: run the pending deferred calls newest first, each inside its own try
// block, then either return (recovered: func returns normally) or throw the panic on to the
// parent frame.
//
// Invariants.
//   - A deferred call is removed from the frame before it runs, so a deferred call that panics
//     leaves exactly the not-yet-run calls pending.
//   - Within drain, `p` is the panic the frame is running for, or nullptr when the frame runs its
//     calls because of a normal return (or after a recover). A panic escaping a deferred call
//     replaces `p`; if `p` was non-null it is marked aborted (Go: the newer panic "aborts" the
//     older, which is still printed, and removed when the newer one is recovered).
//   - recover() succeeds only while p->defer_depth is the innermost frame's depth: set around
//     each deferred call run for p, cleared afterwards. A new gort::func entered by the deferred
//     call becomes the innermost frame (one deeper), so recover() inside it returns nothing, as
//     in Go. While drain runs, cur_depth is this frame's depth: the frames it enclosed are gone.
//   - Recovery takes effect when the deferred call that recovered returns: p leaves the list with
//     every aborted panic under it; an aborted goexit under it resumes instead (Go 1.14+).
//
// Rejected: running deferred calls during the search phase (before the stack unwinds, as Go does)
// with a personality hook. It would run defers before the destructors of the body's locals, which
// C++ code cannot expect, and ties gort to one unwinder's internals.

#include <cstdlib>
#include <exception>

#include <gort/frame.hpp>

#include "defer/panic_record.hpp"
#include "pprof/defer_profile.hpp"

namespace gort {

using internal::defer_state;
using internal::panic_record;

void frame::on_panic(panic_record* p) {
  internal::adopt_signal(internal::framed_state(), internal::cur_depth, p);
  drain(p);
}

GORT_NO_SANITIZE_NULL void frame::on_forced(void* caught) {
  if (panic_record* p = internal::forced_panic(caught)) {
    on_panic(p);
    return;
  }
  // Thread cancellation (pthread_cancel/pthread_exit): run the deferred calls as goexit does.
  on_forced_unwind();
  throw;
}

void frame::on_foreign() {
  drain(internal::adopt_foreign(internal::framed_state(), internal::cur_depth,
                                std::current_exception()));
}

GORT_NO_SANITIZE_NULL void frame::drain(panic_record* p) {
  defer_state& ts = internal::framed_state();  // stays right if the goroutine moves
  for (;;) {
    if (p != nullptr) {
      p->state = internal::panic_state::processing;
      p->defer_depth = internal::cur_depth;
    }
    panic_record* newer = nullptr;
    bool ran;
    try {
      ran = run_next();
    }
#if defined(__GLIBCXX__)
    catch (abi::__forced_unwind& u) {  // first, as in frame_access::guarded
      newer = internal::forced_panic(&u);
      if (newer == nullptr) {
        if (p != nullptr) p->defer_depth = 0;
        on_forced_unwind();
        throw;
      }
      internal::adopt_signal(ts, internal::cur_depth, newer);
    }
#endif
    catch (internal::panic_signal& s) {
      newer = s.record();
      internal::adopt_signal(ts, internal::cur_depth, newer);
    } catch (...) {
      newer = internal::adopt_foreign(ts, internal::cur_depth, std::current_exception());
    }
    if (p != nullptr) p->defer_depth = 0;
    if (newer != nullptr) {
      if (p != nullptr && p != newer) p->aborted = true;
      p = newer;
      continue;
    }
    if (!ran) break;
    if (p != nullptr && p->recovered) {
      // Records created and swallowed inside the deferred call may sit above p.
      internal::prune_stale(ts, internal::cur_depth, p, false);
      panic_record* resume = nullptr;
      internal::remove_panic(ts, p);
      while (ts.panic != nullptr && ts.panic->aborted) {
        if (ts.panic->goexit) {
          resume = ts.panic;
          resume->aborted = false;
          break;
        }
        internal::remove_panic(ts, ts.panic);
      }
      p = resume;
    }
  }
  if (p == nullptr) return;  // recovered: the function returns normally
  if (outermost()) {
    if (p->goexit) {
      internal::clear_panics(ts);
      // On a goroutine, goexit ends the goroutine: unwind to its entry. On a plain thread it
      // ends the outermost gort::func, which returns normally.
      if (ts.is_goroutine) throw internal::goroutine_exit{};
      return;
    }
    internal::escape_outermost(ts, p);
  }
  p->state = internal::panic_state::in_flight;
  p->target = internal::cur_depth - 1;
  internal::rethrow_panic(p);
}

void frame::grow() {
  internal::defer_chunk* c = internal::pool_get();
  c->prev_cur = cur_;
  c->prev_n = internal::count_of(n_);
  c->prev_extra = extra_;
  c->late = accounted_;
  extra_ = 0;
  cur_ = c->slots;
  n_ = internal::as_count(0);
  cap_ = internal::as_count(internal::kChunkSlots);
  moved_ = true;
}

// Sums the one-slot entries of the chunks from the newest down: all of them, or (late_only) the
// chunks taken while the calls ran, which it marks counted. *left gets the entries (slots less
// extra_) of the region where the walk stopped.
std::uint64_t frame::chunk_entries(bool late_only, std::uint32_t* left) {
  std::uint64_t entries = 0;
  internal::defer_slot* s = cur_;
  std::uint32_t n = internal::count_of(n_);
  std::uint32_t extra = extra_;
  while (s != slots_) {
    internal::defer_chunk* c = internal::chunk_of(s);
    if (late_only) {
      if (!c->late) break;
      c->late = false;
    }
    entries += n - extra;
    n = c->prev_n;
    extra = c->prev_extra;
    s = c->prev_cur;
  }
  if (left != nullptr) *left = n - extra;
  return entries;
}

void frame::count_late() {
  internal::framed_state().count.defers_pooled += chunk_entries(true, nullptr);
}

void frame::pop_chunk() noexcept {
  internal::defer_chunk* c = internal::chunk_of(cur_);
  cur_ = c->prev_cur;
  n_ = internal::as_count(c->prev_n);
  extra_ = static_cast<std::uint8_t>(c->prev_extra);
  cap_ = internal::as_count(0);  // only called while the deferred calls run: see account()
  internal::pool_put(c);
}

void frame::account_chunks() {
  std::uint32_t in_frame;
  std::uint64_t pooled = chunk_entries(false, &in_frame);
  internal::counters& count = internal::framed_state().count;
  count.defers_inline += in_frame;
  count.defers_pooled += pooled;
}

void frame::note_slow_entry(std::uint32_t span, bool heap, std::size_t heap_bytes) {
  // The entry is counted here; its slots are excluded from the slot counts account() uses.
  std::uint32_t extra = heap ? 1 : span;
  bool in_frame = cur_ == slots_;
  extra_ = static_cast<std::uint8_t>(extra_ + extra);
  internal::counters& count = internal::framed_state().count;
  if (heap) {
    ++count.defers_heap;
    count.defer_heap_bytes += heap_bytes;
    internal::note_defer_alloc(internal::defer_alloc::heap, heap_bytes);  // src/pprof/
  } else if (in_frame) {
    ++count.defers_inline;
  } else {
    ++count.defers_pooled;
  }
}

void frame::on_forced_unwind() {
  // The thread is being cancelled (pthread_cancel/pthread_exit): run what is pending the way
  // goexit does, with recover() disabled, then let the unwind go on.
  defer_state& ts = internal::framed_state();  // stays right if the goroutine moves
  panic_record* g = internal::alloc_panic();
  g->goexit = true;
  g->state = internal::panic_state::processing;
  internal::push_panic(ts, g);
  for (;;) {
    bool ran;
    try {
      ran = run_next();
    } catch (...) {
      internal::fatal("panic in a deferred call while the thread was being cancelled");
    }
    if (!ran) break;
  }
  internal::remove_panic(ts, g);
}

void frame::check_live() const {
  if (magic_ != kLive)
    internal::fatal("gort::frame used after its function finished (defer on a dead frame)");
}

namespace internal {

void fatal_no_value_after_recover() {
  fatal(
      "gort::func recovered a panic but its result type cannot be value-initialized; use a named "
      "result (gort::func<R>) for functions that recover");
}

}  // namespace internal
}  // namespace gort
