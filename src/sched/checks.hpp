// Copyright 2026 The gort Authors.
//
// GORT_RUNTIME_CHECKS switches the runtime's own invariant checks: G/P/M state transitions
// (status.hpp) and lock ranks (lock.hpp). On in builds without NDEBUG (the Debug, ASan and TSan
// presets), off in Release; -DGORT_RUNTIME_CHECKS=0/1 overrides. Separate from the frame core's
// GORT_FRAME_CHECKS (include/gort/detail/frame_core.hpp), which user code compiles and may set on
// its own: this one is fixed when libgort is built. Internal.

#pragma once

#if !defined(GORT_RUNTIME_CHECKS)
#if defined(NDEBUG)
#define GORT_RUNTIME_CHECKS 0
#else
#define GORT_RUNTIME_CHECKS 1
#endif
#endif
