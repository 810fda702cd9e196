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

// Bytes this thread may still allocate before its next sample (Go's mcache.nextSample); <= 0:
// take one (defer_profile_note_slow draws the next gap). Starts at 0, so the first allocation
// reads the rate.
extern constinit thread_local std::int64_t defer_sample_countdown;

void defer_profile_note_slow(defer_alloc kind, std::size_t bytes);

// note_defer_alloc is called on the frame core's allocating paths only (a deferred call put on
// the heap, a pool miss): a relaxed load and a branch when the profile is off; a thread-local
// subtraction and a branch more when it is on and no sample is due.
inline void note_defer_alloc(defer_alloc kind, std::size_t bytes) {
  if (defer_profile_rate_bytes.load(std::memory_order_relaxed) == 0) return;
  if ((defer_sample_countdown -= static_cast<std::int64_t>(bytes)) > 0) return;
  defer_profile_note_slow(kind, bytes);
}

}  // namespace gort::internal
