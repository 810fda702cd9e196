// Copyright 2026 The gort Authors.
//
// What <gort/frame.hpp> needs declared before class gort::frame and gort::func: the debug-check
// switch, frame_access (the one door through which func builds a frame and runs its body), and
// func's result type. The definitions that need a complete frame are in detail/frame_impl.hpp.
// Nothing here is public API; see src/defer/frame.cpp for the design.

#pragma once

#include <type_traits>

#include <gort/detail/defer_core.hpp>

// GORT_FRAME_CHECKS: the frame core's own debug checks (a frame's liveness word). On unless
// NDEBUG; Release builds compile them out. The runtime's own checks (state transitions, lock
// ranks) have their own switch, GORT_RUNTIME_CHECKS in src/sched/checks.hpp.
#if !defined(GORT_FRAME_CHECKS)
#if defined(NDEBUG)
#define GORT_FRAME_CHECKS 0
#else
#define GORT_FRAME_CHECKS 1
#endif
#endif

// UBSan flags the catch of abi::__forced_unwind (which has no C++ object) as a null reference
// binding; the handler never reads it.
#if defined(__GNUC__)
#define GORT_NO_SANITIZE_NULL __attribute__((no_sanitize("null")))
#else
#define GORT_NO_SANITIZE_NULL
#endif

namespace gort {
class frame;
}  // namespace gort

namespace gort::internal {

// frame_access builds frames and runs a body inside one (frame's constructor and run loop are
// private). Defined in detail/frame_impl.hpp.
struct frame_access {
  static frame make() noexcept;
  // guarded runs run(), then the frame's deferred calls; a panic, a C++ exception or a forced
  // unwind that leaves run() or a deferred call goes to the frame's exception paths.
  template <class Run>
  GORT_NO_SANITIZE_NULL static void guarded(frame& f, Run&& run);
};

[[noreturn]] void fatal_no_value_after_recover();

// recovered_result is what func returns when a deferred call recovered: a value-initialized T,
// or a fatal error for a T that has none.
template <class T>
T recovered_result() {
  if constexpr (std::is_default_constructible_v<T> && !std::is_reference_v<T>)
    return T{};
  else
    fatal_no_value_after_recover();
}

// func_result<R, Body>::type is what gort::func<R>(body) returns: R, or with R = void whatever
// body(frame&) returns.
template <class R, class Body>
struct func_result {
  using type = R;
};
template <class Body>
struct func_result<void, Body> {
  using type = std::invoke_result_t<Body&, frame&>;
};

}  // namespace gort::internal
