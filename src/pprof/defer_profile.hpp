// Copyright 2026 The gort Authors.
//
// The defer heap profile's hook in the frame core (Go's mProf_Malloc, called from mallocgc when
// a sample is due). Internal; the design is defer_profile.cpp's comment.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace gort::internal {

enum class defer_alloc { heap, pool_miss };

// Sampling rate in bytes (0: off). kRateUnread until GORT_DEBUG has been read.
inline constexpr std::uint64_t kRateUnread = ~std::uint64_t{0};
extern std::atomic<std::uint64_t> defer_profile_rate_bytes;

void defer_profile_note_slow(defer_alloc kind, std::size_t bytes);

// note_defer_alloc is called on the frame core's allocating paths only (a deferred call put on
// the heap, a pool miss): one relaxed load and a branch when the profile is off.
inline void note_defer_alloc(defer_alloc kind, std::size_t bytes) {
  if (defer_profile_rate_bytes.load(std::memory_order_relaxed) != 0)
    defer_profile_note_slow(kind, bytes);
}

}  // namespace gort::internal
